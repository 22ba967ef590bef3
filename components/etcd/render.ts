/**
 * Pure renderers of the etcd cluster: membership (who bootstraps, who joins), each
 * member's flags, its systemd unit, the backup service/timer and the parameterised
 * scripts. The integration test runs real etcd with exactly these flags.
 *
 * Flags are limited to ones etcd 3.4, 3.5 and 3.6 all accept (no `--experimental-*`, no
 * v2 store flags, no `--logger`, whose default differs), so the test's Debian etcd 3.4 and
 * production's 3.6 read the same rendering.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, PKI, PLATFORM_STATE_DIR } from "../../lib/paths";
import { withParameters } from "../../lib/shell";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { PLATFORM_ARCH } from "../../lib/downloads";
import { etcdDownload } from "./downloads";

export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;
export const METRICS_PORT = 2381;

/** Where a member's files live on its host. */
export interface EtcdPaths {
  readonly dataDir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly peerCert: string;
  readonly peerKey: string;
  /** etcdctl's client certificate on the member (health gate, backups). */
  readonly clientCert: string;
  readonly clientKey: string;
  readonly binDir: string;
}

/** The production layout (kubeadm's paths, see lib/paths.ts). */
export const ETCD_PATHS: EtcdPaths = {
  dataDir: "/var/lib/etcd",
  caCert: PKI.etcdCaCert,
  serverCert: PKI.etcdServerCert,
  serverKey: PKI.etcdServerKey,
  peerCert: PKI.etcdPeerCert,
  peerKey: PKI.etcdPeerKey,
  clientCert: PKI.etcdctlClientCert,
  clientKey: PKI.etcdctlClientKey,
  binDir: BIN_DIR,
};

/** The component's state directory on a member (root-only). */
export const STATE_DIR = `${PLATFORM_STATE_DIR}/etcd`;
/** Where files are staged by CopyToRemote (root-only directory) before install.sh places them. */
export const STAGE_DIR = `${STATE_DIR}/stage`;
/** The backup script the timer runs. */
export const SNAPSHOT_SCRIPT_PATH = "/usr/local/lib/k8s-platform/etcd-snapshot.sh";

/** One member: its etcd name (the host name) and address. */
export interface EtcdMember {
  readonly name: string;
  readonly address: string;
}

/** A member with what its flags depend on: how it joins and whom it names in `--initial-cluster`. */
export interface PlannedMember extends EtcdMember {
  /** `new` for the bootstrap members; `existing` for members added to a running cluster. */
  readonly state: "new" | "existing";
  /** The `--initial-cluster` members (bootstrap set; for a joining member, also those added up to it). */
  readonly initialCluster: readonly EtcdMember[];
}

/** The cluster's membership plan. */
export interface EtcdPlan {
  /** `--initial-cluster-token`: stable per cluster, so two clusters' members never merge. */
  readonly token: string;
  /** Every member, bootstrap members first, then joining ones in inventory order. */
  readonly members: readonly PlannedMember[];
}

/**
 * Who bootstraps and who joins. `etcd.initialMembers` names the bootstrap set (default:
 * every etcd host); any other etcd host is added to the running cluster, one at a time.
 * Bootstrap members' flags never change when members are added, so adding a member does
 * not restart the existing ones.
 */
export function planEtcd(spec: {
  readonly cluster: Pick<PlatformSpec["cluster"], "name">;
  readonly etcd: { readonly initialMembers?: readonly string[] };
  readonly topology: { readonly etcd: readonly EtcdMember[] };
}): EtcdPlan {
  const hosts = spec.topology.etcd.map((h) => ({ name: h.name, address: h.address }));
  const initialNames = spec.etcd.initialMembers ?? hosts.map((h) => h.name);
  const unknown = initialNames.filter((n) => !hosts.some((h) => h.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `etcd.initialMembers: ${unknown.map((n) => `"${n}"`).join(", ")} is not an etcd host of the inventory`,
    );
  }
  const initial = hosts.filter((h) => initialNames.includes(h.name));
  const joining = hosts.filter((h) => !initialNames.includes(h.name));
  const members: PlannedMember[] = initial.map((h) => ({ ...h, state: "new", initialCluster: initial }));
  joining.forEach((h, i) =>
    members.push({ ...h, state: "existing", initialCluster: [...initial, ...joining.slice(0, i + 1)] }),
  );
  return { token: `${spec.cluster.name}-etcd`, members };
}

