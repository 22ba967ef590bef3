/** Test inventories and process helpers for the etcd tests. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

/** The loopback addresses assigned to the etcd tests. */
export const ETCD_TEST_ADDRESSES = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];

/** The prod inventory with its etcd hosts moved onto the test's loopback addresses. */
export function loopbackEtcdConfig(): Raw {
  const raw = clone(prodConfig()) as Raw;
  let i = 0;
  for (const host of raw.hosts as Raw[]) {
    if ((host.roles as string[]).includes("etcd")) host.address = ETCD_TEST_ADDRESSES[i++];
  }
  if (i !== ETCD_TEST_ADDRESSES.length) throw new Error(`expected 3 etcd hosts in the prod inventory, found ${i}`);
  return raw;
}

/** The prod inventory with two more etcd hosts (etcd-4, etcd-5) joining the original three. */
export function grownEtcdConfig(): Raw {
  const raw = clone(prodConfig()) as Raw;
  const hosts = raw.hosts as Raw[];
  const at = hosts.findIndex((h) => h.name === "etcd-3") + 1;
  hosts.splice(
    at,
    0,
    { name: "etcd-4", address: "10.10.1.14", roles: ["etcd"], hostKey: fakeHostKey("etcd-4") },
    { name: "etcd-5", address: "10.10.1.15", roles: ["etcd"], hostKey: fakeHostKey("etcd-5") },
  );
  raw.etcd = { ...(raw.etcd ?? {}), initialMembers: ["etcd-1", "etcd-2", "etcd-3"] };
  return raw;
}

/** Result of a bounded command run. */
export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with a time bound. */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A started daemon with its captured log. */
export interface Daemon {
  readonly name: string;
  readonly process: ChildProcess;
  log: string;
}

/** Starts a daemon, capturing its output (bounded to the last 64 kB). */
export function startDaemon(name: string, cmd: string, args: readonly string[]): Daemon {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const daemon: Daemon = { name, process: child, log: "" };
  const append = (chunk: Buffer) => {
    daemon.log = (daemon.log + chunk.toString("utf8")).slice(-65536);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return daemon;
}

/** Kills a daemon (SIGKILL) and waits for it to exit, bounded. */
export async function stopDaemon(daemon: Daemon | undefined, timeoutMs = 10_000): Promise<void> {
  if (!daemon || daemon.process.exitCode !== null || daemon.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => daemon.process.once("exit", () => resolve()));
  daemon.process.kill("SIGKILL");
  await Promise.race([exited, new Promise((r) => setTimeout(r, timeoutMs))]);
}
