/**
 * The rule set and its evaluation. The pack (policies/index.ts) and the offline run
 * (stacks/plan/policies.ts) both register exactly this list; importing it starts nothing.
 */
import { controlPlaneFlags, etcdCertAuth } from "./controlPlane";
import { ingressProjectDomains, ingressTls, ingressUniqueHosts } from "./ingress";
import { secretsNotPlaintext } from "./secrets";
import { apiserverBehindVip, etcdQuorum, masterCount, projectIsolation } from "./stack";
import { glusterGeometry, storageClassRetain } from "./storage";
import { DEFAULT_RULE_CONFIG, type Level, type Rule, type RuleConfig, type StackView, type Violation } from "./types";
import {
  workloadHostAccess,
  workloadImageTag,
  workloadPrivileged,
  workloadRegistry,
  workloadRequests,
} from "./workloads";

export * from "./types";

/** Every rule, in the order of the README table. */
export const RULES: readonly Rule[] = [
  etcdQuorum,
  masterCount,
  apiserverBehindVip,
  projectIsolation,
  controlPlaneFlags,
  etcdCertAuth,
  workloadRegistry,
  workloadPrivileged,
  workloadHostAccess,
  workloadRequests,
  workloadImageTag,
  ingressProjectDomains,
  ingressUniqueHosts,
  ingressTls,
  secretsNotPlaintext,
  glusterGeometry,
  storageClassRetain,
];

/**
 * Policy config as `pulumi preview --policy-pack-config FILE` takes it: `all` sets every
 * level, a policy name maps to a level or to `{ enforcementLevel, ...properties }`.
 */
export type PackConfig = Readonly<Record<string, unknown>>;

const LEVELS: readonly string[] = ["advisory", "mandatory", "disabled"];

/** The effective level of a rule under a pack config. */
export function levelOf(rule: Rule, config: PackConfig = {}): Level {
  const pick = (entry: unknown): Level | undefined => {
    if (typeof entry === "string" && LEVELS.includes(entry)) return entry as Level;
    if (entry !== null && typeof entry === "object") {
      const level = (entry as Record<string, unknown>).enforcementLevel;
      if (typeof level === "string" && LEVELS.includes(level)) return level as Level;
    }
    return undefined;
  };
  return pick(config[rule.name]) ?? pick(config.all) ?? rule.level;
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;

/**
 * The rule properties of one policy's config (merged over the defaults). Properties may be
 * given per policy or, for convenience offline, under the `all` entry.
 */
export function ruleConfigOf(properties: Readonly<Record<string, unknown>>): RuleConfig {
  return {
    allowedRegistries: strings(properties.allowedRegistries) ?? DEFAULT_RULE_CONFIG.allowedRegistries,
    projectNamespaces: strings(properties.projectNamespaces) ?? DEFAULT_RULE_CONFIG.projectNamespaces,
    internalLabels: strings(properties.internalLabels) ?? DEFAULT_RULE_CONFIG.internalLabels,
    apiserverEndpoint:
      typeof properties.apiserverEndpoint === "string"
        ? properties.apiserverEndpoint
        : DEFAULT_RULE_CONFIG.apiserverEndpoint,
  };
}

/** The properties a pack config gives one rule (its own entry over `all`'s). */
export function propertiesOf(rule: Rule, config: PackConfig = {}): Record<string, unknown> {
  const obj = (entry: unknown) =>
    entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>) : {};
  return { ...obj(config.all), ...obj(config[rule.name]) };
}

/** A violation with the level it is enforced at. */
export interface Finding extends Violation {
  readonly level: Level;
}

/** Runs every enabled rule over the stack; findings sorted mandatory first, then by policy and URN. */
export function evaluate(view: StackView, config: PackConfig = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const level = levelOf(rule, config);
    if (level === "disabled") continue;
    const ruleConfig = ruleConfigOf(propertiesOf(rule, config));
    const violations =
      rule.scope === "stack"
        ? rule.check(view, ruleConfig)
        : view.resources.flatMap((r) => rule.check(r, ruleConfig, { secretsMarked: view.secretsMarked }));
    for (const v of violations) findings.push({ ...v, level });
  }
  const rank = (l: Level) => (l === "mandatory" ? 0 : 1);
  return findings.sort(
    (a, b) => rank(a.level) - rank(b.level) || a.policy.localeCompare(b.policy) || a.urn.localeCompare(b.urn),
  );
}
