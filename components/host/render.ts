/**
 * Pure renderers of the Host component: the SSH connection settings and the parameterised
 * baseline-prep script for one inventory host.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withParameters } from "../../lib/shell";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import type { RepositoryRole } from "../../stacks/contract/schema/versions";

/** The checked-in prep script body (see prep.sh). */
export const PREP_SCRIPT = readFileSync(join(__dirname, "prep.sh"), "utf8");

/** SSH connection settings without the private key (which the component adds as a secret). */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dialErrorLimit: number;
  readonly perDialTimeout: number;
  readonly hostKey?: string;
  readonly proxy?: { readonly host: string; readonly port: number; readonly user: string; readonly hostKey?: string };
}

/**
 * Connection settings for a host: inventory address, ssh defaults, optional bastion, and the
 * pinned host keys of the host and of the bastion hop (pulumi-command checks the bastion's
 * key only when the proxy carries one; without a key it accepts any).
 */
export function connectionSettings(spec: Pick<PlatformSpec, "ssh">, host: HostConfig): ConnectionSettings {
  const { ssh } = spec;
  return {
    host: host.address,
    port: ssh.port,
    user: ssh.user,
    dialErrorLimit: ssh.dialErrorLimit,
    perDialTimeout: ssh.perDialTimeout,
    ...(host.hostKey ? { hostKey: host.hostKey } : {}),
    ...(ssh.bastion
      ? {
          proxy: {
            host: ssh.bastion.host,
            port: ssh.bastion.port,
            user: ssh.bastion.user,
            ...(ssh.bastion.hostKey ? { hostKey: ssh.bastion.hostKey } : {}),
          },
        }
      : {}),
  };
}

/** Runs a script from stdin as root: directly when logged in as root, else through sudo. */
export function asRoot(spec: { readonly ssh: Pick<PlatformSpec["ssh"], "user"> }, command = "bash -s"): string {
  return spec.ssh.user === "root" ? command : `sudo -n ${command}`;
}

/** Modules every node loads: overlayfs (containerd), bridge netfilter, conntrack. */
const NODE_MODULES = ["overlay", "br_netfilter", "nf_conntrack"] as const;
/** The IPVS modules kube-proxy's ipvs mode needs. */
const IPVS_MODULES = ["ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh"] as const;

/** Sysctls of every host: watch limits, no swapping, panic and reboot on a kernel fault. */
const HOST_SYSCTLS: Readonly<Record<string, string>> = {
  "fs.inotify.max_user_watches": "1048576",
  "fs.inotify.max_user_instances": "8192",
  "vm.swappiness": "0",
  "vm.overcommit_memory": "1",
  "vm.panic_on_oom": "0",
  "kernel.panic": "10",
  "kernel.panic_on_oops": "1",
};

/**
 * Sysctls of the hosts that route pod traffic (nodes): forwarding, bridged traffic through
 * iptables (br_netfilter), loose reverse-path filtering for Calico, large ARP and conntrack
 * tables. Other hosts keep the OS's forwarding setting (Docker on the registry hosts sets
 * its own).
 */
const NODE_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
  "net.bridge.bridge-nf-call-ip6tables": "1",
  "net.ipv4.conf.all.rp_filter": "0",
  "net.ipv4.neigh.default.gc_thresh1": "8192",
  "net.ipv4.neigh.default.gc_thresh2": "32768",
  "net.ipv4.neigh.default.gc_thresh3": "65536",
  "net.netfilter.nf_conntrack_max": "1048576",
};

/** What host prep does on one host, derived from its roles. */
export interface HostPrepPlan {
  /** Runs kubelet, kube-proxy and calico-node: forwarding, FORWARD ACCEPT, cgroup v2. */
  readonly routesPods: boolean;
  readonly modules: readonly string[];
  readonly sysctls: Readonly<Record<string, string>>;
  /** Repository roles beyond base its roles need (storage: GlusterFS/Ganesha, docker: Harbor's engine). */
  readonly needs: readonly RepositoryRole[];
}

/** The prep plan of a host: nodes route pod traffic; storage and registry hosts need their repositories. */
export function hostPrepPlan(spec: Pick<PlatformSpec, "topology" | "network">, host: HostConfig): HostPrepPlan {
  const routesPods = spec.topology.nodes.some((n) => n.name === host.name);
  const needs: RepositoryRole[] = [];
  if (host.roles.includes("storage")) needs.push("storage");
  if (host.roles.includes("registry")) needs.push("docker");
  return {
    routesPods,
    modules: routesPods ? [...NODE_MODULES, ...(spec.network.proxyMode === "ipvs" ? IPVS_MODULES : [])] : [],
    sysctls: { ...HOST_SYSCTLS, ...(routesPods ? NODE_SYSCTLS : {}) },
    needs,
  };
}

/** The baseline-prep script for one host, its parameters set from the spec. */
export function renderPrepScript(spec: PlatformSpec, host: HostConfig): string {
  const { mirrors, cluster } = spec;
  const plan = hostPrepPlan(spec, host);
  return withParameters(PREP_SCRIPT, {
    HOST_NAME: host.name,
    HOST_ROLES: host.roles.join(" "),
    HOST_TIMEZONE: cluster.timezone,
    HOST_NTP_SERVERS: cluster.ntpServers.join(" "),
    HOST_ROUTES_PODS: plan.routesPods,
    HOST_MODULES: plan.modules.join(" "),
    HOST_SYSCTLS: Object.entries(plan.sysctls)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n"),
    HOST_NEEDS: plan.needs.join(" "),
    // An empty gpgkey is only possible with allowUnsigned (the loader refuses it otherwise).
    HOST_YUM_REPOS: mirrors.packages.yum
      .map((r) => `${r.id}|${r.baseurl}|${r.gpgkey ?? ""}|${r.provides.join(",")}`)
      .join("\n"),
    HOST_APT_SOURCES: mirrors.packages.apt.map((a) => `${a.provides.join(",")}|${a.line}`).join("\n"),
  });
}
