import { strict as assert } from "node:assert";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { diffGraphs } from "../../stacks/plan/diff";
import { longestChain } from "../../stacks/plan/analysis";
import { combinedControlPlane, scaleConfig, workerHost } from "../../stacks/plan/generate";
import { clone, prodConfig } from "../support/config";
import { find, ofType, transitiveDependencies } from "../support/graph";
import {
  crossNodeEdges,
  isBatchEdge,
  owningNode,
  resourcesByNode,
  WORKER_NODE_TYPE,
  withoutBatchEdges,
} from "../support/workerGraph";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

const CMD = "command:remote:Command";
const nodeStep = (graph: Graph, node: string, step: string) => find(graph, CMD, `${node}-node-${step}`);
const stdinOf = (r: RecordedResource): { secret: boolean; text: string } => {
  const v = r.inputs.stdin as unknown;
  if (v !== null && typeof v === "object" && "$secret" in (v as object))
    return { secret: true, text: String((v as { $secret: unknown }).$secret) };
  return { secret: false, text: String(v) };
};

describe("worker nodes in the program graph (mock harness)", function () {
  this.timeout(300000);
  let prod: Graph;
  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("one WorkerNode per node (every worker and, by default, every master), plus the operations host", () => {
    const nodes = ofType(prod, WORKER_NODE_TYPE)
      .map((r) => r.name)
      .sort();
    assert.deepEqual(nodes, [
      "master-1-node",
      "master-2-node",
      ...Array.from({ length: 20 }, (_, i) => `node-${String(i + 1).padStart(3, "0")}-node`),
    ]);
    assert.equal(ofType(prod, "k8s-platform:worker:NodeOps").length, 1);
    const ops = find(prod, CMD, "node-ops-admin-kubeconfig");
    assert.ok(stdinOf(ops).secret, "the admin kubeconfig reaches the ops host only as a secret");
  });

  it("every node depends on its own certificates, its host and the control-plane gate", () => {
    const gate = prod.resources.find(
      (r) =>
        r.type === CMD &&
        owningComponentType(prod, r) === "k8s-platform:control-plane:ControlPlane" &&
        /ready|gate/.test(r.name),
    );
    assert.ok(gate, "control-plane gate command found");
    for (const node of ofType(prod, WORKER_NODE_TYPE)) {
      const host = node.name.replace(/-node$/, "");
      const configure = nodeStep(prod, host, "configure");
      const deps = transitiveDependencies(prod, configure.urn);
      assert.ok(deps.has(gate.urn), `${host} configure waits for the gate`);
      assert.ok(deps.has(find(prod, CMD, `${host}-prep`).urn), `${host} configure waits for its host prep`);
      const ownCerts = [...deps]
        .map((u) => prod.byUrn.get(u)!)
        .filter((r) => r.type.startsWith("tls:") && r.name.includes(`-${host}`));
      assert.ok(
        ownCerts.some((r) => r.name.includes("kubelet-serving")),
        `${host} uses its serving certificate`,
      );
      assert.ok(
        ownCerts.some((r) => r.name.includes("kubelet-client")),
        `${host} uses its client certificate`,
      );
      const foreign = [...deps]
        .map((u) => prod.byUrn.get(u)!)
        .filter(
          (r) =>
            r.type.startsWith("tls:") &&
            /(^|-)kubelet-(serving|client)-/.test(r.name) &&
            !r.name.includes("apiserver") &&
            !r.name.includes(`-${host}`),
        );
      assert.deepEqual(
        foreign.map((r) => r.name),
        [],
        `${host} depends on no other node's certificates`,
      );
    }
  });

  it("nodes never depend on each other except a drain waiting for the previous batch's ready", () => {
    const edges = crossNodeEdges(prod);
    const other = edges.filter((e) => !isBatchEdge(e));
    assert.deepEqual(
      other.map((e) => `${e.from.name} -> ${e.to.name}`),
      [],
    );
    // 20 workers at 10%: batches of 2; node-003's drain waits for node-001 and node-002.
    const drain3 = nodeStep(prod, "node-003", "drain");
    const waitsFor = edges
      .filter((e) => e.from.urn === drain3.urn)
      .map((e) => e.to.name)
      .sort();
    assert.deepEqual(waitsFor, ["node-001-node-ready", "node-002-node-ready"]);
    assert.equal(
      edges.filter((e) => e.from.urn === nodeStep(prod, "master-1", "drain").urn).length,
      0,
      "the first batch (the first master) waits for no node",
    );
    assert.deepEqual(
      edges.filter((e) => e.from.urn === nodeStep(prod, "node-001", "drain").urn).map((e) => e.to.name),
      ["master-2-node-ready"],
      "the workers follow the masters",
    );
    for (const step of ["install", "credentials", "configure", "upgrade", "ready"]) {
      assert.equal(
        edges.filter((e) => e.from.name.endsWith(`-node-${step}`)).length,
        0,
        `${step} never waits for another node`,
      );
    }
  });

  it("the longest chain of remote steps is the same for 20 and 100 workers (10% batches), and without batch edges for any batch size", async function () {
    this.timeout(1200000); // four plan runs, one of 100 workers
    const big = await runProgram(scaleConfig(prodConfig(), { workers: 100 }));
    assert.equal(longestChain(big).length, longestChain(prod).length);
    const byFive = (g: Raw) => ({ ...g, workers: { upgradeBatch: 5 } });
    const small5 = await runProgram(byFive(prodConfig()));
    const big5 = await runProgram(byFive(scaleConfig(prodConfig(), { workers: 40 })));
    const perBatch = 3; // drain, upgrade, ready
    assert.equal(
      longestChain(big5).length - longestChain(small5).length,
      perBatch * (8 - 4),
      "batches are the only growth",
    );
    assert.equal(longestChain(withoutBatchEdges(big5)).length, longestChain(withoutBatchEdges(small5)).length);
  });

  it("secrets reach nodes only through secret stdin; configs stay reviewable", () => {
    const credentials = nodeStep(prod, "node-001", "credentials");
    assert.ok(stdinOf(credentials).secret);
    const configure = stdinOf(nodeStep(prod, "node-001", "configure"));
    assert.equal(configure.secret, false, "the configure step shows its diff");
    const decoded = configure.text
      .split("\n")
      .filter((l) => /^\S+ 0[0-7]{3} \//.test(l) || /^NODE_FILES=/.test(l))
      .map((l) => Buffer.from(l.split(" ").pop()!.replace(/'$/, ""), "base64").toString());
    assert.ok(
      decoded.some((c) => c.includes("KubeletConfiguration")),
      "configure carries the kubelet config",
    );
    assert.ok(
      !configure.text.includes("PRIVATE KEY") && !decoded.some((c) => c.includes("PRIVATE KEY")),
      "no private key in a non-secret input",
    );
    const install = nodeStep(prod, "node-001", "install");
    assert.deepEqual(
      install.ignoreChanges,
      ["stdin"],
      "version bumps go through the batched upgrade, not the first install",
    );
  });

  it("removal drains before the services stop: retire and stop are delete-only, retire depends on stop", () => {
    const retire = nodeStep(prod, "node-005", "retire");
    assert.equal(retire.inputs.create, undefined, "no SSH session on rollout");
    const del = String(retire.inputs.delete);
    assert.match(del, /MODE=remove/);
    assert.match(del, /TIMEOUT_SECONDS=600/);
    assert.match(del, /--ignore-daemonsets --delete-emptydir-data/);
    const stop = nodeStep(prod, "node-005", "stop");
    assert.ok(retire.dependencies.includes(stop.urn), "Pulumi deletes retire (the drain) before stop");
    assert.ok(stop.dependencies.includes(nodeStep(prod, "node-005", "configure").urn));
    assert.equal(stop.inputs.create, undefined, "no SSH session on rollout");
    assert.match(String(stop.inputs.delete), /systemctl disable --now kubelet/);
    // Neither delete-bearing step is replaced by a rebuilt host (triggers replace), so a
    // replacement can never run a delete against the new machine.
    for (const r of [retire, stop]) assert.equal(r.inputs.triggers, undefined, r.name);
    assert.equal(nodeStep(prod, "node-005", "configure").inputs.delete, undefined);
  });

  it("adding a worker creates only that worker's resources; removing one deletes only its own", async () => {
    const raw = clone(prodConfig()) as Raw;
    raw.hosts.push({ ...workerHost(400), name: "node-021", address: "10.10.2.121" });
    const added = await runProgram(raw);
    const changes = diffGraphs(prod, added);
    // Node-side resources of the platform (hosts, PKI, control plane, nodes) must not change.
    const nodeSide = /::k8s-platform:(host|pki|control-plane|worker|etcd):/;
    const touched = changes.filter((c) => c.op !== "create" && nodeSide.test(c.urn));
    assert.deepEqual(
      touched.map((c) => `${c.op} ${c.urn}`),
      [],
      "no existing node-side resource changes",
    );
    const created = changes.filter((c) => c.op === "create").map((c) => c.urn);
    assert.ok(created.length > 0);
    for (const urn of created) assert.match(urn, /node-021/, `${urn} belongs to the new worker`);

    const fewer = clone(prodConfig()) as Raw;
    fewer.hosts = fewer.hosts.filter((h: Raw) => h.name !== "node-007");
    const removed = diffGraphs(prod, await runProgram(fewer));
    assert.ok(removed.length > 0);
    for (const c of removed.filter((x) => x.op !== "update" || nodeSide.test(x.urn))) {
      assert.equal(c.op, "delete", `${c.op} ${c.urn}`);
      assert.match(c.urn, /node-007/);
    }
    assert.ok(
      removed.some((c) => c.urn.endsWith("node-007-node-retire")),
      "the drain step is part of the removal",
    );
  });

  it("a Kubernetes version bump re-runs drain, upgrade and ready on every node, and nothing else on them", async () => {
    const raw = clone(prodConfig()) as Raw;
    raw.versions = { ...raw.versions, kubernetes: "1.35.2" };
    const bumped = await runProgram(raw);
    // The engine skips inputs under ignoreChanges; the offline diff lists them, so drop them here.
    const effective = diffGraphs(prod, bumped).filter((c) => {
      const r = bumped.byUrn.get(c.urn);
      return !r || c.inputs.some((i) => !r.ignoreChanges.some((ig) => i.path === ig || i.path.startsWith(`${ig}.`)));
    });
    const nodeChanges = effective.filter((c) => {
      const r = bumped.byUrn.get(c.urn);
      return r !== undefined && owningNode(bumped, r) !== undefined;
    });
    const steps = new Set(nodeChanges.map((c) => c.urn.replace(/^.*-node-/, "")));
    assert.deepEqual([...steps].sort(), ["drain", "ready", "upgrade"]);
    assert.ok(nodeChanges.every((c) => c.op === "update"));
    assert.equal(nodeChanges.length, 22 * 3);
  });

  it("masters run kubelet by default: labelled control-plane, tainted NoSchedule, in their own batches ahead of the workers", () => {
    const ready = stdinOf(nodeStep(prod, "master-1", "ready")).text;
    assert.match(ready, /TAINTS=node-role.kubernetes.io\/control-plane:NoSchedule/);
    assert.match(ready, /ADMIN_LABELS=node-role.kubernetes.io\/control-plane=/);
    const configure = stdinOf(nodeStep(prod, "master-1", "configure")).text;
    const kubelet = decodedFiles(configure).find((c) => c.includes("KubeletConfiguration"));
    assert.ok(kubelet, "master-1 gets a kubelet config");
    assert.match(kubelet, /registerWithTaints:\n\s+- key: node-role.kubernetes.io\/control-plane/);
    assert.equal(resourcesByNode(prod).size, 22);
  });

  it("a host with roles [master, etcd] runs etcd, the control plane and the node agents side by side", async () => {
    // Three combined hosts replace the three etcd hosts and the two masters.
    const raw = combinedControlPlane(prodConfig());
    const g = await runProgram(raw);
    for (const host of ["cp-1", "cp-2", "cp-3"]) {
      assert.ok(find(g, CMD, `etcd-${host}-install`), `${host} runs etcd`);
      assert.ok(find(g, CMD, `control-plane-${host}-install`), `${host} runs the control plane`);
      assert.ok(nodeStep(g, host, "configure"), `${host} runs kubelet`);
      // One host prep per machine, whatever its roles.
      assert.equal(g.resources.filter((r) => r.name === `${host}-prep`).length, 1);
      const deps = transitiveDependencies(g, nodeStep(g, host, "configure").urn);
      assert.ok(deps.has(find(g, CMD, "control-plane-ready").urn), `${host}'s kubelet waits for the gate`);
    }
    assert.equal(resourcesByNode(g).size, 23);
  });
});

/** The contents of the NODE_FILES lines ("owner mode path base64") of a rendered put-files script. */
function decodedFiles(script: string): string[] {
  return script
    .split("\n")
    .filter((l) => /^(NODE_FILES=')?\S+ 0[0-7]{3} \/\S+ \S+$/.test(l))
    .map((l) => Buffer.from((l.split(" ").pop() ?? "").replace(/'$/, ""), "base64").toString());
}

function owningComponentType(graph: Graph, r: RecordedResource): string | undefined {
  let current = r.parent ? graph.byUrn.get(r.parent) : undefined;
  while (current && current.type === "k8s-platform:index:Platform") return undefined;
  while (current) {
    if (current.type.startsWith("k8s-platform:") && current.type !== "k8s-platform:index:Platform") {
      const parent = current.parent ? graph.byUrn.get(current.parent) : undefined;
      if (!parent || parent.type === "k8s-platform:index:Platform") return current.type;
    }
    current = current.parent ? graph.byUrn.get(current.parent) : undefined;
  }
  return undefined;
}
