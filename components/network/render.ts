/**
 * Calico, rendered as plain objects (pure; no Pulumi runtime imports): the route reflector
 * choice, the tigera-operator chart values (its `installation` value becomes the
 * `operator.tigera.io/v1` Installation), and the BGP / Felix resources.
 *
 * The BGP and Felix objects use the `crd.projectcalico.org/v1` group: the operator
 * (`-manage-crds`, the chart's default) creates those CRDs when it starts and keeps them at
 * its release (tigera/operator@v1.38.13:cmd/main.go, pkg/crds, the core controller), so a
 * Calico upgrade upgrades them; the objects wait until they are Established
 * (renderCrdWaitScript). The `projectcalico.org/v3` API is served by the Calico API server,
 * which the operator only starts some time after the chart is installed. Both groups carry the same spec fields; v1 is Calico's storage
 * form and gets no defaulting, so only fields without defaults-by-API-server are set.
 * From Calico 3.32 the v3 API can be served as native CRDs: switch CALICO_CRD_API then.
 * See https://docs.tigera.io/calico/latest/reference/resources/bgpconfig and .../bgppeer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cidrSize, formatIpv4, parseCidr, type Ipv4Cidr } from "../../lib/ipv4";
import { BIN_DIR, KUBECONFIG } from "../../lib/paths";
import { withParameters } from "../../lib/shell";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { release, type KubeObject, type ReleaseSpec } from "../addons/render/common";
import { mirrorRegistryPrefix } from "../addons/render/images";
import { CALICO_API_SERVER, calicoImages } from "./images";

/** Node label that marks the route reflectors (selected by the BGPPeers below). */
export const RR_LABEL = "calico-route-reflector";
/** Node annotation Calico's Kubernetes datastore maps to Node `spec.bgp.routeReflectorClusterID`. */
export const RR_CLUSTER_ID_ANNOTATION = "projectcalico.org/RouteReflectorClusterID";
/** Cluster ID shared by all reflectors (an unused IPv4 address, as Calico's docs use). */
export const RR_CLUSTER_ID = "244.0.0.1";
/** Label of the zone a node sits in; reflectors are spread across its values. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** Calico API group whose CRDs the tigera-operator chart installs. */
export const CALICO_CRD_API = "crd.projectcalico.org/v1";

/** How the nodes exchange routes. */
export interface BgpTopology {
  /** True: every node peers with every other node (no reflectors). */
  readonly fullMesh: boolean;
  /** Host names of the route reflectors (empty with a full mesh). */
  readonly reflectors: readonly string[];
}

/**
 * Chooses the BGP topology. An explicit `routeReflectors` list wins. With `auto`, clusters
 * of at most `meshThreshold` nodes keep Calico's full mesh; larger ones get 2 reflectors
 * (3 when the nodes span 3 or more zones), chosen deterministically: nodes are grouped by
 * zone label, zones and nodes taken in name order, one per zone in turn. The same
 * inventory always yields the same reflectors, and adding nodes does not move them unless
 * a zone appears.
 */
export function selectRouteReflectors(spec: Pick<PlatformSpec, "network" | "topology">): BgpTopology {
  const { routeReflectors, meshThreshold } = spec.network.calico;
  const nodes = spec.topology.nodes;
  if (Array.isArray(routeReflectors)) {
    const known = new Set(nodes.map((n) => n.name));
    const unknown = routeReflectors.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(
        `network.calico.routeReflectors: ${unknown.join(", ")} not a node (a worker, or a master with kubeletOnMasters)`,
      );
    }
    return { fullMesh: routeReflectors.length === 0, reflectors: [...routeReflectors] };
  }
  if (nodes.length <= meshThreshold) return { fullMesh: true, reflectors: [] };
  // Reflectors are chosen among the workers: the masters' capacity is kept for the control
  // plane, and a worker pool that grows keeps the choice stable.
  const workers = nodes.filter((n) => !n.roles.includes("master"));
  return { fullMesh: false, reflectors: spreadAcrossZones(workers.length >= 2 ? workers : nodes) };
}

function spreadAcrossZones(nodes: readonly HostConfig[]): string[] {
  const zones = new Map<string, string[]>();
  for (const node of nodes) {
    const zone = node.labels[ZONE_LABEL] ?? "";
    zones.set(zone, [...(zones.get(zone) ?? []), node.name]);
  }
  const ordered = [...zones.keys()].sort().map((z) => (zones.get(z) ?? []).sort());
  const count = ordered.length >= 3 ? 3 : 2;
  const chosen: string[] = [];
  for (let round = 0; chosen.length < count; round++) {
    for (const members of ordered) {
      if (chosen.length < count && round < members.length) chosen.push(members[round]);
    }
  }
  return chosen;
}

