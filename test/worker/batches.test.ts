import { strict as assert } from "node:assert";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { batchSize, upgradeBatches } from "../../components/worker/batches";
import { nodeRollout } from "../../components/worker/rollout";

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${String(i + 1).padStart(3, "0")}`);

describe("worker upgrade batches", () => {
  it("a percentage rounds up, at least one node per batch", () => {
    assert.equal(batchSize(20, "10%"), 2);
    assert.equal(batchSize(100, "10%"), 10);
    assert.equal(batchSize(21, "10%"), 3);
    assert.equal(batchSize(3, "10%"), 1);
    assert.equal(batchSize(1, "1%"), 1);
    assert.equal(batchSize(7, "100%"), 7);
  });

  it("a count is taken as given; nonsense is refused", () => {
    assert.equal(batchSize(100, 5), 5);
    assert.throws(() => batchSize(10, 0), /positive integer/);
    assert.throws(() => batchSize(10, "0%"), /percentage/);
    assert.throws(() => batchSize(10, "ten"), /percentage/);
  });

  it("ceil(N / size) batches, every node exactly once, in inventory order", () => {
    for (const [n, spec, count] of [
      [20, "10%", 10],
      [100, "10%", 10],
      [21, "10%", 7],
      [100, 7, 15],
      [1, "10%", 1],
    ] as const) {
      const batches = upgradeBatches(nodes(n), spec);
      assert.equal(batches.length, count, `${n} nodes, ${spec}`);
      assert.deepEqual(batches.flat(), nodes(n));
    }
    assert.deepEqual(upgradeBatches([], "10%"), []);
  });

  it("with a percentage the number of batches does not grow with the cluster", () => {
    const counts = [20, 50, 100, 500].map((n) => upgradeBatches(nodes(n), "10%").length);
    assert.deepEqual(counts, [10, 10, 10, 10]);
  });

  it("rollout: masters run kubelet by default, first, one per batch, then the worker batches", () => {
    const raw = clone(prodConfig());
    raw.workers = { upgradeBatch: 5 };
    const plan = nodeRollout(loadOrThrow(raw).spec);
    assert.deepEqual(
      plan.slice(0, 3).map((n) => [n.host.name, n.controlPlane, n.batch]),
      [
        ["master-1", true, 0],
        ["master-2", true, 1],
        ["node-001", false, 2],
      ],
    );
    assert.equal(plan.length, 22);
    assert.equal(Math.max(...plan.map((n) => n.batch)), 2 + 4 - 1);
    const off = clone(prodConfig());
    off.workers = { kubeletOnMasters: false };
    const plain = nodeRollout(loadOrThrow(off).spec);
    assert.ok(plain.every((n) => !n.controlPlane));
    assert.equal(plain.length, 20);
  });
});
