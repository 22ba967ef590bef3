/**
 * CEL building blocks shared by the project admission policies. The policies are strings
 * the API server compiles (Kubernetes CEL: cel-go with the Kubernetes libraries, see
 * k8s.io/apiserver pkg/cel/environment/base.go); building them from these helpers keeps
 * the repeated parts (annotation lists, the wildcard host match) written once. Only
 * libraries of Kubernetes' base environment are used: strings v2 (`split`, `trim`,
 * `substring`), optional types (`.?`, `orValue`), regex (`findAll`) and authz.
 */
import { PROJECT_LABEL } from "../names";
import type { NamedRuleWithOperations, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../types";

/** The project namespace's name, as the policies see it. */
export const NAMESPACE = "namespaceObject.metadata.name";

/** The value of a namespace annotation, '' when absent. */
export const annotation = (key: string): string => `namespaceObject.metadata.?annotations[?'${key}'].orValue('')`;

/** A comma-separated namespace annotation as a list of non-empty entries. */
export const annotationList = (key: string): string => `${annotation(key)}.split(',').filter(x, x != '')`;

/**
 * True when host expression `h` is one of `variables.domains`: an exact entry, or a
 * `*.suffix` entry and `h` is one label in front of the suffix (the wildcard rule of
 * traefik's and ingress-nginx's host matching). `h` must be side-effect free: it is
 * repeated (Kubernetes' CEL environment has no cel.bind).
 */
export function hostAllowed(h: string): string {
  return (
    `variables.domains.exists(d, d == ${h} || (d.startsWith('*.') && ${h}.endsWith(d.substring(1)) && ` +
    `size(${h}) > size(d) - 1 && !${h}.substring(0, size(${h}) - size(d) + 1).contains('.')))`
  );
}

/** `has(a.f) == has(b.f)` and equal when set: a field unchanged between object and oldObject. */
export const unchanged = (path: string, field: string): string =>
  `(has(object.${path}.${field}) == has(oldObject.${path}.${field}) && ` +
  `(!has(object.${path}.${field}) || object.${path}.${field} == oldObject.${path}.${field}))`;

/** A resource rule for the create and update of `resources` in one API group. */
export const onWrite = (apiGroup: string, resources: string[], apiVersions = ["v1"]): NamedRuleWithOperations => ({
  apiGroups: [apiGroup],
  apiVersions,
  resources,
  operations: ["CREATE", "UPDATE"],
});

/** Suffix of every policy and binding name (cluster-scoped, so the owner is in the name). */
const SUFFIX = "projects.k8s-platform.io";

/** A ValidatingAdmissionPolicy that fails closed: an expression error denies the request. */
export function policy(
  name: string,
  labels: Record<string, string>,
  resourceRules: NamedRuleWithOperations[],
  variables: { name: string; expression: string }[],
  validations: ValidatingAdmissionPolicy["spec"]["validations"],
): ValidatingAdmissionPolicy {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: `${name}.${SUFFIX}`, labels },
    spec: { failurePolicy: "Fail", matchConstraints: { resourceRules }, variables, validations },
  };
}

/** The binding that applies `policy` (Deny) in every project namespace, i.e. every namespace with the project label. */
export function binding(
  policy: ValidatingAdmissionPolicy,
  labels: Record<string, string>,
): ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: policy.metadata.name, labels },
    spec: {
      policyName: policy.metadata.name,
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: PROJECT_LABEL, operator: "Exists" }] } },
    },
  };
}
