/**
 * The ControlPlane in the program's graph (mock harness, loopback and prod stacks): the
 * rolling order, the gates, and secrets kept out of commands.
 */
import assert from "node:assert/strict";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { prodConfig } from "../support/config";
import { bundleFiles, loopbackGraph, masterFiles, resourceNamed } from "./harness";

const short = (urn: string) => urn.split("::").pop() as string;

describe("ControlPlane in the program graph", function () {
  this.timeout(120_000);
  let g: Graph;
  let prod: Graph;
  before(async () => {
    g = await loopbackGraph();
    prod = await runProgram(prodConfig());
  });
  const deps = (graph: Graph, name: string) => resourceNamed(graph, name).dependencies.map(short);

  it("master 1 waits for the etcd pre-change snapshot and health gate; master 2 waits for master 1", () => {
    for (const graph of [g, prod]) {
      assert.ok(deps(graph, "control-plane-master-1-install").includes("etcd-pre-change-snapshot"));
      assert.ok(deps(graph, "control-plane-master-1-install").includes("etcd-health"));
      assert.ok(deps(graph, "control-plane-master-2-install").includes("control-plane-master-1-install"));
      assert.ok(!deps(graph, "control-plane-master-1-install").includes("control-plane-master-2-install"));
    }
  });

  it("the readiness gate waits for every master and balancer; the k8s provider waits for the gate", () => {
    const gate = deps(prod, "control-plane-ready");
    for (const n of [
      "control-plane-master-1-install",
      "control-plane-master-2-install",
      "control-plane-lb-master-1-install",
      "control-plane-lb-master-2-install",
    ]) {
      assert.ok(gate.includes(n), n);
    }
    const provider = resourceNamed(prod, "control-plane-k8s");
    assert.equal(provider.type, "pulumi:providers:kubernetes");
    assert.ok(provider.dependencies.map(short).includes("control-plane-ready"));
    assert.ok(
      JSON.stringify(provider.inputs.kubeconfig).startsWith('{"$secret"'),
      "the provider's kubeconfig is secret",
    );
  });

  it("re-runs are updates (a fingerprint line in stdin); triggers carry only host prep ids; no delete command", () => {
    const prepIds = new Set(prod.resources.filter((r) => r.name.endsWith("-prep")).map((r) => `${r.name}-id`));
    for (const r of prod.resources.filter(
      (x) => x.name.startsWith("control-plane") && x.type.startsWith("command:remote:"),
    )) {
      const triggers = (r.inputs.triggers ?? []) as string[];
      // The retire step is delete-time only, and never replaced (no triggers): see masters.md.
      if (/^control-plane-master-\d+-retire$/.test(r.name)) {
        assert.equal(r.inputs.create, undefined, r.name);
        assert.deepEqual(triggers, [], `${r.name}: a replacement would run its delete on a rebuilt host`);
        continue;
      }
      assert.equal(r.inputs.delete, undefined, `${r.name}: a replacement would run its delete`);
      // The gate puts nothing on a host: it re-checks in place (stdin) instead.
      if (r.name !== "control-plane-ready")
        assert.ok(triggers.length > 0, `${r.name}: a rebuilt host must get it again`);
      for (const t of triggers) assert.ok(prepIds.has(t), `${r.name}: trigger ${JSON.stringify(t)} is not a prep id`);
      if (r.type === "command:remote:Command") assert.equal(r.inputs.addPreviousOutputInEnv, false, r.name);
    }
    for (const n of ["control-plane-master-1-install", "control-plane-lb-master-1-install", "control-plane-ready"]) {
      assert.match(String(resourceNamed(prod, n).inputs.stdin), /^# k8s-platform inputs: [0-9a-f]{64}$/m, n);
    }
  });

  it("a Kubernetes version bump changes the snapshot, then master 1, then master 2, and not the balancers", async () => {
    const bumped = prodConfig() as { versions: Record<string, string> };
    bumped.versions = { ...bumped.versions, kubernetes: "1.36.0" };
    const next = await runProgram(bumped);
    const changed = (n: string) =>
      JSON.stringify(resourceNamed(prod, n).inputs) !== JSON.stringify(resourceNamed(next, n).inputs);
    for (const n of [
      "etcd-pre-change-snapshot",
      "control-plane-master-1-install",
      "control-plane-master-2-install",
      "control-plane-ready",
    ]) {
      assert.ok(changed(n), `${n} must change`);
    }
    for (const n of [
      "control-plane-lb-master-1-install",
      "control-plane-lb-master-2-install",
      "control-plane-encryption-key",
    ]) {
      assert.ok(!changed(n), `${n} must not change`);
    }
  });

  it("secret bundles are secret, config bundles reviewable, commands carry no secret, the encryption key is protected", () => {
    for (const name of ["control-plane-master-1-secrets", "control-plane-lb-master-1-secrets"]) {
      assert.ok(JSON.stringify(resourceNamed(prod, name).inputs.source).startsWith('{"$secret"'), name);
    }
    for (const name of ["control-plane-master-1-config", "control-plane-lb-master-1-config"]) {
      const copy = resourceNamed(prod, name);
      assert.ok(JSON.stringify(copy.inputs.source).startsWith('{"$asset"'), `${name} is readable in the plan`);
      for (const [path, f] of bundleFiles(copy))
        assert.doesNotMatch(f.content, /PRIVATE KEY|client-key-data|auth_pass|secretbox/, `${name}: ${path}`);
    }
    for (const r of prod.resources.filter(
      (x) => x.name.startsWith("control-plane") && x.type === "command:remote:Command",
    )) {
      for (const field of ["create", "stdin", "delete"]) {
        const v = r.inputs[field];
        if (v === undefined) continue;
        assert.equal(typeof v, "string", `${r.name}.${field} must be a plain (non-secret) string`);
        assert.doesNotMatch(v as string, /PRIVATE KEY|client-key-data|auth_pass|secretbox/, `${r.name}.${field}`);
      }
    }
    const key = resourceNamed(prod, "control-plane-encryption-key");
    assert.equal(key.type, "random:index/randomBytes:RandomBytes");
    assert.equal(key.inputs.length, 32);
    assert.equal(key.protect, true);
  });

  it("the master bundle writes keys, kubeconfigs, units and configs 0600 and encrypts Secrets with the random key", () => {
    const files = masterFiles(g, "master-1");
    for (const [path, f] of files) {
      if (path.endsWith(".crt") || path.endsWith(".pub")) assert.equal(f.mode, "0644", path);
      else assert.equal(f.mode, "0600", path);
    }
    assert.match(
      files.get("/etc/kubernetes/encryption-config.yaml")?.content ?? "",
      /secretbox:\n\s+keys:\n\s+- name: key1\n\s+secret: [A-Za-z0-9+/]{43}=/,
    );
    assert.match(files.get("/etc/kubernetes/admin.conf")?.content ?? "", /server: https:\/\/127\.0\.0\.20:8443/);
    assert.match(
      files.get("/etc/kubernetes/controller-manager.conf")?.content ?? "",
      /server: https:\/\/127\.0\.0\.1:6443/,
    );
    assert.match(
      files.get("/etc/systemd/system/kube-apiserver.service")?.content ?? "",
      /--advertise-address=127\.0\.0\.21 /,
    );
  });
});
