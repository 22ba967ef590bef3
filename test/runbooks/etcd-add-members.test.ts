/**
 * Runbook: add etcd members 3 -> 5 (docs/operations/etcd-add-members.md), on a real etcd
 * deployed by the lab from the program's plan, while a writer runs: the config edit's plan
 * creates the two new members (member add, then start, one after the other) and touches no
 * existing member beyond the snapshot and the health gate; carried out with the rendered
 * scripts, the three members keep their processes and every write is on all five.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { load, loadOrThrow } from "../../stacks/contract/load";
import { requireTool } from "../support/tools";
import { EtcdClient, EtcdLab, RUNBOOK_ADDRESSES, runbookConfig, waitUntil, Writer } from "./etcd-lab";
import { assertIntact, requireLabRoot } from "./etcd-checks";

const THREE = RUNBOOK_ADDRESSES.slice(0, 3);

describe("runbook: add etcd members (3 -> 5)", function () {
  this.timeout(600_000);
  let dir = "";
  let lab: EtcdLab;
  let deployed: Graph;
  let client: EtcdClient;
  let writer: Writer | undefined;

  before(async function () {
    requireTool(this, "etcd", "etcdctl");
    requireLabRoot(this);
    dir = mkdtempSync(join(tmpdir(), "runbook-etcd-add-"));
    lab = new EtcdLab(dir);
    const raw = runbookConfig(3);
    deployed = await runProgram(raw);
    lab.up(deployed, loadOrThrow(raw).spec);
    client = new EtcdClient(join(dir, "client"), deployed);
    await waitUntil("a healthy 3-member cluster", () => client.run(THREE, ["endpoint", "health"]).status === 0);
  });

  after(async () => {
    await writer?.stop();
    lab?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an even member count, so both hosts are added in one change", () => {
    const four = runbookConfig(5, ["etcd-1", "etcd-2", "etcd-3"]);
    four.hosts = (four.hosts as { name: string }[]).filter((h) => h.name !== "etcd-5");
    const r = load(four);
    assert.equal(r.ok, false);
    assert.match(JSON.stringify(r), /4 etcd host\(s\); etcd needs an odd number/);
  });

  it("adds etcd-4 and etcd-5 with the doc's config edit: existing members untouched, every write kept", async () => {
    writer = new Writer(dir, client, THREE);
    await writer.progress();
    const raw = runbookConfig(5, ["etcd-1", "etcd-2", "etcd-3"]);
    const after = await runProgram(raw);
    const old = ["etcd-1", "etcd-2", "etcd-3"].map((n) => lab.host(n));
    const pids = old.map((h) => h.pid());
    const calls = old.map((h) => h.systemctlCalls().length);

    const { executed } = lab.up(after, loadOrThrow(raw).spec);
    const etcd = executed.filter((e) => e.done !== "outside").map((e) => `${e.change.op} ${e.change.name}`);
    assert.deepEqual(
      etcd.filter((s) => !/etcd-[45]/.test(s)).sort(),
      ["update etcd-health", "update etcd-pre-change-snapshot"],
      "only the snapshot and the health gate re-run on the existing members",
    );
    for (const m of ["etcd-4", "etcd-5"])
      for (const step of ["prep", "member-add", "install", "start"]) {
        const name = step === "prep" ? `${m}-prep` : `etcd-${m}-${step}`;
        assert.ok(etcd.includes(`create ${name}`), `${name}: ${etcd.join(", ")}`);
      }
    // One at a time: etcd-5 is added only after etcd-4 started (the plan's order is the run's).
    const at = (s: string) => etcd.indexOf(s);
    assert.ok(at("create etcd-etcd-4-member-add") < at("create etcd-etcd-4-start"));
    assert.ok(at("create etcd-etcd-4-start") < at("create etcd-etcd-5-member-add"));
    assert.ok(at("create etcd-etcd-5-start") < at("update etcd-health"));
    // Outside etcd: the new members' certificates are created; what lists the etcd
    // endpoints (the apiservers' --etcd-servers, the etcd scrape targets) updates in place.
    const outside = executed.filter((e) => e.done === "outside").map((e) => e.change);
    for (const c of outside)
      assert.ok(
        (c.op === "create" && /etcd-[45]/.test(c.name)) || c.op === "update",
        `${c.op} ${c.name}: only creates for the new members and in-place updates`,
      );
    assert.ok(outside.some((c) => c.op === "update" && /^control-plane-master-\d+-install$/.test(c.name)));

    assert.deepEqual(
      old.map((h) => h.pid()),
      pids,
      "the existing members were not restarted",
    );
    old.forEach((h, i) => {
      const since = h.systemctlCalls().slice(calls[i]);
      assert.deepEqual(since, [], `${h.name}: ${since.join("; ")}`);
    });
    const members = client.members(THREE);
    assert.deepEqual(members.map((m) => m.name).sort(), ["etcd-1", "etcd-2", "etcd-3", "etcd-4", "etcd-5"]);

    await writer.progress();
    await writer.stop();
    await assertIntact(client, writer, RUNBOOK_ADDRESSES);
    const { writes, errors } = writer.failures();
    assert.deepEqual(writes, [], `writes failed during the runbook: ${errors}`);
  });
});
