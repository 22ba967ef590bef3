/** Rules of the control plane: the apiserver VIP and port, supported versions, etcd timing. */
import { formatIpv4, networkOf, parseIpv4 } from "../../../lib/ipv4";
import { hostsWith } from "./util";
import { defineRule } from "./types";

/** Kubernetes minor versions this program renders flags and configs for. */
export const SUPPORTED_KUBERNETES_MINORS = { min: 33, max: 37 } as const;

export const apiserverVip = defineRule(["hosts", "apiserver"], (config, out) => {
  const vip = parseIpv4(config.apiserver.vip);
  if (vip === undefined) return;
  const clash = config.hosts.findIndex((h) => h.address === config.apiserver.vip);
  if (clash >= 0)
    out.push({
      path: "apiserver.vip",
      message: `${config.apiserver.vip} is the address of hosts[${clash}]; the VIP must be a free address`,
    });
  const prefix = config.apiserver.vipPrefix;
  const masters = hostsWith(config, "master");
  const subnets = new Set(masters.map(({ host }) => networkOf(parseIpv4(host.address) ?? 0, prefix)));
  if (subnets.size > 1) {
    out.push({
      path: "hosts",
      message: `masters span ${subnets.size} /${prefix} subnets; they must share one subnet for the VIP to float between them (or raise apiserver.vipPrefix)`,
    });
  } else if (subnets.size === 1) {
    const [net] = [...subnets];
    if (networkOf(vip, prefix) !== net) {
      out.push({
        path: "apiserver.vip",
        message: `${config.apiserver.vip} is outside the masters' subnet ${formatIpv4(net)}/${prefix}`,
      });
    }
  }
  if (config.apiserver.port === 6443) {
    out.push({
      path: "apiserver.port",
      message: "6443 is bound by kube-apiserver on every master; pick another haproxy port (default 8443)",
    });
  }
});

export const kubernetesVersion = defineRule(["versions"], (config, out) => {
  const [major, minor] = config.versions.kubernetes.split(".").map(Number);
  const { min, max } = SUPPORTED_KUBERNETES_MINORS;
  if (major !== 1 || minor < min || minor > max) {
    out.push({
      path: "versions.kubernetes",
      message: `${config.versions.kubernetes} is outside the supported range 1.${min}.x-1.${max}.x`,
    });
  }
});

export const etcdTiming = defineRule(["etcd"], (config, out) => {
  const { heartbeatIntervalMs, electionTimeoutMs } = config.etcd;
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    out.push({
      path: "etcd.electionTimeoutMs",
      message: `${electionTimeoutMs} must be at least 5 x etcd.heartbeatIntervalMs (${5 * heartbeatIntervalMs}); etcd refuses to start otherwise`,
    });
  }
});

/** `etcd.initialMembers` names etcd hosts of the inventory (the bootstrap set). */
export const etcdInitialMembers = defineRule(["hosts", "etcd"], (config, out) => {
  const etcd = new Set(hostsWith(config, "etcd").map(({ host }) => host.name));
  config.etcd.initialMembers?.forEach((name, i) => {
    if (!etcd.has(name))
      out.push({
        path: `etcd.initialMembers[${i}]`,
        message: `"${name}" is not a host with role "etcd"; list the etcd hosts that bootstrapped the cluster`,
      });
  });
});

/**
 * Behind a bastion the machine running Pulumi may not reach the VIP: the provider and every
 * Helm release need `apiserver.proxyUrl` then (docs/operations/bastion.md).
 */
export const bastionProxy = defineRule(["ssh", "apiserver"], (config, _out, warnings) => {
  if (config.ssh.bastion && !config.apiserver.proxyUrl)
    warnings.push({
      path: "apiserver.proxyUrl",
      message: `is unset although hosts are reached through the bastion ${config.ssh.bastion.host}: in-cluster resources then need the machine running Pulumi to route to ${config.apiserver.vip}:${config.apiserver.port}; set it to e.g. socks5://127.0.0.1:1080 with \`ssh -N -D 127.0.0.1:1080 ${config.ssh.bastion.user}@${config.ssh.bastion.host}\` open`,
    });
});

/**
 * Host ports every master already holds (masters run the node components): the apiserver
 * balancer's port on the VIP must not take one. Values from the rendered configs: etcd
 * (2379-2381), Calico (179 BGP, 5473 Typha, 9091/9099 Felix), the apiservers (6443),
 * haproxy's status (8404), node-exporter (9100) and the node daemons (10249-10259).
 */
const MASTER_HOST_PORTS: readonly { port: number; what: string }[] = [
  { port: 179, what: "Calico BGP" },
  { port: 2379, what: "etcd clients" },
  { port: 2380, what: "etcd peers" },
  { port: 2381, what: "etcd metrics" },
  { port: 5473, what: "Calico Typha" },
  { port: 8404, what: "haproxy's status page" },
  { port: 9091, what: "Calico Felix metrics" },
  { port: 9099, what: "Calico Felix health" },
  { port: 9100, what: "node-exporter" },
  { port: 10249, what: "kube-proxy metrics" },
  { port: 10250, what: "kubelet" },
  { port: 10256, what: "kube-proxy health" },
  { port: 10257, what: "kube-controller-manager" },
  { port: 10259, what: "kube-scheduler" },
];

export const apiserverPortFree = defineRule(["apiserver"], (config, out) => {
  const taken = MASTER_HOST_PORTS.find((p) => p.port === config.apiserver.port);
  if (taken)
    out.push({
      path: "apiserver.port",
      message: `${config.apiserver.port} is taken on every master by ${taken.what}; pick another haproxy port (default 8443)`,
    });
});
