/**
 * Reading a recorded program graph for the worker nodes: which resources belong to which
 * node, the upgrade-batch edges, and per-node footprints. Pure (types only from the plan
 * harness); the graph tests and the bench share it.
 */
import type { Graph, RecordedResource } from "../../stacks/plan/run";

/** Type token of the WorkerNode component. */
export const WORKER_NODE_TYPE = "k8s-platform:worker:WorkerNode";

/** The WorkerNode component a resource belongs to (itself or an ancestor), if any. */
export function owningNode(graph: Graph, resource: RecordedResource): RecordedResource | undefined {
  let current: RecordedResource | undefined = resource;
  while (current) {
    if (current.type === WORKER_NODE_TYPE) return current;
    current = current.parent ? graph.byUrn.get(current.parent) : undefined;
  }
  return undefined;
}

/** Resources of each WorkerNode (the component's descendants), by node component URN. */
export function resourcesByNode(graph: Graph): Map<string, RecordedResource[]> {
  const out = new Map<string, RecordedResource[]>();
  for (const r of graph.resources) {
    if (r.type === WORKER_NODE_TYPE) continue;
    const node = owningNode(graph, r);
    if (node) out.set(node.urn, [...(out.get(node.urn) ?? []), r]);
  }
  return out;
}

/** A dependency edge between resources of two different nodes. */
export interface CrossNodeEdge {
  readonly from: RecordedResource;
  readonly to: RecordedResource;
}

/** Every dependency from one node's resource to another node's resource. */
export function crossNodeEdges(graph: Graph): CrossNodeEdge[] {
  const edges: CrossNodeEdge[] = [];
  for (const r of graph.resources) {
    const mine = owningNode(graph, r);
    if (!mine) continue;
    for (const dep of r.dependencies) {
      const target = graph.byUrn.get(dep);
      const theirs = target && owningNode(graph, target);
      if (target && theirs && theirs.urn !== mine.urn) edges.push({ from: r, to: target });
    }
  }
  return edges;
}

/** True for the one kind of cross-node edge allowed: a node's drain waiting for an earlier batch's ready. */
export function isBatchEdge(edge: CrossNodeEdge): boolean {
  return edge.from.name.endsWith("-drain") && edge.to.name.endsWith("-ready");
}

/** The graph without the upgrade-batch edges (what the rollout would be without batching). */
export function withoutBatchEdges(graph: Graph): Graph {
  const drop = new Set(
    crossNodeEdges(graph)
      .filter(isBatchEdge)
      .map((e) => `${e.from.urn}\0${e.to.urn}`),
  );
  const resources = graph.resources.map((r) => ({
    ...r,
    dependencies: r.dependencies.filter((d) => !drop.has(`${r.urn}\0${d}`)),
  }));
  return { ...graph, resources, byUrn: new Map(resources.map((r) => [r.urn, r])) };
}

/** SSH sessions a resource opens on first rollout: remote commands with a create step, copies. */
export function opensSshOnCreate(r: RecordedResource): boolean {
  if (r.type === "command:remote:CopyToRemote") return true;
  return r.type === "command:remote:Command" && r.inputs.create !== undefined;
}
