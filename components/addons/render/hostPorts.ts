/**
 * Every port something binds in a host's network namespace, per inventory host, computed
 * from the rendered configs and chart values (with the chart defaults we do not override,
 * read at the pinned tags): the host services (etcd, apiserver, haproxy, kubelet,
 * kube-proxy, Harbor, Gluster, Ganesha) and every hostNetwork pod that can land on the
 * host (Calico, node-exporter, the ingress controller on edge nodes). Two
 * owners on one port and protocol whose bind addresses overlap make one of them fail.
 */
import { PORTS } from "../../control-plane/paths";
import { flagValue } from "../../control-plane/renderUnit";
import { renderApiServerFlags } from "../../control-plane/renderApiserver";
import { haproxyConfigFor } from "../../control-plane/renderHaproxy";
import { planEtcd, renderEtcdFlags } from "../../etcd/render";
import { registryAddress } from "../../registry/render";
import { renderKubeletConfig, renderKubeProxyConfig } from "../../worker/render";
import type { HostConfig, PlatformSpec } from "../../../stacks/contract/spec";
import { renderIngressNginxValues, renderTraefikValues } from "./ingress";
import { edgeNodes } from "./policies";

/** Where a listener binds: every address, loopback only, or the host's own address. */
export type Bind = "all" | "loopback" | "node";

/** One listener in a host's network namespace. */
export interface HostPort {
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
  readonly bind: Bind;
  /** What listens (`kubelet`, `traefik/metrics`, ...). */
  readonly owner: string;
}

/** The listeners of one host. */
export interface HostPorts {
  readonly host: string;
  readonly roles: readonly string[];
  readonly ports: readonly HostPort[];
}

/** Two or more listeners that cannot all bind on one host. */
export interface Collision {
  readonly host: string;
  readonly roles: readonly string[];
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
  readonly owners: readonly string[];
}

/**
 * Chart and operator defaults the platform leaves alone, as read at the pinned tags:
 * - traefik/traefik-helm-chart@v41.3.0:traefik/values.yaml `ports` (entrypoints bind every address);
 * - kubernetes/ingress-nginx@controller-v1.15.1:pkg/flags/flags.go (default server 8181,
 *   healthz 10254; profiler, status and stream on 127.0.0.1) and chart 4.15.1 values
 *   (`controller.containerPort`, `controller.admissionWebhooks.port` 8443);
 * - prometheus-community/helm-charts@prometheus-node-exporter-4.56.1 values `service.port`
 *   (9100 on 0.0.0.0 with listenOnAllInterfaces);
 * - tigera/operator@v1.38.13:pkg/render/node.go (BGP 179, Felix health 9099 on localhost),
 *   pkg/render/typha.go (5473, health 9098 on localhost);
 */
export const CHART_HOST_PORT_DEFAULTS = {
  traefik: { traefik: 8080, web: 8000, websecure: 8443, metrics: 9100 },
  ingressNginx: {
    http: 80,
    https: 443,
    webhook: 8443,
    healthz: 10254,
    defaultServer: 8181,
    local: [10245, 10246, 10247],
  },
  nodeExporter: 9100,
  calico: { bgp: 179, felixHealth: 9099, typha: 5473, typhaHealth: 9098, vxlan: 4789 },
} as const;

const tcp = (port: number, bind: Bind, owner: string): HostPort => ({ port, protocol: "TCP", bind, owner });

