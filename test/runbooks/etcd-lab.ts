/**
 * An etcd "lab" for the runbook tests: one fake host per etcd member (a temp root with its
 * own pki, data, stage and unit directories, on its own loopback address), and an executor
 * that carries out a plan (stacks/plan planChanges) on them, step by step in the plan's
 * order, with the production scripts rendered for the temp layout: stage, copies, install,
 * member add, start, snapshot, health gate. A host prep that is replaced is a new machine
 * (its root is wiped). Steps outside etcd (certificates, masters) are only reported.
 *
 * Only systemd is a stand-in: a `systemctl` on each host's PATH that runs the unit's
 * ExecStart (real etcd) in the background and records every call, so a test can see
 * whether a member was restarted (its calls, and the etcd PID, stay the same).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  planEtcd,
  renderBackupService,
  renderBackupTimer,
  renderEtcdFlags,
  renderEtcdUnit,
  renderHealthScript,
  renderInstallScript,
  renderMemberAddScript,
  renderSnapshotScript,
  renderStartScript,
  SCRIPTS,
  type EtcdClientOptions,
  type EtcdPaths,
  type EtcdPlan,
  type PlannedMember,
} from "../../components/etcd/render";
import { planChanges, type Change, type DiffOptions, type Plan } from "../../stacks/plan/diff";
import type { Graph } from "../../stacks/plan/run";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";
import { issuedCa, issuedLeaf } from "../pki/issued";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

/** Loopback addresses of the runbook members (apart from the etcd and control-plane tests' 127.0.0.11-31). */
export const RUNBOOK_ADDRESSES = ["127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44", "127.0.0.45"];

/**
 * The prod inventory with `count` etcd hosts (etcd-4 and etcd-5 appended after etcd-3 for
 * five) on the runbook addresses, and `etcd.initialMembers` when given.
 */
export function runbookConfig(count: 3 | 5, initialMembers?: readonly string[]): Raw {
  const raw = clone(prodConfig()) as Raw;
  const hosts = raw.hosts as Raw[];
  if (count === 5) {
    const at = hosts.findIndex((h) => h.name === "etcd-3") + 1;
    hosts.splice(
      at,
      0,
      ...["etcd-4", "etcd-5"].map((name) => ({ name, address: "", roles: ["etcd"], hostKey: fakeHostKey(name) })),
    );
  }
  let i = 0;
  for (const host of hosts) if ((host.roles as string[]).includes("etcd")) host.address = RUNBOOK_ADDRESSES[i++];
  if (i !== count) throw new Error(`expected ${count} etcd hosts, found ${i}`);
  if (initialMembers) raw.etcd = { ...(raw.etcd ?? {}), initialMembers: [...initialMembers] };
  return raw;
}

/** The graph of nothing deployed yet: planning against it creates everything. */
export const NOTHING: Graph = { resources: [], byUrn: new Map(), outputs: {}, warnings: [] };

/** A bounded command result. */
export interface Ran {
  readonly status: number | null;
  readonly out: string;
}

/** The version of the Debian etcd the lab runs (install.sh finds it "installed" and downloads nothing). */
export function installedEtcdVersion(): string {
  const out = spawnSync("etcd", ["--version"], { encoding: "utf8" }).stdout ?? "";
  const v = /^etcd Version: (\S+)$/m.exec(out)?.[1];
  if (!v) throw new Error(`cannot read the etcd version: ${out}`);
  return v;
}

