/**
 * A pure evaluator of RBAC resource rules, following the matching of the Kubernetes RBAC
 * authorizer (k8s.io/kubernetes/pkg/apis/rbac/v1 helpers): a request is allowed when any
 * rule matches its verb, API group, resource[/subresource] and, when the rule names
 * resources, the object name; and `authorize`, the namespaced path from a principal
 * through RoleBindings to Roles. Used by the tests (and usable by the policy pack) to check
 * the project roles against a table of requests, and by the admission tests as the CEL
 * `authorizer`.
 */
import type { PolicyRule, Role, RoleBinding, Subject } from "./types";

/** One API request as the authorizer sees it. */
export interface AccessRequest {
  readonly verb: string;
  /** "" for the core group. */
  readonly apiGroup: string;
  /** `pods`, or `pods/exec` for a subresource. */
  readonly resource: string;
  /** Object name; absent for list/watch/create-without-name. */
  readonly name?: string;
}

const matchesVerb = (rule: PolicyRule, verb: string) => rule.verbs.includes("*") || rule.verbs.includes(verb);

const matchesGroup = (rule: PolicyRule, group: string) =>
  rule.apiGroups.includes("*") || rule.apiGroups.includes(group);

function matchesResource(rule: PolicyRule, combined: string): boolean {
  const [resource, subresource] = combined.split("/", 2);
  return rule.resources.some((r) => {
    if (r === "*" || r === combined) return true;
    // `*/scale` matches every resource's scale subresource; `pods/*` is not a wildcard.
    return subresource !== undefined && r === `*/${subresource}` && resource !== "";
  });
}

const matchesName = (rule: PolicyRule, name: string | undefined) =>
  rule.resourceNames === undefined ||
  rule.resourceNames.length === 0 ||
  (name !== undefined && rule.resourceNames.includes(name));

/** True when `rules` allow `request`. */
export function allows(rules: readonly PolicyRule[], request: AccessRequest): boolean {
  return rules.some(
    (rule) =>
      matchesVerb(rule, request.verb) &&
      matchesGroup(rule, request.apiGroup) &&
      matchesResource(rule, request.resource) &&
      matchesName(rule, request.name),
  );
}

/** Who sends a request: a user (a person, or `system:serviceaccount:<ns>:<name>`) and their groups. */
export interface Principal {
  readonly username: string;
  readonly groups: readonly string[];
}

/** The principal a ServiceAccount token authenticates as (name and groups as the token authenticator sets them). */
export function serviceAccountPrincipal(namespace: string, name: string): Principal {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

/** The RBAC objects an evaluation sees: namespaced Roles and RoleBindings (project objects never use ClusterRoles). */
export interface RbacObjects {
  readonly roles: readonly Role[];
  readonly bindings: readonly RoleBinding[];
}

function subjectMatches(subject: Subject, principal: Principal, namespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return subject.name === principal.username;
    case "Group":
      return principal.groups.includes(subject.name);
    case "ServiceAccount":
      return principal.username === `system:serviceaccount:${subject.namespace ?? namespace}:${subject.name}`;
  }
}

/**
 * True when a RoleBinding in the request's namespace binds `principal` to a Role of that
 * namespace whose rules allow the request (the RBAC authorizer's namespaced path; a
 * RoleBinding grants nothing outside its own namespace). Cluster-scoped requests (no
 * namespace) are never allowed here: project roles have no ClusterRoleBinding.
 */
export function authorize(
  rbac: RbacObjects,
  principal: Principal,
  request: AccessRequest & { readonly namespace?: string },
): boolean {
  const namespace = request.namespace;
  if (namespace === undefined || namespace === "") return false;
  return rbac.bindings
    .filter((b) => b.metadata.namespace === namespace && b.roleRef.kind === "Role")
    .filter((b) => b.subjects.some((s) => subjectMatches(s, principal, namespace)))
    .some((b) => {
      const role = rbac.roles.find((r) => r.metadata.namespace === namespace && r.metadata.name === b.roleRef.name);
      return role !== undefined && allows(role.rules, request);
    });
}
