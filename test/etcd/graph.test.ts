/**
 * The EtcdCluster in the program's graph: the pre-change snapshot ahead of every member
 * change, parallel installs, one-at-a-time starts, the health gate, protected members, and
 * what growing the cluster (member add) changes.
 */
import { strict as assert } from "node:assert";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { diffGraphs, type Change } from "../../stacks/plan/diff";
import type { RecordedResource } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { find, ofType, transitiveDependencies } from "../support/graph";
import { grownEtcdConfig } from "./fixtures";

const CMD = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";
const cmd = (g: Graph, name: string) => find(g, CMD, name);
const dependsOn = (g: Graph, r: RecordedResource, on: RecordedResource) => transitiveDependencies(g, r.urn).has(on.urn);
const stdinOf = (r: RecordedResource) => String(r.inputs.stdin ?? "");
const assetText = (r: RecordedResource): string => {
  const source = r.inputs.source as { $asset?: string; $secret?: { $asset?: string } };
  return String(source.$asset ?? source.$secret?.$asset ?? "");
};

describe("EtcdCluster in the graph", function () {
  this.timeout(300_000);
  let prod: Graph;
  let grown: Graph;
  let changes: Change[];

  before(async () => {
    prod = await runProgram(prodConfig());
    grown = await runProgram(grownEtcdConfig());
    changes = diffGraphs(prod, grown);
  });

  it("takes the pre-change snapshot on the first member before anything on any member", () => {
    const snapshot = cmd(prod, "etcd-pre-change-snapshot");
    assert.ok(
      snapshot.dependencies.some((d) => d.endsWith("::etcd-1-prep")),
      "the snapshot waits for etcd-1's host prep",
    );
    assert.match(stdinOf(snapshot), /^SNAPSHOT_LABEL=pre-change$/m);
    assert.match(stdinOf(snapshot), /snapshot save/);
    const memberResources = prod.resources.filter((r) => /^etcd-etcd-\d+-/.test(r.name));
    assert.ok(memberResources.length >= 3 * 15, `expected every member's resources, got ${memberResources.length}`);
    for (const r of [...memberResources, cmd(prod, "etcd-health")])
      assert.ok(dependsOn(prod, r, snapshot), `${r.name} must come after the snapshot`);
  });

  it("re-runs the snapshot whenever the etcd or Kubernetes version changes", async () => {
    const raw = clone(prodConfig());
    raw.versions = { ...(raw.versions as object), kubernetes: "1.35.2" };
    const bumped = await runProgram(raw);
    const change = diffGraphs(prod, bumped).find((c) => c.urn === cmd(prod, "etcd-pre-change-snapshot").urn);
    assert.ok(change, "the snapshot must change with the Kubernetes version");
    assert.equal(change.op, "update", "re-run in place: the fingerprint is in stdin, triggers would replace");
    assert.ok(
      change.inputs.some((i) => i.path === "stdin"),
      JSON.stringify(change.inputs),
    );
  });

  it("installs members in parallel and starts them one after another", () => {
    const members = ["etcd-1", "etcd-2", "etcd-3"];
    for (const a of members) {
      for (const b of members) {
        if (a === b) continue;
        assert.ok(
          !dependsOn(prod, cmd(prod, `etcd-${a}-install`), cmd(prod, `etcd-${b}-install`)),
          `${a} install must not wait for ${b}`,
        );
      }
    }
    assert.ok(dependsOn(prod, cmd(prod, "etcd-etcd-2-start"), cmd(prod, "etcd-etcd-1-start")));
    assert.ok(dependsOn(prod, cmd(prod, "etcd-etcd-3-start"), cmd(prod, "etcd-etcd-2-start")));
    for (const m of members) assert.ok(dependsOn(prod, cmd(prod, `etcd-${m}-start`), cmd(prod, `etcd-${m}-install`)));
  });

  it("gates on `endpoint health --cluster` after every member started", () => {
    const health = cmd(prod, "etcd-health");
    assert.match(stdinOf(health), /endpoint health --cluster/);
    for (const m of ["etcd-1", "etcd-2", "etcd-3"]) assert.ok(dependsOn(prod, health, cmd(prod, `etcd-${m}-start`)), m);
  });

  it("copies each member its own certificates, keys as secrets, and a unit naming its own address", () => {
    for (const [m, address] of [
      ["etcd-1", "10.10.1.11"],
      ["etcd-2", "10.10.1.12"],
      ["etcd-3", "10.10.1.13"],
    ]) {
      const unit = assetText(find(prod, COPY, `etcd-${m}-etcd.service`));
      assert.match(unit, new RegExp(`--listen-peer-urls=https://${address.replace(/\./g, "\\.")}:2380`));
      assert.match(unit, /--initial-cluster-state=new/);
      for (const key of ["server.key", "peer.key", "healthcheck-client.key"]) {
        const copy = find(prod, COPY, `etcd-${m}-${key}`);
        assert.ok("$secret" in (copy.inputs.source as object), `${m} ${key} must be secret`);
        assert.equal(copy.inputs.remotePath, `/var/lib/k8s-platform/etcd/stage/${key}`);
      }
    }
  });

  it("protects each member from deletion by a config edit", () => {
    const anchors = ofType(prod, CMD).filter((r) => /^etcd-etcd-\d+-member$/.test(r.name));
    assert.equal(anchors.length, 3);
    for (const a of anchors) {
      assert.equal(a.protect, true, a.name);
      assert.equal(a.retainOnDelete, true, a.name);
    }
    const shrink = diffGraphs(grown, prod)
      .filter((c) => c.op === "protected-delete")
      .map((c) => c.urn.replace(/.*::/, ""));
    assert.deepEqual(shrink.sort(), ["etcd-etcd-4-member", "etcd-etcd-5-member"]);
  });

  it("adds members to a running cluster with `member add`, one at a time, from an existing member", () => {
    const add4 = cmd(grown, "etcd-etcd-4-member-add");
    const add5 = cmd(grown, "etcd-etcd-5-member-add");
    assert.match(stdinOf(add4), /^ETCD_PEER_URL=https:\/\/10\.10\.1\.14:2380$/m);
    assert.match(stdinOf(add4), /member add/);
    // Runs on etcd-1 (a member of the running cluster), after the bootstrap members started.
    assert.equal(JSON.stringify(add4.inputs.connection).includes("10.10.1.11"), true);
    assert.ok(dependsOn(grown, add4, cmd(grown, "etcd-etcd-3-start")));
    assert.ok(dependsOn(grown, cmd(grown, "etcd-etcd-4-start"), add4));
    assert.ok(dependsOn(grown, add5, cmd(grown, "etcd-etcd-4-start")), "etcd-5 joins only after etcd-4 has");
    assert.ok(
      !grown.resources.some((r) => /^etcd-etcd-[123]-member-add$/.test(r.name)),
      "bootstrap members are never added",
    );
    const unit4 = assetText(find(grown, COPY, "etcd-etcd-4-etcd.service"));
    assert.match(unit4, /--initial-cluster-state=existing/);
    assert.match(
      unit4,
      /--initial-cluster=etcd-1=https:\/\/10\.10\.1\.11:2380,etcd-2=[^ ]*,etcd-3=[^ ]*,etcd-4=https:\/\/10\.10\.1\.14:2380 /,
    );
  });

  it("growing the cluster leaves the existing members untouched except the snapshot and health gate", () => {
    const touched = changes
      .filter((c) => /etcd-[123]\b|pre-change|etcd-health|EtcdCluster/.test(c.urn) && c.op !== "create")
      .map((c) => `${c.op} ${c.urn.replace(/.*::/, "")}`);
    // A changed fingerprint in stdin re-runs a Command in place: the snapshot first, the gate last.
    assert.deepEqual(touched.sort(), ["update etcd-health", "update etcd-pre-change-snapshot"]);
    const created = changes.filter((c) => c.op === "create").map((c) => c.urn.replace(/.*::/, ""));
    for (const name of [
      "etcd-etcd-4-member",
      "etcd-etcd-4-install",
      "etcd-etcd-4-start",
      "etcd-etcd-5-member-add",
      "pki-etcd-server-etcd-5-cert",
    ]) {
      assert.ok(created.includes(name), `${name} is created`);
    }
  });
});