const SYSTEMCTL = (root: string) => `#!/usr/bin/env bash
# Stand-in for systemctl on a lab host: etcd.service's ExecStart runs in the background
# (real etcd), every call is recorded; other units are only recorded.
set -euo pipefail
root=${JSON.stringify(root)}
echo "$*" >>"$root/systemctl.log"
pidfile=$root/run/etcd.pid
active() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
start() {
  if active; then return 0; fi
  mapfile -t cmd < <(sed -n '/^ExecStart=/,/[^\\\\]$/p' "$root/units/etcd.service" | sed -e 's/^ExecStart=//' -e 's/ *\\\\$//' -e 's/^ *//')
  setsid "\${cmd[@]}" >>"$root/etcd.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}
stop() {
  if ! active; then rm -f "$pidfile"; return 0; fi
  local pid i
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}
now=""; verb=""; unit=""
for a in "$@"; do
  case "$a" in
    --now) now=1 ;;
    --*) ;;
    *) if [ -z "$verb" ]; then verb=$a; elif [ -z "$unit" ]; then unit=$a; fi ;;
  esac
done
etcd=""; case "$unit" in etcd | etcd.service) etcd=1 ;; esac
case "$verb" in
  is-active) [ -n "$etcd" ] && active ;;
  start) [ -z "$etcd" ] || start ;;
  restart) [ -z "$etcd" ] || { stop; start; } ;;
  stop) [ -z "$etcd" ] || stop ;;
  enable) if [ -n "$etcd" ] && [ -n "$now" ]; then start; fi ;;
  disable) if [ -n "$etcd" ] && [ -n "$now" ]; then stop; fi ;;
  *) ;;
esac
`;

/** One lab host: an etcd member's machine under a temp root. */
export class LabHost {
  readonly root: string;
  readonly paths: EtcdPaths;
  readonly stage: string;
  readonly units: string;
  readonly snapshotScript: string;
  readonly backups: string;

  constructor(
    dir: string,
    readonly name: string,
    readonly address: string,
  ) {
    this.root = join(dir, name);
    const r = (...p: string[]) => join(this.root, ...p);
    this.paths = {
      dataDir: r("var/lib/etcd"),
      caCert: r("pki/ca.crt"),
      serverCert: r("pki/server.crt"),
      serverKey: r("pki/server.key"),
      peerCert: r("pki/peer.crt"),
      peerKey: r("pki/peer.key"),
      clientCert: r("pki/healthcheck-client.crt"),
      clientKey: r("pki/healthcheck-client.key"),
      binDir: r("bin"),
    };
    this.stage = r("stage");
    this.units = r("units");
    this.snapshotScript = r("lib/etcd-snapshot.sh");
    this.backups = r("backups");
  }

  /** A fresh machine: empty root with etcd's binaries on it and the systemctl stand-in. */
  provision(): void {
    for (const d of ["bin", "stubs", "run", "units", "pki"]) mkdirSync(join(this.root, d), { recursive: true });
    for (const bin of ["etcd", "etcdctl", "etcdutl"]) {
      const found = spawnSync("bash", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();
      if (found) symlinkSync(found, join(this.paths.binDir, bin));
    }
    writeFileSync(join(this.root, "stubs/systemctl"), SYSTEMCTL(this.root));
    chmodSync(join(this.root, "stubs/systemctl"), 0o755);
    writeFileSync(join(this.root, "systemctl.log"), "");
  }

  /** The machine dies: etcd is killed (SIGKILL), nothing else happens. */
  fail(): void {
    const pid = this.pid();
    if (pid) spawnSync("kill", ["-KILL", String(pid)]);
    rmSync(join(this.root, "run/etcd.pid"), { force: true });
  }

  /** A new machine under the same name and address: the old root is gone. */
  rebuild(): void {
    this.fail();
    rmSync(this.root, { recursive: true, force: true });
    this.provision();
  }

  /** The PID of the running etcd, if any. */
  pid(): number | undefined {
    const file = join(this.root, "run/etcd.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").trim());
    return spawnSync("kill", ["-0", String(pid)]).status === 0 ? pid : undefined;
  }

  /** systemctl calls recorded on this host. */
  systemctlCalls(): string[] {
    const file = join(this.root, "systemctl.log");
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  }

  /** Runs a script as root on this host (its systemctl stand-in first on PATH), bounded. */
  bash(script: string, timeoutMs = 180_000, env: NodeJS.ProcessEnv = {}): Ran {
    const r = spawnSync("bash", ["-s"], {
      input: script,
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, PATH: `${join(this.root, "stubs")}:${process.env.PATH ?? ""}`, ...env },
    });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
  }

  /** etcdctl's options against this member's own client URL with its healthcheck certificate. */
  client(): EtcdClientOptions {
    return { paths: this.paths, endpoint: `https://${this.address}:2379` };
  }

  /** The etcd log (for failure messages). */
  log(): string {
    const file = join(this.root, "etcd.log");
    return existsSync(file) ? readFileSync(file, "utf8").slice(-4000) : "";
  }
}

