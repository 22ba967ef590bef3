/**
 * Runbook: remove etcd members 5 -> 3 (docs/operations/etcd-remove-members.md), on a real
 * 5-member etcd deployed by the lab from the program's plan (three bootstrap members, two
 * added with `member add`), while a writer runs: leadership moved off a leaving member,
 * `member remove`, `systemctl disable --now etcd` on it, `pulumi state unprotect`, then the
 * config edit, whose plan runs nothing on any host (the leaving members' steps are
 * retained; nothing on the staying members restarts).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { loadOrThrow } from "../../stacks/contract/load";
import { requireTool } from "../support/tools";
import { EtcdClient, EtcdLab, RUNBOOK_ADDRESSES, runbookConfig, waitUntil, Writer } from "./etcd-lab";
import { assertIntact, requireLabRoot } from "./etcd-checks";

const STAYING = RUNBOOK_ADDRESSES.slice(0, 3);

describe("runbook: remove etcd members (5 -> 3)", function () {
  this.timeout(600_000);
  let dir = "";
  let lab: EtcdLab;
  let deployed: Graph;
  let client: EtcdClient;
  let writer: Writer | undefined;

  before(async function () {
    requireTool(this, "etcd", "etcdctl");
    requireLabRoot(this);
    dir = mkdtempSync(join(tmpdir(), "runbook-etcd-remove-"));
    lab = new EtcdLab(dir);
    const raw = runbookConfig(5, ["etcd-1", "etcd-2", "etcd-3"]);
    deployed = await runProgram(raw);
    lab.up(deployed, loadOrThrow(raw).spec);
    client = new EtcdClient(join(dir, "client"), deployed);
    await waitUntil(
      "a healthy 5-member cluster",
      () => client.run(RUNBOOK_ADDRESSES, ["endpoint", "health"]).status === 0,
    );
  });

  after(async () => {
    await writer?.stop();
    lab?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("removes etcd-4 and etcd-5 with the doc's steps: quorum kept, nothing restarted, every write kept", async () => {
    writer = new Writer(dir, client, STAYING);
    await writer.progress();
    const staying = ["etcd-1", "etcd-2", "etcd-3"].map((n) => lab.host(n));
    const pids = staying.map((h) => h.pid());
    const calls = staying.map((h) => h.systemctlCalls().length);

    for (const name of ["etcd-4", "etcd-5"]) {
      const members = client.members(STAYING);
      const leaving = members.find((m) => m.name === name);
      const stays = members.find((m) => m.name === "etcd-1");
      assert.ok(leaving && stays);
      // 1. Leadership off the leaving member first (no election when it goes).
      if (client.leader(STAYING[0]) === leaving.id) {
        const moved = client.run(RUNBOOK_ADDRESSES, ["move-leader", stays.id]);
        assert.equal(moved.status, 0, moved.out);
      }
      // 2. member remove <ID>, then 3. on the host: systemctl disable --now etcd.
      const removed = client.run(STAYING, ["member", "remove", leaving.id]);
      assert.equal(removed.status, 0, removed.out);
      const host = lab.host(name);
      const stopped = host.bash("systemctl disable --now etcd\n");
      assert.equal(stopped.status, 0, stopped.out);
      assert.equal(host.pid(), undefined, `${name}'s etcd is stopped`);
      await writer.progress(3);
    }
    assert.deepEqual(
      client
        .members(STAYING)
        .map((m) => m.name)
        .sort(),
      ["etcd-1", "etcd-2", "etcd-3"],
    );

    // 4. The config edit alone fails: the members are protected.
    const raw = runbookConfig(3, ["etcd-1", "etcd-2", "etcd-3"]);
    const after = await runProgram(raw);
    const spec = loadOrThrow(raw).spec;
    assert.throws(() => lab.up(after, spec), /pulumi up fails: .*protected-delete etcd-etcd-4-member/);
    assert.throws(() => lab.up(after, spec), /protected-delete etcd-etcd-5-member/);

    // 5. pulumi state unprotect <each member URN>, then pulumi up.
    const anchors = ["etcd-etcd-4-member", "etcd-etcd-5-member"];
    const unprotected = deployed.resources.map((r) => (anchors.includes(r.name) ? { ...r, protect: false } : r));
    lab.graph = { ...deployed, resources: unprotected, byUrn: new Map(unprotected.map((r) => [r.urn, r])) };
    const { plan, executed } = lab.up(after, spec);

    const ran = executed.filter((e) => e.done === "ran").map((e) => `${e.change.op} ${e.change.name}`);
    assert.deepEqual(ran.sort(), ["update etcd-health", "update etcd-pre-change-snapshot"]);
    const leaving = plan.changes.filter((c) => /etcd-[45]/.test(c.name));
    for (const c of leaving) {
      const runs = c.op === "delete" && typeof deployed.byUrn.get(c.urn)?.inputs.delete === "string";
      assert.ok(
        (c.op === "retain" || c.op === "delete") && !runs,
        `${c.op} ${c.name}: nothing may run on a leaving host`,
      );
    }
    assert.ok(leaving.some((c) => c.name === "etcd-etcd-4-member" && c.op === "retain"));
    assert.ok(
      plan.changes.every((c) => !/etcd-etcd-[123]-/.test(c.name)),
      "no step of a staying member changes",
    );
    assert.deepEqual(
      staying.map((h) => h.pid()),
      pids,
      "no staying member was restarted",
    );
    staying.forEach((h, i) => assert.deepEqual(h.systemctlCalls().slice(calls[i]), [], h.name));

    await writer.progress();
    await writer.stop();
    await assertIntact(client, writer, STAYING);
    const { writes, errors } = writer.failures();
    assert.deepEqual(writes, [], `writes failed during the runbook: ${errors}`);
  });
});
