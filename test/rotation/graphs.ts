/**
 * Program runs shared by the rotation tests (mocha runs every file in one process): each
 * config is run once, as a stack's state would hold it.
 */
import { stableJson } from "../../stacks/plan/mocks";
import { runProgram, type Graph } from "../../stacks/plan/run";

const runs = new Map<string, Promise<Graph>>();

/** The recorded graph of a raw config, run once per distinct config. */
export function graphOf(raw: Record<string, unknown>): Promise<Graph> {
  const key = stableJson(raw);
  let run = runs.get(key);
  if (!run) {
    // Runs are serialised (the Pulumi runtime is process-global).
    const previous = [...runs.values()].at(-1);
    run = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(() => runProgram(raw));
    runs.set(key, run);
  }
  return run;
}
