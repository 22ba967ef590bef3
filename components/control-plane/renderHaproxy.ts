/**
 * haproxy.cfg for the apiserver load balancer: TCP passthrough (clients authenticate to
 * the apiservers with their own certificates end to end) with HTTPS health checks on
 * /readyz, so a master that is up but not ready (e.g. lost etcd) gets no traffic.
 * https://docs.haproxy.org/2.6/configuration.html
 */
import type { PlatformSpec } from "../../stacks/contract/spec";
import { LB_FILES, PORTS } from "./paths";

/** One apiserver behind the balancer. */
export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/** Health-check timing: a dead apiserver is marked down after about inter + fall * fastinter. */
export interface CheckTiming {
  readonly interMs: number;
  readonly fastinterMs: number;
  readonly downinterMs: number;
  readonly fall: number;
  readonly rise: number;
}

export const DEFAULT_CHECK_TIMING: CheckTiming = {
  interMs: 2000,
  fastinterMs: 500,
  downinterMs: 5000,
  fall: 2,
  rise: 2,
};

/** Everything haproxy.cfg is rendered from. */
export interface HaproxyConfig {
  /** Address the apiserver frontend binds: `*` (any) or an address (the VIP needs ip_nonlocal_bind on backups). */
  readonly bindAddress: string;
  readonly port: number;
  readonly backends: readonly Backend[];
  /** CA the apiservers' serving certificate chains to; checks verify it. */
  readonly caFile: string;
  /** Address of the local monitor frontend keepalived's check script probes. */
  readonly monitorAddress: string;
  readonly monitorPort: number;
  /** Runtime API socket; omitted in tests that run haproxy unprivileged. */
  readonly statsSocket?: string;
  /** Drop privileges into this chroot/user after loading the config (production). */
  readonly chroot?: string;
  readonly user?: string;
  readonly timing: CheckTiming;
}

/** The production config derived from the spec (every master's apiserver as a backend). */
export function haproxyConfigFor(spec: PlatformSpec, overrides: Partial<HaproxyConfig> = {}): HaproxyConfig {
  return {
    bindAddress: "*",
    port: spec.apiserver.port,
    backends: spec.topology.masters.map((m) => ({ name: m.name, address: m.address, port: PORTS.apiserver })),
    caFile: LB_FILES.apiserverCa,
    monitorAddress: "127.0.0.1",
    monitorPort: PORTS.haproxyMonitor,
    statsSocket: LB_FILES.haproxyStatsSocket,
    chroot: "/var/lib/haproxy",
    user: "haproxy",
    timing: DEFAULT_CHECK_TIMING,
    ...overrides,
  };
}

/** Renders haproxy.cfg. */
export function renderHaproxyConfig(c: HaproxyConfig): string {
  if (c.backends.length === 0) throw new Error("haproxy needs at least one apiserver backend");
  if (c.port === PORTS.apiserver && c.bindAddress === "*") {
    throw new Error(`apiserver.port ${c.port} collides with the apiservers' own port on the masters`);
  }
  const t = c.timing;
  const global = [
    "global",
    // stdout goes to the journal under systemd, and to the test's pipe in tests.
    "  log stdout format raw local0 info",
    // Each proxied connection holds two fds; 8000 fits a 20000 fd limit and far more watches than the cluster needs.
    "  maxconn 8000",
    c.chroot ? `  chroot ${c.chroot}` : undefined,
    c.user ? `  user ${c.user}` : undefined,
    c.user ? `  group ${c.user}` : undefined,
    c.statsSocket ? `  stats socket ${c.statsSocket} mode 600 level admin` : undefined,
    "  ssl-default-server-options ssl-min-ver TLSv1.2",
  ];
  const defaults = [
    "defaults",
    "  mode tcp",
    "  log global",
    "  option tcplog",
    "  option dontlognull",
    // A refused connection to a dying apiserver is retried on another one.
    "  option redispatch",
    "  retries 3",
    "  timeout connect 5s",
    // Watches and `kubectl logs -f`/exec stay open for long quiet periods.
    "  timeout client 4h",
    "  timeout server 4h",
    "  timeout tunnel 4h",
    "  timeout client-fin 30s",
    "  timeout check 5s",
  ];
  const monitor = [
    "frontend k8s-apiserver-monitor",
    "  mode http",
    `  bind ${c.monitorAddress}:${c.monitorPort}`,
    "  monitor-uri /healthz",
    // Healthy only while this haproxy has a ready apiserver to send traffic to.
    "  monitor fail if { nbsrv(k8s-apiserver) lt 1 }",
  ];
  const frontend = ["frontend k8s-apiserver", `  bind ${c.bindAddress}:${c.port}`, "  default_backend k8s-apiserver"];
  const backend = [
    "backend k8s-apiserver",
    "  balance leastconn",
    "  option httpchk",
    "  http-check connect ssl",
    "  http-check send meth GET uri /readyz",
    "  http-check expect status 200",
    `  default-server check check-ssl verify required ca-file ${c.caFile} inter ${t.interMs} fastinter ${t.fastinterMs} downinter ${t.downinterMs} fall ${t.fall} rise ${t.rise} on-marked-down shutdown-sessions`,
    ...c.backends.map((b) => `  server ${b.name} ${b.address}:${b.port}`),
  ];
  return [global, defaults, monitor, frontend, backend]
    .map((section) => section.filter((line): line is string => line !== undefined).join("\n"))
    .join("\n\n")
    .concat("\n");
}