/** Installation `calicoNetwork.ipPools[].encapsulation` for the configured mode. */
export function ipPoolEncapsulation(
  calico: PlatformSpec["network"]["calico"],
): "None" | "IPIP" | "IPIPCrossSubnet" | "VXLAN" | "VXLANCrossSubnet" {
  if (calico.mode === "bgp" || calico.ipipMode === "Never") return "None";
  const base = calico.mode === "ipip" ? "IPIP" : "VXLAN";
  return calico.ipipMode === "CrossSubnet" ? `${base}CrossSubnet` : base;
}

/** Node label the worker component puts on masters that run kubelet (components/worker/labels.ts). */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
/** Block size of the pod pools: a node claims /26 blocks of 64 pod addresses. */
export const POD_BLOCK_SIZE = 26;

/** One IP pool of the Installation (`calicoNetwork.ipPools[]`). */
export interface IpPool {
  readonly name: string;
  readonly cidr: string;
  readonly encapsulation: ReturnType<typeof ipPoolEncapsulation>;
  readonly natOutgoing: "Enabled";
  readonly nodeSelector: string;
  readonly blockSize: number;
  /** Absent: Calico's default, Workload and Tunnel. */
  readonly allowedUses?: readonly ("Workload" | "Tunnel")[];
}

/**
 * The addresses hosts send from when they reach pods through an IPIP or VXLAN tunnel. A host
 * talking to a pod on a node of another subnet (CrossSubnet) or on any node (Always) sends
 * from its tunnel device, whose address Calico takes from a pool allowing `Tunnel` uses
 * (projectcalico/calico@v3.30.7:node/pkg/allocateip/allocateip.go determineEnabledPoolCIDRs).
 * With tunnel-only pools of their own, the masters' tunnel addresses (the apiserver calling
 * webhooks and aggregated APIs) and the other nodes' (a host-network ingress controller
 * calling Services) lie in known ranges that NetworkPolicies can admit, and no pod ever gets
 * an address from them. Both sit at the end of the pod CIDR: `nodes` the last /(prefix+6)
 * (at most /26), `masters` the /26 before it; the rest stays pod address space.
 */
export interface TunnelRanges {
  readonly masters: string;
  readonly nodes: string;
}

/** The tunnel address ranges, or undefined when the pool does not encapsulate (pure BGP). */
export function calicoTunnelRanges(spec: Pick<PlatformSpec, "network">): TunnelRanges | undefined {
  if (ipPoolEncapsulation(spec.network.calico) === "None") return undefined;
  const pod = parseCidr(spec.network.podCidr) as Ipv4Cidr;
  const end = pod.base + cidrSize(pod);
  const nodesPrefix = Math.min(pod.prefix + 6, POD_BLOCK_SIZE);
  const nodesBase = end - 2 ** (32 - nodesPrefix);
  const mastersBase = nodesBase - 2 ** (32 - POD_BLOCK_SIZE);
  return {
    masters: `${formatIpv4(mastersBase)}/${POD_BLOCK_SIZE}`,
    nodes: `${formatIpv4(nodesBase)}/${nodesPrefix}`,
  };
}

/** `outer` minus the `holes` (each aligned inside it), as the fewest aligned CIDRs, in address order. */
export function subtractCidrs(outer: Ipv4Cidr, holes: readonly Ipv4Cidr[]): Ipv4Cidr[] {
  const overlapsHole = (c: Ipv4Cidr) =>
    holes.some((h) => h.base < c.base + cidrSize(c) && c.base < h.base + cidrSize(h));
  const inHole = (c: Ipv4Cidr) => holes.some((h) => h.base <= c.base && c.base + cidrSize(c) <= h.base + cidrSize(h));
  if (inHole(outer)) return [];
  if (!overlapsHole(outer)) return [outer];
  const half = { prefix: outer.prefix + 1 };
  return [
    ...subtractCidrs({ base: outer.base, ...half }, holes),
    ...subtractCidrs({ base: outer.base + cidrSize(outer) / 2, ...half }, holes),
  ];
}

