/**
 * GlusterStorage in the platform graph (mocks): protection, engine semantics of the remote
 * steps, ordering, a mount on every kubelet host, parallel hosts, locality of growth.
 */
import { strict as assert } from "node:assert";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";

const COMMAND = "command:remote:Command";
const of = (g: Graph, type: string, name: RegExp) => g.resources.filter((r) => r.type === type && name.test(r.name));
const one = (g: Graph, type: string, name: RegExp): RecordedResource => {
  const found = of(g, type, name);
  assert.equal(found.length, 1, `${type} ${name}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
};

describe("GlusterStorage in the platform graph", function () {
  this.timeout(120_000);
  let graph: Graph;
  before(async function () {
    graph = await runProgram(prodConfig());
  });

  it("protects the volume command and never deletes it; it carries no triggers (a protected step is never replaced)", function () {
    const volume = one(graph, COMMAND, /^storage-volume-k8s-data$/);
    assert.equal(volume.protect, true);
    assert.equal(volume.retainOnDelete, true);
    assert.equal(volume.inputs.delete, undefined, "no delete command");
    assert.equal(volume.inputs.triggers, undefined);
    assert.equal(volume.inputs.addPreviousOutputInEnv, false);
  });

  it("every step that puts files or services on a host re-runs on a rebuilt host and has no delete command", function () {
    const steps = of(graph, COMMAND, /^storage-(prepare|mount|quota)-/);
    assert.ok(steps.length > 0);
    for (const step of steps) {
      assert.equal(step.inputs.delete, undefined, `${step.name} has no delete command`);
      assert.equal(step.inputs.addPreviousOutputInEnv, false, step.name);
      const host = step.name.replace(/^storage-(prepare|mount|quota)-/, "");
      const prep = one(graph, COMMAND, new RegExp(`^${host}-prep$`));
      assert.equal((step.inputs.triggers as unknown[] | undefined)?.length, 1, `${step.name} has one trigger`);
      assert.deepEqual(step.propertyDependencies.triggers, [prep.urn], `${step.name} triggers on ${prep.name}'s id`);
      assert.ok(step.dependencies.includes(prep.urn), `${step.name} waits for ${prep.name}`);
    }
  });

  it("creates the volume after every storage host is prepared, hosts preparing in parallel", function () {
    const prepared = of(graph, COMMAND, /^storage-prepare-gfs-\d+$/);
    assert.equal(prepared.length, 10);
    const volume = one(graph, COMMAND, /^storage-volume-k8s-data$/);
    for (const p of prepared) {
      assert.ok(volume.dependencies.includes(p.urn), `volume waits for ${p.name}`);
      assert.ok(!prepared.some((q) => q !== p && p.dependencies.includes(q.urn)));
    }
  });

  it("mounts the volume on every kubelet host and every storage host, after the volume", function () {
    const volume = one(graph, COMMAND, /^storage-volume-k8s-data$/);
    const mounts = of(graph, COMMAND, /^storage-mount-/);
    const expected = prodConfig() as { hosts: { name: string; roles: string[] }[] };
    const names = expected.hosts
      .filter((h) => ["worker", "master", "storage"].some((r) => h.roles.includes(r))) // masters run kubelet
      .map((h) => h.name);
    assert.deepEqual(mounts.map((m) => m.name.replace("storage-mount-", "")).sort(), [...names].sort());
    for (const m of mounts) assert.ok(m.dependencies.includes(volume.urn), `${m.name} waits for the volume`);
    // No NFS export, no Ganesha: the native client talks to every brick.
    assert.equal(of(graph, COMMAND, /ganesha/).length, 0);
    for (const m of mounts) assert.doesNotMatch(String(m.inputs.stdin), /nfs/i);
  });

  it("the provisioner waits for every mount and quota agent; the StorageClass for the provisioner", function () {
    const provisioner = one(graph, "kubernetes:helm.sh/v3:Release", /glusterfs-provisioner/);
    const deps = new Set(provisioner.dependencies);
    for (const step of of(graph, COMMAND, /^storage-(mount|quota)-/)) assert.ok(deps.has(step.urn), step.name);
    assert.equal((provisioner.inputs as { chart?: string }).chart, "local-path-provisioner");
    const sc = one(graph, "kubernetes:storage.k8s.io/v1:StorageClass", /glusterfs/);
    assert.ok(sc.dependencies.includes(provisioner.urn));
    assert.ok(sc.provider, "StorageClass uses the cluster provider");
    assert.equal((sc.inputs as { reclaimPolicy?: string }).reclaimPolicy, "Retain");
  });

  it("the monitoring and logging volumes are claimed only after the StorageClass exists (first rollout)", function () {
    const sc = one(graph, "kubernetes:storage.k8s.io/v1:StorageClass", /glusterfs/);
    const claimers = graph.resources.filter(
      (r) =>
        (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") &&
        /kube-prometheus-stack|opensearch$/.test(String(r.inputs.chart)),
    );
    assert.equal(claimers.length, 2, claimers.map((r) => r.name).join(", "));
    const closure = (urn: string, seen = new Set<string>()): Set<string> => {
      for (const d of graph.byUrn.get(urn)?.dependencies ?? []) if (!seen.has(d)) closure(d, seen.add(d));
      const parent = graph.byUrn.get(urn)?.parent;
      if (parent && !seen.has(parent)) closure(parent, seen.add(parent));
      return seen;
    };
    for (const r of claimers) assert.ok(closure(r.urn).has(sc.urn), `${r.name} waits for the StorageClass`);
  });

  it("adding 5 storage hosts (one group of disperse) changes only the volume command and adds the new hosts' resources", async function () {
    const raw = clone(prodConfig()) as {
      hosts: { name: string; address: string; roles: string[]; bricks?: string[]; hostKey?: string }[];
    };
    for (let i = 21; i <= 25; i++)
      raw.hosts.push({
        name: `gfs-${i}`,
        address: `10.10.3.${i}`,
        roles: ["storage"],
        bricks: ["/data/glusterfs/brick1", "/data/glusterfs/brick2"],
        hostKey: fakeHostKey(`gfs-${i}`),
      });
    const grown = await runProgram(raw);
    const before = new Map(graph.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const changedStorage = grown.resources
      .filter(
        (r) => r.name.startsWith("storage-") && before.has(r.urn) && before.get(r.urn) !== JSON.stringify(r.inputs),
      )
      .map((r) => r.name);
    assert.deepEqual(changedStorage, ["storage-volume-k8s-data"]);
    const added = grown.resources.filter((r) => r.name.startsWith("storage-") && !before.has(r.urn)).map((r) => r.name);
    assert.deepEqual(
      added.sort(),
      ["prepare", "mount", "quota"].flatMap((s) => [21, 22, 23, 24, 25].map((i) => `storage-${s}-gfs-${i}`)).sort(),
    );
    const volume = one(grown, COMMAND, /^storage-volume-k8s-data$/);
    const sets = /^BRICK_SETS='([^']*)'$/m.exec(String(volume.inputs.stdin))?.[1].split("\n") ?? [];
    const oldSets =
      /^BRICK_SETS='([^']*)'$/m
        .exec(String(one(graph, COMMAND, /^storage-volume-k8s-data$/).inputs.stdin))?.[1]
        .split("\n") ?? [];
    assert.deepEqual(sets.slice(0, oldSets.length), oldSets);
    assert.equal(sets.length, oldSets.length + 2);
  });
});
