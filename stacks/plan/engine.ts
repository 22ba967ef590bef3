/**
 * What the real engine and providers decide for a changed input: replace or update. The
 * mocks cannot tell (the SDK sends no provider schema), so the plan keeps the providers'
 * rules here, read from their sources:
 * - pulumi-command v1.2.1: only `triggers` replace (the SDK registers them as
 *   `replaceOnChanges`, which the recording keeps); everything else updates.
 * - pulumi-tls (terraform-provider-tls v4): every input of a key, request or certificate
 *   forces a new one (RequiresReplace), except `earlyRenewalHours`.
 * - pulumi-random: every input (and `keepers`) forces a new value.
 * - pulumi-kubernetes: a new name or namespace, and the fields the API server refuses to
 *   change, replace the object; the provider itself is replaced when its cluster changes
 *   unless `clusterIdentifier` pins its identity.
 */
import { parse } from "yaml";
import type { RecordedResource } from "./run";

/** Glob of `replaceOnChanges` (`triggers[*]`, `spec.*`) as a path regex. */
function patternOf(p: string): RegExp {
  const escaped = p
    .replace(/[.[\]]/g, (c) => `\\${c}`)
    .replace(/\\\[\*\\\]/g, "\\[\\d+\\]")
    .replace(/\*/g, "[^.]+");
  return new RegExp(`^${escaped}($|[.[])`);
}

/**
 * Kubernetes fields the API server refuses to change on an existing object, by type token:
 * the provider replaces the object instead. Paths are input paths (prefixes).
 */
const K8S_IMMUTABLE: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:storage.k8s.io/v1:StorageClass": [
    "provisioner",
    "parameters",
    "reclaimPolicy",
    "volumeBindingMode",
    "mountOptions",
  ],
  "kubernetes:core/v1:PersistentVolumeClaim": [
    "spec.accessModes",
    "spec.storageClassName",
    "spec.volumeMode",
    "spec.volumeName",
    "spec.selector",
  ],
  "kubernetes:core/v1:Service": ["spec.clusterIP", "spec.clusterIPs"],
  "kubernetes:apps/v1:Deployment": ["spec.selector"],
  "kubernetes:apps/v1:DaemonSet": ["spec.selector"],
  "kubernetes:apps/v1:StatefulSet": [
    "spec.selector",
    "spec.serviceName",
    "spec.volumeClaimTemplates",
    "spec.podManagementPolicy",
  ],
  "kubernetes:batch/v1:Job": ["spec.template", "spec.selector", "spec.completions"],
  "kubernetes:core/v1:Secret": ["type"],
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
  "kubernetes:helm.sh/v3:Release": ["name", "namespace"],
};

const startsWithPath = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/** Why a change of input `path` replaces `resource`, or undefined when it updates it. */
export function replaceReason(resource: RecordedResource, path: string): string | undefined {
  if (resource.replaceOnChanges.some((p) => patternOf(p).test(path)))
    return path.startsWith("triggers") ? "a trigger changed" : `${path} is replaceOnChanges`;
  const { type } = resource;
  if (type.startsWith("tls:")) {
    if (startsWithPath(path, "earlyRenewalHours")) return undefined;
    return type.endsWith("PrivateKey") ? `${path} changed: a new key` : `${path} changed: the certificate is re-issued`;
  }
  if (type.startsWith("random:")) return `${path} changed: a new random value`;
  if (type.startsWith("kubernetes:")) {
    if (startsWithPath(path, "metadata.name") || startsWithPath(path, "metadata.namespace"))
      return `${path} changed: a new object`;
    const immutable = K8S_IMMUTABLE[type]?.find((p) => startsWithPath(path, p));
    if (immutable) return `${immutable} cannot change on a live object`;
  }
  return undefined;
}

/** True when any change of top-level input `property` would replace the resource. */
export function propertyReplaces(resource: RecordedResource, property: string): boolean {
  if (resource.type === "pulumi:providers:kubernetes") return false;
  return [property, `${property}[0]`, `${property}.x`].some((p) => replaceReason(resource, p) !== undefined);
}

const unsecretValue = (v: unknown): unknown =>
  v !== null && typeof v === "object" && "$secret" in (v as object) ? (v as { $secret: unknown }).$secret : v;

/** The cluster entry of a kubeconfig's current context (what identifies the cluster). */
function currentCluster(kubeconfig: unknown): string | undefined {
  const text = unsecretValue(kubeconfig);
  if (typeof text !== "string") return undefined;
  try {
    const doc = parse(text) as {
      "current-context"?: string;
      contexts?: { name: string; context: { cluster: string } }[];
      clusters?: { name: string; cluster: unknown }[];
    };
    const context = doc.contexts?.find((c) => c.name === doc["current-context"]);
    const cluster = doc.clusters?.find((c) => c.name === context?.context.cluster);
    return JSON.stringify(cluster ?? null);
  } catch {
    return text;
  }
}

/**
 * Why the Kubernetes provider is replaced going from `before` to `after`, or undefined
 * when it is updated (pulumi-kubernetes DiffConfig: a changed cluster entry — server, CA,
 * proxy-url — replaces it, unless `clusterIdentifier` is set and unchanged).
 */
export function providerReplaceReason(before: RecordedResource, after: RecordedResource): string | undefined {
  const id = (r: RecordedResource) => r.inputs.clusterIdentifier as string | undefined;
  if (id(before) !== undefined && id(after) !== undefined) {
    return id(before) === id(after) ? undefined : "clusterIdentifier changed: a new provider";
  }
  if (currentCluster(before.inputs.kubeconfig) !== currentCluster(after.inputs.kubeconfig))
    return "the kubeconfig's cluster changed and no clusterIdentifier pins the provider";
  return undefined;
}

/** Certificate resources that re-issue themselves inside their early renewal window. */
export const RENEWING_TYPES = new Set([
  "tls:index/locallySignedCert:LocallySignedCert",
  "tls:index/selfSignedCert:SelfSignedCert",
]);

/**
 * Why a certificate is re-issued at `at` although no input changed: inside its early
 * renewal window (terraform-provider-tls marks `ready_for_renewal` and requires a
 * replacement in its plan, on every preview and up), the certificate having been issued at
 * `issued`. Undefined when outside the window.
 */
export function renewalReason(resource: RecordedResource, issued: Date, at: Date): string | undefined {
  if (!RENEWING_TYPES.has(resource.type)) return undefined;
  const validity = Number(resource.inputs.validityPeriodHours ?? 0);
  const early = Number(resource.inputs.earlyRenewalHours ?? 0);
  const expires = issued.getTime() + validity * 3600_000;
  const windowOpens = expires - early * 3600_000;
  if (at.getTime() < windowOpens) return undefined;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return at.getTime() >= expires
    ? `expired on ${day(expires)}: re-issued`
    : `inside its renewal window (expires ${day(expires)}, window opened ${day(windowOpens)}): re-issued`;
}