/** The Installation's IP pools: the pod CIDR, less the tunnel ranges when the pool encapsulates. */
export function renderIpPools(spec: PlatformSpec): IpPool[] {
  const encapsulation = ipPoolEncapsulation(spec.network.calico);
  const common = { encapsulation, natOutgoing: "Enabled" as const };
  const tunnels = calicoTunnelRanges(spec);
  if (!tunnels)
    return [
      {
        name: "default-ipv4-ippool",
        cidr: spec.network.podCidr,
        ...common,
        nodeSelector: "all()",
        blockSize: POD_BLOCK_SIZE,
      },
    ];
  const holes = [tunnels.masters, tunnels.nodes].map((c) => parseCidr(c) as Ipv4Cidr);
  const pods = subtractCidrs(parseCidr(spec.network.podCidr) as Ipv4Cidr, holes).map((c): IpPool => ({
    name: `pods-${formatIpv4(c.base).replace(/\./g, "-")}-${c.prefix}`,
    cidr: `${formatIpv4(c.base)}/${c.prefix}`,
    ...common,
    nodeSelector: "all()",
    blockSize: POD_BLOCK_SIZE,
    allowedUses: ["Workload"],
  }));
  return [
    ...pods,
    // One /32 block per host: its tunnel device's address.
    {
      name: "tunnel-masters",
      cidr: tunnels.masters,
      ...common,
      nodeSelector: `has(${CONTROL_PLANE_LABEL})`,
      blockSize: 32,
      allowedUses: ["Tunnel"],
    },
    {
      name: "tunnel-nodes",
      cidr: tunnels.nodes,
      ...common,
      nodeSelector: `!has(${CONTROL_PLANE_LABEL})`,
      blockSize: 32,
      allowedUses: ["Tunnel"],
    },
  ];
}

/** The Installation spec (operator.tigera.io/v1), as the chart's `installation` value. */
export function renderInstallationSpec(spec: PlatformSpec): Record<string, unknown> {
  return {
    kubernetesProvider: "",
    registry: `${mirrorRegistryPrefix(spec.mirrors.images)}/`,
    cni: { type: "Calico", ipam: { type: "Calico" } },
    calicoNetwork: {
      bgp: "Enabled",
      // The nodes' own address is the one on the interface that reaches the apiserver VIP.
      nodeAddressAutodetectionV4: { canReach: spec.apiserver.vip },
      ipPools: renderIpPools(spec),
    },
    controlPlaneReplicas: 2,
  };
}

/** Namespace of the tigera-operator release. */
export const TIGERA_NAMESPACE = "tigera-operator";

/** The tigera-operator release (chart version `v<versions.calico>`) from the chart mirror. */
export function renderTigeraOperatorRelease(spec: PlatformSpec): ReleaseSpec {
  return release(
    spec.mirrors.charts,
    "calico",
    TIGERA_NAMESPACE,
    "tigera-operator",
    `v${spec.versions.calico}`,
    renderTigeraOperatorValues(spec),
  );
}

/**
 * Values of the tigera-operator chart. The chart has no datastore switch: the operator
 * always installs Calico with the Kubernetes API datastore.
 */
export function renderTigeraOperatorValues(spec: PlatformSpec): Record<string, unknown> {
  const registry = mirrorRegistryPrefix(spec.mirrors.images);
  const images = calicoImages(spec);
  const apiserver = new URL(spec.endpoints.apiserver);
  return {
    installation: { enabled: true, ...renderInstallationSpec(spec) },
    apiServer: { enabled: CALICO_API_SERVER },
    // Flow-log UI and its aggregator: not part of the platform's design; fewer images to mirror.
    goldmane: { enabled: false },
    whisker: { enabled: false },
    // `<registry>/<image>:<version>` (templates/_helpers.tpl): pinned, not left to the chart default.
    tigeraOperator: { registry, image: images.operator.repository, version: images.operator.tag },
    calicoctl: { image: `${registry}/${images.calicoctl.repository}`, tag: images.calicoctl.tag },
    // Calico reaches the apiserver through the VIP, not through the `kubernetes` Service
    // that kube-proxy implements: no chicken-and-egg at bootstrap.
    kubernetesServiceEndpoint: { host: apiserver.hostname, port: apiserver.port || "443" },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  };
}

/**
 * NetworkPolicies the tigera-operator creates itself, as it renders them: the Calico API
 * server's `allow-apiserver` admits its port from anywhere
 * (tigera/operator@v1.38.13:pkg/render/apiserver.go networkPolicy(), deploymentSelector()).
 */
export function operatorNetworkPolicies(): KubeObject[] {
  if (!CALICO_API_SERVER) return [];
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-apiserver", namespace: "calico-apiserver" },
      spec: {
        podSelector: { matchLabels: { apiserver: "true" } },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ protocol: "TCP", port: 5443 }] }],
      },
    },
  ];
}

/** The CRDs of the kinds the platform creates or patches (see renderBgpPeers and friends). */
export const CALICO_PATCHED_CRDS = [
  "felixconfigurations.crd.projectcalico.org",
  "bgpconfigurations.crd.projectcalico.org",
  "bgppeers.crd.projectcalico.org",
] as const;

