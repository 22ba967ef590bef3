/**
 * The rollout plan of the nodes: which hosts run kubelet, whether each is a tainted master,
 * and its upgrade batch. Masters running kubelet go first, one per batch (like the control
 * plane, one master at a time); the workers follow in batches of `workers.upgradeBatch`.
 */
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { upgradeBatches } from "./batches";

/** One node of the rollout. */
export interface RolloutNode {
  readonly host: HostConfig;
  /** A master (not also a worker) running kubelet: tainted NoSchedule. */
  readonly controlPlane: boolean;
  /** Upgrade batch, 0-based; batch k+1 waits for batch k. */
  readonly batch: number;
}

/** The nodes in rollout order with their batches. */
export function nodeRollout(spec: Pick<PlatformSpec, "topology" | "workers">): RolloutNode[] {
  const isWorker = (h: HostConfig) => h.roles.includes("worker");
  const masters = spec.topology.nodes.filter((h) => !isWorker(h));
  const workers = spec.topology.nodes.filter(isWorker);
  const out: RolloutNode[] = masters.map((host, i) => ({ host, controlPlane: true, batch: i }));
  upgradeBatches(workers, spec.workers.upgradeBatch).forEach((batch, b) => {
    for (const host of batch) out.push({ host, controlPlane: false, batch: masters.length + b });
  });
  return out;
}