/** What the executor did for one change of a plan. */
export interface Executed {
  readonly change: Change;
  /** `ran` (a script or file operation on a lab host), `nothing` (the step runs nothing on a host), `outside` (not an etcd step). */
  readonly done: "ran" | "nothing" | "outside";
}

const CLUSTER = "k8s-platform:etcd:EtcdCluster";

/** The etcd lab: hosts by name, the deployed graph and spec, certificates read back from the graph. */
export class EtcdLab {
  readonly hosts = new Map<string, LabHost>();
  graph: Graph = NOTHING;
  spec?: PlatformSpec;
  readonly version = installedEtcdVersion();

  constructor(readonly dir: string) {}

  /** The membership plan of the deployed spec. */
  plan(): EtcdPlan {
    if (!this.spec) throw new Error("nothing deployed");
    return planEtcd(this.spec);
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    return h;
  }

  /** The first planned member: where the snapshot, member add and health gate run. */
  first(): LabHost {
    return this.host(this.plan().members[0].name);
  }

  /**
   * `pulumi up` from the deployed graph to `after` (spec `spec`): plans the change, then
   * carries out every step in the plan's order. Returns the plan and what was done.
   */
  up(after: Graph, spec: PlatformSpec, options: DiffOptions = {}): { plan: Plan; executed: Executed[] } {
    const plan = planChanges(this.graph, after, options);
    const blocked = plan.changes.filter((c) => c.op === "protected-delete" || c.op === "protected-replace");
    if (blocked.length > 0)
      throw new Error(`pulumi up fails: ${blocked.map((c) => `${c.op} ${c.name}`).join(", ")} (protected)`);
    const previous = this.spec;
    this.spec = spec;
    for (const h of spec.topology.etcd)
      if (!this.hosts.has(h.name)) this.hosts.set(h.name, new LabHost(this.dir, h.name, h.address));
    const executed: Executed[] = [];
    try {
      for (const change of plan.changes) executed.push({ change, done: this.execute(change, after) });
    } catch (e) {
      this.spec = previous ?? spec;
      throw e;
    }
    this.graph = after;
    return { plan, executed };
  }

  private execute(change: Change, graph: Graph): Executed["done"] {
    const prep = /^(.+)-prep$/.exec(change.name);
    if (prep && this.hosts.has(prep[1]) && change.type === "command:remote:Command") {
      if (change.op === "create") this.host(prep[1]).provision();
      else if (change.op === "replace") this.host(prep[1]).rebuild();
      else return "nothing";
      return "ran";
    }
    if (!change.urn.includes(`${CLUSTER}$`)) return "outside";
    // Deletes and retained resources run nothing (no delete commands; retainOnDelete).
    if (change.op === "delete" || change.op === "retain") return "nothing";
    const plan = this.plan();
    const step = /^etcd-(?:(.+?)-)?(pre-change-snapshot|health|member-add|member|stage|install|start)$/.exec(
      change.name,
    );
    const member = (name: string) => plan.members.find((m) => m.name === name) as PlannedMember;
    if (change.type === "command:remote:CopyToRemote") {
      const m = plan.members.find((x) => change.name.startsWith(`etcd-${x.name}-`)) as PlannedMember;
      const file = change.name.slice(`etcd-${m.name}-`.length);
      const h = this.host(m.name);
      writeFileSync(join(h.stage, file), this.staged(graph, plan, m, file));
      return "ran";
    }
    if (!step) throw new Error(`the lab does not know the etcd step ${change.name}`);
    const [, name, kind] = step;
    const check = (r: Ran, what: string, h: LabHost) => {
      if (r.status !== 0)
        throw new Error(`${what} on ${h.name} failed (${r.status}):\n${r.out}\n--- etcd log\n${h.log()}`);
    };
    switch (kind) {
      case "pre-change-snapshot": {
        const h = this.first();
        check(h.bash(renderSnapshotScript(this.backupSpec(h), "pre-change", h.client())), change.name, h);
        return "ran";
      }
      case "health": {
        const h = this.first();
        check(h.bash(renderHealthScript(h.client(), 24)), change.name, h);
        return "ran";
      }
      case "member":
        return "ran";
      case "stage": {
        const h = this.host(name);
        mkdirSync(h.stage, { recursive: true, mode: 0o700 });
        return "ran";
      }
      case "install": {
        const h = this.host(name);
        const script = renderInstallScript(this.installSpec(h), h.paths, h.stage, h.units, h.snapshotScript);
        check(h.bash(script), change.name, h);
        return "ran";
      }
      case "member-add": {
        const h = this.first();
        check(h.bash(renderMemberAddScript(member(name), h.client())), change.name, h);
        return "ran";
      }
      case "start": {
        const h = this.host(name);
        check(h.bash(renderStartScript(member(name), h.client())), change.name, h);
        return "ran";
      }
    }
    throw new Error(`unhandled ${change.name}`);
  }

