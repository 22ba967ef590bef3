/**
 * Rules of the tenant projects: unique names, no system namespaces, unique members; domains
 * and TCP ports owned by one project each; egress that stays off the cluster's own
 * networks; application logs inside the project's own directory; pull secrets that do not
 * shadow the platform registry; LimitRange and quota orderings.
 */
import { cidrContains, cidrsOverlap, parseCidr, parseIpv4 } from "../../../lib/ipv4";
import { quantityValue } from "../../../lib/quantity";
import type { ProjectConfig } from "../schema";
import { APP_LOG_ROOT, appLogDir, projectTcpRoutes } from "../schema/projects";
import { duplicates } from "./util";
import { defineRule, type Problem } from "./types";

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

/**
 * True when two ingress domains can name the same host. A wildcard covers exactly one
 * more label (as traefik and ingress-nginx match it): `*.example.com` overlaps
 * `api.example.com` and itself, not `*.a.example.com` nor `a.b.example.com`.
 */
export function domainsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const wild = (d: string) => d.startsWith("*.");
  if (wild(a) && wild(b)) return false;
  const [pattern, host] = wild(a) ? [a, b] : wild(b) ? [b, a] : [undefined, undefined];
  if (pattern === undefined || host === undefined) return false;
  const suffix = pattern.slice(1);
  const label = host.slice(0, -suffix.length);
  return host.endsWith(suffix) && label !== "" && !label.includes(".");
}

export const projects = defineRule(["projects"], (config, out) => {
  duplicates(
    config.projects,
    (p) => p.name,
    (p, i, first) =>
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is already used by projects[${first}]; project names must be unique`,
      }),
  );
  const claimed: { domain: string; project: number }[] = [];
  config.projects.forEach((p, i) => {
    if (RESERVED_NAMESPACES.includes(p.name) || p.name.startsWith("kube-")) {
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is a system namespace; pick another project name`,
      });
    }
    p.domains.forEach((d, j) => {
      const clash = claimed.find((c) => c.project !== i && domainsOverlap(c.domain, d));
      if (clash === undefined) {
        claimed.push({ domain: d, project: i });
        return;
      }
      const owner = `projects[${clash.project}] (${config.projects[clash.project].name})`;
      out.push({
        path: `projects[${i}].domains[${j}]`,
        message:
          clash.domain === d
            ? `${d} is already claimed by ${owner}; a domain belongs to one project`
            : `${d} overlaps ${clash.domain}, already claimed by ${owner}; a host belongs to one project (a wildcard covers one label)`,
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
    p.appLogPaths.forEach((path, j) => {
      const dir = `${appLogDir(p.name)}/`;
      if (!path.startsWith(dir) || path.length === dir.length) {
        out.push({
          path: `projects[${i}].appLogPaths[${j}]`,
          message: `${path} is outside the project's log directory; application log files of ${p.name} must be under ${dir} (e.g. ${dir}*.log): ${APP_LOG_ROOT}/<project>/ is the only host directory the logging agent reads for a project`,
        });
      }
    });
  });
});

/** The platform's own hosts (the add-on UIs) belong to no project: a project Ingress for one could take its traffic. */
export const projectPlatformHosts = defineRule(["projects", "addons"], (config, out) => {
  const platform = [
    { key: "addons.monitoring.grafanaHost", host: config.addons.monitoring.grafanaHost },
    { key: "addons.logging.dashboardsHost", host: config.addons.logging.dashboardsHost },
  ].filter((h): h is { key: string; host: string } => h.host !== undefined);
  config.projects.forEach((p, i) =>
    p.domains.forEach((d, j) => {
      const clash = platform.find((h) => domainsOverlap(h.host, d));
      if (clash)
        out.push({
          path: `projects[${i}].domains[${j}]`,
          message: `${d} covers ${clash.host}, the platform's ${clash.key}; a project cannot serve the platform's own hosts`,
        });
    }),
  );
});

/** A port range the ingress controller's nodes already use, with the reason. */
interface ReservedPorts {
  readonly from: number;
  readonly to: number;
  readonly why: string;
}

/**
 * Ports a project may not take for a TCP entry point. The controller listens on the edge
 * nodes (on their host network by default), so a TCP port must clear both the controller's
 * own entry points and the node services that share those hosts. The set is the same for
 * both controllers, so switching controllers never invalidates a config. Kept beside the
 * renderer's ports by a test (test/project/tcp.test.ts).
 */
