/**
 * Plan time as the number of projects grows (10, 100, 500 on the prod hosts), the growth
 * ratio against linear, and the longest dependency chain inside the projects, which must
 * stay constant: projects are independent of each other. Figures are printed, never asserted.
 */
import { runProgram, type Graph } from "../stacks/plan/run";
import { scaleConfig } from "../stacks/plan/generate";
import { PROD } from "./core";

const PROJECT_TYPE = "k8s-platform:project:Project";

/** Longest chain of dependencies among project resources (1 = no project resource waits for another). */
export function longestProjectChain(graph: Graph): number {
  const projectUrns = new Set(graph.resources.filter((r) => r.type === PROJECT_TYPE).map((r) => r.urn));
  const inProject = new Set(
    graph.resources.filter((r) => r.parent !== undefined && projectUrns.has(r.parent)).map((r) => r.urn),
  );
  const depth = new Map<string, number>();
  const visit = (urn: string): number => {
    const known = depth.get(urn);
    if (known !== undefined) return known;
    depth.set(urn, 1); // dependencies form a DAG; this also guards against a cycle
    const deps = graph.byUrn.get(urn)?.dependencies.filter((d) => inProject.has(d)) ?? [];
    const d = 1 + Math.max(0, ...deps.map(visit));
    depth.set(urn, d);
    return d;
  };
  return Math.max(0, ...[...inProject].map(visit));
}

/** One plan run: wall and CPU milliseconds (CPU time is what to compare on a loaded machine). */
async function timeRun(raw: Record<string, unknown>): Promise<{ wallMs: number; cpuMs: number; graph: Graph }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const graph = await runProgram(raw);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, graph };
}

/**
 * Prints plan time for 10, 100 and 500 projects and how it grows. One run per size: the
 * 500-project plan takes minutes under the mocks, and the growth ratio is what matters.
 */
export async function benchProjects(counts: readonly number[] = [10, 100, 500]): Promise<void> {
  const workers = (PROD.hosts as { roles: string[] }[]).filter((h) => h.roles.includes("worker")).length;
  console.log(`== projects: plan time by number of projects (prod hosts, ${workers} workers) ==`);
  console.log(
    `${"projects".padStart(8)} ${"wall ms".padStart(9)} ${"cpu ms".padStart(9)} ${"resources".padStart(10)} ${"marginal cpu ms/project".padStart(24)} ${"chain".padStart(6)}`,
  );
  // Untimed warm-up: the first run in a process pays module loading and JIT compilation.
  await runProgram(scaleConfig(PROD, { workers, projects: counts[0] ?? 1 }));
  const rows: { count: number; cpuMs: number; marginal?: number }[] = [];
  for (const count of counts) {
    const { wallMs, cpuMs, graph } = await timeRun(scaleConfig(PROD, { workers, projects: count }));
    // Cost of one more project, from the previous size: constant when planning is linear
    // (the first size also carries the fixed cost of the cluster itself).
    const previous = rows[rows.length - 1];
    const marginal = previous ? (cpuMs - previous.cpuMs) / (count - previous.count) : undefined;
    rows.push({ count, cpuMs, marginal });
    console.log(
      `${String(count).padStart(8)} ${wallMs.toFixed(0).padStart(9)} ${cpuMs.toFixed(0).padStart(9)} ${String(graph.resources.length).padStart(10)} ${(marginal === undefined ? "-" : marginal.toFixed(1)).padStart(24)} ${String(longestProjectChain(graph)).padStart(6)}`,
    );
  }
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    const growth = b.cpuMs / a.cpuMs;
    const linear = b.count / a.count;
    console.log(
      `growth ${a.count} -> ${b.count} projects: x${growth.toFixed(2)} plan CPU time for x${linear.toFixed(0)} projects (${growth <= linear * 1.25 ? "linear or better" : "worse than linear"})`,
    );
  }
  const marginals = rows.flatMap((r) => (r.marginal === undefined ? [] : [r.marginal]));
  if (marginals.length >= 2) {
    const drift = marginals[marginals.length - 1] / marginals[0];
    console.log(`marginal cost per project, last interval / first: x${drift.toFixed(2)} (1.0 = linear)`);
  }
}
