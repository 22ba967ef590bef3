/**
 * Stack files (Pulumi.<stack>.yaml) for the offline plan: the `k8s-platform:` keys as the
 * plain object the loader takes, and fake values for secrets a reviewer does not have.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const PREFIX = "k8s-platform:";

/** Reads a stack file's `config:` keys under `k8s-platform:` (encrypted values stay as `{secure}`). */
export function readStackFile(path: string): Record<string, unknown> {
  const doc = parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (key.startsWith(PREFIX)) raw[key.slice(PREFIX.length)] = value;
  }
  return raw;
}

/** Marks a value the plan made up in place of a secret it does not have. */
export const FAKE_SECRET = "plan-fake-secret";

const isEncrypted = (v: unknown) => v !== null && typeof v === "object" && "secure" in (v as object);

/**
 * Fills secrets the plan cannot read (unset, or Pulumi-encrypted `{secure: ...}`) with
 * fake values so the plan runs without credentials. Secrets never appear in plan output.
 */
export function fakeSecrets(raw: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, Record<string, unknown> | undefined>;
  const ssh = (copy.ssh ??= {});
  if (ssh.privateKey === undefined || isEncrypted(ssh.privateKey)) {
    ssh.privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${FAKE_SECRET}\n-----END OPENSSH PRIVATE KEY-----`;
  }
  const registry = copy.registry;
  if (registry && (registry.password === undefined || isEncrypted(registry.password))) registry.password = FAKE_SECRET;
  return copy;
}
