/**
 * The config loader: a plain object (what `pulumi.Config` holds under `k8s-platform:`) in,
 * a typed PlatformSpec or every problem at once out. Pure: tests call it directly.
 */
import { z } from "zod";
import { platformSchema } from "./schema";
import { RULES, type Problem } from "./rules";
import { toSpec, type PlatformSpec } from "./spec";

export type { Problem } from "./rules";

/** The loader's answer. */
export type LoadResult =
  | { readonly ok: true; readonly spec: PlatformSpec; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly errors: readonly Problem[]; readonly warnings: readonly Problem[] };

/** Formats a zod issue path as a config key path: `projects[2].quota.memory`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    return acc === "" ? String(key) : `${acc}.${String(key)}`;
  }, "");
}

function describeIssue(issue: z.core.$ZodIssue): Problem {
  let path = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    message = `unknown key${issue.keys.length > 1 ? "s" : ""} ${keys} (check the spelling against the README's config table)`;
  } else if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    message = `is required (${issue.expected})`;
  } else if (issue.code === "invalid_type") {
    const received = /received (\w+)/.exec(issue.message)?.[1];
    message = `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}${received ? `, not ${received}` : ""}`;
  } else if (issue.code === "too_small" && issue.origin === "number") {
    message = `must be at least ${String(issue.minimum)}`;
  } else if (issue.code === "too_big" && issue.origin === "number") {
    message = `must be at most ${String(issue.maximum)}`;
  }
  if (path === "") path = "(root)";
  return { path, message };
}

/**
 * Validates a raw stack config. Shape problems and cross-field problems are all
 * collected; cross-field rules run only when the shape is valid (they need typed input).
 */
export function load(raw: unknown): LoadResult {
  const parsed = platformSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map(describeIssue), warnings: [] };
  }
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const rule of RULES) rule(parsed.data, errors, warnings);
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, spec: toSpec(parsed.data), warnings };
}

/** Thrown by the program entry points when the config is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

/** One line per problem, prefixed with the config namespace. */
export function formatProblems(problems: readonly Problem[]): string {
  return [
    `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    ...problems.map((p) => `  k8s-platform:${p.path}: ${p.message}`),
  ].join("\n");
}

/** Loads or throws a ConfigError; for the Pulumi program, which must fail before registering. */
export function loadOrThrow(raw: unknown): { spec: PlatformSpec; warnings: readonly Problem[] } {
  const result = load(raw);
  if (!result.ok) throw new ConfigError(result.errors);
  return { spec: result.spec, warnings: result.warnings };
}
