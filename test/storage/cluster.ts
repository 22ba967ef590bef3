/**
 * A GlusterFS trusted pool on one machine for tests and the bench: one glusterd per test
 * storage host on 127.1.1.N, each with its own working directory, socket, pid file and log
 * (the way GlusterFS's own tests/cluster.rc runs a cluster), bricks under a temp dir.
 * Everything started here is stopped by `stop()`, which never throws.
 *
 * A "host" here is its processes: glusterd, its bricks, and the self-heal and quota
 * daemons that glusterd started (all name the host's directory or address on their
 * command line), so a test can hang (SIGSTOP) or crash (SIGKILL) one storage host.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrickHost } from "../../components/storage/layout";

/** One test storage host. */
export interface TestHost extends BrickHost {
  readonly index: number;
  readonly dir: string;
  readonly sock: string;
  readonly pidFile: string;
}

/** Runs a command, bounded in time; returns the result without throwing. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    encoding: "utf8",
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env,
  });
}

/** Runs a command and throws with its output when it fails. */
export function must(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stdout}${r.stderr}${r.error ?? ""}`,
    );
  return r.stdout;
}

/** Sleeps synchronously-free: a promise for `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 500 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export class GlusterTestCluster {
  readonly root: string;
  readonly hosts: TestHost[] = [];
  private readonly mounts: string[] = [];
  private readonly immutable: string[] = [];
  private readonly volumes = new Set<string>();

  constructor(prefix = "k8s-platform-gluster-") {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }

  /** Starts glusterd on 127.1.1.`index` (1..20), with `bricks` brick directories. */
  startHost(index: number, bricks = 1): TestHost {
    if (index < 1 || index > 20) throw new Error("test glusterds use 127.1.1.1-20 only");
    const dir = join(this.root, `host${index}`);
    mkdirSync(join(dir, "glusterd"), { recursive: true });
    const host: TestHost = {
      index,
      name: `gfs-${index}`,
      address: `127.1.1.${index}`,
      dir,
      sock: join(dir, "glusterd.sock"),
      pidFile: join(dir, "glusterd.pid"),
      bricks: Array.from({ length: bricks }, (_, b) => join(dir, "bricks", `brick${b + 1}`)),
    };
    // Brick directories exist before `volume create`, as prepare-host.sh leaves them.
    for (const brick of host.bricks) mkdirSync(brick, { recursive: true });
    this.startGlusterd(host);
    this.hosts.push(host);
    return host;
  }

  private startGlusterd(host: TestHost): void {
    // glusterd daemonises; the pid file is how stop() finds it.
    must("glusterd", [
      "--xlator-option",
      `management.working-directory=${join(host.dir, "glusterd")}`,
      "--xlator-option",
      `management.transport.socket.bind-address=${host.address}`,
      "--xlator-option",
      `management.glusterd-sockfile=${host.sock}`,
      // Own run directory: brick and self-heal-daemon pid files and sockets would otherwise
      // be shared by every glusterd on the machine.
      "--xlator-option",
      `management.run-directory=${join(host.dir, "run")}`,
      "-p",
      host.pidFile,
      "-l",
      join(host.dir, "glusterd.log"),
      "--log-level=WARNING",
    ]);
  }

  /**
   * Restarts one host's glusterd, which restarts that host's dead bricks: what a storage
   * host does when it comes back after a crash or reboot.
   */
  async restartGlusterd(host: TestHost): Promise<void> {
    const pid = Number(readFileSync(host.pidFile, "utf8").trim());
    kill(pid, "SIGTERM");
    await waitFor(`glusterd ${pid} to exit`, () => !alive(pid), 30_000);
    this.startGlusterd(host);
    await waitFor(
      `glusterd on ${host.address}`,
      () => run("gluster", this.cliArgs(host, ["pool", "list"]), { timeoutMs: 10_000 }).status === 0,
      30_000,
    );
  }

  /** Waits until every started glusterd answers on its socket. */
  async ready(): Promise<void> {
    for (const h of this.hosts) {
      await waitFor(
        `glusterd on ${h.address}`,
        () => run("gluster", this.cliArgs(h, ["pool", "list"]), { timeoutMs: 10_000 }).status === 0,
        30_000,
      );
    }
  }

  /** Arguments for the gluster CLI against one host's glusterd. */
  cliArgs(host: TestHost, args: readonly string[]): string[] {
    return ["--mode=script", `--glusterd-sock=${host.sock}`, `--log-file=${join(this.root, "cli.log")}`, ...args];
  }

  /** Runs the gluster CLI against the first host; throws on failure. */
  gluster(...args: string[]): string {
    return must("gluster", this.cliArgs(this.hosts[0], args), { timeoutMs: 60_000 });
  }

  /** Runs the gluster CLI against one host's glusterd; throws on failure. */
  glusterOn(host: TestHost, ...args: string[]): string {
    return must("gluster", this.cliArgs(host, args), { timeoutMs: 60_000 });
  }

  /** Every process of one test storage host: glusterd, bricks, self-heal and quota daemons. */
  hostPids(host: TestHost): number[] {
    const dir = `${host.dir}/`;
    return glusterPids((args) => args.some((a) => a.includes(dir) || a === host.dir) || args.includes(host.address));
  }

  /** Hangs a storage host: its processes stop answering but keep their connections open. */
  freeze(host: TestHost): number[] {
    const pids = this.hostPids(host);
    for (const pid of pids) kill(pid, "SIGSTOP");
    return pids;
  }

  /** Resumes processes stopped by `freeze`. */
  thaw(pids: readonly number[]): void {
    for (const pid of pids) kill(pid, "SIGCONT");
  }

  /**
   * The client volfile glusterd hands to a client on another machine (no credentials, so
   * the bricks' auth.allow decides). Clients on a storage host itself get the "trusted"
   * volfile, whose login passes auth.allow; on this one machine every address is local,
   * so tests that check auth.allow mount from this file.
   */
  untrustedVolfile(volume: string): string {
    return join(this.hosts[0].dir, "glusterd", "vols", volume, `${volume}.tcp-fuse.vol`);
  }

  /** Records a mount point made outside `mount` (e.g. by a rendered script), for cleanup. */
  trackMount(mnt: string): void {
    this.mounts.push(mnt);
  }

  /** Records a directory made immutable (chattr +i), made mutable again before cleanup. */
  trackImmutable(dir: string): void {
    this.immutable.push(dir);
  }

  /** Runs a rendered `bash -s` script (the way remote.Command runs it over SSH). */
  runScript(script: string, timeoutMs = 240_000): SpawnSyncReturns<string> {
    return run("bash", ["-s"], { input: script, timeoutMs });
  }

  /** Records a volume this cluster created, for cleanup of glusterd's shared run files. */
  track(volume: string): void {
    this.volumes.add(volume);
  }

  /** FUSE-mounts a volume from the first host; returns the mount point. */
  async mount(volume: string, name = volume): Promise<string> {
    const mnt = join(this.root, "mnt", name);
    mkdirSync(mnt, { recursive: true });
    this.mounts.push(mnt);
    must("glusterfs", [
      `--volfile-server=${this.hosts[0].address}`,
      `--volfile-id=${volume}`,
      `--log-file=${join(this.root, `mount-${name}.log`)}`,
      mnt,
    ]);
    await waitFor(
      `FUSE mount of ${volume}`,
      () => run("mountpoint", ["-q", mnt]).status === 0 && run("stat", [mnt]).status === 0,
      30_000,
    );
    return mnt;
  }

  /** Like `mount`, but returns undefined when glusterfs refuses to mount. */
  async tryMount(volume: string, name: string): Promise<string | undefined> {
    try {
      return await this.mount(volume, name);
    } catch {
      return undefined;
    }
  }

  /** Unmounts a mount made by `mount`. */
  unmount(mnt: string): void {
    run("umount", [mnt], { timeoutMs: 30_000 });
    if (run("mountpoint", ["-q", mnt]).status === 0) run("umount", ["-l", mnt], { timeoutMs: 30_000 });
  }

  /** Brick process pids by `address:/path`, from `gluster volume status --xml`. */
  brickPids(volume: string): Map<string, number> {
    const xml = this.gluster("volume", "status", volume, "--xml");
    const pids = new Map<string, number>();
    for (const node of xml.split("<node>").slice(1)) {
      const field = (f: string) => new RegExp(`<${f}>([^<]*)</${f}>`).exec(node)?.[1] ?? "";
      const pid = Number(field("pid"));
      if (field("path").startsWith("/") && pid > 0) pids.set(`${field("hostname")}:${field("path")}`, pid);
    }
    return pids;
  }

  /** Stops everything: mounts, volumes' processes, glusterds; removes the temp dir. Never throws. */
  stop(): void {
    // Frozen processes must run again to exit cleanly; SIGCONT is harmless to the others.
    for (const h of this.hosts) this.thaw(this.hostPids(h));
    for (const mnt of this.mounts.reverse()) this.unmount(mnt);
    for (const dir of this.immutable) run("chattr", ["-i", dir]);
    for (const volume of this.volumes) {
      // Brick and self-heal pid files live in glusterd's shared run dir, named by volume.
      for (const dir of [`/var/run/gluster/vols/${volume}`, `/var/run/gluster/shd/${volume}`]) {
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir).filter((n) => n.endsWith(".pid"))) killPidFile(join(dir, f));
        rmSync(dir, { recursive: true, force: true });
      }
    }
    for (const h of this.hosts) killPidFile(h.pidFile);
    // Bricks and mounts name the temp dir on their command line, self-heal daemons the volume.
    for (const pid of pidsWithArg(this.root)) kill(pid);
    for (const volume of this.volumes) for (const pid of pidsWithArg(`shd/${volume}`)) kill(pid);
    rmSync(this.root, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killPidFile(path: string): void {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    if (pid > 0) kill(pid);
  } catch {
    // no pid file: nothing to stop
  }
}

/** Pids of gluster processes whose command line (argv) matches. */
function glusterPids(matches: (args: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (/gluster/.test(cmdline[0] ?? "") && matches(cmdline)) pids.push(Number(entry));
    } catch {
      // process exited while scanning
    }
  }
  return pids;
}

/** Pids of gluster processes whose command line contains `needle`. */
function pidsWithArg(needle: string): number[] {
  return glusterPids((args) => args.some((a) => a.includes(needle)));
}
