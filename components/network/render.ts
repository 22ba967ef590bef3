/**
 * Calico, rendered as plain objects (pure; no Pulumi runtime imports): the route reflector
 * choice, the tigera-operator chart values (its `installation` value becomes the
 * `operator.tigera.io/v1` Installation), and the BGP / Felix resources.
 *
 * The BGP and Felix objects use the `crd.projectcalico.org/v1` group: those CRDs are
 * installed by the chart itself (manageCRDs), whereas the `projectcalico.org/v3` API is
 * served by the Calico API server, which the operator only starts some time after the
 * chart is installed. Both groups carry the same spec fields; v1 is Calico's storage
 * form and gets no defaulting, so only fields without defaults-by-API-server are set.
 * From Calico 3.32 the v3 API can be served as native CRDs: switch CALICO_CRD_API then.
 * See https://docs.tigera.io/calico/latest/reference/resources/bgpconfig and .../bgppeer.
 */
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import type { KubeObject } from "../addons/render/common";
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
  return { fullMesh: false, reflectors: spreadAcrossZones(nodes) };
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
      ipPools: [
        {
          name: "default-ipv4-ippool",
          cidr: spec.network.podCidr,
          encapsulation: ipPoolEncapsulation(spec.network.calico),
          natOutgoing: "Enabled",
          nodeSelector: "all()",
          blockSize: 26,
        },
      ],
    },
    controlPlaneReplicas: 2,
  };
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
