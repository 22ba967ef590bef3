/**
 * Worker figures for 20 and 100 workers: resources and SSH sessions per worker on first
 * rollout, and the longest chain of remote steps with and without the upgrade-batch edges
 * (batches are the only thing that may lengthen it). Printed, never asserted; the graph
 * tests in test/worker assert the properties.
 */
import { longestChain } from "../stacks/plan/analysis";
import { scaleConfig } from "../stacks/plan/generate";
import { runProgram, type Graph, type RecordedResource } from "../stacks/plan/run";
import { opensSshOnCreate, WORKER_NODE_TYPE, withoutBatchEdges } from "../test/support/workerGraph";
import { PROD } from "./core";

/** Per-worker figures of one graph. */
export interface WorkerFigures {
  readonly workers: number;
  /** Resources carrying the worker's name (host, certificates, node steps), per worker. */
  readonly resourcesPerWorker: number;
  /** Of those, the ones that open an SSH session on first rollout. */
  readonly sshPerWorker: number;
  /** SSH sessions on the operations host (first master) per worker on first rollout. */
  readonly opsSshPerWorker: number;
  readonly longestChain: number;
  readonly longestChainWithoutBatches: number;
}

/** Computes the figures from a recorded graph. */
export function workerFigures(graph: Graph): WorkerFigures {
  const nodes = graph.resources.filter((r) => r.type === WORKER_NODE_TYPE);
  const hosts = nodes.map((n) => n.name.replace(/-node$/, ""));
  const own = (host: string): RecordedResource[] =>
    graph.resources.filter((r) => new RegExp(`(^|-)${host}(-|$)`).test(r.name));
  let resources = 0;
  let ssh = 0;
  let opsSsh = 0;
  for (const host of hosts) {
    const mine = own(host);
    resources += mine.length;
    ssh += mine.filter(opensSshOnCreate).length;
    opsSsh += mine.filter((r) => opensSshOnCreate(r) && /-node-(drain|ready)$/.test(r.name)).length;
  }
  const n = Math.max(1, hosts.length);
  return {
    workers: hosts.length,
    resourcesPerWorker: resources / n,
    sshPerWorker: ssh / n,
    opsSshPerWorker: opsSsh / n,
    longestChain: longestChain(graph).length,
    longestChainWithoutBatches: longestChain(withoutBatchEdges(graph)).length,
  };
}

/** Prints the worker figures for 20 (prod) and 100 workers. */
export async function benchWorkers(): Promise<void> {
  console.log("== workers: per-worker footprint and dependency chain ==");
  console.log(
    `${"workers".padStart(8)} ${"resources/worker".padStart(17)} ${"ssh/worker".padStart(11)} ${"(on ops host)".padStart(14)} ${"chain".padStart(6)} ${"chain w/o batches".padStart(18)}`,
  );
  for (const raw of [PROD, scaleConfig(PROD, { workers: 100 })]) {
    const f = workerFigures(await runProgram(raw));
    console.log(
      `${String(f.workers).padStart(8)} ${f.resourcesPerWorker.toFixed(1).padStart(17)} ${f.sshPerWorker.toFixed(1).padStart(11)} ${f.opsSshPerWorker.toFixed(1).padStart(14)} ${String(f.longestChain).padStart(6)} ${String(f.longestChainWithoutBatches).padStart(18)}`,
    );
  }
}
