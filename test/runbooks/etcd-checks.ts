/** Shared checks of the etcd runbook tests. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { waitUntil, type EtcdClient, type Writer } from "./etcd-lab";

/** install.sh installs root-owned files for the etcd user: the lab needs root and that user. */
export function requireLabRoot(ctx: Mocha.Context): void {
  const problem =
    process.getuid?.() !== 0
      ? "the etcd runbooks install root-owned files: run the tests as root"
      : spawnSync("getent", ["passwd", "etcd"]).status !== 0
        ? "the etcd user is missing (Debian's etcd-server package creates it)"
        : undefined;
  if (!problem) return;
  if (process.env.CI === "true") throw new Error(problem);
  ctx.skip();
}

/** Every write the writer had acknowledged is in every listed member's own copy. */
export async function assertIntact(client: EtcdClient, writer: Writer, addresses: readonly string[]): Promise<void> {
  const acked = writer.ackedKeys();
  assert.ok(acked.length > 0, "the writer wrote something");
  for (const address of addresses) {
    let missing: string[] = [];
    await waitUntil(
      `every acknowledged write on ${address}`,
      () => {
        const keys = client.keysOn(address, "/runbook/");
        missing = acked.filter((k) => !keys.has(k));
        return missing.length === 0;
      },
      30_000,
    ).catch(() =>
      assert.fail(`${address} lacks ${missing.length} acknowledged writes, e.g. ${missing.slice(0, 3).join(", ")}`),
    );
  }
}
