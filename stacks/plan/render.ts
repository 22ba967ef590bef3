/** Pure text renderers of the offline plan: the human summary, the diff, and graph pictures. */
import type { Change } from "./diff";
import { shortUrn, topComponent, type Summary } from "./analysis";
import type { Graph } from "./run";
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

/** The diff in review form: one line per resource, indented input changes. */
export function renderDiff(changes: readonly Change[]): string {
  if (changes.length === 0) return "no changes";
  const counts: Record<string, number> = {};
  for (const c of changes) counts[c.op] = (counts[c.op] ?? 0) + 1;
  const mark: Record<Change["op"], string> = {
    create: "+",
    update: "~",
    replace: "+-",
    delete: "-",
    retain: "- (retain)",
    "protected-delete": "! (protected)",
  };
  const lines = [
    `changes: ${Object.entries(counts)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ")}`,
  ];
  for (const c of changes) {
    lines.push(`${mark[c.op].padEnd(14)} ${shortUrn(c.urn)}`);
    for (const i of c.inputs.slice(0, 20)) lines.push(`      ${i.path}: ${brief(i.before)} => ${brief(i.after)}`);
    if (c.inputs.length > 20) lines.push(`      ... ${c.inputs.length - 20} more inputs`);
  }
  return lines.join("\n");
}

function brief(v: unknown): string {
  if (v === undefined) return "(none)";
  const text = typeof v === "string" ? JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) : JSON.stringify(v);
  return text ?? "(none)";
}

/** Component-level dependency edges: top-level component -> components it depends on. */
export function componentEdges(graph: Graph): { nodes: string[]; edges: [string, string][] } {
  const label = (urn: string) => {
    const r = graph.byUrn.get(urn);
    const top = r ? topComponent(graph, r) : undefined;
    return top ? `${top.type.split(":").pop()} ${top.name}` : undefined;
  };
  const nodes = new Set<string>();
  const edges = new Set<string>();
  for (const r of graph.resources) {
    const from = label(r.urn);
    if (!from) continue;
    nodes.add(from);
    for (const dep of r.dependencies) {
      const to = label(dep);
      if (to && to !== from) edges.add(JSON.stringify([from, to]));
    }
  }
  return { nodes: [...nodes].sort(), edges: [...edges].sort().map((e) => JSON.parse(e) as [string, string]) };
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
