/**
 * Shared shapes of the add-on renderers: plain Kubernetes objects, Helm release specs
 * whose chart comes from the chart mirror, and the namespace bundle every add-on gets
 * (Pod Security level + NetworkPolicies).
 */
import type * as k8s from "@pulumi/kubernetes";

/** A Kubernetes object as plain data (what kubernetes-models validates and Pulumi receives). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** A Helm release: chart from the mirror at a pinned version, with its values. */
export interface ReleaseSpec {
  /** Helm release name (also the prefix of most object names the chart makes). */
  readonly name: string;
  readonly namespace: string;
  /** `chart` as the Release resource takes it: a name (with repo) or a full oci:// reference. */
  readonly chart: string;
  readonly version: string;
  /** The chart repository URL; absent for oci:// mirrors, where `chart` is the full reference. */
  readonly repo?: string;
  readonly values: Record<string, unknown>;
}

/** Where a chart comes from: an https chart repository or an OCI registry path. */
export function chartSource(charts: string, chart: string): { chart: string; repo?: string } {
  return charts.startsWith("oci://") ? { chart: `${charts}/${chart}` } : { chart, repo: charts };
}

/** A release spec for `chart` from the mirror. */
export function release(
  charts: string,
  name: string,
  namespace: string,
  chart: string,
  version: string,
  values: Record<string, unknown>,
): ReleaseSpec {
  return { name, namespace, version, values, ...chartSource(charts, chart) };
}

/** Labels every object the platform renders carries. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "k8s-platform" } as const;

/** The namespace of an add-on, with its Pod Security Admission level. */
export function renderNamespace(name: string, podSecurity: "privileged" | "baseline" | "restricted"): KubeObject {
  return typed.namespace({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        ...MANAGED_BY,
        "pod-security.kubernetes.io/enforce": podSecurity,
        "pod-security.kubernetes.io/warn": podSecurity,
      },
    },
  });
}

/** A peer an add-on namespace accepts traffic from. */
export interface IngressPeer {
  /** Policy name suffix. */
  readonly name: string;
  /** Source namespaces (by `kubernetes.io/metadata.name`); omitted = any namespace. */
  readonly namespaces?: readonly string[];
  /** Source CIDRs (host-network clients such as kubelets or hostNetwork ingress). */
  readonly cidrs?: readonly string[];
  /** Only to pods with these labels; omitted = every pod of the namespace. */
  readonly podSelector?: Record<string, string>;
  /** Only these TCP ports; omitted = all ports. */
  readonly ports?: readonly number[];
}

/**
 * NetworkPolicies of an add-on namespace: deny all ingress by default, allow traffic
 * within the namespace, and allow each listed peer. Egress stays open: add-ons talk to
 * the apiserver, etcd, kubelets and nodes, whose addresses are outside the pod network.
 */
export function renderNetworkPolicies(namespace: string, peers: readonly IngressPeer[]): KubeObject[] {
  const policy = (name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec): KubeObject =>
    typed.networkPolicy({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace, labels: { ...MANAGED_BY } },
      spec,
    });
  return [
    policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }),
    policy("allow-same-namespace", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    }),
    ...peers.map((peer) => {
      const from: k8s.types.input.networking.v1.NetworkPolicyPeer[] = [];
      if (peer.namespaces) {
        for (const ns of peer.namespaces)
          from.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
      }
      for (const cidr of peer.cidrs ?? []) from.push({ ipBlock: { cidr } });
      if (!peer.namespaces && !peer.cidrs) from.push({ namespaceSelector: {} });
      const rule: k8s.types.input.networking.v1.NetworkPolicyIngressRule = { from };
      if (peer.ports) rule.ports = peer.ports.map((port) => ({ protocol: "TCP", port }));
      return policy(`allow-${peer.name}`, {
        podSelector: peer.podSelector ? { matchLabels: peer.podSelector } : {},
        policyTypes: ["Ingress"],
        ingress: [rule],
      });
    }),
  ];
}

/** Where the add-ons live: projects' policies and other components refer to these names. */
export const ADDON_NAMESPACES = {
  dns: "kube-system",
  monitoring: "monitoring",
  logging: "logging",
  /** The ingress namespace is named after the controller. */
  ingress: (controller: "traefik" | "ingress-nginx") => controller,
} as const;

/** Node addresses as /32 CIDRs: kubelet probes and host-network pods come from these. */
export function nodeCidrs(addresses: readonly string[]): string[] {
  return addresses.map((a) => `${a}/32`);
}

/**
 * Identity helpers that type-check an object literal against the Kubernetes API types of
 * the Pulumi SDK (unknown or misspelt fields fail `tsc`), then hand it on as a KubeObject.
 */
type Typed<T> = T & Pick<KubeObject, "apiVersion" | "kind" | "metadata">;
const as =
  <T>() =>
  (obj: Typed<T>): KubeObject =>
    obj as unknown as KubeObject;
export const typed = {
  namespace: as<k8s.types.input.core.v1.Namespace>(),
  serviceAccount: as<k8s.types.input.core.v1.ServiceAccount>(),
  configMap: as<k8s.types.input.core.v1.ConfigMap>(),
  service: as<k8s.types.input.core.v1.Service>(),
  clusterRole: as<k8s.types.input.rbac.v1.ClusterRole>(),
  clusterRoleBinding: as<k8s.types.input.rbac.v1.ClusterRoleBinding>(),
  deployment: as<k8s.types.input.apps.v1.Deployment>(),
  daemonSet: as<k8s.types.input.apps.v1.DaemonSet>(),
  podDisruptionBudget: as<k8s.types.input.policy.v1.PodDisruptionBudget>(),
  networkPolicy: as<k8s.types.input.networking.v1.NetworkPolicy>(),
  ingress: as<k8s.types.input.networking.v1.Ingress>(),
  job: as<k8s.types.input.batch.v1.Job>(),
};
