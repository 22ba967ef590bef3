/**
 * Brick layout of a (distributed-)dispersed GlusterFS volume: which bricks form each
 * disperse set. Pure; the volume script receives the sets in this order.
 *
 * GlusterFS forms disperse sets from consecutive bricks of the `volume create` /
 * `add-brick` argument list, N at a time
 * (https://docs.gluster.org/en/main/Administrator-Guide/Setting-Up-Volumes/#creating-distributed-dispersed-volumes).
 * A set that holds two bricks of one host loses two bricks when that host fails, so the
 * layout never puts two bricks of one host in one set.
 */

/** A storage host as the layout sees it: inventory order matters. */
export interface BrickHost {
  readonly name: string;
  /** Address the bricks are named by (`address:/path`). */
  readonly address: string;
  /** Brick directories on this host. */
  readonly bricks: readonly string[];
}

/** One brick of the volume. */
export interface Brick {
  readonly host: string;
  readonly address: string;
  readonly path: string;
}

/** `address:/path`, the form the gluster CLI takes and `volume info` prints. */
export function brickId(brick: Brick): string {
  return `${brick.address}:${brick.path}`;
}

/**
 * Splits the storage hosts into growth blocks: the first block is the first N hosts plus
 * the remainder (hosts mod N), every further block is N hosts. Appending N hosts therefore
 * appends one block and leaves the earlier blocks (and their sets) exactly as they were.
 */
function growthBlocks(hosts: readonly BrickHost[], disperse: number): BrickHost[][] {
  const first = disperse + (hosts.length % disperse);
  const blocks = [hosts.slice(0, first)];
  for (let i = first; i < hosts.length; i += disperse) blocks.push(hosts.slice(i, i + disperse));
  return blocks;
}

/** Whether `hosts` can hold whole disperse sets with at most one brick of a host per set. */
function fits(hosts: readonly BrickHost[], disperse: number): boolean {
  const total = hosts.reduce((sum, h) => sum + h.bricks.length, 0);
  if (total === 0 || total % disperse !== 0) return false;
  const sets = total / disperse;
  return hosts.every((h) => h.bricks.length <= sets);
}

/**
 * Sets of one block. Lists the bricks host by host, then takes set j from positions
 * j, j+S, j+2S, ... (S = number of sets). A host's bricks are consecutive and number at
 * most S, so they land in different sets. With N hosts of k bricks each, set j is simply
 * brick j of every host.
 */
function blockSets(hosts: readonly BrickHost[], disperse: number): Brick[][] {
  const flat = hosts.flatMap((h) => h.bricks.map((path) => ({ host: h.name, address: h.address, path })));
  const count = flat.length / disperse;
  return Array.from({ length: count }, (_, j) => Array.from({ length: disperse }, (_, t) => flat[j + t * count]));
}

/**
 * The disperse sets of the volume, in volume order (a volume with one set is plain
 * dispersed, more sets make it distributed-dispersed).
 *
 * Stable for growth: hosts appended in groups of `disperse` (each with the same number of
 * bricks, at most the sets of their group) only append sets. An inventory whose growth
 * blocks cannot each hold whole sets (uneven brick counts) is laid out as one block,
 * which is still valid but not growth-stable.
 *
 * @throws when no valid layout exists (fewer hosts than `disperse`, a brick total that is
 *   not a multiple of `disperse`, or a host with more bricks than there are sets).
 */
export function layoutBricks(hosts: readonly BrickHost[], disperse: number): Brick[][] {
  if (!Number.isInteger(disperse) || disperse < 1)
    throw new Error(`disperse must be a positive integer, got ${disperse}`);
  const withBricks = hosts.filter((h) => h.bricks.length > 0);
  if (withBricks.length < disperse) {
    throw new Error(
      `a disperse set of ${disperse} needs ${disperse} storage hosts with bricks; there are ${withBricks.length}`,
    );
  }
  const names = new Set<string>();
  for (const h of withBricks) {
    if (names.has(h.name)) throw new Error(`storage host ${h.name} is listed twice`);
    names.add(h.name);
    if (new Set(h.bricks).size !== h.bricks.length) throw new Error(`storage host ${h.name} lists a brick twice`);
  }
  if (!fits(withBricks, disperse)) {
    const total = withBricks.reduce((sum, h) => sum + h.bricks.length, 0);
    throw new Error(
      total % disperse !== 0
        ? `${total} bricks cannot form disperse sets of ${disperse}`
        : `a host holds more bricks than the ${total / disperse} disperse set(s); two bricks of one set would share a host`,
    );
  }
  const blocks = growthBlocks(withBricks, disperse);
  if (blocks.every((b) => fits(b, disperse))) return blocks.flatMap((b) => blockSets(b, disperse));
  return blockSets(withBricks, disperse);
}

/** Usable capacity of a dispersed volume: raw brick capacity x (N - R) / N. */
export function usableFraction(disperse: number, redundancy: number): number {
  return (disperse - redundancy) / disperse;
}
