/**
 * A ValidatingAdmissionPolicy evaluator for the tests: the rendered policies' CEL, run by a
 * JavaScript CEL implementation (@marcbachmann/cel-js) with the Kubernetes additions it
 * lacks (`findAll` of the regex library, the `authorizer` of the authz library) and the
 * admission semantics of the API server (k8s.io/apiserver plugin/policy/validating):
 * binding namespace selector, resource rules, lazily evaluated `variables`, validations in
 * order, `failurePolicy: Fail` (an evaluation error denies), messageExpression falling back
 * to message. JSON integers become CEL ints (Kubernetes int64), as the API server's
 * unstructured conversion does.
 *
 * What it does not model: cel-go's compile-time type checking against the OpenAPI schema
 * (Kubernetes declares `object` dyn, so the policies are checked at runtime there too),
 * and cost limits (the test objects are small).
 */
import { Environment } from "@marcbachmann/cel-js";
import type { AdmissionPolicy } from "../../components/project/admission";
import type { Namespace, NamedRuleWithOperations } from "../../components/project/types";

/** One request as the admission chain sees it. */
export interface AdmissionRequest {
  readonly operation: "CREATE" | "UPDATE";
  /** API group ("" for core), version, kind and plural resource of the object. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: unknown;
  readonly oldObject?: unknown;
  readonly user: { readonly username: string; readonly groups: readonly string[] };
}

/** What the authorizer is asked (the CEL `authorizer.group(g).resource(r).namespace(n).name(x).check(verb)`). */
export interface AuthorizerQuery {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

/** The answer for one request: allowed, or the policy and message that denied it. */
export interface Verdict {
  readonly allowed: boolean;
  readonly denials: readonly { readonly policy: string; readonly message: string }[];
}

/** JSON -> CEL values: integral numbers become ints (bigint), as Kubernetes' int64 fields are. */
function toCel(value: unknown): unknown {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

class Authorizer {
  constructor(readonly ask: (q: AuthorizerQuery) => boolean) {}
}
class GroupCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly group: string,
  ) {}
}
class ResourceCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly group: string,
    readonly resource: string,
    readonly namespace = "",
    readonly name = "",
  ) {}
}
class Decision {
  constructor(readonly isAllowed: boolean) {}
}

/** The CEL environment: cel-js plus the Kubernetes library functions the policies use. */
function environment(): Environment {
  return new Environment({
    unlistedVariablesAreDyn: true,
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  })
    .registerType("Authorizer", Authorizer)
    .registerType("GroupCheck", GroupCheck)
    .registerType("ResourceCheck", ResourceCheck)
    .registerType("Decision", Decision)
    .registerVariable("authorizer", "Authorizer")
    .registerFunction("Authorizer.group(string): GroupCheck", (a: Authorizer, g: string) => new GroupCheck(a, g))
    .registerFunction(
      "GroupCheck.resource(string): ResourceCheck",
      (g: GroupCheck, r: string) => new ResourceCheck(g.authorizer, g.group, r),
    )
    .registerFunction(
      "ResourceCheck.namespace(string): ResourceCheck",
      (c: ResourceCheck, ns: string) => new ResourceCheck(c.authorizer, c.group, c.resource, ns, c.name),
    )
    .registerFunction(
      "ResourceCheck.name(string): ResourceCheck",
      (c: ResourceCheck, n: string) => new ResourceCheck(c.authorizer, c.group, c.resource, c.namespace, n),
    )
    .registerFunction(
      "ResourceCheck.check(string): Decision",
      (c: ResourceCheck, verb: string) =>
        new Decision(
          c.authorizer.ask({ verb, apiGroup: c.group, resource: c.resource, namespace: c.namespace, name: c.name }),
        ),
    )
    .registerFunction("Decision.allowed(): bool", (d: Decision) => d.isAllowed)
    .registerFunction("string.findAll(string): list<string>", (s: string, re: string) =>
      [...s.matchAll(new RegExp(re, "g"))].map((m) => m[0]),
    );
}

const ENV = environment();

