/**
 * A project serves only its own domains, checked in the cluster (tenants create Ingresses
 * and routes with kubectl, past any preview). The namespace annotation
 * `k8s-platform.io/ingress-domains` (the project's `domains`) is the list; a `*.suffix`
 * domain covers one label, as traefik and ingress-nginx match it. The loader keeps
 * projects' domains from overlapping, so "own domain" means nobody else's.
 *
 * - Ingress: every rule has a host and every rule and TLS host is the project's; no
 *   `defaultBackend` (a catch-all for hosts nobody routes); no ingress-nginx snippets (raw
 *   nginx config) and `server-alias` hosts only from the domains; traefik annotations only
 *   to the web/websecure entry points and without references to other namespaces' objects.
 * - IngressRoute (traefik): entry points web/websecure; every route's rule is a
 *   disjunction of terms that each start with `Host(\`own domain\`)`, so no term can match a
 *   host the project does not own; references stay in the namespace.
 * - IngressRouteTCP: entry points are the project's own TCP ports (the namespace
 *   annotation `k8s-platform.io/tcp-ports`) or websecure; on websecure every term starts
 *   with `HostSNI(\`own domain\`)`, so `HostSNI(\`*\`)` (all TLS traffic) is refused there.
 * - IngressRouteUDP: refused; projects get no UDP entry points.
 *
 * The rule grammar is checked with regular expressions over the rule text: `[^|]*` keeps
 * `||` out of a term, and every term must start with the host matcher, so however a term
 * is parenthesized its hosts bound it. Rules outside the grammar (a leading parenthesis,
 * HostRegexp, double-quoted values, `syntax: v2`) are refused; write them in this form.
 */
import { INGRESS_DOMAINS_ANNOTATION, TCP_PORTS_ANNOTATION } from "../names";
import type { ValidatingAdmissionPolicy } from "../types";
import { NAMESPACE, annotationList, hostAllowed, onWrite, policy } from "./cel";

const DOMAINS = { name: "domains", expression: annotationList(INGRESS_DOMAINS_ANNOTATION) };
const OWNED = `' is not one of project ' + ${NAMESPACE} + '\\'s domains (' + variables.domains.join(', ') + ')'`;

const NGINX = "nginx.ingress.kubernetes.io/";
const TRAEFIK = "traefik.ingress.kubernetes.io/";
/** traefik Ingress annotations that reference objects by global name (other namespaces', the platform's). */
const TRAEFIK_REFERENCES = [
  "router.middlewares",
  "router.tls.options",
  "router.tls.certresolver",
  "router.tls.domains.",
  "service.serverstransport",
];

/** The Ingress policy. */
export function renderIngressHostsPolicy(labels: Record<string, string>): ValidatingAdmissionPolicy {
  const alias = `${NGINX}server-alias`;
  const entryPoints = `${TRAEFIK}router.entrypoints`;
  return policy(
    "project-ingress-hosts",
    labels,
    [onWrite("networking.k8s.io", ["ingresses"])],
    [
      DOMAINS,
      { name: "rules", expression: "object.spec.?rules.orValue([])" },
      { name: "tls", expression: "object.spec.?tls.orValue([])" },
      { name: "annotations", expression: "object.metadata.?annotations.orValue({})" },
    ],
    [
      {
        expression: `variables.rules.all(r, has(r.host) && ${hostAllowed("r.host")})`,
        message: "every Ingress rule needs a host from the project's domains",
        messageExpression:
          `'host(s) ' + variables.rules.filter(r, !has(r.host) || !${hostAllowed("r.host")})` +
          `.map(r, has(r.host) ? r.host : '(none: a rule without host catches every host)').join(', ') + ${OWNED}`,
        reason: "Forbidden",
      },
      {
        expression: `variables.tls.all(t, t.?hosts.orValue([]).all(h, ${hostAllowed("h")}))`,
        message: "every TLS host of an Ingress must be one of the project's domains",
        reason: "Forbidden",
      },
      {
        expression: "!has(object.spec.defaultBackend)",
        message: "a project Ingress may not set spec.defaultBackend (it would catch hosts nobody routes)",
        reason: "Forbidden",
      },
      {
        expression:
          `variables.annotations.all(k, !(k.startsWith('${NGINX}') && k.endsWith('-snippet'))) && ` +
          `(!('${alias}' in variables.annotations) || ` +
          `variables.annotations['${alias}'].split(',').map(a, a.trim()).filter(a, a != '').all(a, ${hostAllowed("a")}))`,
        message:
          "ingress-nginx snippet annotations are refused in projects, and server-alias hosts must be the project's domains",
        reason: "Forbidden",
      },
      {
        expression:
          `(!('${entryPoints}' in variables.annotations) || ` +
          `variables.annotations['${entryPoints}'].split(',').all(e, e.trim() in ['web', 'websecure'])) && ` +
          `variables.annotations.all(k, ${TRAEFIK_REFERENCES.map((r) => `!k.startsWith('${TRAEFIK}${r}')`).join(" && ")})`,
        message:
          "traefik annotations of a project Ingress may use only the web and websecure entry points and may not reference middlewares, TLS options, certificate resolvers or servers transports",
        reason: "Forbidden",
      },
    ],
  );
}

