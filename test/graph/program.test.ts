import { strict as assert } from "node:assert";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { diffGraphs } from "../../stacks/plan/diff";
import { longestChain } from "../../stacks/plan/analysis";
import { stableJson } from "../../stacks/plan/mocks";
import { clone, prodConfig } from "../support/config";
import { workerHost } from "../../stacks/plan/generate";
import { ofType, walkInputs } from "../support/graph";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

/** Patterns of secret material that must never sit in a non-secret input. */
const LEAKS: [string, RegExp][] = [
  ["PEM private key", /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/],
  ["OpenSSH private key", /-----BEGIN OPENSSH PRIVATE KEY-----/],
  ["kubeconfig client key", /client-key-data:\s*\S{20,}/],
  ["bearer token", /\btoken:\s*["']?[A-Za-z0-9._-]{20,}/],
  ["basic auth header", /"auth"\s*:\s*"[A-Za-z0-9+/=]{8,}"/],
  ["fake secret marker", /plan-fake-secret/],
];

export function leaks(graph: Graph): string[] {
  const found: string[] = [];
  walkInputs(graph, (resource, path, value, secret) => {
    if (secret || typeof value !== "string") return;
    for (const [what, pattern] of LEAKS) if (pattern.test(value)) found.push(`${resource.urn} ${path}: ${what}`);
  });
  return found;
}

/**
 * A config with `n` (at most 130) more workers than prod, appended at the end of the
 * inventory, on prod's worker network (10.10.2.0/24, which the GlusterFS volume admits).
 */
export function withExtraWorkers(raw: Raw, n: number): Raw {
  const copy = clone(raw);
  for (let i = 0; i < n; i++)
    copy.hosts.push({ ...workerHost(500 + i), name: `node-x${200 + i}`, address: `10.10.2.${121 + i}` });
  return copy;
}

describe("the program on Pulumi.prod.yaml (mock harness)", function () {
  let graph: Graph;
  before(async () => {
    graph = await runProgram(prodConfig());
  });

  it("registers one Host per inventory host, each with its baseline prep", () => {
    const hosts = ofType(graph, "k8s-platform:host:Host");
    assert.equal(hosts.length, 37);
    for (const h of hosts) {
      const prep = graph.resources.find((r) => r.parent === h.urn && r.name === `${h.name}-prep`);
      assert.ok(prep, `${h.name} has a prep command`);
      assert.equal(prep.type, "command:remote:Command");
    }
  });

  it("prepares hosts in parallel: no host prep depends on another", () => {
    for (const prep of graph.resources.filter((r) => r.name.endsWith("-prep"))) {
      const others = prep.dependencies.filter((d) => d.endsWith("-prep"));
      assert.deepEqual(others, [], `${prep.name} depends on ${others.join(", ")}`);
    }
  });

  it("keeps the SSH connection (private key) secret on every remote step", () => {
    const remote = graph.resources.filter((r) => /^command:remote:/.test(r.type));
    assert.ok(remote.length > 0);
    for (const r of remote) {
      const connection = r.inputs.connection as Record<string, unknown> | undefined;
      assert.ok(connection && "$secret" in connection, `${r.urn} has a non-secret connection`);
    }
  });

  it("leaks no private key, password or token into a non-secret input", () => {
    assert.deepEqual(leaks(graph), []);
  });

  it("the leak scan catches a leak (it can fail)", () => {
    const leaky = {
      ...graph,
      resources: [{ ...graph.resources[0], inputs: { x: "-----BEGIN EC PRIVATE KEY-----\nabc" } }],
    } as Graph;
    assert.equal(leaks(leaky).length, 1);
  });

  it("is deterministic: a second run registers identical resources and inputs", async () => {
    const again = await runProgram(prodConfig());
    assert.equal(again.resources.length, graph.resources.length);
    for (const r of graph.resources) {
      const twin = again.byUrn.get(r.urn);
      assert.ok(twin, `second run lacks ${r.urn}`);
      assert.equal(stableJson(twin.inputs), stableJson(r.inputs), `inputs of ${r.urn} differ between runs`);
      assert.deepEqual(twin.dependencies, r.dependencies, `dependencies of ${r.urn} differ between runs`);
    }
    assert.deepEqual(diffGraphs(graph, again), []);
  });

  it("adding a worker changes only that worker's resources (plan --diff)", async () => {
    const bigger = await runProgram(withExtraWorkers(prodConfig() as Raw, 1));
    const changes = diffGraphs(graph, bigger);
    assert.ok(changes.length > 0, "the new worker appears");
    const foreign = changes.filter((c) => !(c.op === "create" && c.urn.includes("node-x200")));
    assert.deepEqual(
      foreign.map((c) => `${c.op} ${c.urn}`),
      [],
      "only creates of node-x200's resources",
    );
  });

  it("the longest chain of remote steps does not grow with the number of hosts", async () => {
    const bigger = await runProgram(withExtraWorkers(prodConfig() as Raw, 80));
    assert.equal(longestChain(bigger).length, longestChain(graph).length);
  });
});
