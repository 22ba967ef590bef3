/**
 * The config loader: a plain object (what `pulumi.Config` holds under `k8s-platform:`) in,
 * a typed PlatformSpec or every problem at once out. Pure: tests call it directly.
 *
 * Each top-level section is parsed on its own, and every cross-field rule whose sections
 * parsed runs, so a typo in `hosts` and a clash between `apiserver` and `network` are
 * reported by the same run.
 */
import type { z } from "zod";
import { configKeys } from "./keys";
import { CONFIG_KEYS, platformSchema, type PlatformConfig } from "./schema";
import { RULES, type LoadContext, type Problem, type Section } from "./rules";
import { toSpec, type PlatformSpec } from "./spec";

export type { Deployed, LoadContext, Problem } from "./rules";

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

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** `(did you mean "workers"?)` when one known key is close to `key`. */
export function suggestion(key: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best.k}"?)` : "";
}

let documented: readonly string[] | undefined;

/** The documented keys directly under `parent` (a key path; array indexes as `[]`). */
function siblingKeys(parent: string): string[] {
  documented ??= configKeys().map((k) => k.path);
  const normal = parent.replace(/\[\d+\]/g, "[]");
  return documented
    .filter((p) => p.startsWith(`${normal}.`) && !p.slice(normal.length + 1).includes("."))
    .map((p) => p.slice(normal.length + 1));
}

function describeIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): Problem[] {
  const path = formatPath([...prefix, ...issue.path]) || "(root)";
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    // One problem per key, at the key's own path, so the operator sees where it is.
    const parent = formatPath([...prefix, ...issue.path]);
    return issue.keys.map((k) => ({
      path: formatPath([...prefix, ...issue.path, k]),
      message: `unknown key${suggestion(k, siblingKeys(parent))} (check the spelling against the configuration reference)`,
    }));
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
  return [{ path, message }];
}

/**
 * Validates a raw stack config, reporting shape and cross-field problems together. The
 * context says what is deployed (versions), for the rules that check a change against it.
 */
export function load(raw: unknown, context: LoadContext = {}): LoadResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, errors: [{ path: "(root)", message: "must be a map of config keys" }], warnings };
  }
  const input = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      errors.push({
        path: key,
        message: `unknown config key${suggestion(key, CONFIG_KEYS)}; the keys are ${CONFIG_KEYS.join(", ")}`,
      });
    }
  }
  const parsed: Partial<Record<Section, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const result = platformSchema.shape[key].safeParse(input[key]);
    if (result.success) parsed[key] = result.data;
    else errors.push(...result.error.issues.flatMap((issue) => describeIssue(issue, [key])));
  }
  for (const rule of RULES) {
    if (rule.needs.every((section) => parsed[section] !== undefined)) {
      // Safe: the rule's check is typed to read only the sections in `needs`, all parsed.
      rule.check(parsed as PlatformConfig, errors, warnings, context);
    }
  }
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, spec: toSpec(parsed as PlatformConfig), warnings };
}

/** Thrown by the program entry points when the config is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly Problem[],
    /** Where the config came from, when it is a file (the offline plan names it). */
    readonly source?: string,
  ) {
    super(formatProblems(problems, source));
    this.name = "ConfigError";
  }
}

/** One line per problem, prefixed with the config namespace. */
export function formatProblems(problems: readonly Problem[], source?: string): string {
  return [
    `invalid stack config${source ? ` ${source}` : ""} (${problems.length} problem${problems.length === 1 ? "" : "s"}):`,
    ...problems.map((p) => `  k8s-platform:${p.path}: ${p.message}`),
  ].join("\n");
}

/** Loads or throws a ConfigError; for the Pulumi program, which must fail before registering. */
export function loadOrThrow(
  raw: unknown,
  source?: string,
  context: LoadContext = {},
): { spec: PlatformSpec; warnings: readonly Problem[] } {
  const result = load(raw, context);
  if (!result.ok) throw new ConfigError(result.errors, source);
  return { spec: result.spec, warnings: result.warnings };
}
