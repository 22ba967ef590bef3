/**
 * Pure renderers of a project's namespace, quota and limit range, plus the platform facts
 * every project renderer shares. No Pulumi here: tests validate these objects against the
 * Kubernetes OpenAPI schema and the component passes them to @pulumi/kubernetes as they are.
 */
import { appLogDir, projectTcpRoutes } from "../../stacks/contract/schema/projects";
import type { PlatformSpec } from "../../stacks/contract/spec";
import type { ProjectSettings } from "./settings";
import { ingressSource } from "../addons/render/policies";
import {
  APP_LOG_DIR_ANNOTATION,
  INGRESS_DOMAINS_ANNOTATION,
  MANAGED_BY,
  PROJECT_LABEL,
  TCP_PORTS_ANNOTATION,
  TLS_SECRET_ANNOTATION,
} from "./names";
import type { LimitRange, LimitRangeItem, Namespace, ObjectMeta, ResourceQuota } from "./types";

/** What the project renderers need to know about the platform around the projects. */
export interface ProjectFacts {
  /** Kubernetes `major.minor` the Pod Security Standards are pinned to, e.g. `v1.35`. */
  readonly podSecurityVersion: string;
  /** Namespace of the ingress controller (allowed to reach every project). */
  readonly ingressNamespace: string;
  /** The ingress controller serving the projects' routes, when the add-on is enabled. */
  readonly ingressController?: "traefik" | "ingress-nginx";
  /**
   * Host addresses (CIDRs) the ingress controller sends from when it runs on the host
   * network: NetworkPolicy cannot select host-network pods by namespace, only by address.
   */
  readonly ingressHostCidrs: readonly string[];
  /** Namespace of the monitoring stack (Prometheus scrapes every project). */
  readonly monitoringNamespace: string;
  /** Namespace and pod labels of the cluster DNS pods (CoreDNS). */
  readonly dns: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** NodeLocal DNSCache link-local address, when enabled: pods send DNS there instead. */
  readonly nodeLocalDnsIp?: string;
  /** Where the apiserver answers pods (after kube-proxy DNAT): needed by the access key. */
  readonly apiserver: readonly { readonly cidr: string; readonly port: number }[];
  /** Registry host[:port] the pull secret authenticates to. */
  readonly registryServer: string;
}

/** The secure port every apiserver binds on the masters (haproxy fronts it on the VIP). */
export const APISERVER_BIND_PORT = 6443;

/** Derives the facts from the validated stack. Pure; the Platform may override fields. */
export function projectFacts(spec: PlatformSpec): ProjectFacts {
  const [major, minor] = spec.versions.kubernetes.split(".");
  const ingress = spec.addons.ingress;
  return {
    podSecurityVersion: `v${major}.${minor}`,
    ingressNamespace: ingress.controller,
    ingressController: ingress.enabled ? ingress.controller : undefined,
    // On the host network the controller connects from the edge nodes' addresses, or, under
    // IPIP/VXLAN, from their Calico tunnel addresses (the nodes' tunnel pool).
    ingressHostCidrs: ingress.enabled && ingress.exposure === "hostNetwork" ? (ingressSource(spec).cidrs ?? []) : [],
    monitoringNamespace: "monitoring",
    dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } },
    nodeLocalDnsIp: spec.addons.coredns.nodeLocalDns ? spec.endpoints.podResolverIp : undefined,
    apiserver: [
      ...spec.topology.masters.map((m) => ({ cidr: `${m.address}/32`, port: APISERVER_BIND_PORT })),
      { cidr: `${spec.apiserver.vip}/32`, port: spec.apiserver.port },
      { cidr: `${spec.endpoints.kubernetesServiceIp}/32`, port: 443 },
    ],
    registryServer: spec.endpoints.registry,
  };
}

/** Labels every object of the project carries. */
export function projectLabels(project: ProjectSettings): Record<string, string> {
  return { [PROJECT_LABEL]: project.name, "app.kubernetes.io/managed-by": MANAGED_BY };
}

/** Metadata of a namespaced project object. */
export function meta(project: ProjectSettings, name: string): ObjectMeta {
  return { name, namespace: project.name, labels: projectLabels(project) };
}