/** Render-time choices the tests vary; production uses the defaults. */
export interface EtcdRenderOptions {
  /** File layout (default: ETCD_PATHS). */
  readonly paths?: EtcdPaths;
  /**
   * Also serve clients and metrics on 127.0.0.1 (default true). Tests running several
   * members on one machine turn this off; both then bind the member address only.
   */
  readonly localListeners?: boolean;
  /**
   * Read the server and peer keys from the unit's systemd credentials (default true): the
   * key files stay root:root 0600 in /etc/kubernetes/pki/etcd (CIS 1.1.19 and 1.1.21 hold
   * where etcd shares a master) and systemd hands the etcd user a private copy. Tests that
   * start etcd directly turn this off and point it at the key files.
   */
  readonly systemdCredentials?: boolean;
}

/** The systemd credentials of the etcd unit: name -> the key file it is loaded from. */
export function etcdCredentials(paths: EtcdPaths = ETCD_PATHS): Readonly<Record<string, string>> {
  return { "server.key": paths.serverKey, "peer.key": paths.peerKey };
}

/** Where etcd reads a credential: `%d` is the unit's credentials directory ($CREDENTIALS_DIRECTORY). */
const credential = (name: string) => `%d/${name}`;

const peerUrl = (m: EtcdMember) => `https://${m.address}:${PEER_PORT}`;
/** The client URL of a member. */
export const clientUrl = (m: EtcdMember) => `https://${m.address}:${CLIENT_PORT}`;

/** The metrics listener URLs of a member: its address, and loopback with the local listeners. */
export function metricsUrls(member: EtcdMember, local = true): string[] {
  const own = `http://${member.address}:${METRICS_PORT}`;
  return local ? [own, `http://127.0.0.1:${METRICS_PORT}`] : [own];
}

/** etcd's flags for one member, `--name=value` each (https://etcd.io/docs/v3.6/op-guide/configuration/). */
export function renderEtcdFlags(
  spec: Pick<PlatformSpec, "etcd">,
  plan: EtcdPlan,
  member: PlannedMember,
  options: EtcdRenderOptions = {},
): string[] {
  const paths = options.paths ?? ETCD_PATHS;
  const local = options.localListeners ?? true;
  const credentials = options.systemdCredentials ?? true;
  const clientUrls = local ? [clientUrl(member), `https://127.0.0.1:${CLIENT_PORT}`] : [clientUrl(member)];
  const flags: Record<string, string | number | boolean> = {
    name: member.name,
    "data-dir": paths.dataDir,
    "listen-peer-urls": peerUrl(member),
    "initial-advertise-peer-urls": peerUrl(member),
    "listen-client-urls": clientUrls.join(","),
    "advertise-client-urls": clientUrl(member),
    // A metrics-only listener (plain http: /metrics and /health, no key-value access), so
    // Prometheus scrapes without an etcd client certificate; on loopback too for local checks.
    "listen-metrics-urls": metricsUrls(member, local).join(","),
    "initial-cluster": member.initialCluster.map((m) => `${m.name}=${peerUrl(m)}`).join(","),
    "initial-cluster-token": plan.token,
    "initial-cluster-state": member.state,
    "client-cert-auth": true,
    "trusted-ca-file": paths.caCert,
    "cert-file": paths.serverCert,
    "key-file": credentials ? credential("server.key") : paths.serverKey,
    "peer-client-cert-auth": true,
    "peer-trusted-ca-file": paths.caCert,
    "peer-cert-file": paths.peerCert,
    "peer-key-file": credentials ? credential("peer.key") : paths.peerKey,
    "auto-tls": false,
    "peer-auto-tls": false,
    "heartbeat-interval": spec.etcd.heartbeatIntervalMs,
    "election-timeout": spec.etcd.electionTimeoutMs,
    "quota-backend-bytes": spec.etcd.quotaBackendBytes,
    // 3.4 defaults to 100000, 3.6 to 10000; pin the newer, smaller value on both.
    "snapshot-count": 10000,
  };
  return Object.entries(flags).map(([k, v]) => `--${k}=${String(v)}`);
}

