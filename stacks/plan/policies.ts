/**
 * The pack offline: the same rules over the graph the mock harness records, so change
 * review (`npm run plan -- --policies`) needs neither the Pulumi service nor credentials.
 * Offline the graph marks secrets, so the secrets rule is exact here.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { Graph } from "./run";
import {
  evaluate,
  RULES,
  type Finding,
  type PackConfig,
  type PolicyResource,
  type StackView,
} from "../../policies/rules";

/** Exit code of a run with at least one mandatory violation (2 is the plan's invalid-config code). */
export const MANDATORY_VIOLATION_EXIT = 3;

/** The stack URN of a graph (from any resource URN), for the stack-output pseudo-resource. */
function stackUrn(graph: Graph): string {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(graph.resources[0]?.urn ?? "");
  return m ? `urn:pulumi:${m[1]}::${m[2]}::pulumi:pulumi:Stack::${m[2]}-${m[1]}` : "urn:pulumi:stack";
}

/**
 * The rules' view of a recorded graph: every resource with its inputs (secrets marked),
 * plus the stack outputs as the `pulumi:pulumi:Stack` resource, as the engine shows them.
 */
export function graphView(graph: Graph): StackView {
  const resources: PolicyResource[] = graph.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: r.inputs,
  }));
  const urn = stackUrn(graph);
  resources.push({ urn, type: "pulumi:pulumi:Stack", name: urn.split("::").pop() ?? "stack", props: graph.outputs });
  return { resources, secretsMarked: true };
}

/** Reads a policy config file (the JSON `pulumi preview --policy-pack-config` takes; YAML works too). */
export function readPackConfig(file: string): PackConfig {
  const value = parse(readFileSync(file, "utf8")) as unknown;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`${file}: policy config must be an object of policy name -> level or settings`);
  return value as PackConfig;
}

/** Every finding of the pack over a graph. */
export function checkGraph(graph: Graph, config: PackConfig = {}): Finding[] {
  return evaluate(graphView(graph), config);
}

/** Text report: one line per finding, grouped by level, then a count per level. */
export function renderFindings(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const level of ["mandatory", "advisory"] as const) {
    const some = findings.filter((f) => f.level === level);
    if (some.length === 0) continue;
    lines.push(`${level} violations (${some.length}):`);
    for (const f of some) lines.push(`  [${f.policy}] ${f.message}${f.urn ? `\n      ${f.urn}` : ""}`);
  }
  const mandatory = findings.filter((f) => f.level === "mandatory").length;
  lines.push(
    `policies: ${RULES.length} rules, ${mandatory} mandatory and ${findings.length - mandatory} advisory violation(s)`,
  );
  return lines.join("\n");
}

/** Options of runPolicies. */
export interface PolicyRunOptions {
  /** Policy config file (see readPackConfig). */
  readonly configFile?: string;
  /** Print `{ findings }` as JSON instead of text. */
  readonly json?: boolean;
  /** Where output goes (default console.log). */
  readonly print?: (text: string) => void;
}

/** Runs the pack over a graph, prints the findings; returns 3 when a mandatory violation exists, else 0. */
export function runPolicies(graph: Graph, options: PolicyRunOptions = {}): number {
  const print = options.print ?? ((text: string) => console.log(text));
  const config = options.configFile !== undefined ? readPackConfig(options.configFile) : {};
  const findings = checkGraph(graph, config);
  print(options.json ? JSON.stringify({ findings }, null, 2) : renderFindings(findings));
  return findings.some((f) => f.level === "mandatory") ? MANDATORY_VIOLATION_EXIT : 0;
}
