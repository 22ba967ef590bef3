/**
 * Ingress hosts: a project serves only the domains it owns (the namespace annotation the
 * Project component sets from `projects[].domains`) and only the TCP ports it was given,
 * no host is split between namespaces, and internet-facing hosts get TLS. The same
 * boundary is enforced in the cluster by the project admission policies
 * (components/project/admission); this is its preview-time view of the stack's own objects.
 */
import { hostAllowed, INGRESS_DOMAINS_ANNOTATION, projectNamespaces, type ProjectNamespace } from "./projects";
import { asArray, asRecord, asString, label, objectMeta } from "./text";
import type { PolicyResource, StackRule, Violation } from "./types";

export const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";
export const INGRESS_ROUTE_TYPE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
export const INGRESS_ROUTE_TCP_TYPE = "kubernetes:traefik.io/v1alpha1:IngressRouteTCP";

/** The values of every `fn(\`value\`)` matcher in the routes' rules of a traefik route (lower-case). */
export function routeMatcherValues(r: PolicyResource, fn: "Host" | "HostSNI"): string[] {
  const pattern = new RegExp(`\\b${fn}\\(\`([^\`]*)\`\\)`, "g");
  return asArray(asRecord(r.props.spec)?.routes).flatMap((route) =>
    [...(asString(asRecord(route)?.match) ?? "").matchAll(pattern)].map((m) => m[1].toLowerCase()),
  );
}

/** Entry points of a traefik route. */
const entryPoints = (r: PolicyResource): string[] =>
  asArray(asRecord(r.props.spec)?.entryPoints).map((e) => asString(e) ?? "");

/** Hosts of an Ingress: rule hosts ("" for a rule without host) and TLS hosts. */
export function ingressHosts(r: PolicyResource): { rules: string[]; tls: string[] } {
  const spec = asRecord(r.props.spec) ?? {};
  const rules = asArray(spec.rules).map((rule) => (asString(asRecord(rule)?.host) ?? "").toLowerCase());
  const tls = asArray(spec.tls).flatMap((t) =>
    asArray(asRecord(t)?.hosts).map((h) => (asString(h) ?? "").toLowerCase()),
  );
  return { rules, tls };
}

/** Hosts only from the owning project's domains. */
export const ingressProjectDomains: StackRule = {
  scope: "stack",
  name: "ingress-project-domains",
  uses: ["projectNamespaces"],
  description:
    "Ingresses and traefik routes in a project namespace use only hosts from that project's `domains`, and TCP routes only the project's own TCP ports.",
  level: "mandatory",
  fix: "Use a host listed in the project's `domains` (stack config projects[].domains) and a port of its projects[].tcp, or add them there after review.",
  check(view, config) {
    const out: Violation[] = [];
    const projects = projectNamespaces(view, config);
    for (const r of view.resources) {
      if (r.type === INGRESS_ROUTE_TYPE || r.type === INGRESS_ROUTE_TCP_TYPE) {
        const { namespace } = objectMeta(r);
        const project = projects.get(namespace);
        if (project) out.push(...routeViolations(this.name, r, project));
        continue;
      }
      if (r.type !== INGRESS_TYPE) continue;
      const { namespace } = objectMeta(r);
      const project = projects.get(namespace);
      if (!project) continue;
      const { rules, tls } = ingressHosts(r);
      const owned =
        project.domains.length > 0
          ? project.domains.join(", ")
          : `none (annotation ${INGRESS_DOMAINS_ANNOTATION} is empty)`;
      for (const host of new Set([...rules, ...tls])) {
        if (host !== "" && hostAllowed(host, project.domains)) continue;
        const what = host === "" ? "a rule without host (it would catch every host)" : `host "${host}"`;
        out.push({
          policy: this.name,
          urn: r.urn,
          message: `${label(r)} (namespace ${namespace}): ${what} is not one of project ${namespace}'s domains (${owned}). Fix: use one of them, or add the host to projects[name=${namespace}].domains in the stack config.`,
        });
      }
    }
    return out;
  },
};