  /** The content the program copies as `file` to member `m`, rendered for the lab's layout. */
  private staged(graph: Graph, plan: EtcdPlan, m: PlannedMember, file: string): string {
    const spec = this.spec as PlatformSpec;
    const h = this.host(m.name);
    switch (file) {
      case "ca.crt":
        return issuedCa(graph, "etcd-ca").certPem;
      case "server.crt":
        return issuedLeaf(graph, `etcd-server-${m.name}`).certPem;
      case "server.key":
        return issuedLeaf(graph, `etcd-server-${m.name}`).keyPem;
      case "peer.crt":
        return issuedLeaf(graph, `etcd-peer-${m.name}`).certPem;
      case "peer.key":
        return issuedLeaf(graph, `etcd-peer-${m.name}`).keyPem;
      case "healthcheck-client.crt":
        return issuedLeaf(graph, "etcd-healthcheck-client").certPem;
      case "healthcheck-client.key":
        return issuedLeaf(graph, "etcd-healthcheck-client").keyPem;
      case "etcd.service":
        // Production's flags; the lab binds member addresses only and reads the key files
        // directly (no systemd credentials under the stand-in).
        return renderEtcdUnit(
          m,
          renderEtcdFlags(spec, plan, m, { paths: h.paths, localListeners: false, systemdCredentials: false }),
          h.paths,
        );
      case "etcd-backup.service":
        return renderBackupService(this.backupSpec(h), h.client());
      case "etcd-backup.timer":
        return renderBackupTimer(spec);
      case "etcd-snapshot.sh":
        return SCRIPTS.snapshot;
    }
    throw new Error(`the lab does not know the staged file ${file}`);
  }

  /** The spec with the backup directory on the lab host. */
  backupSpec(h: LabHost): Pick<PlatformSpec, "etcd"> {
    const spec = this.spec as PlatformSpec;
    return { etcd: { ...spec.etcd, backup: { ...spec.etcd.backup, dir: h.backups } } };
  }

  private installSpec(h: LabHost): PlatformSpec {
    const spec = this.spec as PlatformSpec;
    // The Debian etcd on the lab hosts is "installed" at this version: nothing is downloaded.
    return { ...spec, ...this.backupSpec(h), versions: { ...spec.versions, etcd: this.version } };
  }

  /** Stops every lab etcd (by the PIDs the stand-in recorded). */
  stopAll(): void {
    for (const h of this.hosts.values()) h.fail();
  }
}

/** An etcd client (etcdctl) with a certificate of the graph's etcd CA, files in `dir`. */
export class EtcdClient {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;

  constructor(dir: string, graph: Graph) {
    mkdirSync(dir, { recursive: true });
    this.ca = join(dir, "etcd-ca.crt");
    this.cert = join(dir, "client.crt");
    this.key = join(dir, "client.key");
    const client = issuedLeaf(graph, "apiserver-etcd-client");
    writeFileSync(this.ca, issuedCa(graph, "etcd-ca").certPem);
    writeFileSync(this.cert, client.certPem);
    writeFileSync(this.key, client.keyPem, { mode: 0o600 });
  }

  /** The TLS flags of etcdctl, and its command timeout. */
  flags(endpoints: readonly string[], timeout = "5s"): string[] {
    return [
      `--endpoints=${endpoints.map((a) => `https://${a}:2379`).join(",")}`,
      `--cacert=${this.ca}`,
      `--cert=${this.cert}`,
      `--key=${this.key}`,
      `--command-timeout=${timeout}`,
    ];
  }

