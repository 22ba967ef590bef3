/**
 * The offline plan: `npm run plan -- [--config FILE] [--json|--format text|markdown|json]
 * [--diff OLD] [--replace URN]... [--certs-issued DATE] [--detailed-exitcode] [--graph OUT]
 * [--policies] [--urns]`. Runs the program under provider doubles and prints what
 * `pulumi up` would manage or change, so change review works without credentials.
 *
 * Exit codes: 0 ok (with --detailed-exitcode: no changes), 1 error, 2 invalid config (the
 * file is named), 3 a mandatory policy violation, and with --detailed-exitcode 4 changes,
 * 5 changes that delete or replace data-bearing or protected resources.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, formatProblems } from "../contract/load";
import { redact, summarize } from "./analysis";
import { detailedExitCode, planChanges } from "./diff";
import { checkGraph, MANDATORY_VIOLATION_EXIT, readPackConfig, runPolicies } from "./policies";
import { renderDot, renderMermaid, renderSummary } from "./render";
import { planJson, renderPlanMarkdown, renderPlanText, type PolicySummary } from "./review";
import { deployedOf, runProgram, type Graph } from "./run";
import type { Deployed } from "../contract/load";
import { fakeSecrets, readStackFile } from "./stackfile";
import { bundledFiles } from "./textdiff";

/** The files packed in a resource's non-secret inputs, decoded (`{ files: { path: content } }`). */
function filesOf(inputs: unknown): { files?: Record<string, string> } {
  const files: Record<string, string> = {};
  const walk = (v: unknown): void => {
    if (typeof v === "string") for (const [path, content] of bundledFiles(v)) files[path] = content;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object" && !("$secret" in v)) Object.values(v).forEach(walk);
  };
  walk(inputs);
  return Object.keys(files).length > 0 ? { files } : {};
}

// Pulumi records a stack trace for every internal promise; with source maps on (tsx) each
// one costs far more, which made the plan several times slower.
process.setSourceMapsEnabled(false);

const USAGE = `usage: npm run plan -- [--config Pulumi.<stack>.yaml] [--json | --format text|markdown|json]
  [--diff OLD.yaml] [--replace URN ...] [--certs-issued YYYY-MM-DD] [--detailed-exitcode]
  [--graph out.mmd|out.dot|out.svg] [--policies [--policy-config FILE.json]] [--urns]`;

function stackName(path: string): string {
  return /Pulumi\.([^/]+)\.ya?ml$/.exec(path)?.[1] ?? "prod";
}

/** Runs a stack file; `stack` overrides the name (a diff compares two files as one stack). */
async function run(file: string, stack = stackName(file), deployed?: Deployed): Promise<Graph> {
  return runProgram(fakeSecrets(readStackFile(file)), { stack, source: file, deployed });
}

function writeGraph(graph: Graph, out: string): void {
  if (out.endsWith(".mmd")) writeFileSync(out, renderMermaid(graph));
  else if (out.endsWith(".dot")) writeFileSync(out, renderDot(graph));
  else if (out.endsWith(".svg")) {
    const dot = spawnSync("dot", ["-Tsvg", "-o", out], { input: renderDot(graph) });
    if (dot.error || dot.status !== 0)
      throw new Error(
        `--graph ${out}: rendering SVG needs Graphviz 'dot' (apt-get install graphviz), or use .mmd/.dot`,
      );
  } else throw new Error(`--graph ${out}: use a .mmd, .dot or .svg file name`);
}

function parseDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new Error(`--certs-issued ${text}: not a date (use YYYY-MM-DD)`);
  return d;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", default: join(__dirname, "..", "..", "Pulumi.prod.yaml") },
      json: { type: "boolean", default: false },
      format: { type: "string" },
      diff: { type: "string" },
      replace: { type: "string", multiple: true },
      "certs-issued": { type: "string" },
      "detailed-exitcode": { type: "boolean", default: false },
      graph: { type: "string" },
      policies: { type: "boolean", default: false },
      "policy-config": { type: "string" },
      urns: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.json ? "json" : (values.format ?? "text");
  if (!["text", "markdown", "json"].includes(format)) throw new Error(`--format ${format}: use text, markdown or json`);
  const file = values.config as string;
  // A diff starts from what OLD deploys: the new config is checked against its versions.
  const old = values.diff !== undefined ? await run(values.diff, stackName(file)) : undefined;
  const graph = await run(file, stackName(file), old ? deployedOf(old) : undefined);
  if (values.urns) {
    console.log(graph.resources.map((r) => r.urn).join("\n"));
    return 0;
  }
  const reviewing = values.diff !== undefined || values.replace !== undefined || values["certs-issued"] !== undefined;
  if (values.policies && !reviewing)
    return runPolicies(graph, { configFile: values["policy-config"], json: format === "json" });
  if (values.graph) writeGraph(graph, values.graph);
  if (reviewing) {
    const before = old ?? graph;
    const unknown = (values.replace ?? []).filter((u) => !before.byUrn.has(u));
    if (unknown.length > 0)
      throw new Error(`--replace: no such resource ${unknown.join(", ")} (list them with npm run plan -- --urns)`);
    const plan = planChanges(before, graph, {
      replace: values.replace,
      certsIssued: parseDate(values["certs-issued"]),
    });
    const findings = checkGraph(graph, values["policy-config"] ? readPackConfig(values["policy-config"]) : {});
    const policies: PolicySummary = {
      mandatory: findings.filter((f) => f.level === "mandatory").map((f) => `[${f.policy}] ${f.message}`),
      advisory: findings.filter((f) => f.level === "advisory").map((f) => `[${f.policy}] ${f.message}`),
    };
    const title = `k8s-platform plan: ${values.diff ?? file} -> ${file} (stack ${stackName(file)})`;
    if (format === "json") console.log(JSON.stringify({ ...planJson(plan), policies }, null, 2));
    else if (format === "markdown") console.log(renderPlanMarkdown(plan, graph, title, policies));
    else {
      console.log(renderPlanText(plan, graph, title));
      if (policies.mandatory.length > 0)
        console.log(`\nmandatory policy violations:\n  ${policies.mandatory.join("\n  ")}`);
    }
    if (policies.mandatory.length > 0) return MANDATORY_VIOLATION_EXIT;
    return values["detailed-exitcode"] ? detailedExitCode(plan) : 0;
  }
  const summary = summarize(graph);
  if (format === "json") {
    const resources = graph.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      dependencies: r.dependencies,
      inputs: redact(r.inputs),
      ...filesOf(r.inputs),
    }));
    console.log(
      JSON.stringify({ resources, summary, warnings: graph.warnings, outputs: redact(graph.outputs) }, null, 2),
    );
  } else {
    console.log(
      renderSummary(stackName(file), summary, graph.warnings, redact(graph.outputs) as Record<string, unknown>),
    );
  }
  return 0;
}

// exitCode (not exit()) so large outputs written to a pipe are flushed before the process ends.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(formatProblems(err.problems, err.source));
      process.exitCode = 2;
      return;
    }
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exitCode = 1;
  },
);
