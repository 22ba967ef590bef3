/**
 * Pure analyses of a recorded graph: summary counts, the longest dependency chain of
 * remote steps, component grouping, and redaction of secrets for printing.
 */
import type { Graph, RecordedResource } from "./run";

/** Resource types that run something on a host. */
export const REMOTE_STEP = /^command:remote:/;

/** Replaces every `{ $secret }` value by the string "[secret]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("$secret" in record) return "[secret]";
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** The longest chain of resources matching `counts` along dependency edges, and its members. */
export function longestChain(
  graph: Graph,
  counts: (r: RecordedResource) => boolean = (r) => REMOTE_STEP.test(r.type),
): { length: number; chain: string[] } {
  const memo = new Map<string, { length: number; chain: string[] }>();
  const visiting = new Set<string>();
  const visit = (urn: string): { length: number; chain: string[] } => {
    const cached = memo.get(urn);
    if (cached) return cached;
    const resource = graph.byUrn.get(urn);
    if (!resource || visiting.has(urn)) return { length: 0, chain: [] };
    visiting.add(urn);
    let best = { length: 0, chain: [] as string[] };
    for (const dep of resource.dependencies) {
      const sub = visit(dep);
      if (sub.length > best.length) best = sub;
    }
    visiting.delete(urn);
    const result = counts(resource) ? { length: best.length + 1, chain: [...best.chain, urn] } : best;
    memo.set(urn, result);
    return result;
  };
  let best = { length: 0, chain: [] as string[] };
  for (const r of graph.resources) {
    const sub = visit(r.urn);
    if (sub.length > best.length) best = sub;
  }
  return best;
}

/** The direct child of the Platform a resource belongs to (its top-level component), or undefined. */
export function topComponent(graph: Graph, resource: RecordedResource): RecordedResource | undefined {
  let current: RecordedResource | undefined = resource;
  while (current?.parent) {
    const parent = graph.byUrn.get(current.parent);
    if (!parent || parent.type === "k8s-platform:index:Platform") return current;
    current = parent;
  }
  return undefined;
}

/** Counts of a graph for the plan's summary. */
export interface Summary {
  readonly resources: number;
  readonly custom: number;
  readonly components: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Per top-level component type: instances and resources inside them. */
  readonly byComponent: Readonly<Record<string, { instances: number; resources: number }>>;
  readonly remoteSteps: number;
  readonly longestRemoteChain: number;
  readonly longestRemoteChainPath: readonly string[];
  readonly protected: number;
  readonly retainedOnDelete: number;
  readonly secretInputs: number;
}

/** Summarises a graph. */
export function summarize(graph: Graph): Summary {
  const byType: Record<string, number> = {};
  const byComponent: Record<string, { instances: number; resources: number }> = {};
  for (const r of graph.resources) {
    byType[r.type] = (byType[r.type] ?? 0) + 1;
    const top = topComponent(graph, r);
    if (!top) continue;
    const entry = (byComponent[top.type] ??= { instances: 0, resources: 0 });
    if (top === r) entry.instances++;
    else entry.resources++;
  }
  const chain = longestChain(graph);
  const secretInputs = graph.resources.filter((r) => JSON.stringify(r.inputs).includes('"$secret"')).length;
  return {
    resources: graph.resources.length,
    custom: graph.resources.filter((r) => r.custom).length,
    components: graph.resources.filter((r) => !r.custom).length,
    byType: sortRecord(byType),
    byComponent: sortRecord(byComponent),
    remoteSteps: graph.resources.filter((r) => REMOTE_STEP.test(r.type)).length,
    longestRemoteChain: chain.length,
    longestRemoteChainPath: chain.chain,
    protected: graph.resources.filter((r) => r.protect).length,
    retainedOnDelete: graph.resources.filter((r) => r.retainOnDelete).length,
    secretInputs,
  };
}

function sortRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The short form of a URN for printing: `Type::name`. */
export function shortUrn(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[2] ?? "").split("$").pop() ?? "";
  return `${type}::${parts[3] ?? ""}`;
}
