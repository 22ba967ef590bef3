/**
 * Upgrade batching: which nodes are drained and upgraded together. Pure, so the ordering a
 * `pulumi up` will follow can be tested without running it.
 */

/** `workers.upgradeBatch`: a node count, or a percentage of the nodes like "10%". */
export type BatchSpec = number | `${number}%` | string;

/**
 * Nodes per batch: a count as given, or the percentage of `total` rounded up, at least 1.
 * Rounding up bounds the number of batches by ceil(100 / percent) whatever the node count,
 * so with a percentage the upgrade chain does not grow with the cluster.
 */
export function batchSize(total: number, spec: BatchSpec): number {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 1) throw new Error(`upgradeBatch must be a positive integer, not ${spec}`);
    return spec;
  }
  const match = /^(\d{1,3})%$/.exec(spec);
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent >= 1 && percent <= 100))
    throw new Error(`upgradeBatch must be a count or a percentage like "10%", not ${JSON.stringify(spec)}`);
  return Math.max(1, Math.ceil((total * percent) / 100));
}

/**
 * Splits nodes into upgrade batches, in the given (inventory) order: batch k+1 starts when
 * every node of batch k is upgraded and back in service. ceil(N / batchSize) batches.
 */
export function upgradeBatches<T>(nodes: readonly T[], spec: BatchSpec): T[][] {
  if (nodes.length === 0) return [];
  const size = batchSize(nodes.length, spec);
  const batches: T[][] = [];
  for (let i = 0; i < nodes.length; i += size) batches.push(nodes.slice(i, i + size));
  return batches;
}