export function reservedTcpPorts(apiserverPort: number): readonly ReservedPorts[] {
  return [
    { from: 1, to: 1023, why: "a privileged port (the nodes' SSH, DNS, BGP and the controller's 80/443 live there)" },
    { from: 2379, to: 2380, why: "etcd's client and peer ports" },
    { from: 5473, to: 5473, why: "Calico Typha" },
    { from: 6443, to: 6443, why: "kube-apiserver" },
    { from: apiserverPort, to: apiserverPort, why: "the apiserver VIP port (apiserver.port, haproxy)" },
    { from: 8000, to: 8000, why: "traefik's web entry point behind a Service" },
    { from: 8080, to: 8080, why: "traefik's own entry point (dashboard, /ping probes)" },
    { from: 8181, to: 8181, why: "ingress-nginx's default server" },
    {
      from: 8443,
      to: 8443,
      why: "traefik's websecure entry point behind a Service and the ingress-nginx admission webhook",
    },
    { from: 9091, to: 9091, why: "Calico Felix metrics" },
    { from: 9099, to: 9099, why: "Calico Felix health" },
    { from: 9100, to: 9101, why: "node-exporter and traefik's metrics entry point" },
    {
      from: 10245,
      to: 10260,
      why: "kubelet, kube-proxy, controller-manager, scheduler and ingress-nginx status/metrics ports",
    },
    { from: 30000, to: 32767, why: "the NodePort range (kube-proxy takes these on every node)" },
  ];
}

/** TCP entry points: valid, not the controller's or the nodes' own ports, one project per port. */
export const projectTcp = defineRule(["projects", "addons", "apiserver"], (config, out) => {
  const reserved = reservedTcpPorts(config.apiserver.port);
  const owner = new Map<number, number>();
  config.projects.forEach((p, i) => {
    if (Object.keys(p.tcp).length > 0 && !config.addons.ingress.enabled) {
      out.push({
        path: `projects[${i}].tcp`,
        message: "needs the ingress controller (addons.ingress.enabled: true): TCP ports are its entry points",
      });
    }
    for (const route of projectTcpRoutes(p)) {
      const path = `projects[${i}].tcp.${route.port}`;
      if (route.port > 65535) {
        out.push({ path, message: `${route.port} is not a port number (1024-65535)` });
        continue;
      }
      if (route.servicePort > 65535) {
        out.push({ path, message: `service port ${route.servicePort} is not a port number (1-65535)` });
      }
      const hit = reserved.find((r) => route.port >= r.from && route.port <= r.to);
      if (hit !== undefined) {
        out.push({
          path,
          message: `port ${route.port} is ${hit.why}; pick a free port in 1024-65535 outside the reserved ranges (see Projects: TCP ports)`,
        });
        continue;
      }
      const first = owner.get(route.port);
      if (first === undefined) owner.set(route.port, i);
      else
        out.push({
          path,
          message: `port ${route.port} is already given to projects[${first}] (${config.projects[first].name}); ${p.name} and ${config.projects[first].name} cannot share a TCP port`,
        });
    }
  });
});

/**
 * Egress CIDRs reach outside systems, never the cluster itself: a CIDR over the pod or
 * service network would open other projects' pods, one over a host or VIP address would
 * open kubelets, etcd, the apiserver or the registry to the project's pods.
 */
export const projectEgress = defineRule(["projects", "network", "hosts", "apiserver", "registry"], (config, out) => {
  const networks = [
    { key: "network.podCidr", cidr: config.network.podCidr },
    { key: "network.serviceCidr", cidr: config.network.serviceCidr },
  ];
  const addresses = [
    ...config.hosts.map((h) => ({ what: `host ${h.name}`, address: h.address })),
    { what: "the apiserver VIP", address: config.apiserver.vip },
    ...(config.registry.vip ? [{ what: "the registry VIP", address: config.registry.vip }] : []),
  ];
  config.projects.forEach((p, i) =>
    p.egress.forEach((text, j) => {
      const egress = parseCidr(text);
      if (egress === undefined) return;
      const problems: string[] = [];
      for (const n of networks) {
        const parsed = parseCidr(n.cidr);
        if (parsed !== undefined && cidrsOverlap(egress, parsed)) problems.push(`${n.key} ${n.cidr}`);
      }
      const covered = addresses.filter((a) => {
        const value = parseIpv4(a.address);
        return value !== undefined && cidrContains(egress, value);
      });
      if (covered.length > 0) {
        const names = covered.slice(0, 3).map((a) => `${a.what} (${a.address})`);
        problems.push(covered.length > 3 ? `${names.join(", ")} and ${covered.length - 3} more` : names.join(", "));
      }
      if (problems.length > 0) {
        out.push({
          path: `projects[${i}].egress[${j}]`,
          message: `${text} covers the cluster's own ${problems.join("; ")}; egress CIDRs may only name systems outside the cluster (list narrower CIDRs)`,
        });
      }
    }),
  );
});

