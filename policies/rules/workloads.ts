/**
 * Workloads in project namespaces: where images come from, what the pods may touch on the
 * host, and hygiene (requests, pinned tags). Platform add-ons (CNI, ingress on the host
 * network, monitoring) live in their own namespaces and are out of scope here.
 */
import { projectNamespaces } from "./projects";
import { asArray, asRecord, asString, label, objectMeta } from "./text";
import type { PolicyResource, RuleConfig, StackRule, StackView, Violation } from "./types";

/** Workload types and where their pod spec sits. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** A container of a workload. */
export interface Container {
  readonly name: string;
  readonly image: string;
  readonly spec: Record<string, unknown>;
}

/** A workload in a project namespace. */
export interface Workload {
  readonly resource: PolicyResource;
  readonly namespace: string;
  readonly podSpec: Record<string, unknown>;
  readonly containers: readonly Container[];
}

/** The pod spec of a workload resource, or undefined for other types. */
export function podSpecOf(resource: PolicyResource): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATH[resource.type];
  if (!path) return undefined;
  let at: unknown = resource.props;
  for (const key of path) at = asRecord(at)?.[key];
  return asRecord(at) ?? {};
}

/** Containers, init containers and ephemeral containers of a pod spec. */
export function containersOf(podSpec: Record<string, unknown>): Container[] {
  return ["initContainers", "containers", "ephemeralContainers"].flatMap((key) =>
    asArray(podSpec[key]).map((c) => {
      const spec = asRecord(c) ?? {};
      return { name: asString(spec.name) ?? "?", image: asString(spec.image) ?? "", spec };
    }),
  );
}

/** Workloads whose namespace is a project namespace. */
export function projectWorkloads(view: StackView, config: RuleConfig): Workload[] {
  const projects = projectNamespaces(view, config);
  const out: Workload[] = [];
  for (const r of view.resources) {
    const podSpec = podSpecOf(r);
    if (!podSpec) continue;
    const { namespace } = objectMeta(r);
    if (!projects.has(namespace)) continue;
    out.push({ resource: r, namespace, podSpec, containers: containersOf(podSpec) });
  }
  return out;
}

/** The registry host of an image reference (`docker.io` when none is named). */
export function imageRegistry(image: string): string {
  const slash = image.indexOf("/");
  const head = slash < 0 ? "" : image.slice(0, slash);
  return head !== "" && (head.includes(".") || head.includes(":") || head === "localhost") ? head : "docker.io";
}

