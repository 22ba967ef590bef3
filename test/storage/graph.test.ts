/** GlusterStorage in the platform graph (mocks): protection, ordering, parallel hosts, locality of growth. */
import { strict as assert } from "node:assert";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";

const of = (g: Graph, type: string, name: RegExp) => g.resources.filter((r) => r.type === type && name.test(r.name));
const one = (g: Graph, type: string, name: RegExp): RecordedResource => {
  const found = of(g, type, name);
  assert.equal(found.length, 1, `${type} ${name}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
};

describe("GlusterStorage in the platform graph", function () {
  this.timeout(120_000);
  let graph: Graph;
  before(async function () {
    graph = await runProgram(prodConfig());
  });

  it("protects the volume command and never deletes it", function () {
    const volume = one(graph, "command:remote:Command", /^storage-volume-k8s-data$/);
    assert.equal(volume.protect, true);
    assert.equal(volume.retainOnDelete, true);
    assert.equal(volume.inputs.delete, undefined, "no delete command");
  });

  it("creates the volume after every storage host is prepared, each after its own baseline prep", function () {
    const prepared = of(graph, "command:remote:Command", /^storage-prepare-gfs-\d+$/);
    assert.equal(prepared.length, 10);
    const volume = one(graph, "command:remote:Command", /^storage-volume-k8s-data$/);
    for (const p of prepared) {
      assert.ok(volume.dependencies.includes(p.urn), `volume waits for ${p.name}`);
      const host = p.name.replace("storage-prepare-", "");
      const hostPrep = one(graph, "command:remote:Command", new RegExp(`^${host}-prep$`));
      assert.ok(p.dependencies.includes(hostPrep.urn), `${p.name} waits for ${hostPrep.name}`);
      // Hosts prepare in parallel: no storage prep waits for another.
      assert.ok(!prepared.some((q) => q !== p && p.dependencies.includes(q.urn)));
    }
  });

  it("exports on every storage host after the volume, and the StorageClass after the exports through the cluster provider", function () {
    const volume = one(graph, "command:remote:Command", /^storage-volume-k8s-data$/);
    const exports = of(graph, "command:remote:Command", /^storage-ganesha-gfs-\d+$/);
    assert.equal(exports.length, 10);
    for (const e of exports) assert.ok(e.dependencies.includes(volume.urn));
    const driver = one(graph, "kubernetes:helm.sh/v3:Release", /csi-driver-nfs/);
    for (const e of exports) assert.ok(driver.dependencies.includes(e.urn), `driver waits for ${e.name}`);
    const sc = one(graph, "kubernetes:storage.k8s.io/v1:StorageClass", /glusterfs/);
    assert.ok(sc.dependencies.includes(driver.urn));
    assert.ok(sc.provider, "StorageClass uses the cluster provider");
    assert.equal((sc.inputs as { reclaimPolicy?: string }).reclaimPolicy, "Retain");
  });

  it("adding 4 storage hosts changes only the volume command and adds the new hosts' resources", async function () {
    const raw = clone(prodConfig()) as {
      hosts: { name: string; address: string; roles: string[]; bricks?: string[]; hostKey?: string }[];
    };
    for (let i = 21; i <= 24; i++)
      raw.hosts.push({
        name: `gfs-${i}`,
        address: `10.10.3.${i}`,
        roles: ["storage"],
        bricks: ["/data/glusterfs/brick1", "/data/glusterfs/brick2"],
        hostKey: fakeHostKey(`gfs-${i}`),
      });
    const grown = await runProgram(raw);
    const before = new Map(graph.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const changedStorage = grown.resources
      .filter(
        (r) => r.name.startsWith("storage-") && before.has(r.urn) && before.get(r.urn) !== JSON.stringify(r.inputs),
      )
      .map((r) => r.name);
    assert.deepEqual(changedStorage, ["storage-volume-k8s-data"]);
    const volume = one(grown, "command:remote:Command", /^storage-volume-k8s-data$/);
    const script = String(volume.inputs.stdin);
    // The old sets come first, unchanged; two new sets of the new hosts follow.
    const sets = /^BRICK_SETS='([^']*)'$/m.exec(script)?.[1].split("\n") ?? [];
    const oldSets =
      /^BRICK_SETS='([^']*)'$/m
        .exec(String(one(graph, "command:remote:Command", /^storage-volume-k8s-data$/).inputs.stdin))?.[1]
        .split("\n") ?? [];
    assert.deepEqual(sets.slice(0, oldSets.length), oldSets);
    assert.equal(sets.length, oldSets.length + 2);
  });
});
