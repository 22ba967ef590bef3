/**
 * The review tools at the source's upper sizing (examples/Pulumi.large.yaml: 100 workers,
 * 20 storage hosts, 200 projects): the picture stays a picture, and a version bump stays a
 * readable pull-request comment.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { planChanges } from "../../stacks/plan/diff";
import { componentEdges } from "../../stacks/plan/render";
import { renderPlanMarkdown, reviewSections } from "../../stacks/plan/review";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { fakeSecrets, readStackFile } from "../../stacks/plan/stackfile";
import { clone, prodConfig, REPO_ROOT } from "../support/config";

describe("review at scale (100 workers, 20 storage hosts, 200 projects)", function () {
  this.timeout(900_000);
  let large: Graph;
  let bumped: Graph;
  const raw = () => fakeSecrets(readStackFile(join(REPO_ROOT, "examples/Pulumi.large.yaml")));

  before(async () => {
    large = await runProgram(raw(), { stack: "large" });
    const next = clone(raw()) as { versions: Record<string, string> };
    next.versions = { ...next.versions, kubernetes: "1.35.2" };
    bumped = await runProgram(next, { stack: "large" });
  });

  it("the component picture groups hosts by role, nodes and projects: bounded nodes and edges", async () => {
    const prod = componentEdges(await runProgram(prodConfig()));
    const big = componentEdges(large);
    for (const [name, g] of [
      ["prod", prod],
      ["large", big],
    ] as const) {
      assert.ok(g.nodes.length <= 25, `${name}: ${g.nodes.length} nodes`);
      assert.ok(g.edges.length <= 60, `${name}: ${g.edges.length} edges`);
    }
    assert.equal(big.nodes.length, prod.nodes.length, "the picture does not grow with the inventory");
    assert.ok(big.nodes.includes("Host [worker] x100"), big.nodes.join(", "));
    assert.ok(big.nodes.includes("Project x200"));
    assert.ok(big.nodes.includes("WorkerNode x100"));
  });

  it("a version bump is a readable comment: each per-node change once, with the hosts it applies to", () => {
    const plan = planChanges(large, bumped);
    const nodes = reviewSections(plan, bumped).find((s) => s.phase === "nodes");
    assert.ok(nodes && nodes.count >= 300, `node changes: ${nodes?.count}`);
    assert.ok(nodes.groups.length <= 6, `${nodes.groups.length} groups for ${nodes.count} node changes`);
    const md = renderPlanMarkdown(plan, bumped, "large bump");
    assert.ok(md.length < 60_000, `${md.length} characters`);
    assert.match(md, /<host>-node-upgrade on node-001\.\.node-100 \(100 hosts, same change\)/);
    assert.match(md, /^\s+\+KUBERNETES_VERSION=1\.35\.2$/m);
  });
});