/**
 * Flags etcd reads only when it bootstraps a member (no WAL in its data dir yet) and
 * ignores on every later start: replacing or removing a member edits them on the
 * survivors, which therefore need no restart (see restartFlags).
 */
export const BOOTSTRAP_ONLY_FLAGS = ["initial-cluster", "initial-cluster-state"] as const;

/** The flags a running member is restarted for: all but the bootstrap-only ones. */
export function restartFlags(flags: readonly string[]): string[] {
  return flags.filter((f) => !BOOTSTRAP_ONLY_FLAGS.some((name) => f.startsWith(`--${name}=`)));
}

/** The etcd systemd unit running the member with its flags. */
export function renderEtcdUnit(member: EtcdMember, flags: readonly string[], paths: EtcdPaths = ETCD_PATHS): string {
  return [
    "[Unit]",
    `Description=etcd member ${member.name} (k8s-platform)`,
    "Documentation=https://etcd.io/docs/",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    // etcd notifies systemd once it has joined the cluster and serves clients.
    "Type=notify",
    "User=etcd",
    "Group=etcd",
    // The keys stay root-only on disk; systemd gives the service a copy only it can read.
    ...Object.entries(etcdCredentials(paths)).map(([name, file]) => `LoadCredential=${name}:${file}`),
    `ExecStart=${paths.binDir}/etcd \\`,
    ...flags.map((f, i) => `  ${f}${i < flags.length - 1 ? " \\" : ""}`),
    "Restart=on-failure",
    "RestartSec=5s",
    // Bootstrap waits for a quorum of peers; do not give up on a slow first start.
    "TimeoutStartSec=300",
    "LimitNOFILE=65536",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The oneshot service the backup timer starts. */
export function renderBackupService(spec: Pick<PlatformSpec, "etcd">, options: EtcdClientOptions = {}): string {
  const env = backupEnvironment(spec, options);
  return [
    "[Unit]",
    "Description=etcd snapshot backup (k8s-platform)",
    "After=etcd.service",
    "",
    "[Service]",
    "Type=oneshot",
    ...Object.entries(env).map(([k, v]) => `Environment=${k}=${v}`),
    `ExecStart=${SNAPSHOT_SCRIPT_PATH} scheduled`,
    "Nice=10",
    "IOSchedulingClass=idle",
    "",
  ].join("\n");
}

/** The backup timer (`etcd.backup.schedule`, missed runs caught up after downtime). */
export function renderBackupTimer(spec: Pick<PlatformSpec, "etcd">): string {
  return [
    "[Unit]",
    "Description=Periodic etcd snapshot (k8s-platform)",
    "",
    "[Timer]",
    `OnCalendar=${spec.etcd.backup.schedule}`,
    "Persistent=true",
    "RandomizedDelaySec=300",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

/** Where etcdctl on a member finds etcd and its files; tests point it at their own layout. */
export interface EtcdClientOptions {
  readonly paths?: EtcdPaths;
  /** Client URL etcdctl talks to (default: the member's local listener, https://127.0.0.1:2379). */
  readonly endpoint?: string;
}

const LOCAL_ENDPOINT = `https://127.0.0.1:${CLIENT_PORT}`;

/** etcdctl's connection parameters shared by the scripts. */
function clientParameters(o: EtcdClientOptions): Record<string, string> {
  const paths = o.paths ?? ETCD_PATHS;
  return {
    ETCD_ENDPOINT: o.endpoint ?? LOCAL_ENDPOINT,
    ETCD_CACERT: paths.caCert,
    ETCD_CERT: paths.clientCert,
    ETCD_KEY: paths.clientKey,
    ETCD_BIN_DIR: paths.binDir,
  };
}

/** Parameters of snapshot.sh (also the backup service's Environment=). */
export function backupEnvironment(
  spec: Pick<PlatformSpec, "etcd">,
  options: EtcdClientOptions = {},
): Record<string, string> {
  return {
    ETCD_BACKUP_DIR: spec.etcd.backup.dir,
    ETCD_BACKUP_RETAIN: String(spec.etcd.backup.retain),
    ETCD_DATA_DIR: (options.paths ?? ETCD_PATHS).dataDir,
    ...clientParameters(options),
  };
}

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
/** The checked-in scripts (see the .sh files beside this one). */
export const SCRIPTS = {
  install: script("install.sh"),
  fetch: script("fetch.sh"),
  start: script("start.sh"),
  health: script("health.sh"),
  snapshot: script("snapshot.sh"),
  memberAdd: script("member-add.sh"),
} as const;

/** A checked-in script's lines after its header (shebang, comments, `set -euo pipefail`). */
const bodyOf = (text: string) => {
  const lines = text.split("\n");
  return lines.slice(lines.findIndex((l) => l.startsWith("set -euo pipefail")) + 1);
};

/**
 * install.sh with its parameters, fetch.sh embedded as its `fetch_etcd` step: binaries
 * from the mirror (checksum-checked), user, dirs, staged files.
 */
export function renderInstallScript(
  spec: {
    readonly versions: Pick<PlatformSpec["versions"], "etcd">;
    readonly mirrors: Pick<PlatformSpec["mirrors"], "binaries">;
    readonly etcd: { readonly backup: Pick<PlatformSpec["etcd"]["backup"], "dir"> };
  },
  paths: EtcdPaths = ETCD_PATHS,
  stageDir: string = STAGE_DIR,
  unitDir = "/etc/systemd/system",
  snapshotScript: string = SNAPSHOT_SCRIPT_PATH,
): string {
  const fetchEtcd = ["fetch_etcd() {", ...bodyOf(SCRIPTS.fetch), "}"].join("\n");
  return withParameters(["set -euo pipefail", fetchEtcd, ...bodyOf(SCRIPTS.install)].join("\n"), {
    ETCD_VERSION: spec.versions.etcd,
    ...etcdDownloadParameters(spec),
    ETCD_DATA_DIR: paths.dataDir,
    ETCD_BIN_DIR: paths.binDir,
    ETCD_STAGE_DIR: stageDir,
    ETCD_CACERT: paths.caCert,
    ETCD_SERVER_CERT: paths.serverCert,
    ETCD_SERVER_KEY: paths.serverKey,
    ETCD_PEER_CERT: paths.peerCert,
    ETCD_PEER_KEY: paths.peerKey,
    ETCD_CLIENT_CERT: paths.clientCert,
    ETCD_CLIENT_KEY: paths.clientKey,
    ETCD_SNAPSHOT_SCRIPT: snapshotScript,
    ETCD_BACKUP_DIR: spec.etcd.backup.dir,
    ETCD_UNIT_DIR: unitDir,
  });
}

/** fetch.sh's download parameters: the manifest's URLs (components/etcd/downloads.ts). */
export function etcdDownloadParameters(spec: Parameters<typeof etcdDownload>[0]): Record<string, string> {
  const d = etcdDownload(spec);
  return { ETCD_TARBALL_URL: d.url, ETCD_SUMS_URL: d.checksum.url, ETCD_ARCH: PLATFORM_ARCH };
}

/** start.sh: first start without waiting for peers (bootstrap), or restart and wait for health. */
export function renderStartScript(member: PlannedMember, options: EtcdClientOptions = {}): string {
  return withParameters(SCRIPTS.start, {
    ETCD_MEMBER: member.name,
    ETCD_JOIN_STATE: member.state,
    ...clientParameters(options),
  });
}

/** health.sh: `etcdctl endpoint health --cluster`, retried `attempts` times 5 s apart. */
export function renderHealthScript(options: EtcdClientOptions = {}, attempts = 60): string {
  return withParameters(SCRIPTS.health, { ...clientParameters(options), HEALTH_ATTEMPTS: attempts });
}

/** snapshot.sh for the pre-change snapshot (run over SSH; the timer runs the installed copy). */
export function renderSnapshotScript(
  spec: Pick<PlatformSpec, "etcd">,
  label = "pre-change",
  options: EtcdClientOptions = {},
): string {
  return withParameters(SCRIPTS.snapshot, { ...backupEnvironment(spec, options), SNAPSHOT_LABEL: label });
}

/** member-add.sh: registers a joining member from an existing one (idempotent). */
export function renderMemberAddScript(member: PlannedMember, options: EtcdClientOptions = {}): string {
  return withParameters(SCRIPTS.memberAdd, {
    ETCD_MEMBER: member.name,
    ETCD_PEER_URL: peerUrl(member),
    ...clientParameters(options),
  });
}
