/**
 * Plan time and graph size for the prod stack and a generated large inventory, so growth
 * can be compared between commits. Figures are printed, never asserted.
 */
import { join } from "node:path";
import { summarize } from "../stacks/plan/analysis";
import { runProgram } from "../stacks/plan/run";
import { scaleConfig } from "../stacks/plan/generate";
import { fakeSecrets, readStackFile } from "../stacks/plan/stackfile";

export const PROD = fakeSecrets(readStackFile(join(__dirname, "..", "Pulumi.prod.yaml")));

/** Runs the program on a config `runs` times; returns the median wall time and the summary. */
export async function timePlan(raw: Record<string, unknown>, runs = 3) {
  const times: number[] = [];
  let summary;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const graph = await runProgram(raw);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    summary = summarize(graph);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], summary: summary as ReturnType<typeof summarize> };
}

/** Prints the plan figures for prod and the large inventory. */
export async function benchPlan(): Promise<void> {
  const cases: [string, Record<string, unknown>][] = [
    ["prod (20 workers, 10 storage, 5 projects)", PROD],
    ["large (100 workers, 20 storage, 200 projects)", scaleConfig(PROD, { workers: 100, storage: 20, projects: 200 })],
  ];
  console.log("== plan time and graph size ==");
  console.log(
    `${"stack".padEnd(48)} ${"plan ms".padStart(9)} ${"resources".padStart(10)} ${"remote".padStart(7)} ${"chain".padStart(6)}`,
  );
  for (const [name, raw] of cases) {
    const { ms, summary } = await timePlan(raw);
    console.log(
      `${name.padEnd(48)} ${ms.toFixed(0).padStart(9)} ${String(summary.resources).padStart(10)} ${String(summary.remoteSteps).padStart(7)} ${String(summary.longestRemoteChain).padStart(6)}`,
    );
  }
}
