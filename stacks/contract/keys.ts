/**
 * Every key path of the config contract, with its type and default, derived from the
 * schema itself (zod -> JSON Schema). The README's configuration table is checked
 * against this list, so a key cannot be added without being documented.
 */
import { z } from "zod";
import { platformSchema } from "./schema";

/** One documented config key. */
export interface ConfigKey {
  /** `hosts[].roles`, `network.calico.asNumber`, ... */
  readonly path: string;
  readonly type: string;
  /** JSON of the default, or "" when there is none. */
  readonly default: string;
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  additionalProperties?: JsonSchema | boolean;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map(String).join(" \\| ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(" \\| ");
  if (s.type === "array") return `${typeOf(s.items ?? {})}[]`;
  if (s.type === "object" && !s.properties) return "map";
  return s.type ?? "any";
}

function walk(s: JsonSchema, path: string, out: ConfigKey[]): void {
  const object = s.anyOf?.find((x) => x.type === "object" && x.properties) ?? s;
  if (object.type === "object" && object.properties) {
    for (const [key, value] of Object.entries(object.properties)) {
      const child = path ? `${path}.${key}` : key;
      out.push({
        path: child,
        type: typeOf(value),
        default: value.default === undefined ? "" : JSON.stringify(value.default),
      });
      walk(value, child, out);
    }
  } else if (object.type === "array" && object.items) {
    walk(object.items, `${path}[]`, out);
  }
}

/** All key paths of the config contract, in schema order. */
export function configKeys(): ConfigKey[] {
  const schema = z.toJSONSchema(platformSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: ConfigKey[] = [];
  walk(schema, "", out);
  return out;
}
