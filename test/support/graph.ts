/** Helpers for graph tests over the recorded program run. */
import type { Graph, RecordedResource } from "../../stacks/plan/run";

/** Resources of one type token. */
export function ofType(graph: Graph, type: string): RecordedResource[] {
  return graph.resources.filter((r) => r.type === type);
}

/** The resource with this type and name, or a failed assertion. */
export function find(graph: Graph, type: string, name: string): RecordedResource {
  const r = graph.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name} in the graph`);
  return r;
}

/** Every URN a resource depends on, directly or transitively (parents' dependencies included). */
export function transitiveDependencies(graph: Graph, urn: string): Set<string> {
  const seen = new Set<string>();
  const stack = [urn];
  while (stack.length > 0) {
    const current = graph.byUrn.get(stack.pop() as string);
    if (!current) continue;
    for (const dep of current.dependencies) {
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return seen;
}

/** Walks every input value of every resource, with the path and whether it sits under a secret. */
export function walkInputs(
  graph: Graph,
  visit: (resource: RecordedResource, path: string, value: unknown, secret: boolean) => void,
): void {
  const walk = (resource: RecordedResource, path: string, value: unknown, secret: boolean): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(resource, `${path}[${i}]`, v, secret));
    else if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if ("$secret" in record) walk(resource, path, record.$secret, true);
      else for (const [k, v] of Object.entries(record)) walk(resource, path ? `${path}.${k}` : k, v, secret);
    } else visit(resource, path, value, secret);
  };
  for (const r of graph.resources) walk(r, "", r.inputs, false);
}