/** `host:port` or `scheme://host:port` -> the port and how it binds. */
function listener(address: string, owner: string, nodeAddress: string): HostPort {
  const hostPort = address.replace(/^[a-z]+:\/\//, "");
  const colon = hostPort.lastIndexOf(":");
  const host = hostPort.slice(0, colon);
  const bind: Bind =
    host === "127.0.0.1" || host === "localhost"
      ? "loopback"
      : host === "" || host === "0.0.0.0" || host === "*"
        ? "all"
        : host === nodeAddress
          ? "node"
          : "all";
  return tcp(Number(hostPort.slice(colon + 1)), bind, owner);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- chart values are untyped data
type Values = Record<string, any>;

function ingressPorts(spec: PlatformSpec): HostPort[] {
  const ing = spec.addons.ingress;
  if (!ing.enabled || ing.exposure !== "hostNetwork") return [];
  if (ing.controller === "traefik") {
    const ports: Values = { ...CHART_HOST_PORT_DEFAULTS.traefik };
    for (const [name, entry] of Object.entries((renderTraefikValues(spec).ports ?? {}) as Values))
      ports[name] = entry?.port ?? ports[name];
    return Object.entries(ports).map(([name, port]) => tcp(Number(port), "all", `traefik/${name}`));
  }
  const d = CHART_HOST_PORT_DEFAULTS.ingressNginx;
  const values = renderIngressNginxValues(spec);
  const controller = values.controller as Values;
  return [
    tcp(controller.containerPort?.http ?? d.http, "all", "ingress-nginx/http"),
    tcp(controller.containerPort?.https ?? d.https, "all", "ingress-nginx/https"),
    tcp(controller.admissionWebhooks?.port ?? d.webhook, "all", "ingress-nginx/admission-webhook"),
    tcp(d.healthz, "all", "ingress-nginx/healthz"),
    tcp(d.defaultServer, "all", "ingress-nginx/default-server"),
    ...d.local.map((p) => tcp(p, "loopback", "ingress-nginx/local")),
    ...Object.keys((values.tcp ?? {}) as Values).map((p) => tcp(Number(p), "all", `ingress-nginx/tcp-${p}`)),
  ];
}

function kubeletNodePorts(spec: PlatformSpec, host: HostConfig): HostPort[] {
  const controlPlane = host.roles.includes("master");
  const kubelet = renderKubeletConfig({ spec, host, controlPlane });
  const proxy = renderKubeProxyConfig({ spec, host, controlPlane });
  const calico = CHART_HOST_PORT_DEFAULTS.calico;
  const ports: HostPort[] = [
    listener(`${kubelet.address ?? "0.0.0.0"}:${kubelet.port ?? 10250}`, "kubelet", host.address),
    listener(
      `${kubelet.healthzBindAddress ?? "127.0.0.1"}:${kubelet.healthzPort ?? 10248}`,
      "kubelet/healthz",
      host.address,
    ),
    listener(String(proxy.metricsBindAddress), "kube-proxy/metrics", host.address),
    listener(String(proxy.healthzBindAddress), "kube-proxy/healthz", host.address),
    tcp(calico.bgp, "all", "calico-node/bgp"),
    tcp(calico.felixHealth, "loopback", "calico-node/felix-health"),
    // Typha is a Deployment that tolerates every taint: any node may hold it.
    tcp(calico.typha, "all", "calico-typha"),
    tcp(calico.typhaHealth, "loopback", "calico-typha/health"),
  ];
  if (spec.addons.monitoring.enabled) ports.push(tcp(CHART_HOST_PORT_DEFAULTS.nodeExporter, "all", "node-exporter"));
  // The volume is a FUSE mount (a client, no listener); local-path-provisioner runs on the pod network.
  if (spec.network.calico.mode === "vxlan")
    ports.push({ port: calico.vxlan, protocol: "UDP", bind: "all", owner: "calico-node/vxlan" });
  if (edgeNodes(spec).some((h) => h.name === host.name)) ports.push(...ingressPorts(spec));
  return ports;
}

function masterPorts(spec: PlatformSpec, host: HostConfig): HostPort[] {
  const apiserver = renderApiServerFlags(spec, host);
  const lb = haproxyConfigFor(spec);
  return [
    listener(
      `${flagValue(apiserver, "bind-address")}:${flagValue(apiserver, "secure-port")}`,
      "kube-apiserver",
      host.address,
    ),
    tcp(PORTS.controllerManager, "loopback", "kube-controller-manager"),
    tcp(PORTS.scheduler, "loopback", "kube-scheduler"),
    listener(`${lb.bindAddress}:${lb.port}`, "haproxy/apiserver", host.address),
    listener(`${lb.monitorAddress}:${lb.monitorPort}`, "haproxy/monitor", host.address),
  ];
}

function etcdPorts(spec: PlatformSpec, host: HostConfig): HostPort[] {
  const member = planEtcd(spec).members.find((m) => m.name === host.name);
  if (!member) return [];
  const flags = renderEtcdFlags(spec, planEtcd(spec), member);
  const value = (name: string) =>
    (flags.find((f) => f.startsWith(`--${name}=`)) ?? "")
      .slice(name.length + 3)
      .split(",")
      .filter(Boolean);
  return [
    ...value("listen-client-urls").map((u) => listener(u, "etcd/client", host.address)),
    ...value("listen-peer-urls").map((u) => listener(u, "etcd/peer", host.address)),
    ...value("listen-metrics-urls").map((u) => listener(u, "etcd/metrics", host.address)),
  ];
}

function storagePorts(host: HostConfig): HostPort[] {
  return [
    tcp(24007, "all", "glusterd"),
    tcp(24008, "all", "glusterd/rdma"),
    // Brick processes take ports upward from glusterd's base-port 49152, one per brick.
    ...host.bricks.map((_, i) => tcp(49152 + i, "all", `glusterfsd/brick-${i + 1}`)),
  ];
}

/** Every host's listeners. */
export function hostPorts(spec: PlatformSpec): HostPorts[] {
  const nodes = new Set(spec.topology.nodes.map((h) => h.name));
  return spec.hosts.map((host) => {
    const ports: HostPort[] = [];
    if (nodes.has(host.name)) ports.push(...kubeletNodePorts(spec, host));
    if (host.roles.includes("master")) ports.push(...masterPorts(spec, host));
    if (host.roles.includes("etcd")) ports.push(...etcdPorts(spec, host));
    if (host.roles.includes("storage")) ports.push(...storagePorts(host));
    if (host.roles.includes("registry")) ports.push(tcp(registryAddress(spec).port, "all", "harbor"));
    return { host: host.name, roles: host.roles, ports };
  });
}

const overlaps = (a: Bind, b: Bind) => a === "all" || b === "all" || a === b;

/** Listeners of different owners that share a port, a protocol and an address on one host. */
export function hostPortCollisions(spec: PlatformSpec): Collision[] {
  const out: Collision[] = [];
  for (const { host, roles, ports } of hostPorts(spec)) {
    const seen = new Set<string>();
    for (const a of ports) {
      const clash = ports.filter(
        (b) => b.port === a.port && b.protocol === a.protocol && overlaps(a.bind, b.bind) && b.owner !== a.owner,
      );
      const key = `${a.protocol}/${a.port}`;
      if (clash.length === 0 || seen.has(key)) continue;
      seen.add(key);
      const owners = [...new Set([a, ...clash].map((p) => p.owner))].sort();
      out.push({ host, roles, port: a.port, protocol: a.protocol, owners });
    }
  }
  return out;
}
