/**
 * Cross-field rules over an already shape-checked config. Each rule reports problems as
 * `{ path, message }`, naming the key an operator must edit; all of them run, so one load
 * reports every problem at once.
 */
import { cidrContains, cidrsOverlap, networkOf, parseCidr, parseIpv4, formatIpv4 } from "../lib/ipv4";
import { projectProblems } from "../components/project/render";
import type { PlatformConfig, Role } from "./schema";

/** One problem found in the stack config. */
export interface Problem {
  /** Key path in the stack config, e.g. `projects[2].quota.memory`. */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
}

/** Namespaces a project may not take: Kubernetes' own and the platform add-ons'. */
export const RESERVED_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "calico-system",
  "calico-apiserver",
  "tigera-operator",
  "ingress-nginx",
  "traefik",
  "monitoring",
  "logging",
  "storage",
  "platform-system",
];

/** Kubernetes minor versions this program renders flags and configs for. */
export const SUPPORTED_KUBERNETES_MINORS = { min: 33, max: 37 } as const;

type Rule = (config: PlatformConfig, out: Problem[], warnings: Problem[]) => void;

const hostsWith = (config: PlatformConfig, role: Role) =>
  config.hosts.map((host, index) => ({ host, index })).filter(({ host }) => host.roles.includes(role));

function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  report: (item: T, index: number, first: number) => void,
) {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else report(item, index, first);
  });
}

const uniqueHosts: Rule = (config, out) => {
  duplicates(
    config.hosts,
    (h) => h.name,
    (h, i, first) =>
      out.push({
        path: `hosts[${i}].name`,
        message: `"${h.name}" is already used by hosts[${first}]; host names must be unique`,
      }),
  );
  duplicates(
    config.hosts,
    (h) => h.address,
    (h, i, first) =>
      out.push({
        path: `hosts[${i}].address`,
        message: `${h.address} is already used by hosts[${first}]; addresses must be unique`,
      }),
  );
  config.hosts.forEach((h, i) =>
    duplicates(
      h.roles,
      (r) => r,
      (r) => out.push({ path: `hosts[${i}].roles`, message: `role "${r}" is listed twice` }),
    ),
  );
};

const roleCounts: Rule = (config, out) => {
  for (const role of ["etcd", "master", "worker"] as const) {
    if (hostsWith(config, role).length === 0)
      out.push({ path: "hosts", message: `needs at least one host with role "${role}"` });
  }
  const etcd = hostsWith(config, "etcd").length;
  if (etcd > 0 && (etcd < 3 || etcd % 2 === 0)) {
    out.push({
      path: "hosts",
      message: `has ${etcd} etcd host(s); etcd needs an odd number, at least 3 (3 or 5), to keep quorum through a failure`,
    });
  }
  const masters = hostsWith(config, "master").length;
  if (masters === 1)
    out.push({ path: "hosts", message: "has 1 master; a highly available control plane needs at least 2 masters" });
};

const apiserverVip: Rule = (config, out) => {
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
};

const networks: Rule = (config, out) => {
  const pod = parseCidr(config.network.podCidr);
  const svc = parseCidr(config.network.serviceCidr);
  if (!pod || !svc) return;
  if (cidrsOverlap(pod, svc))
    out.push({
      path: "network.serviceCidr",
      message: `${config.network.serviceCidr} overlaps network.podCidr ${config.network.podCidr}; they must be disjoint`,
    });
  if (svc.prefix < 12)
    out.push({
      path: "network.serviceCidr",
      message: "must be /12 or smaller (kube-apiserver refuses larger service ranges)",
    });
  if (pod.prefix > 24)
    out.push({ path: "network.podCidr", message: "must be /24 or larger to give nodes address blocks" });
  const addresses = [
    ...config.hosts.map((h, i) => ({ path: `hosts[${i}].address`, address: h.address })),
    { path: "apiserver.vip", address: config.apiserver.vip },
    ...(config.registry.vip ? [{ path: "registry.vip", address: config.registry.vip }] : []),
  ];
  for (const { path, address } of addresses) {
    const value = parseIpv4(address);
    if (value === undefined) continue;
    if (cidrContains(pod, value))
      out.push({
        path,
        message: `${address} lies inside network.podCidr ${config.network.podCidr}; host networks and the pod network must be disjoint`,
      });
    if (cidrContains(svc, value))
      out.push({
        path,
        message: `${address} lies inside network.serviceCidr ${config.network.serviceCidr}; host networks and the service network must be disjoint`,
      });
  }
};