/** Every CEL expression of a policy (variables, validations, messages), for syntax checks. */
export function expressionsOf(p: AdmissionPolicy): string[] {
  return [
    ...(p.policy.spec.variables ?? []).map((v) => v.expression),
    ...p.policy.spec.validations.flatMap((v) => [v.expression, ...(v.messageExpression ? [v.messageExpression] : [])]),
  ];
}

/** Parses and type-checks one expression against the harness environment (throws on an error). */
export function compile(expression: string): void {
  const result = ENV.check(expression);
  if (!result.valid) throw new Error(`${result.error?.message ?? "invalid"}\n  in: ${expression}`);
}

const ruleMatches = (rule: NamedRuleWithOperations, r: AdmissionRequest) =>
  (rule.apiGroups.includes("*") || rule.apiGroups.includes(r.group)) &&
  (rule.apiVersions.includes("*") || rule.apiVersions.includes(r.version)) &&
  (rule.resources.includes("*") || rule.resources.includes(r.resource)) &&
  (rule.operations.includes("*") || rule.operations.includes(r.operation));

/** True when the binding and the policy's match constraints select the request. */
export function selects(p: AdmissionPolicy, namespace: Namespace, r: AdmissionRequest): boolean {
  const labels = namespace.metadata.labels ?? {};
  const inNamespace = p.binding.spec.matchResources.namespaceSelector.matchExpressions.every(
    (e) => e.operator === "Exists" && e.key in labels,
  );
  return inNamespace && p.policy.spec.matchConstraints.resourceRules.some((rule) => ruleMatches(rule, r));
}

/**
 * Runs every policy that selects the request, as the API server would, with `ask` as the
 * authorizer for the requesting user.
 */
export function admit(
  policies: readonly AdmissionPolicy[],
  namespace: Namespace,
  r: AdmissionRequest,
  ask: (q: AuthorizerQuery) => boolean,
): Verdict {
  const denials: { policy: string; message: string }[] = [];
  const base = {
    object: toCel(r.object),
    oldObject: r.operation === "CREATE" ? null : toCel(r.oldObject),
    namespaceObject: toCel(namespace),
    request: {
      kind: { group: r.group, version: r.version, kind: r.kind },
      resource: { group: r.group, version: r.version, resource: r.resource },
      name: r.name,
      namespace: r.namespace,
      operation: r.operation,
      userInfo: { username: r.user.username, groups: [...r.user.groups] },
    },
    authorizer: new Authorizer(ask),
  };
  for (const p of policies) {
    if (!selects(p, namespace, r)) continue;
    const name = p.policy.metadata.name;
    // Variables are lazy and cached, as in the API server: an unused one never fails.
    const cache = new Map<string, { value?: unknown; error?: unknown }>();
    const variables: Record<string, unknown> = {};
    const context = { ...base, variables };
    for (const v of p.policy.spec.variables ?? []) {
      Object.defineProperty(variables, v.name, {
        enumerable: true,
        get() {
          let entry = cache.get(v.name);
          if (entry === undefined) {
            try {
              entry = { value: ENV.evaluate(v.expression, context) as unknown };
            } catch (error) {
              entry = { error };
            }
            cache.set(v.name, entry);
          }
          if (entry.error !== undefined) throw entry.error as Error;
          return entry.value;
        },
      });
    }
    for (const validation of p.policy.spec.validations) {
      let passed: unknown;
      try {
        passed = ENV.evaluate(validation.expression, context);
      } catch (error) {
        // failurePolicy: Fail
        denials.push({ policy: name, message: `expression error: ${(error as Error).message.split("\n")[0]}` });
        continue;
      }
      if (passed === true) continue;
      let message = validation.message;
      if (validation.messageExpression !== undefined) {
        try {
          const m = ENV.evaluate(validation.messageExpression, context) as unknown;
          if (typeof m === "string" && m.trim() !== "" && !m.includes("\n")) message = m;
        } catch {
          // The API server falls back to `message` too.
        }
      }
      denials.push({ policy: name, message });
    }
  }
  return { allowed: denials.length === 0, denials };
}
