/** Stack configs for tests: the prod inventory, and generated larger ones. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeSecrets, readStackFile } from "../../stacks/plan/stackfile";

export const REPO_ROOT = join(__dirname, "..", "..");

/** The raw `k8s-platform:` config of Pulumi.prod.yaml, with fake values for unset secrets. */
export function prodConfig(): Record<string, unknown> {
  return fakeSecrets(readStackFile(join(REPO_ROOT, "Pulumi.prod.yaml")));
}

/** A deep copy, for tests that edit a config. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The text of a repository file. */
export function repoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), "utf8");
}
