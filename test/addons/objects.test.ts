import { strict as assert } from "node:assert";
import { renderNamespace, renderNetworkPolicies, type KubeObject } from "../../components/addons/render/common";
import { renderCoreDnsNetworkPolicy, renderDns } from "../../components/addons/render/coredns";
import { renderUiIngress } from "../../components/addons/render/ingress";
import { renderIsmPolicyJob } from "../../components/addons/render/logging";
import { loggingPeers, monitoringPeers } from "../../components/addons/render/policies";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { fullSpec, prodSpec } from "./fixtures";
import { hasSchema, validateObject } from "./models";

/** Every plain object the add-on components create for a spec. */
function allObjects(spec: PlatformSpec): KubeObject[] {
  return [
    ...renderDns(spec),
    renderCoreDnsNetworkPolicy("monitoring"),
    renderNamespace("traefik", "privileged"),
    renderNamespace("monitoring", "privileged"),
    renderNamespace("logging", "privileged"),
    ...renderNetworkPolicies("traefik", [{ name: "clients", cidrs: ["0.0.0.0/0"] }, { name: "all-namespaces" }]),
    ...renderNetworkPolicies("monitoring", monitoringPeers(spec)),
    ...renderNetworkPolicies("logging", loggingPeers(spec)),
    ...renderIsmPolicyJob(spec),
    renderUiIngress(spec, "monitoring", "grafana", "grafana.example.com", "kube-prometheus-stack-grafana", 80),
  ];
}

describe("add-ons: rendered objects", () => {
  for (const [label, make] of [
    ["prod", prodSpec],
    ["every option on", fullSpec],
  ] as const) {
    it(`validates every built-in object against the Kubernetes schema (${label})`, () => {
      const objs = allObjects(make());
      const typed = objs.filter(hasSchema);
      assert.ok(typed.length >= 20, `expected many typed objects, got ${typed.length}`);
      for (const obj of typed) validateObject(obj);
    });
  }

  it("the validator rejects a malformed object (so the test above can fail)", () => {
    const bad = renderDns(prodSpec()).find((o) => o.kind === "Deployment") as KubeObject & {
      spec: Record<string, unknown>;
    };
    assert.throws(() => validateObject({ ...bad, spec: { ...bad.spec, replicas: "two" } }), /replicas/);
  });

  it("gives every container resource requests and a memory limit", () => {
    for (const obj of allObjects(fullSpec()).filter((o) => ["Deployment", "DaemonSet", "Job"].includes(o.kind))) {
      const pod = (
        obj as unknown as {
          spec: {
            template: {
              spec: { containers: { name: string; resources?: { requests?: object; limits?: { memory?: string } } }[] };
            };
          };
        }
      ).spec.template.spec;
      for (const c of pod.containers) {
        assert.ok(c.resources?.requests, `${obj.metadata.name}/${c.name} has requests`);
        assert.ok(c.resources?.limits?.memory, `${obj.metadata.name}/${c.name} has a memory limit`);
      }
    }
  });

  it("default-denies ingress in every add-on namespace and admits only the listed peers", () => {
    const spec = fullSpec();
    const policies = renderNetworkPolicies("monitoring", monitoringPeers(spec));
    const names = policies.map((p) => p.metadata.name);
    assert.deepEqual(names, [
      "default-deny-ingress",
      "allow-same-namespace",
      "allow-apiserver",
      "allow-ingress-to-grafana",
    ]);
    const deny = policies[0] as unknown as { spec: { podSelector: object; policyTypes: string[]; ingress?: unknown } };
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress"] });
    const apiserver = policies[2] as unknown as { spec: { ingress: { from: { ipBlock: { cidr: string } }[] }[] } };
    assert.deepEqual(
      apiserver.spec.ingress[0].from.map((f) => f.ipBlock.cidr),
      ["10.10.1.21/32", "10.10.1.22/32", "172.20.251.192/26"],
      "the masters and their Calico tunnel range",
    );
    assert.deepEqual(
      renderNetworkPolicies("logging", loggingPeers(prodSpec())).map((p) => p.metadata.name),
      ["default-deny-ingress", "allow-same-namespace", "allow-monitoring"],
    );
  });
});