/** A route rule's structure: terms joined by `||`, each starting with `fn(\`value\`)`, no `||` inside a term. */
const grammar = (fn: string) =>
  `r'^${fn}\\(\`[^\`]*\`\\)(\\s*&&[^|]*)?(\\s*\\|\\|\\s*${fn}\\(\`[^\`]*\`\\)(\\s*&&[^|]*)?)*$'`;
/** Case-insensitive spelling of a matcher name (traefik accepts Host, host, HOST). */
const anyCase = (name: string) => [...name].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join("");

/**
 * True when rule text `m` is in the grammar for matcher `fn`, has no other spelling of it
 * (so every occurrence is a checked backtick one), no regexp variant, and every value is
 * allowed (`hostAllowed`).
 */
function ruleBoundBy(m: string, fn: "Host" | "HostSNI"): string {
  const literal = `r'${fn}\\(\`[^\`]*\`\\)'`;
  const value = `x.substring(${fn.length + 2}, size(x) - 2)`;
  return (
    `(${m}.matches(${grammar(fn)}) && ` +
    `size(${m}.findAll(r'${anyCase(fn)}\\s*\\(')) == size(${m}.findAll(${literal})) && ` +
    `!${m}.matches(r'${anyCase(`${fn}Regexp`)}') && ` +
    `${m}.findAll(${literal}).all(x, ${hostAllowed(value)}))`
  );
}

/** Every `namespace` of a reference is the route's own, and no name is provider-qualified (`name@provider` is a global reference). */
const ownReference = (ref: string) =>
  `(${ref}.?namespace.orValue(${NAMESPACE}) == ${NAMESPACE} && !${ref}.name.contains('@'))`;

