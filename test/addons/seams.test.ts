import { strict as assert } from "node:assert";
import { CHART_FACTS } from "../../components/addons/render/charts";
import { renderNetworkPolicies, ADDON_NAMESPACES, type KubeObject } from "../../components/addons/render/common";
import { renderCoreDnsNetworkPolicy } from "../../components/addons/render/coredns";
import { admits } from "../../components/addons/render/netpol";
import { ingressPeers, loggingPeers, monitoringPeers } from "../../components/addons/render/policies";
import { checkSeam, seams } from "../../components/addons/render/seams";
import { CALICO } from "../../components/network/images";
import { calicoTunnelRanges, operatorNetworkPolicies } from "../../components/network/render";
import { projectFacts } from "../../components/project/render";
import { renderNetworkPolicies as renderProjectPolicies } from "../../components/project/renderNetwork";
import type { PlatformSpec } from "../../stacks/contract/spec";
import type { Graph } from "../../stacks/plan/run";
import { runProgram } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import { fullRaw } from "./fixtures";

type Raw = Record<string, unknown>;
const mastersAsNodes = (raw: Raw): Raw => ({ ...raw, workers: { ...(raw.workers as Raw), kubeletOnMasters: true } });

/** Every NetworkPolicy the platform renders, and the ones the tigera-operator creates. */
function allPolicies(spec: PlatformSpec): KubeObject[] {
  const facts = projectFacts(spec);
  return [
    ...renderNetworkPolicies(ADDON_NAMESPACES.monitoring, monitoringPeers(spec)),
    ...renderNetworkPolicies(ADDON_NAMESPACES.logging, loggingPeers(spec)),
    ...renderNetworkPolicies(ADDON_NAMESPACES.ingress(spec.addons.ingress.controller), ingressPeers()),
    renderCoreDnsNetworkPolicy(ADDON_NAMESPACES.monitoring),
    ...spec.projects.flatMap((p) => renderProjectPolicies(p, facts) as unknown as KubeObject[]),
    ...operatorNetworkPolicies(),
  ];
}

const problems = (spec: PlatformSpec) => seams(spec).flatMap((s) => checkSeam(spec, s, allPolicies(spec)));

describe("add-ons: the seams (who must reach whom) exist in the rendered config", () => {
  it("reaches every APIService and webhook the charts install from the masters, and every scrape and ingress target", () => {
    for (const [name, raw] of [
      ["prod, kubelet on masters", mastersAsNodes(clone(prodConfig()))],
      ["full options", mastersAsNodes(fullRaw())],
    ] as const) {
      const spec = specOf(raw);
      assert.deepEqual(problems(spec), [], name);
    }
  });

  it("admits the masters' tunnel range, where the apiserver's calls to pods come from under IPIP/VXLAN", () => {
    const spec = specOf(mastersAsNodes(clone(prodConfig())));
    const tunnels = calicoTunnelRanges(spec);
    assert.deepEqual(tunnels, { masters: "172.20.251.192/26", nodes: "172.20.252.0/22" });
    const policies = allPolicies(spec);
    const metricsServer = {
      namespace: "monitoring",
      podLabels: { "app.kubernetes.io/name": "metrics-server" },
      port: 10250,
    };
    assert.ok(admits(policies, { cidr: tunnels?.masters ?? "" }, metricsServer));
    assert.ok(admits(policies, { cidr: "10.10.1.21/32" }, metricsServer));
    assert.ok(!admits(policies, { cidr: "172.20.0.0/17" }, metricsServer), "not pods");
    assert.ok(!admits(policies, { namespace: "search-web", podLabels: {} }, metricsServer), "not a tenant");
  });

  it("needs no tunnel range with pure BGP (the node addresses are the sources)", () => {
    const raw = mastersAsNodes(clone(prodConfig()));
    (raw.network as { calico: Raw }).calico.mode = "bgp";
    const spec = specOf(raw);
    assert.equal(calicoTunnelRanges(spec), undefined);
    assert.deepEqual(problems(spec), []);
  });

  it("reports the missing route when masters run no calico-node", () => {
    const spec = specOf({
      ...clone(prodConfig()),
      workers: { ...(prodConfig().workers as Raw), kubeletOnMasters: false },
    });
    const found = problems(spec).filter((p) => p.includes("run no calico-node"));
    assert.ok(
      found.some((p) => p.startsWith("apiserver->metrics-server")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("apiserver->calico-apiserver")),
      found.join("\n"),
    );
  });

  it("reports a NetworkPolicy that blocks a seam (so the check can fail)", () => {
    const spec = specOf(mastersAsNodes(clone(prodConfig())));
    const seam = seams(spec).find((s) => s.id === "apiserver->metrics-server");
    assert.ok(seam);
    const policies = allPolicies(spec).filter((p) => p.metadata.name !== "allow-apiserver");
    assert.deepEqual(checkSeam(spec, seam, policies), [
      "apiserver->metrics-server: NetworkPolicies of monitoring refuse 10.10.1.21/32 on 10250",
      "apiserver->metrics-server: NetworkPolicies of monitoring refuse 10.10.1.22/32 on 10250",
      "apiserver->metrics-server: NetworkPolicies of monitoring refuse 172.20.251.192/26 on 10250",
    ]);
  });

  describe("in the whole program's graph", function () {
    this.timeout(300000);
    let graph: Graph;
    before(async () => {
      graph = await runProgram(mastersAsNodes(clone(prodConfig())));
    });

    it("has a seam for every APIService and webhook of every chart and object in the graph", () => {
      const spec = specOf(mastersAsNodes(clone(prodConfig())));
      const objects = new Set(seams(spec).map((s) => s.object));
      const expected: string[] = [];
      for (const r of graph.resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
          const chart = String(r.inputs.chart).split("/").pop() as string;
          const facts =
            chart === "tigera-operator"
              ? (CALICO as Record<string, { apiserverCalls?: readonly string[] }>)[spec.versions.calico]
              : (CHART_FACTS as Record<string, Record<string, { apiserverCalls?: readonly string[] }>>)[chart]?.[
                  String(r.inputs.version)
                ];
          if (!facts && chart !== "local-path-provisioner" && chart !== "prometheus-operator-crds")
            assert.fail(`no recorded facts for ${chart} ${String(r.inputs.version)}`);
          expected.push(...(facts?.apiserverCalls ?? []));
        }
        const kind = r.type.split(":").pop();
        if (
          kind === "APIService" ||
          kind === "ValidatingWebhookConfiguration" ||
          kind === "MutatingWebhookConfiguration"
        )
          expected.push(`${kind} ${(r.inputs.metadata as { name: string }).name}`);
      }
      assert.ok(expected.length >= 4, expected.join(", "));
      for (const e of expected) assert.ok(objects.has(e), `no seam for ${e}`);
    });
  });
});
