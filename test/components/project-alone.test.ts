/**
 * Project used alone, as another program would (components/index.ts): settings from
 * `projectSettings`, the facts of an existing cluster written by hand, a provider from that
 * cluster's kubeconfig; run under the doubles with the engine's URNs.
 */
import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import { recordProgram, type RecordedResource, type RecordedRun } from "../../stacks/plan/run";
import { Project, ProjectAdmission, projectSettings, type ProjectFacts } from "../../components";

const PROJECT = "tenants";
const STACK = "test";
const FACTS: ProjectFacts = {
  podSecurityVersion: "v1.35",
  ingressNamespace: "traefik",
  ingressController: "traefik",
  ingressHostCidrs: [],
  monitoringNamespace: "monitoring",
  dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } },
  apiserver: [{ cidr: "192.0.2.10/32", port: 6443 }],
  registryServer: "registry.example.test",
};
const urnOf = (type: string, name: string) =>
  `urn:pulumi:${STACK}::${PROJECT}::k8s-platform:project:Project$${type}::${name}`;

describe("Project alone, against an existing cluster", function () {
  this.timeout(120_000);
  let run: RecordedRun;
  let byUrn: Map<string, RecordedResource>;
  const get = (urn: string): RecordedResource => {
    const r = byUrn.get(urn);
    assert.ok(r, `${urn} is registered; have:\n${[...byUrn.keys()].join("\n")}`);
    return r;
  };

  before(async () => {
    run = await recordProgram(
      () => {
        const provider = new k8s.Provider("existing-cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
        const admission = new ProjectAdmission("projects", { provider });
        const shop = new Project("shop", {
          project: projectSettings({
            name: "shop",
            quota: { cpu: "4", memory: "8Gi", storage: "100Gi" },
            members: [{ group: "shop-devs", role: "lead" }],
            domains: ["shop.example.test"],
            tcp: { "5432": "db:5432" },
          }),
          facts: FACTS,
          provider,
          boundary: admission.bindings,
        });
        return { namespace: shop.namespace };
      },
      { project: PROJECT, stack: STACK },
    );
    byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  });

  it("creates the namespace bundle with the given settings and the stack config's defaults", () => {
    const ns = get(urnOf("kubernetes:core/v1:Namespace", "shop-namespace"));
    const labels = (ns.inputs.metadata as { labels: Record<string, string> }).labels;
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline", "the default Pod Security level");
    assert.equal(labels["pod-security.kubernetes.io/enforce-version"], "v1.35", "from the facts given");
    const quota = get(urnOf("kubernetes:core/v1:ResourceQuota", "shop-quota"));
    const hard = (quota.inputs.spec as { hard: Record<string, string> }).hard;
    assert.equal(hard["requests.cpu"], "4");
    assert.equal(hard.pods, "200", "the default of projects[].quota.pods");
    get(urnOf("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "shop-tcp-5432"));
    assert.equal(run.outputs.namespace, "shop");
  });

  it("binds members only after the admission boundary, through the given provider", () => {
    const binding = get(
      urnOf("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "shop-project-lead-group-shop-devs"),
    );
    const admissionBindings = run.resources.filter(
      (r) => r.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    );
    assert.ok(admissionBindings.length > 0);
    for (const b of admissionBindings) assert.ok(binding.dependencies.includes(b.urn), `waits for ${b.name}`);
    for (const r of run.resources.filter(
      (r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"),
    ))
      assert.match(String(r.provider), /::existing-cluster::/, `${r.name} goes through the given provider`);
  });

  it("refuses settings the loader would refuse, listing every field", () => {
    assert.throws(
      () => projectSettings({ name: "Shop!", quota: { cpu: "-1", memory: "8Gi", storage: "100Gi" } }),
      (e: Error) => /name/.test(e.message) && /quota\.cpu/.test(e.message),
    );
  });
});
