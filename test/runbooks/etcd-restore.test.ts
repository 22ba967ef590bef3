/**
 * Runbook: restore the whole etcd cluster from one snapshot (docs/operations/etcd-restore.md),
 * on a real 3-member etcd deployed by the lab from the program's plan. The snapshot is the
 * one the program's snapshot step writes; the per-member block of the doc runs verbatim on
 * each member (only the lines above its marker set for the lab), the members are stopped and
 * started with the doc's systemctl commands.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { loadOrThrow } from "../../stacks/contract/load";
import { renderHealthScript, renderSnapshotScript } from "../../components/etcd/render";
import { requireTool } from "../support/tools";
import { repoFile } from "../support/config";
import { EtcdClient, EtcdLab, RUNBOOK_ADDRESSES, runbookConfig, waitUntil, Writer } from "./etcd-lab";
import { assertIntact, requireLabRoot } from "./etcd-checks";

const THREE = RUNBOOK_ADDRESSES.slice(0, 3);
const MARKER = "# --- nothing to edit below this line";

/** The doc's per-member block, below its marker. */
function restoreBlock(): string {
  const doc = repoFile("docs/operations/etcd-restore.md");
  const at = doc.indexOf("<!-- restore-member -->");
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at))?.[1];
  assert.ok(at >= 0 && block, "the doc has the restore-member block");
  const lines = block.split("\n").map((l) => l.replace(/^ {3}/, ""));
  const marker = lines.indexOf(MARKER);
  assert.ok(marker > 0, "the block has its marker line");
  return lines.slice(marker + 1).join("\n");
}

describe("runbook: restore etcd from a snapshot", function () {
  this.timeout(600_000);
  let dir = "";
  let lab: EtcdLab;
  let deployed: Graph;
  let client: EtcdClient;
  let writer: Writer | undefined;

  before(async function () {
    requireTool(this, "etcd", "etcdctl");
    requireLabRoot(this);
    dir = mkdtempSync(join(tmpdir(), "runbook-etcd-restore-"));
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

  it("brings back every write acknowledged before the snapshot, on every member, and only those", async () => {
    writer = new Writer(dir, client, THREE);
    await writer.progress(20);
    await writer.stop();
    const first = lab.first();
    const saved = first.bash(renderSnapshotScript(lab.backupSpec(first), "pre-change", first.client()));
    assert.equal(saved.status, 0, saved.out);
    const [snapshot] = readdirSync(first.backups).filter((f) => f.endsWith("-pre-change.db"));
    assert.ok(snapshot, saved.out);
    // Lost by the restore: written after the snapshot.
    for (let i = 0; i < 3; i++) assert.equal(client.run(THREE, ["put", `/late/${i}`, "x"]).status, 0);

    // 1.-2. Everything stopped; 3. the same snapshot on every member.
    const members = lab.plan().members;
    for (const m of members) assert.equal(lab.host(m.name).bash("systemctl stop etcd\n").status, 0);
    const snapshotFile = join(first.backups, snapshot);
    const initialCluster = members.map((m) => `${m.name}=https://${m.address}:2380`).join(",");
    // 4. The doc's block on each member.
    const block = restoreBlock();
    for (const m of members) {
      const h = lab.host(m.name);
      const vars = [
        `SNAPSHOT=${snapshotFile}`,
        `NAME=${m.name}`,
        `PEER_URL=https://${m.address}:2380`,
        `INITIAL_CLUSTER=${initialCluster}`,
        `TOKEN=${lab.plan().token}`,
        `DATA_DIR=${h.paths.dataDir}`,
        `BIN_DIR=${h.paths.binDir}`,
      ].join("\n");
      const r = h.bash(`set -eu\n${vars}\n${block}`);
      assert.equal(r.status, 0, r.out);
      assert.ok(existsSync(`${h.paths.dataDir}.broken/member`), "the old data dir is kept");
    }
    // 5. Start every member without waiting, then the cluster health.
    for (const m of members) assert.equal(lab.host(m.name).bash("systemctl start --no-block etcd\n").status, 0);
    const health = first.bash(renderHealthScript(first.client(), 24));
    assert.equal(health.status, 0, `${health.out}\n${first.log()}`);
    assert.equal((health.out.match(/ is healthy/g) ?? []).length, 3, health.out);

    await assertIntact(client, writer, THREE);
    for (const a of THREE)
      assert.equal(client.keysOn(a, "/late/").size, 0, `${a} has no write from after the snapshot`);
    // The unit's bootstrap flags (initial-cluster-state=new) were ignored: the members run the
    // restored data, with the same membership.
    assert.deepEqual(
      client
        .members(THREE)
        .map((m) => m.name)
        .sort(),
      ["etcd-1", "etcd-2", "etcd-3"],
    );
    assert.match(readFileSync(join(first.units, "etcd.service"), "utf8"), /--initial-cluster-state=new/);
    const again = new Writer(dir, client, THREE, "again");
    await again.progress(5);
    await again.stop();
    assert.deepEqual(again.failures().writes, [], "the restored cluster takes writes");
  });
});