/** Extra pull credentials: one entry per registry, never the platform's own registry. */
export const projectPullSecrets = defineRule(["projects", "registry", "mirrors"], (config, out) => {
  const platform = config.registry.server ?? config.mirrors.images.split("/")[0];
  config.projects.forEach((p, i) => {
    p.pullSecrets.forEach((s, j) => {
      const port = /:(\d+)$/.exec(s.server)?.[1];
      if (port !== undefined && Number(port) > 65535) {
        out.push({ path: `projects[${i}].pullSecrets[${j}].server`, message: `port ${port} is not a port number` });
      }
      if (s.server === platform) {
        out.push({
          path: `projects[${i}].pullSecrets[${j}].server`,
          message: `${s.server} is the platform registry; its credentials come from the platform (the project's robot account), a project cannot replace them`,
        });
      }
    });
    duplicates(
      p.pullSecrets,
      (s) => s.server,
      (s, j, first) =>
        out.push({
          path: `projects[${i}].pullSecrets[${j}].server`,
          message: `${s.server} is already listed (pullSecrets[${first}]); one credential per registry`,
        }),
    );
  });
});

/** LimitRange and quota orderings the API server enforces at apply time (see projectProblems). */
export const projectLimits = defineRule(["projects"], (config, out) => {
  config.projects.forEach((p, i) => out.push(...projectProblems(p, i)));
});

/**
 * Cross-field checks the API server applies to LimitRanges and that quotas need, so that
 * they fail at load time naming the key instead of mid-`pulumi up`. `index` is the
 * project's position in `projects`, used only for the key path.
 */
export function projectProblems(project: ProjectConfig, index: number): Problem[] {
  const out: Problem[] = [];
  const at = (key: string) => `projects[${index}].${key}`;
  const l = project.limits;
  const q = project.quota;
  const le = (small: string, smallKey: string, big: string | undefined, bigKey: string, why: string) => {
    if (big !== undefined && quantityValue(small) > quantityValue(big)) {
      out.push({ path: at(smallKey), message: `${small} exceeds ${bigKey} (${big}); ${why}` });
    }
  };
  const limitRange = "the API server rejects such a LimitRange";
  const quota = "requests above limits can never be admitted";
  le(l.defaultRequestCpu, "limits.defaultRequestCpu", l.defaultCpu, "limits.defaultCpu", limitRange);
  le(l.defaultRequestMemory, "limits.defaultRequestMemory", l.defaultMemory, "limits.defaultMemory", limitRange);
  le(
    l.defaultRequestEphemeralStorage,
    "limits.defaultRequestEphemeralStorage",
    l.defaultEphemeralStorage,
    "limits.defaultEphemeralStorage",
    limitRange,
  );
  le(l.defaultCpu, "limits.defaultCpu", l.maxCpu, "limits.maxCpu", limitRange);
  le(l.defaultMemory, "limits.defaultMemory", l.maxMemory, "limits.maxMemory", limitRange);
  le(
    l.defaultEphemeralStorage,
    "limits.defaultEphemeralStorage",
    l.maxEphemeralStorage,
    "limits.maxEphemeralStorage",
    limitRange,
  );
  le(q.cpu, "quota.cpu", q.limitsCpu, "quota.limitsCpu", limitRange);
  le(q.memory, "quota.memory", q.limitsMemory, "quota.limitsMemory", limitRange);
  le(q.ephemeralStorage, "quota.ephemeralStorage", q.limitsEphemeralStorage, "quota.limitsEphemeralStorage", quota);
  return out;
}

/**
 * Per-project logs: a parser names only the project's own log files, and no two projects
 * share an index prefix (their ISM policies and their readers would mix).
 */
export const projectLogs = defineRule(["projects"], (config, out) => {
  const owners = new Map<string, number>();
  config.projects.forEach((p, i) => owners.set(`logs-${p.name}`, i));
  config.projects.forEach((p, i) => {
    p.logs.parsers.forEach((parser, j) =>
      parser.paths?.forEach((path, k) => {
        if (!p.appLogPaths.includes(path))
          out.push({
            path: `projects[${i}].logs.parsers[${j}].paths[${k}]`,
            message: `${path} is not one of projects[${i}].appLogPaths (${p.appLogPaths.join(", ") || "none"}); a parser reads only the project's own log files`,
          });
      }),
    );
    const index = p.logs.index;
    if (index === undefined) return;
    const other = owners.get(index);
    if (other !== undefined && other !== i)
      out.push({
        path: `projects[${i}].logs.index`,
        message: `${index} is the index prefix of projects[${other}] (${config.projects[other].name}); pick one no other project uses`,
      });
    owners.set(index, i);
  });
});
