/**
 * The offline plan: `npm run plan -- [--config FILE] [--json] [--diff FILE] [--graph OUT]`.
 * Runs the program under provider doubles and prints what `pulumi up` would manage, so
 * change review works without credentials. Exit codes: 0 ok, 2 invalid config, 1 error,
 * 3 (with `--policies`) a mandatory policy violation.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, formatProblems } from "../contract/load";
import { redact, summarize } from "./analysis";
import { diffGraphs } from "./diff";
import { runPolicies } from "../../policies/offline";
import { renderDiff, renderDot, renderMermaid, renderSummary } from "./render";
import { runProgram, type Graph } from "./run";
import { fakeSecrets, readStackFile } from "./stackfile";

// Pulumi records a stack trace for every internal promise; with source maps on (tsx) each
// one costs far more, which made the plan several times slower.
process.setSourceMapsEnabled(false);

const USAGE = `usage: npm run plan -- [--config Pulumi.<stack>.yaml] [--json] [--diff OLD.yaml] [--graph out.mmd|out.dot|out.svg] [--policies [--policy-config FILE.json]]`;

function stackName(path: string): string {
  return /Pulumi\.([^/]+)\.ya?ml$/.exec(path)?.[1] ?? "prod";
}

/** Runs a stack file; `stack` overrides the name (a diff compares two files as one stack). */
async function run(file: string, stack = stackName(file)): Promise<Graph> {
  return runProgram(fakeSecrets(readStackFile(file)), { stack, source: file });
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

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", default: join(__dirname, "..", "..", "Pulumi.prod.yaml") },
      json: { type: "boolean", default: false },
      diff: { type: "string" },
      graph: { type: "string" },
      policies: { type: "boolean", default: false },
      "policy-config": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = values.config as string;
  const graph = await run(file);
  if (values.policies) return runPolicies(graph, { configFile: values["policy-config"], json: values.json });
  const summary = summarize(graph);
  if (values.graph) writeGraph(graph, values.graph);
  if (values.diff) {
    const before = await run(values.diff, stackName(file));
    const changes = diffGraphs(before, graph);
    if (values.json) console.log(JSON.stringify({ changes }, null, 2));
    else console.log(`k8s-platform offline diff: ${values.diff} -> ${file}\n${renderDiff(changes)}`);
    return 0;
  }
  if (values.json) {
    const resources = graph.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      parent: r.parent,
      dependencies: r.dependencies,
      inputs: redact(r.inputs),
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