const kubernetesVersion: Rule = (config, out) => {
  const [major, minor] = config.versions.kubernetes.split(".").map(Number);
  const { min, max } = SUPPORTED_KUBERNETES_MINORS;
  if (major !== 1 || minor < min || minor > max) {
    out.push({
      path: "versions.kubernetes",
      message: `${config.versions.kubernetes} is outside the supported range 1.${min}.x-1.${max}.x`,
    });
  }
};

const etcdTiming: Rule = (config, out) => {
  const { heartbeatIntervalMs, electionTimeoutMs } = config.etcd;
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    out.push({
      path: "etcd.electionTimeoutMs",
      message: `${electionTimeoutMs} must be at least 5 x etcd.heartbeatIntervalMs (${5 * heartbeatIntervalMs}); etcd refuses to start otherwise`,
    });
  }
};

const projects: Rule = (config, out) => {
  duplicates(
    config.projects,
    (p) => p.name,
    (p, i, first) =>
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is already used by projects[${first}]; project names must be unique`,
      }),
  );
  const owner = new Map<string, number>();
  config.projects.forEach((p, i) => {
    if (RESERVED_NAMESPACES.includes(p.name) || p.name.startsWith("kube-")) {
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is a system namespace; pick another project name`,
      });
    }
    p.domains.forEach((d, j) => {
      const first = owner.get(d);
      if (first === undefined) owner.set(d, i);
      else
        out.push({
          path: `projects[${i}].domains[${j}]`,
          message: `${d} is already claimed by projects[${first}] (${config.projects[first].name}); a domain belongs to one project`,
        });
    });
    duplicates(
      p.members,
      (m) => `${m.user !== undefined ? "user" : "group"}:${m.user ?? m.group}`,
      (m, j, first) =>
        out.push({
          path: `projects[${i}].members[${j}]`,
          message: `${m.user ?? m.group} is already a member (members[${first}]); give each person or group one role`,
        }),
    );
  });
};

/** LimitRange and quota orderings the API server enforces at apply time (see projectProblems). */
const projectLimits: Rule = (config, out) => {
  config.projects.forEach((p, i) => out.push(...projectProblems(p, i)));
};

