/**
 * A pure evaluator of RBAC resource rules, following the matching of the Kubernetes RBAC
 * authorizer (k8s.io/kubernetes/pkg/apis/rbac/v1 helpers): a request is allowed when any
 * rule matches its verb, API group, resource[/subresource] and, when the rule names
 * resources, the object name. Used by the tests (and usable by the policy pack) to check
 * the project roles against a table of requests.
 */
import type { PolicyRule } from "./types";

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
