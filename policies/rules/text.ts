/**
 * Reading what resources carry: values with or without secret marks, the text documents
 * inside inputs (scripts, unit files, configs, and the files packed base64 into install
 * bundles), daemon flags and kubeconfig servers. Rules check these rendered texts, so they
 * see exactly what will run on the hosts, whichever way a component delivers it.
 */
import { parseAllDocuments } from "yaml";
import type { PolicyResource } from "./types";

/** How an unknown value (not computed yet, during preview) appears to the rules, as in the offline graph. */
export const UNKNOWN = "[unknown]";

/**
 * True when a remote command or copy carries a value unknown at preview time: its rendered
 * files cannot be read yet, so a rule must not conclude that something is missing.
 */
export function hasUnknownText(resources: readonly PolicyResource[]): boolean {
  return resources.some(
    (r) => r.type.startsWith("command:remote:") && leaves(r.props).some((l) => l.value === UNKNOWN),
  );
}

/** True for a `{ $secret: value }` mark. */
export function isSecretMark(value: unknown): value is { $secret: unknown } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "$secret" in value;
}

/** The value with secret marks removed and assets replaced by their text. */
export function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("$secret" in record) return unwrap(record.$secret);
    if ("$asset" in record) return unwrap(record.$asset);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** A plain-object view of a value (unwrapped), or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  const v = unwrap(value);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A string view of a value (unwrapped), or undefined. */
export function asString(value: unknown): string | undefined {
  const v = unwrap(value);
  return typeof v === "string" ? v : undefined;
}

/** An array view of a value (unwrapped); anything else is empty. */
export function asArray(value: unknown): unknown[] {
  const v = unwrap(value);
  return Array.isArray(v) ? v : [];
}

/** A leaf of a props tree, with its path, its key and whether a secret mark covers it. */
export interface Leaf {
  readonly path: string;
  readonly key: string;
  readonly value: unknown;
  readonly secret: boolean;
}

/** Every leaf value of `props`, depth first, in key order. */
export function leaves(props: unknown, path = "", key = "", secret = false): Leaf[] {
  if (Array.isArray(props)) return props.flatMap((v, i) => leaves(v, `${path}[${i}]`, key, secret));
  if (props !== null && typeof props === "object") {
    const record = props as Record<string, unknown>;
    if ("$secret" in record) return leaves(record.$secret, path, key, true);
    if ("$asset" in record) return leaves(record.$asset, path, key, secret);
    return Object.entries(record).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k, k, secret));
  }
  return [{ path, key, value: props, secret }];
}

/** A text a resource carries: an input string, or a file packed inside one. */
export interface Doc {
  /** Input property path (`stdin`, `source`, ...). */
  readonly path: string;
  /** The file's path on the host when the text is a bundled file. */
  readonly file?: string;
  readonly text: string;
  /** Covered by a secret mark. */
  readonly secret: boolean;
}

// "MODE PATH BASE64" (control-plane bundles) and "OWNER MODE PATH BASE64" (node file lists),
// possibly inside a shell-quoted multi-line assignment.
const BUNDLE_LINE = /(?:^|[\s'"])0[0-7]{3} (\/[^\s'"]+) ([A-Za-z0-9+/]{4,}={0,2})['"]?$/;

const docCache = new WeakMap<PolicyResource, Doc[]>();

/** Every text the resource carries, bundled files decoded. */
export function documents(resource: PolicyResource): Doc[] {
  const cached = docCache.get(resource);
  if (cached) return cached;
  const docs: Doc[] = [];
  for (const leaf of leaves(resource.props)) {
    if (typeof leaf.value !== "string" || leaf.value.length === 0) continue;
    docs.push({ path: leaf.path, text: leaf.value, secret: leaf.secret });
    if (!leaf.value.includes("\n") && !BUNDLE_LINE.test(leaf.value)) continue;
    for (const line of leaf.value.split("\n")) {
      const m = BUNDLE_LINE.exec(line);
      if (!m) continue;
      const text = Buffer.from(m[2], "base64").toString("utf8");
      docs.push({ path: leaf.path, file: m[1], text, secret: leaf.secret });
    }
  }
  docCache.set(resource, docs);
  return docs;
}

/** Flags of one daemon invocation found in a text. */
export interface Invocation {
  readonly binary: string;
  /** Flag name (no dashes) -> value; a bare `--flag` is "true". */
  readonly flags: ReadonlyMap<string, string>;
}

/**
 * Invocations of `binary` (by base name) with at least two `--flag`s, in a unit file's
 * ExecStart, a script line or a command; backslash-continued lines are joined.
 */
export function invocations(text: string, binary: string): Invocation[] {
  const out: Invocation[] = [];
  const joined = text.replace(/\\\r?\n/g, " ");
  for (const line of joined.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const word = words[i].replace(/^ExecStart=[-@:+!]*/, "").replace(/^["']|["']$/g, "");
      if (word.split("/").pop() !== binary) continue;
      const flags = new Map<string, string>();
      for (const arg of words.slice(i + 1)) {
        const m = /^["']?--([A-Za-z0-9-]+)(?:=(.*?))?["']?$/.exec(arg);
        if (!m) {
          if (flags.size > 0 && /^[;&|]/.test(arg)) break;
          continue;
        }
        flags.set(m[1], m[2] ?? "true");
      }
      // Two flags at least: `etcd --version` in an install script is not the daemon.
      if (flags.size >= 2) out.push({ binary, flags });
      break;
    }
  }
  return out;
}

/** A kubeconfig found in a text: the servers of its clusters. */
export interface KubeconfigRef {
  readonly servers: readonly string[];
}

/** Kubeconfigs (YAML or JSON `kind: Config` with clusters) in a text. */
export function kubeconfigs(text: string): KubeconfigRef[] {
  if (!/clusters/.test(text) || !/Config/.test(text)) return [];
  const out: KubeconfigRef[] = [];
  try {
    for (const doc of parseAllDocuments(text)) {
      const value = doc.toJS() as unknown;
      const record = asRecord(value);
      if (!record || record.kind !== "Config" || !Array.isArray(record.clusters)) continue;
      const servers = record.clusters
        .map((c) => asString(asRecord(asRecord(c)?.cluster)?.server))
        .filter((s): s is string => s !== undefined);
      out.push({ servers });
    }
  } catch {
    // Not YAML (a script that mentions kubeconfigs): nothing to read.
  }
  return out;
}

/** Parses YAML text into plain values, or undefined when it is not YAML. */
export function parseYaml(text: string): unknown {
  try {
    const docs = parseAllDocuments(text);
    if (docs.length !== 1 || docs[0].errors.length > 0) return undefined;
    return docs[0].toJS() as unknown;
  } catch {
    return undefined;
  }
}

/** The SSH target address of a remote command/copy, if any. */
export function targetHost(resource: PolicyResource): string | undefined {
  return asString(asRecord(resource.props.connection)?.host);
}

/** Kubernetes object name and namespace of a k8s resource's inputs. */
export function objectMeta(resource: PolicyResource): { name: string; namespace: string } {
  const meta = asRecord(resource.props.metadata);
  return { name: asString(meta?.name) ?? resource.name, namespace: asString(meta?.namespace) ?? "default" };
}

/** Short human label of a resource for messages: `Type "name"`. */
export function label(resource: PolicyResource): string {
  return `${resource.type} "${resource.name}"`;
}
