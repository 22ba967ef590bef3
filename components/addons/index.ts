/** The in-cluster add-ons, each its own component; see the README's "Add-ons" section. */
export { CoreDns, type CoreDnsArgs } from "./coredns";
export { Ingress, type IngressArgs } from "./ingress";
export { Monitoring, type MonitoringArgs } from "./monitoring";
export { Logging, type LoggingArgs } from "./logging";
export { ADDON_NAMESPACES } from "./render/common";
export { COREDNS_SELECTOR, NODE_LOCAL_DNS_IP, kubeletClusterDns } from "./render/coredns";
export { ingressClassName } from "./render/ingress";