/**
 * The project namespace: project labels, Pod Security Admission labels (enforce pinned to
 * the cluster's minor so an upgrade never tightens it unannounced; warn/audit on `latest`
 * so users see what the next release would reject), and what the project owns as
 * annotations the admission policies and the policy pack read: its ingress domains, its
 * TCP ports, its log directory and TLS secret. Tenants cannot edit their namespace, so the
 * annotations are the platform's word. The TCP and log annotations are set only when used,
 * so projects without them are unchanged by those features.
 */
export function renderNamespace(project: ProjectSettings, facts: ProjectFacts): Namespace {
  const level = project.podSecurity;
  const annotations: Record<string, string> = { [INGRESS_DOMAINS_ANNOTATION]: project.domains.join(",") };
  if (project.tlsSecret !== undefined) annotations[TLS_SECRET_ANNOTATION] = `${project.name}/${project.tlsSecret}`;
  const ports = projectTcpRoutes(project).map((r) => String(r.port));
  if (ports.length > 0) annotations[TCP_PORTS_ANNOTATION] = ports.join(",");
  if (project.appLogPaths.length > 0) annotations[APP_LOG_DIR_ANNOTATION] = appLogDir(project.name);
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: project.name,
      labels: {
        ...projectLabels(project),
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": facts.podSecurityVersion,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/warn-version": "latest",
      },
      annotations,
    },
  };
}

/**
 * The project quota. Beyond CPU, memory and volumes it bounds what one project can put on
 * shared disks: ephemeral storage (node disks: writable layers, logs, emptyDirs) and the
 * number of Secrets and ConfigMaps (etcd; each object may be up to 1 MiB). Services of
 * type NodePort/LoadBalancer default to 0 so exposure goes through the ingress controller.
 */
export function renderResourceQuota(project: ProjectSettings): ResourceQuota {
  const q = project.quota;
  const hard: Record<string, string> = {
    "requests.cpu": q.cpu,
    "requests.memory": q.memory,
    "limits.cpu": q.limitsCpu ?? q.cpu,
    "limits.memory": q.limitsMemory ?? q.memory,
    "requests.storage": q.storage,
    "requests.ephemeral-storage": q.ephemeralStorage,
    "limits.ephemeral-storage": q.limitsEphemeralStorage,
    persistentvolumeclaims: String(q.persistentVolumeClaims),
    "count/secrets": String(q.secrets),
    "count/configmaps": String(q.configMaps),
    pods: String(q.pods),
    services: String(q.services),
    "services.nodeports": String(q.nodePorts),
    "services.loadbalancers": String(q.loadBalancers),
  };
  for (const [storageClass, storage] of Object.entries(q.storageClasses).sort(([a], [b]) => a.localeCompare(b))) {
    hard[`${storageClass}.storageclass.storage.k8s.io/requests.storage`] = storage;
  }
  return { apiVersion: "v1", kind: "ResourceQuota", metadata: meta(project, "project-quota"), spec: { hard } };
}

/**
 * Container defaults so pods without requests/limits are admitted under the quota (a
 * quota on requests.cpu or requests.ephemeral-storage rejects pods that set none) and
 * count against it.
 */
export function renderLimitRange(project: ProjectSettings): LimitRange {
  const l = project.limits;
  const container: LimitRangeItem = {
    type: "Container",
    default: { cpu: l.defaultCpu, memory: l.defaultMemory, "ephemeral-storage": l.defaultEphemeralStorage },
    defaultRequest: {
      cpu: l.defaultRequestCpu,
      memory: l.defaultRequestMemory,
      "ephemeral-storage": l.defaultRequestEphemeralStorage,
    },
  };
  const max: Record<string, string> = {};
  if (l.maxCpu !== undefined) max.cpu = l.maxCpu;
  if (l.maxMemory !== undefined) max.memory = l.maxMemory;
  if (l.maxEphemeralStorage !== undefined) max["ephemeral-storage"] = l.maxEphemeralStorage;
  if (Object.keys(max).length > 0) container.max = max;
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: meta(project, "project-limits"),
    spec: { limits: [container] },
  };
}
