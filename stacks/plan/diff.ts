/**
 * What a `pulumi up` would change going from one recorded graph to another, by URN and
 * input: create, update, replace, delete, and retain (deleted from the stack, kept on the
 * cluster/host because the resource is retainOnDelete or protected). Inputs a resource
 * lists in `ignoreChanges` are skipped, as the engine skips them.
 */
import type { Graph, RecordedResource } from "./run";
import { stableJson } from "./mocks";

/** One input that differs; secret values are never shown, only that they changed. */
export interface InputChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** The planned operation on one resource. */
export interface Change {
  readonly urn: string;
  readonly type: string;
  readonly op: "create" | "update" | "replace" | "delete" | "retain" | "protected-delete";
  readonly inputs: readonly InputChange[];
}

/** Flattens inputs to `path -> value`; a secret subtree becomes one `[secret:<digest>]` leaf. */
export function flatten(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path, []);
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("$secret" in record) {
      out.set(path, { $secret: stableJson(record.$secret) });
      return out;
    }
    const entries = Object.entries(record);
    if (entries.length === 0) out.set(path, {});
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
  return out;
}

const show = (v: unknown) => (v !== null && typeof v === "object" && "$secret" in (v as object) ? "[secret]" : v);

function inputChanges(before: RecordedResource, after: RecordedResource): InputChange[] {
  const a = flatten(before.inputs);
  const b = flatten(after.inputs);
  const changes: InputChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(path);
    const y = b.get(path);
    if (stableJson(x) !== stableJson(y)) changes.push({ path, before: show(x), after: show(y) });
  }
  return changes;
}

/** True when a changed input path is one the resource is replaced on (`replaceOnChanges`). */
function replaces(resource: RecordedResource, changes: readonly InputChange[]): boolean {
  const patterns = resource.replaceOnChanges.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.[\]]/g, (c) => `\\${c}`)
          .replace(/\\\[\*\\\]/g, "\\[\\d+\\]")
          .replace(/\*/g, "[^.]+")}($|[.[])`,
      ),
  );
  return changes.some((c) => patterns.some((re) => re.test(c.path)));
}

/** The changes from `before` to `after`, sorted by URN. */
export function diffGraphs(before: Graph, after: Graph): Change[] {
  const changes: Change[] = [];
  for (const r of after.resources) {
    const old = before.byUrn.get(r.urn);
    if (!old) {
      changes.push({ urn: r.urn, type: r.type, op: "create", inputs: [] });
      continue;
    }
    const ignored = (path: string) =>
      r.ignoreChanges.some((i) => path === i || path.startsWith(`${i}.`) || path.startsWith(`${i}[`));
    const inputs = inputChanges(old, r).filter((c) => !ignored(c.path));
    if (inputs.length > 0)
      changes.push({ urn: r.urn, type: r.type, op: replaces(r, inputs) ? "replace" : "update", inputs });
  }
  for (const r of before.resources) {
    if (after.byUrn.has(r.urn)) continue;
    const op = r.protect ? "protected-delete" : r.retainOnDelete ? "retain" : "delete";
    changes.push({ urn: r.urn, type: r.type, op, inputs: [] });
  }
  return changes.sort((x, y) => (x.urn < y.urn ? -1 : x.urn > y.urn ? 1 : 0));
}