/** Registries of the dockerconfigjson pull secrets in project namespaces (the default allow-list). */
export function pullSecretRegistries(view: StackView, config: RuleConfig): string[] {
  const projects = projectNamespaces(view, config);
  const registries = new Set<string>();
  for (const r of view.resources) {
    if (r.type !== "kubernetes:core/v1:Secret" || !projects.has(objectMeta(r).namespace)) continue;
    if (asString(r.props.type) !== "kubernetes.io/dockerconfigjson") continue;
    const plain = asString(asRecord(r.props.stringData)?.[".dockerconfigjson"]);
    const encoded = asString(asRecord(r.props.data)?.[".dockerconfigjson"]);
    const text = plain ?? (encoded !== undefined ? Buffer.from(encoded, "base64").toString("utf8") : undefined);
    if (text === undefined) continue;
    try {
      const auths = asRecord(asRecord(JSON.parse(text) as unknown)?.auths) ?? {};
      for (const host of Object.keys(auths)) {
        registries.add(host.replace(/^https?:\/\//, "").replace(/\/+$/, ""));
      }
    } catch {
      // Unknown during preview or not JSON: contributes nothing.
    }
  }
  return [...registries].sort();
}

/** True when `image` comes from one of `allowed` (`host[:port]` or `host[:port]/path` prefixes). */
export function imageAllowed(image: string, allowed: readonly string[]): boolean {
  return allowed.some((prefix) => {
    const p = prefix.replace(/\/+$/, "");
    return image.startsWith(`${p}/`);
  });
}

const where = (w: Workload, c: Container) => `${label(w.resource)} (namespace ${w.namespace}), container "${c.name}"`;

/** Project images only from the private registry. */
export const workloadRegistry: StackRule = {
  scope: "stack",
  name: "workload-image-registry",
  uses: ["allowedRegistries", "projectNamespaces"],
  description: "Containers in project namespaces pull only from the allowed private registries.",
  level: "mandatory",
  fix: "Push the image to the private registry and reference it as <registry>/<project>/<image>; or extend `allowedRegistries` in the policy config.",
  check(view, config) {
    const out: Violation[] = [];
    const allowed = config.allowedRegistries.length > 0 ? config.allowedRegistries : pullSecretRegistries(view, config);
    for (const w of projectWorkloads(view, config)) {
      for (const c of w.containers) {
        if (imageAllowed(c.image, allowed)) continue;
        const list = allowed.length > 0 ? allowed.join(", ") : "(none configured: set allowedRegistries)";
        out.push({
          policy: this.name,
          urn: w.resource.urn,
          message: `${where(w, c)}: image "${c.image}" is from ${imageRegistry(c.image)}, not an allowed registry (${list}). Fix: push it to the private registry and use <registry>/${w.namespace}/<image>.`,
        });
      }
    }
    return out;
  },
};

/** No privileged containers in project namespaces. */
export const workloadPrivileged: StackRule = {
  scope: "stack",
  name: "workload-no-privileged",
  uses: ["projectNamespaces"],
  description: "Containers in project namespaces are not privileged.",
  level: "mandatory",
  fix: "Remove securityContext.privileged (grant a specific capability if really needed, reviewed by the platform team).",
  check(view, config) {
    const out: Violation[] = [];
    for (const w of projectWorkloads(view, config)) {
      for (const c of w.containers) {
        if (asRecord(c.spec.securityContext)?.privileged !== true) continue;
        out.push({
          policy: this.name,
          urn: w.resource.urn,
          message: `${where(w, c)}: securityContext.privileged is true. Fix: remove privileged: true from the container.`,
        });
      }
    }
    return out;
  },
};

/** No host namespaces or host paths in project namespaces. */
export const workloadHostAccess: StackRule = {
  scope: "stack",
  name: "workload-no-host-access",
  uses: ["projectNamespaces"],
  description: "Pods in project namespaces use no hostNetwork, hostPID, hostIPC or hostPath volumes.",
  level: "mandatory",
  fix: "Remove hostNetwork/hostPID/hostIPC and replace hostPath volumes with a PersistentVolumeClaim, ConfigMap or emptyDir.",
  check(view, config) {
    const out: Violation[] = [];
    for (const w of projectWorkloads(view, config)) {
      const problems: string[] = [];
      for (const field of ["hostNetwork", "hostPID", "hostIPC"])
        if (w.podSpec[field] === true) problems.push(`${field}: true (fix: remove it)`);
      for (const v of asArray(w.podSpec.volumes)) {
        const volume = asRecord(v) ?? {};
        const path = asString(asRecord(volume.hostPath)?.path);
        if (path !== undefined)
          problems.push(
            `hostPath volume "${asString(volume.name) ?? "?"}" (${path}) (fix: use a PersistentVolumeClaim, ConfigMap or emptyDir)`,
          );
      }
      for (const p of problems)
        out.push({
          policy: this.name,
          urn: w.resource.urn,
          message: `${label(w.resource)} (namespace ${w.namespace}): ${p}.`,
        });
    }
    return out;
  },
};

/** Containers declare cpu and memory requests (advisory: the LimitRange fills defaults). */
export const workloadRequests: StackRule = {
  scope: "stack",
  name: "workload-resource-requests",
  uses: ["projectNamespaces"],
  description: "Containers in project namespaces declare cpu and memory requests.",
  level: "advisory",
  fix: "Set resources.requests.cpu and resources.requests.memory on every container (the LimitRange default is only a fallback).",
  check(view, config) {
    const out: Violation[] = [];
    for (const w of projectWorkloads(view, config)) {
      for (const c of w.containers) {
        const requests = asRecord(asRecord(c.spec.resources)?.requests) ?? {};
        const missing = ["cpu", "memory"].filter((k) => requests[k] === undefined);
        if (missing.length === 0) continue;
        out.push({
          policy: this.name,
          urn: w.resource.urn,
          message: `${where(w, c)}: no resources.requests.${missing.join(" / ")}. Fix: set resources.requests.${missing.join(" and ")}.`,
        });
      }
    }
    return out;
  },
};

/** The tag of an image reference: undefined when pinned by digest, "" when absent. */
export function imageTag(image: string): string | undefined {
  if (image.includes("@")) return undefined;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  return colon < 0 ? "" : last.slice(colon + 1);
}

/** Images are pinned (advisory): `latest` or no tag makes rollouts unrepeatable. */
export const workloadImageTag: StackRule = {
  scope: "stack",
  name: "workload-image-tag",
  uses: ["projectNamespaces"],
  description: "Container images in project namespaces use a fixed tag or digest, never `latest` or no tag.",
  level: "advisory",
  fix: "Pin the image to a version tag or a @sha256 digest.",
  check(view, config) {
    const out: Violation[] = [];
    for (const w of projectWorkloads(view, config)) {
      for (const c of w.containers) {
        const tag = imageTag(c.image);
        if (tag !== "" && tag !== "latest") continue;
        out.push({
          policy: this.name,
          urn: w.resource.urn,
          message: `${where(w, c)}: image "${c.image}" ${tag === "" ? "has no tag (means latest)" : "uses latest"}. Fix: pin a version tag or @sha256 digest.`,
        });
      }
    }
    return out;
  },
};
