/**
 * The neutral shapes every rule works on, so the same pure functions run inside the
 * CrossGuard pack (policies/index.ts) and offline over the mock graph (stacks/plan/policies.ts).
 */

/**
 * One resource as a rule sees it. `props` are the resource's inputs (the pack passes what
 * the engine gives it). A value the program made a Pulumi secret appears as
 * `{ $secret: value }` when the caller knows it (the offline run); the engine strips that
 * mark before policies run (pulumi/pulumi-policy#241), so inside the pack secrets are
 * plain values. Assets appear as `{ $asset: text }`.
 */
export interface PolicyResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly props: Readonly<Record<string, unknown>>;
}

/** The whole stack: every resource of one preview, in any order. */
export interface StackView {
  readonly resources: readonly PolicyResource[];
  /** True when secret values carry `{ $secret }` marks (offline); false inside the pack. */
  readonly secretsMarked: boolean;
}

/** One finding. The message names the resource and says how to fix it. */
export interface Violation {
  /** Rule name (the policy name in the pack). */
  readonly policy: string;
  /** The resource in violation; the stack's own URN-less findings use "". */
  readonly urn: string;
  readonly message: string;
}

/** Enforcement levels as CrossGuard knows them (`remediate` is not used by this pack). */
export type Level = "advisory" | "mandatory" | "disabled";

/** Policy config of the pack (see PulumiPolicy config in policies/index.ts and the README). */
export interface RuleConfig {
  /**
   * Registries project workloads may pull from: `host[:port]` or `host[:port]/path` prefixes.
   * Empty: the registries of the project namespaces' image pull secrets.
   */
  readonly allowedRegistries: readonly string[];
  /** Namespaces treated as project namespaces in addition to those labelled by the Project component. */
  readonly projectNamespaces: readonly string[];
  /**
   * DNS labels marking a host as internal (never reachable from the internet, so no TLS
   * required): `pipeline.internal.example.com` is internal because of its `internal` label.
   */
  readonly internalLabels: readonly string[];
  /** The apiserver URL every off-master kubeconfig must use; empty: derived from the keepalived/haproxy config. */
  readonly apiserverEndpoint: string;
}

/** Defaults of RuleConfig. */
export const DEFAULT_RULE_CONFIG: RuleConfig = {
  allowedRegistries: [],
  projectNamespaces: [],
  internalLabels: ["internal", "intranet", "local", "lan"],
  apiserverEndpoint: "",
};

/** A rule over one resource. */
export interface ResourceRule {
  readonly scope: "resource";
  readonly name: string;
  readonly description: string;
  readonly level: Level;
  /** How to fix a violation, in general (each message also says it for the case at hand). */
  readonly fix: string;
  /** The RuleConfig properties this rule reads (its policy config schema). */
  readonly uses?: readonly (keyof RuleConfig)[];
  readonly check: (resource: PolicyResource, config: RuleConfig, view: Pick<StackView, "secretsMarked">) => Violation[];
}

/** A rule over the whole stack. */
export interface StackRule {
  readonly scope: "stack";
  readonly name: string;
  readonly description: string;
  readonly level: Level;
  readonly fix: string;
  /** The RuleConfig properties this rule reads (its policy config schema). */
  readonly uses?: readonly (keyof RuleConfig)[];
  readonly check: (view: StackView, config: RuleConfig) => Violation[];
}

export type Rule = ResourceRule | StackRule;
