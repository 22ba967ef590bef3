/**
 * Which namespaces are project (tenant) namespaces, and what each declares about itself.
 * The Project component labels its namespace and annotates the ingress domains the
 * project owns; these names are the contract between it and the pack.
 */
import { asRecord, asString, objectMeta } from "./text";
import type { PolicyResource, RuleConfig, StackView } from "./types";

/** Label the Project component puts on everything of a project (components/project/names.ts). */
export const PROJECT_LABEL = "k8s-platform.io/project";
/** Namespace annotation: comma-separated hosts the project's ingresses may use. */
export const INGRESS_DOMAINS_ANNOTATION = "k8s-platform.io/ingress-domains";
/** Namespace annotation: comma-separated TCP ports the project was given (`projects[].tcp`). */
export const TCP_PORTS_ANNOTATION = "k8s-platform.io/tcp-ports";

export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/** A project namespace and the ingress domains and TCP ports it owns. */
export interface ProjectNamespace {
  readonly namespace: string;
  /** The Namespace resource, when the stack creates it. */
  readonly resource?: PolicyResource;
  readonly domains: readonly string[];
  readonly tcpPorts: readonly string[];
}

/** A comma-separated annotation as trimmed, lower-case, non-empty entries. */
const list = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d !== "");

/** Project namespaces of the stack: labelled Namespace resources plus `projectNamespaces` from config. */
export function projectNamespaces(view: StackView, config: RuleConfig): Map<string, ProjectNamespace> {
  const out = new Map<string, ProjectNamespace>();
  for (const r of view.resources) {
    if (r.type !== NAMESPACE_TYPE) continue;
    const meta = asRecord(r.props.metadata);
    const labels = asRecord(meta?.labels) ?? {};
    if (asString(labels[PROJECT_LABEL]) === undefined) continue;
    const annotations = asRecord(meta?.annotations);
    const domains = list(asString(annotations?.[INGRESS_DOMAINS_ANNOTATION]));
    const tcpPorts = list(asString(annotations?.[TCP_PORTS_ANNOTATION]));
    const { name } = objectMeta(r);
    out.set(name, { namespace: name, resource: r, domains, tcpPorts });
  }
  for (const ns of config.projectNamespaces)
    if (!out.has(ns)) out.set(ns, { namespace: ns, domains: [], tcpPorts: [] });
  return out;
}

/** True when `host` is one of `domains` (a `*.example.com` entry covers exactly one more label). */
export function hostAllowed(host: string, domains: readonly string[]): boolean {
  const h = host.toLowerCase();
  return domains.some((d) => {
    if (d === h) return true;
    if (d.startsWith("*.")) {
      const suffix = d.slice(1);
      return h.endsWith(suffix) && !h.slice(0, -suffix.length).includes(".") && h.length > suffix.length;
    }
    return false;
  });
}
