/**
 * What a `pulumi up` would do going from one recorded graph to another, as the engine
 * decides it: per resource create / update / replace / delete / retain / protected delete,
 * with the reason (which input, a trigger, replaceOnChanges, a certificate re-issue, a
 * provider change, `--replace`), replacements cascading to what consumes their outputs,
 * in the order the engine runs them, grouped by rollout phase. Inputs a resource lists in
 * `ignoreChanges` are skipped, as the engine skips them.
 */
import type { Graph, RecordedResource } from "./run";
import { stableJson } from "./mocks";
import { propertyReplaces, providerReplaceReason, renewalReason, replaceReason } from "./engine";
import { phaseOf, rolloutOrder, type Phase } from "./order";

/** One input that differs; a secret value is never shown, only that it changed. */
export interface InputChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** The engine's verdict on one resource. */
export type Op = "create" | "update" | "replace" | "delete" | "retain" | "protected-delete" | "protected-replace";

/** The planned operation on one resource. */
export interface Change {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly op: Op;
  /** Why: the inputs or events behind the verdict (empty for plain creates and deletes). */
  readonly reasons: readonly string[];
  readonly inputs: readonly InputChange[];
  readonly phase: Phase;
  /** Deleting or replacing it loses data or fails the update (protected, volumes, namespaces, etcd members). */
  readonly dataBearing: boolean;
  /** A replacement keeps the old object (retainOnDelete): nothing is deleted. */
  readonly keepsOld?: boolean;
}

/** A change of a stack output. */
export interface OutputChange {
  readonly name: string;
  readonly op: "create" | "update" | "delete";
  readonly secret: boolean;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** The whole plan of a change. */
export interface Plan {
  readonly changes: readonly Change[];
  readonly outputs: readonly OutputChange[];
  readonly unchanged: number;
}

/** Options that model what the engine knows beyond the two configs. */
export interface DiffOptions {
  /** URNs given to `pulumi up --replace`. */
  readonly replace?: readonly string[];
  /** When the live certificates were issued (default: they were issued at `at`, i.e. never due). */
  readonly certsIssued?: Date;
  /** When `pulumi up` runs (default now). */
  readonly at?: Date;
}

/** Flattens inputs to `path -> value`; a secret subtree becomes one `{ $secret }` leaf (compared by digest). */
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

const isSecret = (v: unknown) => v !== null && typeof v === "object" && "$secret" in (v as object);
const show = (v: unknown) => (isSecret(v) ? "[secret]" : v);

function inputChanges(before: RecordedResource, after: RecordedResource): InputChange[] {
  const a = flatten(before.inputs);
  const b = flatten(after.inputs);
  const ignored = (path: string) =>
    after.ignoreChanges.some((i) => path === i || path.startsWith(`${i}.`) || path.startsWith(`${i}[`));
  const changes: InputChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (ignored(path)) continue;
    const x = a.get(path);
    const y = b.get(path);
    if (stableJson(x) !== stableJson(y)) changes.push({ path, before: show(x), after: show(y) });
  }
  return changes;
}

/** Resources whose loss loses data or fails the update: reviewers must look twice. */
export function isDataBearing(r: RecordedResource): boolean {
  if (r.protect) return true;
  return /:(Namespace|PersistentVolumeClaim|PersistentVolume)$/.test(r.type) && r.retainOnDelete;
}

