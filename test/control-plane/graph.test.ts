/**
 * The ControlPlane in the program's graph (mock harness, loopback and prod stacks): the
 * rolling order, the gates, and secrets kept out of commands.
 */
import assert from "node:assert/strict";
import { controlPlaneFingerprint } from "../../components/control-plane";
import { load } from "../../stacks/contract/load";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { prodConfig } from "../support/config";
import { bundleFiles, loopbackGraph, resourceNamed } from "./harness";

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

  it("the etcd snapshot re-runs on control-plane changes (its triggers carry the control-plane fingerprint)", () => {
    const snapshot = resourceNamed(prod, "etcd-pre-change-snapshot");
    const triggers = JSON.stringify(snapshot.inputs.triggers);
    const loaded = load(prodConfig());
    assert.ok(loaded.ok);
    assert.ok(triggers.includes(controlPlaneFingerprint(loaded.spec)));
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

  it("a changed trigger updates the commands in place (update = create, no delete that could stop a master)", () => {
    for (const r of prod.resources.filter(
      (x) => x.name.startsWith("control-plane") && x.type === "command:remote:Command",
    )) {
      assert.equal(r.inputs.update, r.inputs.create, r.name);
      assert.equal(r.inputs.delete, undefined, r.name);
    }
    const gate = JSON.stringify(resourceNamed(prod, "control-plane-ready").inputs.triggers);
    const install = JSON.stringify(resourceNamed(prod, "control-plane-master-2-install").inputs.triggers);
    const hash = /[0-9a-f]{64}/.exec(install)?.[0];
    assert.ok(hash && gate.includes(hash), "the gate re-runs when a master's bundle changes");
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

  it("bundles are secret, commands carry no secret, the encryption key is protected random bytes", () => {
    for (const name of ["control-plane-master-1-bundle", "control-plane-lb-master-1-bundle"]) {
      assert.ok(JSON.stringify(resourceNamed(prod, name).inputs.source).startsWith('{"$secret"'), name);
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
    const files = bundleFiles(resourceNamed(g, "control-plane-master-1-bundle"));
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
