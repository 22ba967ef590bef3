/**
 * Rollout order and phases: the order the engine runs resources in (dependencies first),
 * and the phase of the platform each belongs to, so a review reads like the rollout:
 * hosts, PKI, etcd, control plane, registry, nodes by upgrade batch, network and add-ons,
 * storage, projects.
 */
import { topComponent } from "./analysis";
import { executionDependencies, type Graph, type RecordedResource } from "./run";

/** Phases in rollout order; nodes carry their upgrade batch (`nodes (batch 2)`). */
export const PHASES = [
  "hosts",
  "pki",
  "etcd",
  "control plane",
  "registry",
  "nodes",
  "network and add-ons",
  "storage",
  "projects",
  "other",
] as const;

/** A phase name, `nodes (batch N)` for the nodes. */
export type Phase = string;

const PHASE_OF_COMPONENT: Readonly<Record<string, (typeof PHASES)[number]>> = {
  "k8s-platform:host:Host": "hosts",
  "k8s-platform:pki:Pki": "pki",
  "k8s-platform:etcd:EtcdCluster": "etcd",
  "k8s-platform:control-plane:ControlPlane": "control plane",
  "k8s-platform:registry:Registry": "registry",
  "k8s-platform:worker:NodeOps": "nodes",
  "k8s-platform:worker:WorkerNode": "nodes",
  "k8s-platform:network:Calico": "network and add-ons",
  "k8s-platform:storage:GlusterStorage": "storage",
  "k8s-platform:project:Project": "projects",
};

/** The phase of a resource, from its top-level component. */
export function phaseOf(graph: Graph, r: RecordedResource): Phase {
  const top = topComponent(graph, r) ?? r;
  const phase =
    PHASE_OF_COMPONENT[top.type] ?? (top.type.startsWith("k8s-platform:addons:") ? "network and add-ons" : "other");
  if (top.type === "k8s-platform:worker:WorkerNode") {
    const host = top.name.replace(/-node$/, "");
    const batch = graph.meta?.batches[host];
    if (batch !== undefined) return `nodes (batch ${batch + 1})`;
  }
  return phase;
}

/** Sort key of a phase: its rank, then the batch. */
export function phaseRank(phase: Phase): number {
  const batch = /^nodes \(batch (\d+)\)$/.exec(phase);
  const base = PHASES.indexOf((batch ? "nodes" : phase) as (typeof PHASES)[number]);
  return (base < 0 ? PHASES.length : base) * 10_000 + (batch ? Number(batch[1]) : 0);
}

/**
 * Every URN of the graph in an order the engine may run them: each after its
 * dependencies; among the ready ones, the earlier phase first, then by URN.
 */
export function rolloutOrder(graph: Graph): string[] {
  const rank = new Map(graph.resources.map((r) => [r.urn, phaseRank(phaseOf(graph, r))]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const r of graph.resources) {
    const deps = executionDependencies(r).filter((d) => graph.byUrn.has(d) && d !== r.urn);
    waiting.set(r.urn, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), r.urn]);
  }
  const key = (urn: string) => `${String(rank.get(urn) ?? 0).padStart(8, "0")}\0${urn}`;
  const ready = new MinHeap<string>((a, b) => key(a) < key(b));
  for (const r of graph.resources) if (waiting.get(r.urn) === 0) ready.push(r.urn);
  const out: string[] = [];
  const seen = new Set<string>();
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    out.push(next);
    for (const d of dependents.get(next) ?? []) {
      const left = (waiting.get(d) ?? 0) - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  // A cycle cannot happen in a graph the engine accepts; keep any leftovers in URN order.
  for (const r of graph.resources) if (!seen.has(r.urn)) out.push(r.urn);
  return out;
}

/** A binary min-heap (the ready set of the topological order). */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