/** Hosts and entry points of a traefik route that are not the project's. */
function routeViolations(policy: string, r: PolicyResource, project: ProjectNamespace): Violation[] {
  const out: Violation[] = [];
  const say = (what: string) =>
    out.push({
      policy,
      urn: r.urn,
      message: `${label(r)} (namespace ${project.namespace}): ${what}. Fix: use the project's own domains and ports (projects[name=${project.namespace}].domains and .tcp in the stack config).`,
    });
  if (r.type === INGRESS_ROUTE_TCP_TYPE) {
    const eps = entryPoints(r);
    const own = (e: string) => e.startsWith("tcp-") && project.tcpPorts.includes(e.slice(4));
    if (eps.length === 0) say("an IngressRouteTCP without entryPoints binds every default entry point");
    for (const e of eps.filter((x) => !own(x) && x !== "websecure"))
      say(`entry point "${e}" is not one of the project's TCP ports (${project.tcpPorts.join(", ") || "none"})`);
    // On websecure (shared by every project) a TCP route is bounded by SNI only: HostSNI(`*`) would take all TLS traffic.
    if (eps.includes("websecure")) {
      for (const h of routeMatcherValues(r, "HostSNI").filter((x) => !hostAllowed(x, project.domains)))
        say(`HostSNI "${h}" is not one of project ${project.namespace}'s domains`);
    }
    return out;
  }
  for (const h of routeMatcherValues(r, "Host").filter((x) => !hostAllowed(x, project.domains)))
    say(`host "${h}" is not one of project ${project.namespace}'s domains (${project.domains.join(", ") || "none"})`);
  if (routeMatcherValues(r, "Host").length === 0) say("a route without Host() catches every host");
  return out;
}

/** No host claimed by two namespaces. */
export const ingressUniqueHosts: StackRule = {
  scope: "stack",
  name: "ingress-unique-hosts",
  description: "No ingress host is claimed by Ingresses in two namespaces.",
  level: "mandatory",
  fix: "Serve the host from one namespace only; remove it from the other Ingress.",
  check(view) {
    const claims = new Map<string, Map<string, PolicyResource>>();
    for (const r of view.resources) {
      if (r.type !== INGRESS_TYPE) continue;
      const { namespace } = objectMeta(r);
      for (const host of ingressHosts(r).rules) {
        if (host === "") continue;
        const byNs = claims.get(host) ?? new Map<string, PolicyResource>();
        if (!byNs.has(namespace)) byNs.set(namespace, r);
        claims.set(host, byNs);
      }
    }
    const out: Violation[] = [];
    for (const [host, byNs] of claims) {
      if (byNs.size < 2) continue;
      const entries = [...byNs.entries()];
      const [firstNs] = entries[0];
      for (const [ns, r] of entries.slice(1)) {
        out.push({
          policy: this.name,
          urn: r.urn,
          message: `${label(r)} (namespace ${ns}) claims host "${host}", already claimed in namespace ${firstNs}. Fix: remove the host from one of the two Ingresses; a host belongs to one project.`,
        });
      }
    }
    return out;
  },
};

/** True when one of the host's DNS labels marks it internal. */
export function isInternalHost(host: string, internalLabels: readonly string[]): boolean {
  return host
    .toLowerCase()
    .split(".")
    .some((l) => internalLabels.includes(l));
}

/** TLS for internet-facing hosts (advisory). */
export const ingressTls: StackRule = {
  scope: "stack",
  name: "ingress-tls",
  uses: ["internalLabels"],
  description: "Ingress hosts that are not internal (see `internalLabels`) are covered by a TLS section.",
  level: "advisory",
  fix: "Add spec.tls with the host and a certificate secret (e.g. the project's wildcard TLS secret).",
  check(view, config) {
    const out: Violation[] = [];
    for (const r of view.resources) {
      if (r.type !== INGRESS_TYPE) continue;
      const { rules, tls } = ingressHosts(r);
      for (const host of new Set(rules)) {
        if (host === "" || isInternalHost(host, config.internalLabels) || hostAllowed(host, tls)) continue;
        out.push({
          policy: this.name,
          urn: r.urn,
          message: `${label(r)}: host "${host}" is served without TLS. Fix: add spec.tls: [{ hosts: ["${host}"], secretName: <tls secret> }].`,
        });
      }
    }
    return out;
  },
};
