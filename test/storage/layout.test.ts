/** The brick layout: no two bricks of a host in one disperse set, for many inventories; stable growth. */
import { strict as assert } from "node:assert";
import { brickId, layoutBricks, usableFraction, type BrickHost } from "../../components/storage/layout";

const hostsOf = (counts: readonly number[], offset = 0): BrickHost[] =>
  counts.map((n, i) => ({
    name: `gfs-${String(i + 1 + offset).padStart(2, "0")}`,
    address: `10.10.3.${i + 11 + offset}`,
    bricks: Array.from({ length: n }, (_, b) => `/data/glusterfs/brick${b + 1}`),
  }));

/** Every property a layout must have, whatever the inventory. */
function assertValid(hosts: readonly BrickHost[], disperse: number): void {
  const sets = layoutBricks(hosts, disperse);
  const total = hosts.reduce((s, h) => s + h.bricks.length, 0);
  assert.equal(sets.length * disperse, total, "every brick is used");
  const seen = new Set<string>();
  sets.forEach((set, j) => {
    assert.equal(set.length, disperse, `set ${j} has ${disperse} bricks`);
    assert.equal(
      new Set(set.map((b) => b.host)).size,
      disperse,
      `set ${j} has two bricks of one host: ${set.map(brickId).join(" ")}`,
    );
    for (const b of set) {
      assert.ok(!seen.has(brickId(b)), `${brickId(b)} is used twice`);
      seen.add(brickId(b));
      const host = hosts.find((h) => h.name === b.host);
      assert.ok(
        host && host.address === b.address && host.bricks.includes(b.path),
        `${brickId(b)} is not an inventory brick`,
      );
    }
  });
}

describe("storage brick layout", function () {
  it("puts one brick per host in every set, for every host count and uniform brick count", function () {
    let checked = 0;
    for (const disperse of [3, 4, 5, 6, 8, 10]) {
      for (let hosts = disperse; hosts <= 24; hosts++) {
        for (let bricks = 1; bricks <= 4; bricks++) {
          if ((hosts * bricks) % disperse !== 0) {
            assert.throws(
              () => layoutBricks(hostsOf(Array(hosts).fill(bricks)), disperse),
              /cannot form disperse sets/,
            );
            continue;
          }
          assertValid(hostsOf(Array(hosts).fill(bricks)), disperse);
          checked++;
        }
      }
    }
    assert.ok(checked > 150, `only ${checked} layouts checked`);
  });

  it("handles uneven brick counts whenever a valid layout exists (pseudo-random inventories)", function () {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let valid = 0;
    for (let round = 0; round < 2000; round++) {
      const disperse = 3 + rand(6);
      const counts = Array.from({ length: disperse + rand(12) }, () => 1 + rand(4));
      const total = counts.reduce((a, b) => a + b, 0);
      const feasible = total % disperse === 0 && Math.max(...counts) <= total / disperse;
      if (feasible) {
        assertValid(hostsOf(counts), disperse);
        valid++;
      } else {
        assert.throws(() => layoutBricks(hostsOf(counts), disperse));
      }
    }
    assert.ok(valid > 200, `only ${valid} feasible inventories drawn`);
  });

  it("lays out the prod inventory (10 hosts x 2 bricks, 3+1) as 5 sets", function () {
    const sets = layoutBricks(hostsOf(Array(10).fill(2)), 4);
    assert.equal(sets.length, 5);
    assert.deepEqual(sets[0].map(brickId), [
      "10.10.3.11:/data/glusterfs/brick1",
      "10.10.3.12:/data/glusterfs/brick2",
      "10.10.3.14:/data/glusterfs/brick1",
      "10.10.3.15:/data/glusterfs/brick2",
    ]);
  });

  it("gives N hosts with k bricks each the sets 'brick j of every host'", function () {
    const sets = layoutBricks(hostsOf([3, 3, 3, 3]), 4);
    sets.forEach((set, j) => assert.ok(set.every((b) => b.path === `/data/glusterfs/brick${j + 1}`)));
    assert.deepEqual(
      sets[0].map((b) => b.host),
      ["gfs-01", "gfs-02", "gfs-03", "gfs-04"],
    );
  });

  it("only appends sets when storage hosts are added in groups of N", function () {
    for (const disperse of [3, 4, 6]) {
      for (let initial = disperse; initial <= disperse * 3 + 2; initial++) {
        for (const bricks of [1, 2, 3]) {
          if ((initial * bricks) % disperse !== 0) continue;
          const before = layoutBricks(hostsOf(Array(initial).fill(bricks)), disperse).map((s) => s.map(brickId));
          for (let groups = 1; groups <= 3; groups++) {
            const grown = hostsOf(Array(initial + groups * disperse).fill(bricks));
            const after = layoutBricks(grown, disperse).map((s) => s.map(brickId));
            assert.deepEqual(
              after.slice(0, before.length),
              before,
              `disperse ${disperse}, ${initial} hosts + ${groups} x ${disperse}`,
            );
            assert.equal(after.length, before.length + (groups * disperse * bricks) / disperse);
            // The new sets use only the new hosts' bricks.
            const oldAddresses = new Set(hostsOf(Array(initial).fill(bricks)).map((h) => h.address));
            for (const set of after.slice(before.length))
              assert.ok(set.every((id) => !oldAddresses.has(id.split(":")[0])));
          }
        }
      }
    }
  });

  it("rejects inventories with no valid layout, saying why", function () {
    assert.throws(() => layoutBricks(hostsOf([1, 1, 1]), 4), /needs 4 storage hosts with bricks; there are 3/);
    assert.throws(() => layoutBricks(hostsOf([1, 1, 1, 1, 1]), 4), /5 bricks cannot form disperse sets of 4/);
    assert.throws(() => layoutBricks(hostsOf([5, 1, 1, 1]), 4), /more bricks than the 2 disperse set/);
    assert.throws(() => layoutBricks([...hostsOf([1, 1, 1]), ...hostsOf([1], 0)], 4), /listed twice/);
  });

  it("ignores storage hosts without bricks", function () {
    assertValid([...hostsOf([1, 1, 1, 1]), { name: "empty", address: "10.10.3.99", bricks: [] }], 4);
  });

  it("computes usable capacity as (N - R) / N", function () {
    assert.equal(usableFraction(4, 1), 0.75);
    assert.equal(usableFraction(6, 2), 4 / 6);
  });
});