  /** etcdctl against members at `addresses`. */
  run(addresses: readonly string[], args: readonly string[]): Ran {
    const r = spawnSync("etcdctl", [...this.flags(addresses), ...args], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  }

  /** `member list`: name -> hex ID, and whether it has started (an unstarted member has no name). */
  members(addresses: readonly string[]): { id: string; name: string; peer: string }[] {
    const r = this.run(addresses, ["member", "list", "--write-out=simple"]);
    if (r.status !== 0) throw new Error(`member list failed: ${r.out}`);
    return r.out
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(", "))
      .map(([id, , name, peer]) => ({ id, name, peer }));
  }

  /** The hex ID of the current leader, as a member at `address` sees it. */
  leader(address: string): string | undefined {
    const r = this.run([address], ["endpoint", "status", "--write-out=json"]);
    if (r.status !== 0) return undefined;
    const [s] = JSON.parse(r.out) as { Status: { leader: number | string } }[];
    return BigInt(s.Status.leader).toString(16);
  }

  /** Keys under `prefix` in one member's own copy (serializable read). */
  keysOn(address: string, prefix: string): Set<string> {
    const r = this.run([address], ["get", prefix, "--prefix", "--keys-only", "--consistency=s"]);
    if (r.status !== 0) throw new Error(`get on ${address} failed: ${r.out}`);
    return new Set(r.out.split("\n").filter(Boolean));
  }
}

/**
 * A writer in its own process: puts `/runbook/w/<n>` one after another against the given
 * members, logging each acknowledged and each failed write.
 */
export class Writer {
  private readonly process: ChildProcess;
  private readonly stopFile: string;
  private readonly acked: string;
  private readonly failed: string;
  private readonly exited: Promise<void>;

  constructor(dir: string, client: EtcdClient, addresses: readonly string[], tag = "w") {
    mkdirSync(dir, { recursive: true });
    this.stopFile = join(dir, `${tag}.stop`);
    this.acked = join(dir, `${tag}.acked`);
    this.failed = join(dir, `${tag}.failed`);
    writeFileSync(this.acked, "");
    writeFileSync(this.failed, "");
    // A write with a quorum commits well within 15 s even on a loaded CI machine (5 s did
    // not always); one without a quorum never does: a failed write is a lost quorum.
    const flags = client
      .flags(addresses, "15s")
      .map((f) => JSON.stringify(f))
      .join(" ");
    const script = `set -u
i=0
while [ ! -e ${JSON.stringify(this.stopFile)} ]; do
  i=$((i + 1))
  key=$(printf '/runbook/${tag}/%06d' "$i")
  if ETCDCTL_API=3 etcdctl ${flags} put "$key" "$i" >/dev/null 2>>${JSON.stringify(`${this.failed}.log`)}; then
    echo "$key" >>${JSON.stringify(this.acked)}
  else
    echo "$key $(date +%s.%N)" >>${JSON.stringify(this.failed)}
  fi
  sleep 0.05
done
`;
    this.process = spawn("bash", ["-c", script], { stdio: "ignore" });
    this.exited = new Promise((resolve) => this.process.once("exit", () => resolve()));
  }

  /** Keys acknowledged so far. */
  ackedKeys(): string[] {
    return readFileSync(this.acked, "utf8").split("\n").filter(Boolean);
  }

  /** Writes that failed so far (key and time), with etcdctl's errors. */
  failures(): { writes: string[]; errors: string } {
    const log = `${this.failed}.log`;
    return {
      writes: readFileSync(this.failed, "utf8").split("\n").filter(Boolean),
      errors: existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "",
    };
  }

  /** Waits until at least `n` more writes are acknowledged than now (progress), bounded. */
  async progress(n = 5, timeoutMs = 60_000): Promise<void> {
    const target = this.ackedKeys().length + n;
    const deadline = Date.now() + timeoutMs;
    while (this.ackedKeys().length < target) {
      if (Date.now() > deadline) throw new Error(`the writer made no progress: ${this.failures().errors}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops the writer and waits for it. */
  async stop(): Promise<void> {
    writeFileSync(this.stopFile, "");
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 20_000))]);
    if (this.process.exitCode === null) this.process.kill("SIGKILL");
  }
}

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}