/** The traefik route policy (IngressRoute, IngressRouteTCP, IngressRouteUDP). */
export function renderRoutesPolicy(labels: Record<string, string>): ValidatingAdmissionPolicy {
  const http = "request.kind.kind == 'IngressRoute'";
  const tcp = "request.kind.kind == 'IngressRouteTCP'";
  return policy(
    "project-routes",
    labels,
    [onWrite("traefik.io", ["ingressroutes", "ingressroutetcps", "ingressrouteudps"], ["v1alpha1"])],
    [
      DOMAINS,
      { name: "ports", expression: annotationList(TCP_PORTS_ANNOTATION) },
      { name: "routes", expression: "object.spec.?routes.orValue([])" },
      { name: "entryPoints", expression: "object.spec.?entryPoints.orValue([])" },
      {
        name: "ownPortsOnly",
        expression:
          "size(variables.entryPoints) > 0 && variables.entryPoints.all(e, e.startsWith('tcp-') && e.substring(4) in variables.ports)",
      },
    ],
    [
      {
        expression: "request.kind.kind != 'IngressRouteUDP'",
        message: "projects get no UDP entry points; IngressRouteUDP is refused in project namespaces",
        reason: "Forbidden",
      },
      {
        expression: `!(${http}) || variables.entryPoints.all(e, e in ['web', 'websecure'])`,
        message: "an IngressRoute of a project may use only the web and websecure entry points",
        reason: "Forbidden",
      },
      {
        expression: `!(${tcp}) || (size(variables.entryPoints) > 0 && variables.entryPoints.all(e, e == 'websecure' || (e.startsWith('tcp-') && e.substring(4) in variables.ports)))`,
        message: "an IngressRouteTCP of a project must name its entry points: the project's own TCP ports or websecure",
        messageExpression:
          "size(variables.entryPoints) == 0 ? 'an IngressRouteTCP of a project must name its entry points (without them traefik binds it to every default entry point)' : " +
          "'entry point(s) ' + variables.entryPoints.filter(e, e != 'websecure' && !(e.startsWith('tcp-') && e.substring(4) in variables.ports)).join(', ') + " +
          `' are not project ' + ${NAMESPACE} + '\\'s: it was given TCP port(s) ' + (size(variables.ports) == 0 ? 'none' : variables.ports.join(', ')) + ' (projects[].tcp)'`,
        reason: "Forbidden",
      },
      {
        expression: "variables.routes.all(r, r.?syntax.orValue('v3') == 'v3')",
        message: "routes of a project use the v3 rule syntax (syntax: v2 is refused)",
        reason: "Forbidden",
      },
      {
        expression: `!(${http}) || variables.routes.all(r, ${ruleBoundBy("r.match", "Host")})`,
        message:
          "every IngressRoute rule must be terms joined by ||, each starting with Host(`<one of the project's domains>`), e.g. Host(`app.example.com`) && PathPrefix(`/api`)",
        messageExpression:
          `'rule(s) ' + variables.routes.filter(r, !${ruleBoundBy("r.match", "Host")}).map(r, r.match).join(' ; ') + ` +
          "' must be terms joined by ||, each starting with Host(`...`) of one of project ' + " +
          `${NAMESPACE} + '\\'s domains (' + variables.domains.join(', ') + ')'`,
        reason: "Forbidden",
      },
      {
        expression: `!(${tcp}) || variables.ownPortsOnly || variables.routes.all(r, ${ruleBoundBy("r.match", "HostSNI")})`,
        message:
          "an IngressRouteTCP on websecure must match HostSNI(`<one of the project's domains>`) in every term; HostSNI(`*`) is only for the project's own TCP ports",
        reason: "Forbidden",
      },
      {
        expression:
          `variables.routes.all(r, r.?services.orValue([]).all(s, ${ownReference("s")} && ` +
          `!s.?serversTransport.orValue('').contains('@') && s.?middlewares.orValue([]).all(w, ${ownReference("w")})) && ` +
          `r.?middlewares.orValue([]).all(w, ${ownReference("w")})) && ` +
          `object.spec.?parentRefs.orValue([]).all(p, ${ownReference("p")}) && ` +
          `(!has(object.spec.tls) || ((!has(object.spec.tls.options) || ${ownReference("object.spec.tls.options")}) && ` +
          `(!has(object.spec.tls.store) || ${ownReference("object.spec.tls.store")})))`,
        message:
          "a project route may reference only services, middlewares, TLS options and parents of its own namespace (no namespace field pointing elsewhere, no name@provider)",
        reason: "Forbidden",
      },
      {
        expression: `object.spec.?tls.?domains.orValue([]).all(t, (!has(t.main) || ${hostAllowed("t.main")}) && t.?sans.orValue([]).all(h, ${hostAllowed("h")}))`,
        message: "tls.domains of a project route must be the project's domains",
        reason: "Forbidden",
      },
    ],
  );
}
