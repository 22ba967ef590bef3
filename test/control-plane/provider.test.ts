/**
 * The Kubernetes provider as the real engine will use it: a stable identity
 * (`clusterIdentifier`), and behind a bastion a kubeconfig whose cluster entry carries the
 * `proxy-url` the machine running Pulumi reaches the VIP through, while the kubeconfigs
 * installed on hosts reach the VIP directly.
 */
import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { loopbackGraph, masterFiles, resourceNamed, unsecret } from "./harness";

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; "proxy-url"?: string } }[];
}
const kubeconfig = (text: unknown) => parse(String(unsecret(text))) as Kubeconfig;

describe("the Kubernetes provider", function () {
  this.timeout(600_000);
  let prod: Graph;
  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("has the cluster name as clusterIdentifier, so new credentials or a new CA update it in place", () => {
    const provider = resourceNamed(prod, "control-plane-k8s");
    assert.equal(provider.inputs.clusterIdentifier, "prod");
    assert.ok(JSON.stringify(provider.inputs.kubeconfig).startsWith('{"$secret"'));
  });

  it("behind the bastion: proxy-url in the provider's kubeconfig and the adminKubeconfig output only", () => {
    const provider = kubeconfig(resourceNamed(prod, "control-plane-k8s").inputs.kubeconfig);
    assert.deepEqual(provider.clusters[0].cluster["proxy-url"], "socks5://127.0.0.1:1080");
    assert.equal(provider.clusters[0].cluster.server, "https://10.10.1.20:8443");
    const output = kubeconfig(prod.outputs.adminKubeconfig);
    assert.equal(output.clusters[0].cluster["proxy-url"], "socks5://127.0.0.1:1080");
    // On the hosts the VIP is reached directly: the masters' and the operations host's copies.
    const onMaster = masterFiles(prod, "master-1").get("/etc/kubernetes/admin.conf")?.content ?? "";
    assert.match(onMaster, /server: https:\/\/10\.10\.1\.20:8443/);
    assert.doesNotMatch(onMaster, /proxy-url/);
    const ops = JSON.stringify(resourceNamed(prod, "node-ops-admin-kubeconfig").inputs.stdin);
    const decoded = [...ops.matchAll(/[A-Za-z0-9+/]{200,}={0,2}/g)].map((m) => Buffer.from(m[0], "base64").toString());
    assert.ok(
      decoded.some((t) => t.includes("client-key-data")),
      "the ops host's admin.conf is in the script",
    );
    for (const t of decoded) assert.doesNotMatch(t, /proxy-url/);
  });

  it("without proxyUrl nothing changes: no proxy-url anywhere", async () => {
    const loop = await loopbackGraph();
    assert.equal(
      kubeconfig(resourceNamed(loop, "control-plane-k8s").inputs.kubeconfig).clusters[0].cluster["proxy-url"],
      undefined,
    );
    const raw = clone(prodConfig()) as { apiserver: Record<string, unknown> };
    delete raw.apiserver.proxyUrl;
    const direct = await runProgram(raw);
    const k = kubeconfig(resourceNamed(direct, "control-plane-k8s").inputs.kubeconfig);
    assert.equal(k.clusters[0].cluster["proxy-url"], undefined);
    assert.ok(
      direct.warnings.some((w) => w.path === "apiserver.proxyUrl"),
      "a bastion without proxyUrl is warned",
    );
  });
});
