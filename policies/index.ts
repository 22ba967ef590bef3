/**
 * The k8s-platform CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * It only registers the pure rules of ./rules (the same list `npm run plan -- --policies`
 * runs offline). Per-resource rules run as resource policies, rules that need the whole
 * stack (counts, namespaces, cross-resource hosts) as stack policies. Secrets reach
 * policies unwrapped (pulumi/pulumi-policy#241), hence `secretsMarked: false`.
 */
import {
  PolicyPack,
  type PolicyConfigSchema,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { neutralProps } from "./engine";
import { DEFAULT_RULE_CONFIG, RULES, ruleConfigOf, type PolicyResource, type Rule, type RuleConfig } from "./rules";

/** JSON schema of each RuleConfig property (defaults as in DEFAULT_RULE_CONFIG). */
const PROPERTY_SCHEMAS: Record<keyof RuleConfig, PolicyConfigJSONSchema> = {
  allowedRegistries: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_RULE_CONFIG.allowedRegistries],
    description:
      "Registry prefixes (host[:port][/path]) project images may come from; empty: the project pull secrets' registries.",
  },
  projectNamespaces: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_RULE_CONFIG.projectNamespaces],
    description: "Extra namespaces treated as project namespaces (e.g. for a tenant stack that does not create them).",
  },
  internalLabels: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_RULE_CONFIG.internalLabels],
    description: "DNS labels marking an ingress host as internal (no TLS required).",
  },
  apiserverEndpoint: {
    type: "string",
    default: DEFAULT_RULE_CONFIG.apiserverEndpoint,
    description: "The apiserver URL off-master kubeconfigs must use; empty: the keepalived VIP.",
  },
};

function configSchema(rule: Rule): PolicyConfigSchema | undefined {
  if (!rule.uses || rule.uses.length === 0) return undefined;
  return { properties: Object.fromEntries(rule.uses.map((key) => [key, PROPERTY_SCHEMAS[key]])) };
}

async function neutral(r: {
  urn: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
}): Promise<PolicyResource> {
  return { urn: r.urn, type: r.type, name: r.name, props: (await neutralProps(r.props)) as Record<string, unknown> };
}

function register(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const common = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.level,
    remediationSteps: rule.fix,
    configSchema: configSchema(rule),
  };
  if (rule.scope === "resource") {
    return {
      ...common,
      validateResource: async (args, reportViolation) => {
        const config = ruleConfigOf(args.getConfig<Record<string, unknown>>());
        for (const v of rule.check(await neutral(args), config, { secretsMarked: false })) reportViolation(v.message);
      },
    };
  }
  return {
    ...common,
    validateStack: async (args, reportViolation) => {
      const config = ruleConfigOf(args.getConfig<Record<string, unknown>>());
      const resources = await Promise.all(args.resources.map(neutral));
      for (const v of rule.check({ resources, secretsMarked: false }, config))
        reportViolation(v.message, v.urn === "" ? undefined : v.urn);
    },
  };
}

new PolicyPack("k8s-platform", { policies: RULES.map(register) });