/** The checked-in wait script (parameters are prepended by renderCrdWaitScript). */
export const WAIT_CRDS_SCRIPT = readFileSync(join(__dirname, "wait-crds.sh"), "utf8");

/** Where and how long the wait runs; production uses the defaults, tests point it elsewhere. */
export interface CrdWaitOptions {
  readonly kubeconfig?: string;
  readonly kubectl?: string;
  readonly timeoutSeconds?: number;
  readonly intervalSeconds?: number;
}

/** The script that waits until the Calico CRDs are Established (run on the first master). */
export function renderCrdWaitScript(spec: Pick<PlatformSpec, "versions">, options: CrdWaitOptions = {}): string {
  return withParameters(WAIT_CRDS_SCRIPT, {
    ADMIN_KUBECONFIG: options.kubeconfig ?? KUBECONFIG.admin,
    KUBECTL: options.kubectl ?? `${BIN_DIR}/kubectl`,
    CRDS: CALICO_PATCHED_CRDS.join(" "),
    TIMEOUT: options.timeoutSeconds ?? 300,
    INTERVAL: options.intervalSeconds ?? 5,
    CALICO_VERSION: spec.versions.calico,
  });
}

/** A Calico CRD object, as plain data. */
export interface CalicoObject extends KubeObject {
  readonly apiVersion: typeof CALICO_CRD_API;
  readonly kind: "BGPConfiguration" | "BGPPeer" | "FelixConfiguration";
  readonly metadata: { readonly name: string };
  readonly spec: Record<string, unknown>;
}

/** The cluster-wide BGPConfiguration: AS number, and the mesh off when reflectors exist. */
export function renderBgpConfiguration(spec: PlatformSpec, topology: BgpTopology): CalicoObject {
  return {
    apiVersion: CALICO_CRD_API,
    kind: "BGPConfiguration",
    metadata: { name: "default" },
    spec: {
      asNumber: spec.network.calico.asNumber,
      nodeToNodeMeshEnabled: topology.fullMesh,
    },
  };
}

/**
 * BGPPeers: with reflectors, every non-reflector node peers with every reflector and the
 * reflectors peer with each other; every node peers with each top-of-rack router.
 */
export function renderBgpPeers(spec: PlatformSpec, topology: BgpTopology): CalicoObject[] {
  const peers: CalicoObject[] = [];
  if (!topology.fullMesh && topology.reflectors.length > 0) {
    peers.push({
      apiVersion: CALICO_CRD_API,
      kind: "BGPPeer",
      metadata: { name: "peer-with-route-reflectors" },
      spec: { nodeSelector: `!has(${RR_LABEL})`, peerSelector: `has(${RR_LABEL})` },
    });
    peers.push({
      apiVersion: CALICO_CRD_API,
      kind: "BGPPeer",
      metadata: { name: "route-reflector-mesh" },
      spec: { nodeSelector: `has(${RR_LABEL})`, peerSelector: `has(${RR_LABEL})` },
    });
  }
  for (const router of spec.network.calico.torPeers) {
    peers.push({
      apiVersion: CALICO_CRD_API,
      kind: "BGPPeer",
      metadata: { name: `tor-${router.name}` },
      spec: { peerIP: router.address, asNumber: router.asNumber },
    });
  }
  return peers;
}

/** Labels and annotations that make a node a route reflector. */
export function routeReflectorNodeMetadata(): { labels: Record<string, string>; annotations: Record<string, string> } {
  return { labels: { [RR_LABEL]: "true" }, annotations: { [RR_CLUSTER_ID_ANNOTATION]: RR_CLUSTER_ID } };
}

/** kube-proxy's default NodePort range, which Felix must know in IPVS mode. */
export const NODE_PORT_RANGE = "30000:32767";

/**
 * The default FelixConfiguration. Felix detects kube-proxy's IPVS mode by itself; what it
 * cannot detect is the NodePort range, which it needs to tell service traffic from host
 * traffic in that mode (https://docs.tigera.io/calico/latest/networking/configuring/use-ipvs).
 */
export function renderFelixConfiguration(spec: PlatformSpec): CalicoObject {
  const felix: Record<string, unknown> = {
    // Felix stops pods from reaching unallocated service IPs (routing loops with BGP-advertised ranges).
    serviceLoopPrevention: "Drop",
  };
  if (spec.network.proxyMode === "ipvs") felix.kubeNodePortRanges = [NODE_PORT_RANGE];
  return { apiVersion: CALICO_CRD_API, kind: "FelixConfiguration", metadata: { name: "default" }, spec: felix };
}
