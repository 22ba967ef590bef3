/**
 * Who may reach each add-on namespace (besides pods of the namespace itself), and the
 * addresses host-network clients send from. Shared by the components, the seams table and
 * the tests so all read the same rules.
 */
import { calicoTunnelRanges } from "../../network/render";
import type { HostConfig, PlatformSpec } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, nodeCidrs, type IngressPeer } from "./common";

/**
 * Where the apiserver's calls to webhooks and aggregated APIs come from: the masters' own
 * addresses (same subnet, or no encapsulation) and their Calico tunnel addresses (a pod on a
 * node behind an IPIP/VXLAN tunnel). Masters run calico-node, so they have the pod routes.
 */
export function apiserverSourceCidrs(spec: PlatformSpec): string[] {
  const tunnels = calicoTunnelRanges(spec);
  return [...nodeCidrs(spec.topology.masters.map((h) => h.address)), ...(tunnels ? [tunnels.masters] : [])];
}

/** The nodes a host-network ingress controller runs on (edge label, not a tainted master). */
export function edgeNodes(spec: PlatformSpec): HostConfig[] {
  const selector = Object.entries(spec.addons.ingress.nodeSelector);
  return spec.topology.nodes.filter(
    (h) => (h.roles.includes("worker") || !h.roles.includes("master")) && selector.every(([k, v]) => h.labels[k] === v),
  );
}

/**
 * Where the ingress controller's connections to Services come from: its namespace's pods,
 * or, on the host network, the edge nodes' addresses and the non-master nodes' tunnel range.
 */
export function ingressSource(spec: PlatformSpec): Pick<IngressPeer, "namespaces" | "cidrs"> {
  const ing = spec.addons.ingress;
  if (ing.exposure !== "hostNetwork") return { namespaces: [ADDON_NAMESPACES.ingress(ing.controller)] };
  const tunnels = calicoTunnelRanges(spec);
  return { cidrs: [...nodeCidrs(edgeNodes(spec).map((h) => h.address)), ...(tunnels ? [tunnels.nodes] : [])] };
}

/** The ingress controller's namespace accepts connections from anywhere: it is the entry point. */
export function ingressPeers(): IngressPeer[] {
  return [{ name: "clients", cidrs: ["0.0.0.0/0"] }, { name: "all-namespaces" }];
}

/**
 * Monitoring: the apiserver (on the masters' host network) calls metrics-server and the
 * operator's admission webhook; Prometheus' own UI and Grafana are reached by
 * port-forward, or Grafana through the ingress controller when `grafanaHost` is set.
 */
export function monitoringPeers(spec: PlatformSpec): IngressPeer[] {
  const peers: IngressPeer[] = [{ name: "apiserver", cidrs: apiserverSourceCidrs(spec) }];
  if (spec.addons.monitoring.grafanaHost) {
    peers.push({
      name: "ingress-to-grafana",
      ...ingressSource(spec),
      podSelector: { "app.kubernetes.io/name": "grafana" },
      ports: [3000],
    });
  }
  return peers;
}

/** Logging: Prometheus scrapes Fluent Bit; Dashboards through the ingress controller when `dashboardsHost` is set. */
export function loggingPeers(spec: PlatformSpec): IngressPeer[] {
  const peers: IngressPeer[] = [
    {
      name: "monitoring",
      namespaces: [ADDON_NAMESPACES.monitoring],
      podSelector: { "app.kubernetes.io/name": "fluent-bit" },
      ports: [2020],
    },
  ];
  if (spec.addons.logging.dashboardsHost) {
    peers.push({
      name: "ingress-to-dashboards",
      ...ingressSource(spec),
      podSelector: { "app.kubernetes.io/name": "opensearch-dashboards" },
      ports: [5601],
    });
  }
  return peers;
}
