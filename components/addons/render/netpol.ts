/**
 * Kubernetes NetworkPolicy semantics for ingress, evaluated on rendered objects: whether a
 * connection from a source (a range of addresses, or pods of a namespace) to a pod port is
 * admitted by the policies of the pod's namespace
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/). With no
 * policy selecting the pod, everything is admitted; otherwise one rule of one selecting
 * policy must admit the port and the source. Named ports and matchExpressions are not
 * used by the platform's policies and count as no match.
 */
import { cidrSize, parseCidr, type Ipv4Cidr } from "../../../lib/ipv4";
import type { KubeObject } from "./common";

/** Where a connection comes from. */
export type Source =
  { readonly cidr: string } | { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };

/** The pod port a connection goes to. */
export interface Target {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
  readonly protocol?: "TCP" | "UDP";
}

interface Selector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: unknown[];
}
interface Peer {
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
  readonly namespaceSelector?: Selector;
  readonly podSelector?: Selector;
}
interface Rule {
  readonly from?: readonly Peer[];
  readonly ports?: readonly {
    readonly port?: number | string;
    readonly protocol?: string;
    readonly endPort?: number;
  }[];
}
interface PolicySpec {
  readonly podSelector?: Selector;
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly Rule[];
}

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

function selects(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions && selector.matchExpressions.length > 0) return false;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

const within = (inner: Ipv4Cidr, outer: Ipv4Cidr) =>
  outer.base <= inner.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
const overlaps = (a: Ipv4Cidr, b: Ipv4Cidr) => a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);

function peerAdmits(peer: Peer, source: Source, target: Target): boolean {
  if (peer.ipBlock) {
    if (!("cidr" in source)) return false;
    const src = parseCidr(source.cidr);
    const block = parseCidr(peer.ipBlock.cidr);
    if (!src || !block || !within(src, block)) return false;
    return !(peer.ipBlock.except ?? []).some((e) => {
      const ex = parseCidr(e);
      return ex !== undefined && overlaps(src, ex);
    });
  }
  if (!("namespace" in source)) return false;
  const sameNamespace = source.namespace === target.namespace;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { [NAMESPACE_NAME]: source.namespace })
    : sameNamespace;
  return namespaceOk && selects(peer.podSelector, source.podLabels);
}

function portAdmits(rule: Rule, target: Target): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  const protocol = target.protocol ?? "TCP";
  return rule.ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== "number") return false;
    return p.endPort === undefined ? p.port === target.port : p.port <= target.port && target.port <= p.endPort;
  });
}

/** True when the namespace's policies admit `source` to `target`. */
export function admits(policies: readonly KubeObject[], source: Source, target: Target): boolean {
  const selecting = policies
    .filter((p) => p.kind === "NetworkPolicy" && p.metadata.namespace === target.namespace)
    .map((p) => p.spec as PolicySpec)
    .filter((spec) => (spec.policyTypes ?? ["Ingress"]).includes("Ingress"))
    .filter((spec) => selects(spec.podSelector, target.podLabels));
  if (selecting.length === 0) return true;
  return selecting.some((spec) =>
    (spec.ingress ?? []).some(
      (rule) =>
        portAdmits(rule, target) &&
        (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerAdmits(peer, source, target))),
    ),
  );
}
