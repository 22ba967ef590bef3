/**
 * Reads the stack config (keys under `k8s-platform:`) into the plain object the loader
 * validates. Values are read raw, secrets included, because validation needs them; the
 * Platform wraps every secret field in `pulumi.secret` before any resource sees it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS } from "./schema";

/** The raw config object of the current stack. */
export function readStackConfig(): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const text = pulumi.runtime.getConfig(`k8s-platform:${key}`);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  return raw;
}
