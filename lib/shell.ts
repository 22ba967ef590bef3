/** Pure helpers for rendering bash: quoting and variable preambles. */

/** Quotes a value for bash as one word (single quotes, embedded quotes escaped). */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `NAME=value` assignments (one per line) to prepend to a script sent over stdin. Only
 * for non-secret parameters: secrets travel as files copied with mode 0600.
 */
export function renderAssignments(vars: Readonly<Record<string, string | number | boolean>>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a shell variable name: ${name}`);
      return `${name}=${shellQuote(String(value))}`;
    })
    .join("\n");
}

/**
 * A complete script for `bash -s`: the shebang and strict mode, then the assignments,
 * then the body. The body is a checked-in `.sh` file whose own header is dropped so the
 * assignments come after `set -euo pipefail`.
 */
export function withParameters(body: string, vars: Readonly<Record<string, string | number | boolean>>): string {
  const lines = body.split("\n");
  const start = lines.findIndex((line) => line.startsWith("set -euo pipefail"));
  const rest = start >= 0 ? lines.slice(start + 1) : lines;
  return ["#!/usr/bin/env bash", "set -euo pipefail", renderAssignments(vars), ...rest].join("\n");
}

/**
 * The script with a comment line naming the fingerprint of what it installs. A remote
 * step's `stdin` is an updatable input (only `triggers` replace), so a changed fingerprint
 * re-runs the step in place; the comment costs the script nothing.
 */
export function withFingerprint(script: string, fingerprint: string): string {
  const lines = script.split("\n");
  const at = lines[0]?.startsWith("#!") ? 1 : 0;
  return [...lines.slice(0, at), `# k8s-platform inputs: ${fingerprint}`, ...lines.slice(at)].join("\n");
}