const topInput = (path: string) => path.split(/[.[]/)[0];

/** The plan of going from `before` to `after`, in rollout order. */
export function planChanges(before: Graph, after: Graph, options: DiffOptions = {}): Plan {
  const at = options.at ?? new Date();
  const issued = options.certsIssued;
  const forced = new Set(options.replace ?? []);
  const verdicts = new Map<string, { op: Op; reasons: string[]; inputs: InputChange[] }>();
  const replaced = new Set<string>();

  // Resources in dependency order, so a replacement is known before its consumers are judged.
  const order = rolloutOrder(after);
  for (const urn of order) {
    const r = after.byUrn.get(urn) as RecordedResource;
    const old = before.byUrn.get(urn);
    if (!old) {
      verdicts.set(urn, { op: "create", reasons: [], inputs: [] });
      continue;
    }
    const inputs = inputChanges(old, r);
    const reasons: string[] = [];
    let replace = false;
    if (forced.has(urn)) {
      replace = true;
      reasons.push("pulumi up --replace");
    }
    if (r.type === "pulumi:providers:kubernetes") {
      const why = inputs.length > 0 ? providerReplaceReason(old, r) : undefined;
      if (why) {
        replace = true;
        reasons.push(why);
      }
    }
    for (const c of inputs) {
      const why = replaceReason(r, c.path);
      if (why) {
        replace = true;
        if (!reasons.includes(why)) reasons.push(why);
      }
    }
    if (issued) {
      const why = renewalReason(old, issued, at);
      if (why) {
        replace = true;
        reasons.push(why);
      }
    }
    // The provider of an in-cluster object: replacing it replaces everything it manages.
    const provider = r.provider?.split("::").slice(0, -1).join("::");
    if (provider && replaced.has(provider)) {
      replace = true;
      reasons.push(`its provider ${shortName(provider)} is replaced`);
    }
    // Consumers of a replaced resource's outputs: unknown until it exists again.
    const cascade: InputChange[] = [];
    for (const [property, urns] of Object.entries(r.propertyDependencies)) {
      const from = urns.filter((u) => replaced.has(u));
      if (from.length === 0) continue;
      const names = from.map(shortName).join(", ");
      if (!inputs.some((c) => topInput(c.path) === property))
        cascade.push({ path: property, before: "(unchanged value)", after: `(new value once ${names} is replaced)` });
      if (propertyReplaces(r, property)) {
        replace = true;
        const why = `${names} is replaced and feeds ${property}`;
        if (!reasons.includes(why)) reasons.push(why);
      } else {
        reasons.push(`${names} is replaced and feeds ${property}`);
      }
    }
    const all = [...inputs, ...cascade];
    if (replace) {
      replaced.add(urn);
      verdicts.set(urn, { op: r.protect ? "protected-replace" : "replace", reasons, inputs: all });
    } else if (all.length > 0) {
      verdicts.set(urn, { op: "update", reasons, inputs: all });
    }
  }

  const changes: Change[] = [];
  for (const urn of order) {
    const v = verdicts.get(urn);
    if (!v) continue;
    const r = after.byUrn.get(urn) as RecordedResource;
    changes.push({
      urn,
      type: r.type,
      name: r.name,
      op: v.op,
      reasons: v.reasons,
      inputs: v.inputs,
      phase: phaseOf(after, r),
      dataBearing: isDataBearing(before.byUrn.get(urn) ?? r),
      ...(v.op === "replace" && r.retainOnDelete ? { keepsOld: true } : {}),
    });
  }
  // Deletes run last, dependents before what they depend on.
  for (const urn of rolloutOrder(before).reverse()) {
    if (after.byUrn.has(urn)) continue;
    const r = before.byUrn.get(urn) as RecordedResource;
    const op: Op = r.protect ? "protected-delete" : r.retainOnDelete ? "retain" : "delete";
    changes.push({
      urn,
      type: r.type,
      name: r.name,
      op,
      reasons: op === "protected-delete" ? ["protected: pulumi up fails until it is unprotected"] : [],
      inputs: [],
      phase: phaseOf(before, r),
      dataBearing: isDataBearing(r),
    });
  }
  const touched = new Set(changes.map((c) => c.urn));
  const unchanged = after.resources.filter((r) => !touched.has(r.urn)).length;
  return { changes, outputs: outputChanges(before, after), unchanged };
}

/** Changes of the stack outputs; secret outputs say only that they changed. */
export function outputChanges(before: Graph, after: Graph): OutputChange[] {
  const out: OutputChange[] = [];
  for (const name of [...new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)])]) {
    const a = before.outputs[name];
    const b = after.outputs[name];
    if (stableJson(a) === stableJson(b)) continue;
    const secret = isSecret(a) || isSecret(b);
    const op = a === undefined ? "create" : b === undefined ? "delete" : "update";
    out.push({ name, op, secret, ...(secret ? {} : { before: a, after: b }) });
  }
  return out;
}

/** `Type::name` of a URN, short enough for a reason. */
export function shortName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/** The changes from `before` to `after` (see planChanges), in rollout order. */
export function diffGraphs(before: Graph, after: Graph, options: DiffOptions = {}): Change[] {
  return [...planChanges(before, after, options).changes];
}

/** Exit codes of `--detailed-exitcode`. */
export const EXIT = { noChanges: 0, changes: 4, dataLoss: 5 } as const;

/**
 * The exit code `--detailed-exitcode` gives a plan: 0 nothing changes, 4 changes, 5 changes
 * that delete, retain or replace data-bearing resources or touch protected ones (which also
 * makes `pulumi up` fail).
 */
export function detailedExitCode(plan: Plan): number {
  if (plan.changes.length === 0 && plan.outputs.length === 0) return EXIT.noChanges;
  const loses = plan.changes.some(
    (c) =>
      c.op === "protected-delete" ||
      c.op === "protected-replace" ||
      (c.dataBearing && (c.op === "delete" || c.op === "retain" || (c.op === "replace" && !c.keepsOld))),
  );
  return loses ? EXIT.dataLoss : EXIT.changes;
}
