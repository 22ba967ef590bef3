/** Pure text renderers of the offline plan: the human summary, the diff, and graph pictures. */
import { shortUrn, topComponent, type Summary } from "./analysis";
import { executionDependencies, type Graph } from "./run";
import type { Problem } from "../contract/rules";

/** The human-readable plan of one graph. */
export function renderSummary(
  stack: string,
  summary: Summary,
  warnings: readonly Problem[],
  outputs: Readonly<Record<string, unknown>>,
): string {
  const lines = [`k8s-platform offline plan: stack "${stack}" (provider doubles; no host or cluster is contacted)`, ""];
  lines.push(`resources: ${summary.resources} (${summary.custom} custom, ${summary.components} components)`);
  lines.push(`remote steps (SSH commands and file copies): ${summary.remoteSteps}`);
  lines.push(`longest dependency chain of remote steps: ${summary.longestRemoteChain}`);
  for (const urn of summary.longestRemoteChainPath) lines.push(`    ${shortUrn(urn)}`);
  lines.push(
    `protected: ${summary.protected}   retained on delete: ${summary.retainedOnDelete}   with secret inputs: ${summary.secretInputs}`,
  );
  lines.push("", "by component:");
  for (const [type, c] of Object.entries(summary.byComponent)) {
    lines.push(
      `  ${type.padEnd(48)} ${String(c.instances).padStart(4)} x   ${String(c.resources).padStart(5)} resources`,
    );
  }
  lines.push("", "by type:");
  for (const [type, n] of Object.entries(summary.byType)) lines.push(`  ${type.padEnd(60)} ${String(n).padStart(5)}`);
  lines.push("", `warnings: ${warnings.length}`);
  for (const w of warnings) lines.push(`  k8s-platform:${w.path}: ${w.message}`);
  lines.push("", "outputs:");
  for (const [k, v] of Object.entries(outputs)) {
    const text = JSON.stringify(v) ?? "undefined";
    lines.push(`  ${k}: ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`);
  }
  return lines.join("\n");
}

/**
 * The picture's node of a top-level component: per-host and per-project components are
 * grouped (hosts by role set, nodes, projects), so the 100-worker stack reads at a glance;
 * the singletons (PKI, etcd, control plane, add-ons...) keep their own node.
 */
function groupLabel(graph: Graph, top: { type: string; name: string }): string {
  const kind = top.type.split(":").pop() ?? top.type;
  if (top.type === "k8s-platform:host:Host") {
    const roles = graph.meta?.hosts.find((h) => h.name === top.name)?.roles ?? [];
    return `Host [${[...roles].sort().join(",") || "?"}]`;
  }
  if (top.type === "k8s-platform:worker:WorkerNode") return "WorkerNode";
  if (top.type === "k8s-platform:project:Project") return "Project";
  return `${kind} ${top.name}`;
}

/** Grouped component dependency edges, with how many components each group stands for. */
export function componentEdges(graph: Graph): { nodes: string[]; edges: [string, string][] } {
  const members = new Map<string, Set<string>>();
  const label = (urn: string) => {
    const r = graph.byUrn.get(urn);
    const top = r ? topComponent(graph, r) : undefined;
    if (!top) return undefined;
    const group = groupLabel(graph, top);
    members.set(group, (members.get(group) ?? new Set()).add(top.urn));
    return group;
  };
  const edges = new Set<string>();
  for (const r of graph.resources) {
    const from = label(r.urn);
    if (!from) continue;
    for (const dep of executionDependencies(r)) {
      const to = label(dep);
      if (to && to !== from) edges.add(JSON.stringify([from, to]));
    }
  }
  const named = (group: string) => {
    const n = members.get(group)?.size ?? 1;
    return n > 1 || !/ /.test(group) ? `${group} x${n}` : group;
  };
  return {
    nodes: [...members.keys()].sort().map(named),
    edges: [...edges]
      .sort()
      .map((e) => JSON.parse(e) as [string, string])
      .map(([a, b]) => [named(a), named(b)] as [string, string]),
  };
}

const id = (label: string) => label.replace(/[^A-Za-z0-9]/g, "_");

/** Mermaid flowchart of component dependencies. */
export function renderMermaid(graph: Graph): string {
  const { nodes, edges } = componentEdges(graph);
  return (
    [
      "flowchart LR",
      ...nodes.map((n) => `  ${id(n)}["${n}"]`),
      ...edges.map(([a, b]) => `  ${id(b)} --> ${id(a)}`),
    ].join("\n") + "\n"
  );
}

/** Graphviz dot of component dependencies. */
export function renderDot(graph: Graph): string {
  const { nodes, edges } = componentEdges(graph);
  return (
    [
      "digraph platform {",
      "  rankdir=LR;",
      "  node [shape=box];",
      ...nodes.map((n) => `  ${id(n)} [label="${n}"];`),
      ...edges.map(([a, b]) => `  ${id(b)} -> ${id(a)};`),
      "}",
    ].join("\n") + "\n"
  );
}
