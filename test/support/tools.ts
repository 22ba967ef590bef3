/**
 * Real tools for integration tests. Under CI=true a missing tool fails the test (CI must
 * install it); on a developer machine without it the test is skipped with the reason.
 */
import { spawnSync } from "node:child_process";

/** True when `name` is on PATH (or is an executable path). */
export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v "$1"`, "sh", name], { stdio: "ignore" }).status === 0;
}

/**
 * Call at the start of a test or `before` hook: fails under CI=true when a tool is missing,
 * otherwise skips the test (or suite) that needs it.
 */
export function requireTool(ctx: Mocha.Context, ...names: string[]): void {
  const missing = names.filter((n) => !hasTool(n));
  if (missing.length === 0) return;
  const message = `missing tool(s): ${missing.join(", ")} (install them: see .ci/run)`;
  if (process.env.CI === "true") throw new Error(`${message}; CI=true requires every integration tool`);
  ctx.skip();
}
