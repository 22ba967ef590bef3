/**
 * PlatformSpec: the validated config with defaults applied plus the few facts derived
 * from it that several components need (hosts by role, endpoints, service IPs). Derived
 * once here so that, e.g., kubelet's clusterDNS and the CoreDNS Service IP cannot differ.
 */
import { clusterDnsIp, kubernetesServiceIp } from "../../lib/ipv4";
import type { HostConfig, PlatformConfig, Role } from "./schema";

export type { HostConfig, ProjectConfig, GlusterConfig, PlatformConfig, Role } from "./schema";

/** NodeLocal DNSCache's link-local listen address (the upstream default). */
export const NODE_LOCAL_DNS_IP = "169.254.20.10";

/** Hosts grouped by role, in inventory order. */
export interface Topology {
  readonly etcd: readonly HostConfig[];
  readonly masters: readonly HostConfig[];
  readonly workers: readonly HostConfig[];
  readonly storage: readonly HostConfig[];
  readonly registry: readonly HostConfig[];
  /** Hosts that run kubelet, kube-proxy and calico-node: workers, plus masters when configured. */
  readonly nodes: readonly HostConfig[];
}

/** Addresses every component agrees on. */
export interface Endpoints {
  /** `https://<vip>:<port>`: the apiserver as every off-master client reaches it. */
  readonly apiserver: string;
  /** ClusterIP of the `kubernetes` Service (first address of the service CIDR). */
  readonly kubernetesServiceIp: string;
  /** ClusterIP of the cluster DNS Service (CoreDNS). */
  readonly clusterDnsIp: string;
  /**
   * The resolver kubelet hands to pods (`clusterDNS`): the NodeLocal DNSCache address when
   * it is enabled (under IPVS the cache cannot take over the kube-dns ClusterIP), else
   * `clusterDnsIp`. CoreDNS, the cache, kubelet and project policies all read it from here.
   */
  readonly podResolverIp: string;
  /** Registry host image pulls and pull secrets use. */
  readonly registry: string;
}

/** The typed, validated stack: what every component is built from. */
export interface PlatformSpec extends PlatformConfig {
  readonly topology: Topology;
  readonly endpoints: Endpoints;
}

/** Derives topology and endpoints from a validated config. */
export function toSpec(config: PlatformConfig): PlatformSpec {
  const by = (role: Role) => config.hosts.filter((h) => h.roles.includes(role));
  const masters = by("master");
  const workers = by("worker");
  const nodes = config.workers.kubeletOnMasters
    ? config.hosts.filter((h) => h.roles.includes("worker") || h.roles.includes("master"))
    : workers;
  const imagesHost = config.mirrors.images.split("/")[0];
  return {
    ...config,
    topology: { etcd: by("etcd"), masters, workers, storage: by("storage"), registry: by("registry"), nodes },
    endpoints: {
      apiserver: `https://${config.apiserver.vip}:${config.apiserver.port}`,
      kubernetesServiceIp: kubernetesServiceIp(config.network.serviceCidr),
      clusterDnsIp: clusterDnsIp(config.network.serviceCidr),
      podResolverIp: config.addons.coredns.nodeLocalDns ? NODE_LOCAL_DNS_IP : clusterDnsIp(config.network.serviceCidr),
      registry: config.registry.server ?? imagesHost,
    },
  };
}
