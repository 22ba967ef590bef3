/**
 * Node labels and taints from the inventory, split by who may set them. The kubelet may
 * only self-set labels outside the `kubernetes.io` / `k8s.io` namespaces, plus a short
 * allow-list inside them; anything else (e.g. `node-role.kubernetes.io/edge`) is refused
 * by the kubelet at start and by the NodeRestriction admission plugin, so those labels are
 * applied with the admin credentials after the node registers.
 * See https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction
 */
import type { HostConfig } from "../../stacks/contract/spec";

/** A node taint as the inventory and KubeletConfiguration.registerWithTaints spell it. */
export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Label role every master running kubelet carries, and the taint that keeps workloads off it. */
export const CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane";

/** Well-known labels the kubelet may set although they sit in a kubernetes.io namespace. */
const KUBELET_ALLOWED_LABELS = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/instance-type",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
  "failure-domain.kubernetes.io/zone",
  "failure-domain.kubernetes.io/region",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
]);

const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** True when the kubelet may set this label on its own Node (`--node-labels`). */
export function kubeletMaySetLabel(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return true;
  const ns = key.slice(0, slash);
  if (inNamespace(ns, "node-restriction.kubernetes.io")) return false;
  if (!inNamespace(ns, "kubernetes.io") && !inNamespace(ns, "k8s.io")) return true;
  if (inNamespace(ns, "kubelet.kubernetes.io") || inNamespace(ns, "node.kubernetes.io")) return true;
  return KUBELET_ALLOWED_LABELS.has(key);
}

/** Labels of a node: those the kubelet sets itself, and those applied with admin rights. */
export interface NodeLabels {
  readonly kubelet: Readonly<Record<string, string>>;
  readonly admin: Readonly<Record<string, string>>;
}

/** Splits a host's labels (plus the control-plane role label on masters) by who may set them. */
export function nodeLabels(host: HostConfig, controlPlane: boolean): NodeLabels {
  const all: Record<string, string> = { ...host.labels };
  if (controlPlane) all[CONTROL_PLANE_ROLE] = "";
  const kubelet: Record<string, string> = {};
  const admin: Record<string, string> = {};
  for (const key of Object.keys(all).sort()) (kubeletMaySetLabel(key) ? kubelet : admin)[key] = all[key];
  return { kubelet, admin };
}

/** Taints of a node: the inventory's, plus NoSchedule on masters running kubelet. */
export function nodeTaints(host: HostConfig, controlPlane: boolean): Taint[] {
  const taints: Taint[] = host.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
  if (controlPlane && !taints.some((t) => t.key === CONTROL_PLANE_ROLE && t.effect === "NoSchedule")) {
    taints.push({ key: CONTROL_PLANE_ROLE, value: "", effect: "NoSchedule" });
  }
  return taints;
}
