/**
 * The one reading path from Pulumi's config to the object the loader validates. The real
 * program (`pulumi.runtime.allConfig()`, namespaced keys with JSON-encoded values) and the
 * offline plan (a stack file's `config:` map) both go through `rawConfig`, so a key the
 * loader would reject is rejected on both paths: nothing under `k8s-platform:` is dropped.
 * Values are read raw, secrets included, because validation needs them; the Platform wraps
 * every secret field in `pulumi.secret` before any resource sees it.
 */

/** The config namespace of this project (`k8s-platform:<key>`). */
export const CONFIG_NAMESPACE = "k8s-platform";

/** Decodes one config value: Pulumi passes structured values as JSON text. */
function decode(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Every `k8s-platform:*` entry of a namespaced config map, keyed without the namespace.
 * Keys of other namespaces (`pulumi:`, provider settings) are not ours and are left out.
 */
export function rawConfig(entries: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(entries)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = decode(value);
  }
  return raw;
}
