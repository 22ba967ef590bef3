/**
 * Who may reach each add-on namespace (besides pods of the namespace itself). Shared by the
 * components and the tests so both read the same rules.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, nodeCidrs, type IngressPeer } from "./common";

/** Ingress controller namespace, as a peer list of one namespace. */
const ingressNs = (spec: PlatformSpec) => [ADDON_NAMESPACES.ingress(spec.addons.ingress.controller)];

/**
 * Monitoring: the apiserver (on the masters' host network) calls metrics-server and the
 * operator's admission webhook; Prometheus' own UI and Grafana are reached by
 * port-forward, or Grafana through the ingress controller when `grafanaHost` is set.
 */
export function monitoringPeers(spec: PlatformSpec): IngressPeer[] {
  const peers: IngressPeer[] = [{ name: "apiserver", cidrs: nodeCidrs(spec.topology.masters.map((h) => h.address)) }];
  if (spec.addons.monitoring.grafanaHost) {
    peers.push({
      name: "ingress-to-grafana",
      namespaces: ingressNs(spec),
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
      namespaces: ingressNs(spec),
      podSelector: { "app.kubernetes.io/name": "opensearch-dashboards" },
      ports: [5601],
    });
  }
  return peers;
}
