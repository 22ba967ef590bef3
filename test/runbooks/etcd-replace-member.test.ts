/**
 * Runbook: replace a failed etcd member (docs/operations/etcd-replace-member.md), on a real
 * 3-member etcd deployed by the lab from the program's plan, while a writer runs. The
 * member's machine dies; the doc's steps run: `member remove`, the config edit, and
 * `pulumi up --replace <prep URN>`, whose plan is checked (only the rebuilt member's steps,
 * the snapshot and the health gate run; the survivors' unit is re-installed in place,
 * never restarted) and then carried out with the rendered scripts.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { loadOrThrow } from "../../stacks/contract/load";
import { requireTool } from "../support/tools";
import { EtcdClient, EtcdLab, RUNBOOK_ADDRESSES, runbookConfig, waitUntil, Writer } from "./etcd-lab";
import { requireLabRoot, assertIntact } from "./etcd-checks";

const [A1, A2, A3] = RUNBOOK_ADDRESSES;

describe("runbook: replace a failed etcd member (same name and address, new machine)", function () {
  this.timeout(600_000);
  let dir = "";
  let lab: EtcdLab;
  let deployed: Graph;
  let client: EtcdClient;
  let writer: Writer | undefined;

  before(async function () {
    requireTool(this, "etcd", "etcdctl");
    requireLabRoot(this);
    dir = mkdtempSync(join(tmpdir(), "runbook-etcd-replace-"));
    lab = new EtcdLab(dir);
    const raw = runbookConfig(3);
    deployed = await runProgram(raw);
    lab.up(deployed, loadOrThrow(raw).spec);
    client = new EtcdClient(join(dir, "client"), deployed);
    await waitUntil("a healthy 3-member cluster", () => client.run([A1, A2, A3], ["endpoint", "health"]).status === 0);
  });

  after(async () => {
    await writer?.stop();
    lab?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("rebuilds etcd-3 with the doc's steps: quorum kept, survivors never restarted, every write kept", async () => {
    // The machine dies; the two survivors elect a leader if it was etcd-3.
    lab.host("etcd-3").fail();
    await waitUntil("a leader among the survivors", () => client.leader(A1) !== undefined && client.leader(A1) !== "0");
    writer = new Writer(dir, client, [A1, A2]);
    await writer.progress();

    // 1. member list / member remove <ID of etcd-3> on a healthy member.
    const failed = client.members([A1]).find((m) => m.name === "etcd-3");
    assert.ok(failed, "etcd-3 is a member before the removal");
    const removed = client.run([A1], ["member", "remove", failed.id]);
    assert.equal(removed.status, 0, removed.out);

    // 2. etcd.initialMembers: the other etcd hosts.
    const raw = runbookConfig(3, ["etcd-1", "etcd-2"]);
    const after = await runProgram(raw);
    const prep = deployed.resources.find((r) => r.name === "etcd-3-prep");
    assert.ok(prep);

    // 3. pulumi up --replace <etcd-3 prep URN>.
    const survivors = ["etcd-1", "etcd-2"].map((n) => lab.host(n));
    const pids = survivors.map((h) => h.pid());
    const calls = survivors.map((h) => h.systemctlCalls().length);
    const { plan, executed } = lab.up(after, loadOrThrow(raw).spec, { replace: [prep.urn] });

    const steps = plan.changes.map((c) => `${c.op} ${c.name}`).sort();
    const rebuilt = [
      "stage",
      "ca.crt",
      "server.crt",
      "server.key",
      "peer.crt",
      "peer.key",
      "healthcheck-client.crt",
      "healthcheck-client.key",
      "etcd.service",
      "etcd-backup.service",
      "etcd-backup.timer",
      "etcd-snapshot.sh",
      "install",
      "start",
    ].map((s) => `replace etcd-etcd-3-${s}`);
    assert.deepEqual(
      steps,
      [
        "replace etcd-3-prep",
        ...rebuilt,
        "create etcd-etcd-3-member-add",
        // The survivors' unit names a shorter --initial-cluster (read only at bootstrap):
        // re-copied and re-installed in place, their start step does not run.
        "update etcd-etcd-1-etcd.service",
        "update etcd-etcd-1-install",
        "update etcd-etcd-2-etcd.service",
        "update etcd-etcd-2-install",
        "update etcd-pre-change-snapshot",
        "update etcd-health",
      ].sort(),
    );
    assert.ok(
      executed.every((e) => e.done !== "outside"),
      "nothing outside etcd changes",
    );
    for (const c of plan.changes.filter((x) => /etcd-etcd-[12]-etcd\.service/.test(x.name))) {
      const text = JSON.stringify(c.inputs);
      assert.match(text, /initial-cluster=etcd-1=[^ ]*,etcd-2=https:[^,]*:2380 /, c.name);
    }

    // The survivors kept running the same process; their systemctl saw no stop/start/restart.
    assert.deepEqual(
      survivors.map((h) => h.pid()),
      pids,
    );
    survivors.forEach((h, i) => {
      const since = h.systemctlCalls().slice(calls[i]);
      assert.ok(
        since.every((c) => !/^(stop|start|restart|disable)\b/.test(c)),
        `${h.name}: ${since.join("; ")}`,
      );
    });
    const members = client.members([A1]);
    assert.deepEqual(members.map((m) => m.name).sort(), ["etcd-1", "etcd-2", "etcd-3"]);
    assert.ok(
      members.every((m) => m.name !== ""),
      "every member started",
    );

    await writer.progress();
    await writer.stop();
    await assertIntact(client, writer, [A1, A2, A3]);
    const { writes, errors } = writer.failures();
    assert.deepEqual(writes, [], `writes failed during the runbook: ${errors}`);
  });
});
