/**
 * Stack files (Pulumi.<stack>.yaml) for the offline plan: the `k8s-platform:` keys as the
 * plain object the loader takes (through the same `rawConfig` as the real program), and
 * fake values for secrets a reviewer does not have.
 */
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { rawConfig } from "../contract/read";
import { ConfigError, type Problem } from "../contract/load";

/**
 * Reads a stack file's `config:` keys under `k8s-platform:` (encrypted values stay as
 * `{secure}`). A missing file or a YAML syntax error is a ConfigError naming the file
 * (and the line), like any other invalid config.
 */
export function readStackFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(err);
    throw new ConfigError([{ path: "(file)", message: `${path}: ${reason}` }], path);
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((e) => ({
      path: "(file)",
      message: `${path}:${e.linePos?.[0].line ?? "?"}:${e.linePos?.[0].col ?? "?"}: YAML syntax error: ${e.message.split("\n")[0]}`,
    }));
    throw new ConfigError(problems, path);
  }
  const content = doc.toJS() as { config?: unknown } | null;
  const config = content?.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError([{ path: "(file)", message: `${path}: \`config:\` must be a map of keys` }], path);
  }
  return rawConfig(config as Record<string, unknown>);
}

/** Marks a value the plan made up in place of a secret it does not have. */
export const FAKE_SECRET = "plan-fake-secret";

const isEncrypted = (v: unknown) => v !== null && typeof v === "object" && "secure" in (v as object);

/**
 * Fills secrets the plan cannot read (unset, or Pulumi-encrypted `{secure: ...}`) with
 * fake values so the plan runs without credentials. Secrets never appear in plan output.
 */
export function fakeSecrets(raw: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  const section = (key: string): Record<string, unknown> | undefined => {
    const value = copy[key];
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  };
  // Leave a malformed section as it is: the loader reports it.
  if (copy.ssh === undefined) copy.ssh = {};
  const ssh = section("ssh");
  if (ssh && (ssh.privateKey === undefined || isEncrypted(ssh.privateKey))) {
    ssh.privateKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${FAKE_SECRET}\n-----END OPENSSH PRIVATE KEY-----`;
  }
  const registry = section("registry");
  if (registry && (registry.password === undefined || isEncrypted(registry.password))) registry.password = FAKE_SECRET;
  // Each project's extra registry passwords (`projects[].pullSecrets[].password`).
  const entries = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value)
      ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v))
      : [];
  for (const project of entries(copy.projects)) {
    for (const pull of entries(project.pullSecrets)) {
      if (pull.password === undefined || isEncrypted(pull.password)) pull.password = FAKE_SECRET;
    }
  }
  return copy;
}