const glusterfs: Rule = (config, out, warnings) => {
  const gluster = config.storage.glusterfs;
  const storage = hostsWith(config, "storage");
  config.hosts.forEach((h, i) => {
    if (h.bricks.length > 0 && !h.roles.includes("storage"))
      out.push({ path: `hosts[${i}].bricks`, message: 'bricks are only used on hosts with role "storage"' });
  });
  if (!gluster) {
    if (storage.length > 0)
      warnings.push({
        path: "storage.glusterfs",
        message: "storage hosts are listed but no GlusterFS volume is configured; they get no storage role",
      });
    return;
  }
  const { disperse, redundancy } = gluster;
  if (disperse < 3)
    out.push({
      path: "storage.glusterfs.disperse",
      message: `${disperse} is too small; a dispersed volume needs at least 3 bricks per set`,
    });
  if (redundancy < 1) out.push({ path: "storage.glusterfs.redundancy", message: `${redundancy} must be at least 1` });
  if (2 * redundancy >= disperse)
    out.push({
      path: "storage.glusterfs.redundancy",
      message: `${redundancy} is too high for disperse ${disperse}; GlusterFS needs 2 x redundancy < disperse`,
    });
  if (storage.length === 0) {
    out.push({ path: "hosts", message: 'storage.glusterfs needs hosts with role "storage"' });
    return;
  }
  storage.forEach(({ host, index }) => {
    if (host.bricks.length === 0)
      out.push({
        path: `hosts[${index}].bricks`,
        message: `storage host ${host.name} needs at least one brick directory`,
      });
    duplicates(
      host.bricks,
      (b) => b,
      (b, j) => out.push({ path: `hosts[${index}].bricks[${j}]`, message: `${b} is listed twice` }),
    );
  });
  const withBricks = storage.filter(({ host }) => host.bricks.length > 0);
  if (disperse >= 3 && withBricks.length < disperse) {
    out.push({
      path: "storage.glusterfs.disperse",
      message: `needs at least ${disperse} storage hosts with bricks (one brick per host in each disperse set); the inventory has ${withBricks.length}`,
    });
    return;
  }
  const total = withBricks.reduce((sum, { host }) => sum + host.bricks.length, 0);
  if (disperse >= 3 && total % disperse !== 0) {
    out.push({
      path: "storage.glusterfs.disperse",
      message: `the storage hosts hold ${total} bricks; a (distributed-)dispersed volume needs a multiple of ${disperse}`,
    });
  } else if (disperse >= 3) {
    const sets = total / disperse;
    withBricks.forEach(({ host, index }) => {
      if (host.bricks.length > sets)
        out.push({
          path: `hosts[${index}].bricks`,
          message: `${host.name} holds ${host.bricks.length} bricks but the volume has ${sets} disperse set(s); two bricks of one set would share a host`,
        });
    });
  }
  const data = disperse - redundancy;
  if (data > 0 && (data & (data - 1)) !== 0) {
    warnings.push({
      path: "storage.glusterfs",
      message: `disperse - redundancy = ${data} is not a power of two; GlusterFS works but performs best with 2, 4, 8 ... data bricks`,
    });
  }
};

const calico: Rule = (config, out) => {
  const rr = config.network.calico.routeReflectors;
  if (rr !== "auto") {
    rr.forEach((name, i) => {
      const host = config.hosts.find((h) => h.name === name);
      if (!host)
        out.push({ path: `network.calico.routeReflectors[${i}]`, message: `"${name}" is not a host in the inventory` });
      else if (!host.roles.includes("worker") && !(host.roles.includes("master") && config.workers.kubeletOnMasters)) {
        out.push({
          path: `network.calico.routeReflectors[${i}]`,
          message: `"${name}" runs no kubelet/calico-node; a route reflector must be a worker (or a master with workers.kubeletOnMasters)`,
        });
      }
    });
  }
  duplicates(
    config.network.calico.torPeers,
    (p) => p.name,
    (p, i) => out.push({ path: `network.calico.torPeers[${i}].name`, message: `"${p.name}" is listed twice` }),
  );
};

const registry: Rule = (config, out) => {
  const hosts = hostsWith(config, "registry");
  if (hosts.length >= 2 && !config.registry.vip) {
    out.push({
      path: "registry.vip",
      message: `${hosts.length} registry hosts run Harbor active/standby and need a floating VIP`,
    });
  }
  if (config.registry.vip && config.hosts.some((h) => h.address === config.registry.vip)) {
    out.push({
      path: "registry.vip",
      message: `${config.registry.vip} is a host address; the VIP must be a free address`,
    });
  }
  if (config.registry.vip && config.registry.vip === config.apiserver.vip) {
    out.push({ path: "registry.vip", message: "must differ from apiserver.vip" });
  }
};

const ssh: Rule = (config, out) => {
  if (config.ssh.privateKey === undefined) {
    out.push({
      path: "ssh.privateKey",
      message: 'is required: set it with `pulumi config set --secret --path ssh.privateKey -- "$(cat key)"`',
    });
  }
};

/** Every cross-field rule, run in order; all of them always run. */
export const RULES: readonly Rule[] = [
  ssh,
  uniqueHosts,
  roleCounts,
  apiserverVip,
  networks,
  kubernetesVersion,
  etcdTiming,
  calico,
  glusterfs,
  registry,
  projects,
  projectLimits,
];
