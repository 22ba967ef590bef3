import { strict as assert } from "node:assert";
import { projectSchema } from "../../stacks/contract/schema/projects";
import type { ProjectConfig } from "../../stacks/contract/schema";
import { bindingName, sanitizeName } from "../../components/project/names";
import { projectProblems } from "../../stacks/contract/rules/projects";
import {
  renderLimitRange,
  renderNamespace,
  renderResourceQuota,
  type ProjectFacts,
} from "../../components/project/render";
import { renderNetworkPolicies } from "../../components/project/renderNetwork";
import { renderAccessKey, renderRoleBindings } from "../../components/project/renderRbac";
import {
  renderDefaultServiceAccount,
  renderDockerConfigJson,
  renderPullSecret,
} from "../../components/project/renderRegistry";
import { objectProblems, prodSpec, projectFacts, renderAll } from "./fixtures";

const project = (raw: Record<string, unknown>): ProjectConfig =>
  projectSchema.parse({ name: "demo", quota: { cpu: "4", memory: "8Gi", storage: "100Gi" }, ...raw });

describe("project renderers", () => {
  const spec = prodSpec();
  const facts = projectFacts(spec);

  describe("every object validates against the Kubernetes OpenAPI schema", () => {
    for (const p of spec.projects) {
      it(`projects ${p.name}`, () => {
        const objects = renderAll(p, facts);
        assert.ok(objects.length >= 13, `expected the full bundle, got ${objects.length} objects`);
        assert.deepEqual(objects.flatMap(objectProblems), []);
      });
    }

    it("a project with every optional key set", () => {
      const p = project({
        name: "full",
        quota: {
          cpu: "2",
          memory: "4Gi",
          limitsCpu: "4",
          limitsMemory: "8Gi",
          storage: "1Ti",
          nodePorts: 2,
          loadBalancers: 1,
          storageClasses: { glusterfs: "500Gi", "fast-ssd": "100Gi" },
        },
        limits: { maxCpu: "2", maxMemory: "4Gi" },
        members: [
          { user: "Zhang_San@corp.example", role: "admin" },
          { group: "Search Dev@corp", role: "member" },
        ],
        domains: ["a.example.com", "*.b.example.com"],
        tlsSecret: "wildcard-tls",
        podSecurity: "restricted",
        egress: ["10.20.0.0/16", "192.168.1.0/24"],
        accessKey: true,
      });
      const withNodeLocal: ProjectFacts = { ...facts, nodeLocalDnsIp: "169.254.20.10" };
      assert.deepEqual(renderAll(p, withNodeLocal).flatMap(objectProblems), []);
    });

    it("the validation has teeth: a wrong policy type and a bad label are reported", () => {
      const [policy] = renderNetworkPolicies(project({}), facts);
      const broken = { ...policy, spec: { ...policy.spec, policyTypes: ["Sideways"] } };
      assert.match(objectProblems(broken as never).join("\n"), /policyTypes/);
      const ns = renderNamespace(project({}), facts);
      const badLabel = { ...ns, metadata: { ...ns.metadata, labels: { "bad key!": "x" } } };
      assert.match(objectProblems(badLabel).join("\n"), /qualified name/);
    });
  });

  describe("namespace", () => {
    it("carries the project, managed-by and Pod Security labels, domains and TLS secret", () => {
      const ns = renderNamespace(
        project({ podSecurity: "restricted", domains: ["x.example.com", "*.y.example.com"], tlsSecret: "wild" }),
        facts,
      );
      assert.equal(ns.metadata.name, "demo");
      assert.equal(ns.metadata.labels?.["k8s-platform.io/project"], "demo");
      assert.equal(ns.metadata.labels?.["app.kubernetes.io/managed-by"], "k8s-platform");
      for (const mode of ["enforce", "audit", "warn"])
        assert.equal(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], "restricted");
      assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce-version"], "v1.35");
      assert.equal(ns.metadata.annotations?.["k8s-platform.io/ingress-domains"], "x.example.com,*.y.example.com");
      assert.equal(ns.metadata.annotations?.["k8s-platform.io/tls-secret"], "demo/wild");
    });

    it("enforces baseline by default", () => {
      assert.equal(
        renderNamespace(project({}), facts).metadata.labels?.["pod-security.kubernetes.io/enforce"],
        "baseline",
      );
    });
  });

  describe("quota and limits", () => {
    it("sets every quota key, node ports and load balancers 0 by default", () => {
      const hard = renderResourceQuota(project({})).spec.hard;
      assert.deepEqual(hard, {
        "requests.cpu": "4",
        "requests.memory": "8Gi",
        "limits.cpu": "4",
        "limits.memory": "8Gi",
        "requests.storage": "100Gi",
        "requests.ephemeral-storage": "100Gi",
        "limits.ephemeral-storage": "200Gi",
        persistentvolumeclaims: "50",
        "count/secrets": "100",
        "count/configmaps": "100",
        pods: "200",
        services: "50",
        "services.nodeports": "0",
        "services.loadbalancers": "0",
      });
    });

    it("adds per-StorageClass storage and separate limits", () => {
      const hard = renderResourceQuota(
        project({
          quota: { cpu: "1", memory: "1Gi", limitsCpu: "2", storage: "1Ti", storageClasses: { glusterfs: "800Gi" } },
        }),
      ).spec.hard;
      assert.equal(hard["glusterfs.storageclass.storage.k8s.io/requests.storage"], "800Gi");
      assert.equal(hard["limits.cpu"], "2");
      assert.equal(hard["limits.memory"], "1Gi");
    });

    it("gives containers default requests and limits, and max when configured", () => {
      const [item] = renderLimitRange(
        project({ limits: { defaultCpu: "1", maxCpu: "8", maxMemory: "16Gi", maxEphemeralStorage: "10Gi" } }),
      ).spec.limits;
      assert.deepEqual(item, {
        type: "Container",
        default: { cpu: "1", memory: "512Mi", "ephemeral-storage": "1Gi" },
        defaultRequest: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "256Mi" },
        max: { cpu: "8", memory: "16Gi", "ephemeral-storage": "10Gi" },
      });
      assert.equal(renderLimitRange(project({})).spec.limits[0].max, undefined);
    });

    it("reports limit ranges the API server would reject, naming the key", () => {
      assert.deepEqual(projectProblems(project({}), 0), []);
      const problems = projectProblems(
        project({ limits: { defaultCpu: "4", maxCpu: "2", defaultRequestMemory: "1Gi", defaultMemory: "512Mi" } }),
        3,
      );
      assert.deepEqual(problems.map((p) => p.path).sort(), [
        "projects[3].limits.defaultCpu",
        "projects[3].limits.defaultRequestMemory",
      ]);
    });
  });

  describe("network policies", () => {
    const names = (p: ProjectConfig, f = facts) => renderNetworkPolicies(p, f).map((n) => n.metadata.name);

    it("deny by default, then allow same namespace, ingress controller, monitoring and DNS", () => {
      assert.deepEqual(names(project({})), [
        "default-deny",
        "allow-same-namespace",
        "allow-from-ingress",
        "allow-from-monitoring",
        "allow-dns",
      ]);
      const [deny, same, ingress, monitoring, dns] = renderNetworkPolicies(project({}), facts);
      assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      assert.deepEqual(same.spec.ingress, [{ from: [{ podSelector: {} }] }]);
      assert.deepEqual(same.spec.egress, [{ to: [{ podSelector: {} }] }]);
      assert.deepEqual(ingress.spec.ingress?.[0].from?.[0], {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
      });
      assert.deepEqual(monitoring.spec.ingress?.[0].from, [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      ]);
      assert.deepEqual(dns.spec.egress?.[0].to, [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ]);
      assert.deepEqual(dns.spec.egress?.[0].ports, [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ]);
    });

    it("allows the host-network ingress controller by its edge nodes' addresses and the nodes' tunnel range", () => {
      // Prod runs traefik on the host network of the three edge-labelled workers; under IPIP their
      // connections to pods on other nodes leave from Calico's tunnel addresses (the nodes' tunnel pool).
      assert.deepEqual(facts.ingressHostCidrs, [
        "10.10.2.101/32",
        "10.10.2.102/32",
        "10.10.2.103/32",
        "172.20.252.0/22",
      ]);
      const ingress = renderNetworkPolicies(project({}), facts)[2];
      assert.deepEqual(
        ingress.spec.ingress?.[0].from?.slice(1),
        facts.ingressHostCidrs.map((cidr) => ({ ipBlock: { cidr } })),
      );
    });

    it("opens configured egress CIDRs, the apiserver for an access key, and NodeLocal DNS", () => {
      const policies = renderNetworkPolicies(project({ egress: ["10.20.0.0/16"], accessKey: true }), {
        ...facts,
        nodeLocalDnsIp: "169.254.20.10",
      });
      const byName = new Map(policies.map((n) => [n.metadata.name, n]));
      assert.deepEqual(byName.get("allow-egress")?.spec.egress, [{ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }] }]);
      const api = byName.get("allow-apiserver")?.spec.egress ?? [];
      assert.deepEqual(
        api.map((r) => `${r.to?.[0].ipBlock?.cidr}:${r.ports?.[0].port}`),
        ["10.10.1.21/32:6443", "10.10.1.22/32:6443", "10.10.1.20/32:8443", "10.68.0.1/32:443"],
      );
      assert.deepEqual(byName.get("allow-dns")?.spec.egress?.[0].to?.[1], { ipBlock: { cidr: "169.254.20.10/32" } });
      assert.equal(byName.get("allow-apiserver")?.spec.ingress, undefined);
    });
  });

  describe("registry access", () => {
    it("renders a dockerconfigjson pull secret with base64 user:password auth", () => {
      const json = renderDockerConfigJson([
        { server: "reg.example.internal", username: "robot$demo", password: "s3cret" },
      ]);
      const parsed = JSON.parse(json) as {
        auths: Record<string, { username: string; password: string; auth: string }>;
      };
      assert.equal(Buffer.from(parsed.auths["reg.example.internal"].auth, "base64").toString(), "robot$demo:s3cret");
      const secret = renderPullSecret(project({}), json);
      assert.equal(secret.type, "kubernetes.io/dockerconfigjson");
      assert.equal(secret.stringData?.[".dockerconfigjson"], json);
    });

    it("patches the default ServiceAccount: pull secret, no automounted token", () => {
      const sa = renderDefaultServiceAccount(project({}));
      assert.equal(sa.metadata.name, "default");
      assert.equal(sa.metadata.namespace, "demo");
      assert.equal(sa.automountServiceAccountToken, false);
      assert.deepEqual(sa.imagePullSecrets, [{ name: "registry-pull" }]);
    });
  });

  describe("names", () => {
    it("binding names come from member names, not list positions", () => {
      const p = project({
        members: [
          { user: "zhang.san", role: "admin" },
          { group: "search-dev", role: "member" },
        ],
      });
      const reordered = project({
        members: [
          { group: "search-dev", role: "member" },
          { user: "zhang.san", role: "admin" },
        ],
      });
      assert.deepEqual(
        renderRoleBindings(p).map((b) => b.metadata.name),
        ["project-admin-user-zhang.san", "project-member-group-search-dev"],
      );
      assert.deepEqual(
        renderRoleBindings(reordered)
          .map((b) => b.metadata.name)
          .sort(),
        renderRoleBindings(p)
          .map((b) => b.metadata.name)
          .sort(),
      );
    });

    it("sanitizes identity names and keeps different identities apart", () => {
      assert.equal(sanitizeName("zhang.san"), "zhang.san");
      const a = sanitizeName("Zhang_San");
      const b = sanitizeName("zhang-san");
      assert.match(a, /^zhang-san-[0-9a-f]{8}$/);
      assert.notEqual(a, b);
      assert.equal(bindingName({ user: "@@@", role: "lead" }).length, "project-lead-user-".length + 8);
      assert.ok(sanitizeName("x".repeat(400), 200).length <= 200);
    });

    it("access key objects stay in the project namespace", () => {
      const key = renderAccessKey(project({ accessKey: true }));
      assert.deepEqual(key.roleBinding.subjects, [
        { kind: "ServiceAccount", name: "project-access-key", namespace: "demo" },
      ]);
      assert.equal(key.tokenSecret.type, "kubernetes.io/service-account-token");
      assert.equal(key.tokenSecret.metadata.annotations?.["kubernetes.io/service-account.name"], "project-access-key");
      assert.equal(key.serviceAccount.automountServiceAccountToken, false);
    });
  });
});
