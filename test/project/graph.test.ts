import { strict as assert } from "node:assert";
import { diffGraphs, type Change } from "../../stacks/plan/diff";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { transitiveDependencies } from "../support/graph";

const PROJECT_TYPE = "k8s-platform:project:Project";
const T = {
  namespace: "kubernetes:core/v1:Namespace",
  quota: "kubernetes:core/v1:ResourceQuota",
  limits: "kubernetes:core/v1:LimitRange",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  secret: "kubernetes:core/v1:Secret",
  saPatch: "kubernetes:core/v1:ServiceAccountPatch",
  sa: "kubernetes:core/v1:ServiceAccount",
  tcpRoute: "kubernetes:traefik.io/v1alpha1:IngressRouteTCP",
  vap: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  vapBinding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  release: "kubernetes:helm.sh/v3:Release",
  chart: "kubernetes:helm.sh/v4:Chart",
};

type RawProject = Record<string, unknown> & { name: string };
const projectsOf = (raw: Record<string, unknown>) => raw.projects as RawProject[];

/** The Project component of `name` and every resource under it. */
function projectResources(graph: Graph, name: string): { component: RecordedResource; children: RecordedResource[] } {
  const component = graph.resources.find((r) => r.type === PROJECT_TYPE && r.name === name);
  assert.ok(component, `no Project ${name} in the graph`);
  return { component, children: graph.resources.filter((r) => r.parent === component.urn) };
}

/**
 * URNs of everything a project owns: its component and children, the registry side (its
 * Harbor project and robot account, named after the project by the Registry), and the
 * add-on side (its alert rule and its log-retention policy objects).
 */
const addonUrnsOf = (graph: Graph, name: string) =>
  graph.resources
    .filter(
      (r) =>
        (r.urn.includes("k8s-platform:addons:Monitoring$") && r.name === `monitoring-monitoring-alerts-${name}`) ||
        (r.urn.includes("k8s-platform:addons:Logging$") &&
          new RegExp(`^logging-logging-ism-${name}-[0-9a-f]{8}$`).test(r.name)),
    )
    .map((r) => r.urn);
const urnsOf = (graph: Graph, name: string) => {
  const { component, children } = projectResources(graph, name);
  const registry = graph.resources.filter(
    (r) => r.urn.includes("k8s-platform:registry:Registry$") && r.name.endsWith(`-${name}`),
  );
  return new Set([
    component.urn,
    ...children.map((c) => c.urn),
    ...registry.map((r) => r.urn),
    ...addonUrnsOf(graph, name),
  ]);
};

/**
 * The `.dockerconfigjson` of a pull secret, asserting it is a secret: the mocks record
 * either the field or the whole `stringData` as `{ $secret }`.
 */
function pullDocument(secret: RecordedResource): { auths: Record<string, { username: string; password: string }> } {
  const stringData = secret.inputs.stringData as Record<string, unknown>;
  const whole = stringData.$secret as Record<string, unknown> | undefined;
  const field = (whole ?? stringData)[".dockerconfigjson"] as { $secret?: string } | string;
  const text = whole !== undefined ? field : typeof field === "object" ? field.$secret : undefined;
  assert.equal(typeof text, "string", `pull secret data must be a secret: ${JSON.stringify(secret.inputs.stringData)}`);
  return JSON.parse(text as string) as { auths: Record<string, { username: string; password: string }> };
}

const ops = (changes: readonly Change[]) => [...new Set(changes.map((c) => c.op))].sort();

describe("projects in the program graph (mock harness)", function () {
  this.timeout(300_000);
  let prod: Graph;
  const spec = loadOrThrow(prodConfig()).spec;

  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("registers one Project per configured project", () => {
    assert.deepEqual(
      prod.resources
        .filter((r) => r.type === PROJECT_TYPE)
        .map((r) => r.name)
        .sort(),
      spec.projects.map((p) => p.name).sort(),
    );
  });

  for (const p of loadOrThrow(prodConfig()).spec.projects) {
    it(`${p.name}: namespace, quota, limit range, three roles, a binding per member, policies, pull secret`, () => {
      const { children } = projectResources(prod, p.name);
      const count = (type: string) => children.filter((c) => c.type === type).length;
      assert.equal(count(T.namespace), 1);
      assert.equal(count(T.quota), 1);
      assert.equal(count(T.limits), 1);
      assert.equal(count(T.role), 3 + (p.accessKey ? 1 : 0));
      assert.equal(count(T.binding), p.members.length + (p.accessKey ? 1 : 0));
      assert.ok(count(T.policy) >= 5, `${count(T.policy)} policies`);
      assert.equal(count(T.saPatch), 1);
      assert.equal(count(T.sa), p.accessKey ? 1 : 0);

      const pull = children.find(
        (c) => c.type === T.secret && (c.inputs.type as string) === "kubernetes.io/dockerconfigjson",
      );
      assert.ok(pull, "pull secret");
      const stringData = pull.inputs.stringData as Record<string, unknown>;
      const data = stringData[".dockerconfigjson"] ?? stringData;
      assert.ok(
        data !== null && typeof data === "object" && "$secret" in data,
        `pull secret data must be a secret: ${JSON.stringify(pull.inputs.stringData)}`,
      );
    });
  }

  it("every project resource goes through the cluster provider and sits in its namespace", () => {
    for (const p of spec.projects) {
      for (const c of projectResources(prod, p.name).children) {
        assert.match(c.provider ?? "", /pulumi:providers:kubernetes/, `${c.urn} has no kubernetes provider`);
        const metadata = c.inputs.metadata as { name: string; namespace?: string };
        if (c.type === T.namespace) assert.equal(metadata.name, p.name);
        else assert.equal(metadata.namespace, p.name, c.urn);
      }
    }
  });

  it("creates no ClusterRole or ClusterRoleBinding for projects, and binds no project identity cluster-wide", () => {
    for (const p of spec.projects) {
      for (const c of projectResources(prod, p.name).children) assert.doesNotMatch(c.type, /ClusterRole/, c.urn);
    }
    const members = new Set(spec.projects.flatMap((p) => p.members.map((m) => m.user ?? m.group)));
    for (const crb of prod.resources.filter(
      (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    )) {
      const subjects = (crb.inputs.subjects as { name: string; namespace?: string }[] | undefined) ?? [];
      for (const s of subjects) {
        assert.ok(!members.has(s.name), `${crb.urn} binds project member ${s.name} cluster-wide`);
        assert.ok(
          s.namespace === undefined || !spec.projects.some((p) => p.name === s.namespace),
          `${crb.urn} binds a project service account`,
        );
      }
    }
  });

  it("protected projects keep every object on removal (retainOnDelete), without Pulumi protect", () => {
    for (const p of spec.projects.filter((x) => x.protect)) {
      for (const c of projectResources(prod, p.name).children) {
        assert.equal(c.retainOnDelete, true, c.urn);
        assert.equal(c.protect, false, c.urn);
      }
    }
  });

  it("projects are independent: no project resource depends on another project", () => {
    for (const p of spec.projects) {
      const others = new Set(spec.projects.filter((o) => o.name !== p.name).flatMap((o) => [...urnsOf(prod, o.name)]));
      for (const c of projectResources(prod, p.name).children) {
        for (const dep of transitiveDependencies(prod, c.urn))
          assert.ok(!others.has(dep), `${c.urn} depends on ${dep}`);
      }
    }
  });

  it("exports each project's namespace, and the access key tokens as one secret", () => {
    assert.deepEqual(prod.outputs.projects, Object.fromEntries(spec.projects.map((p) => [p.name, p.name])));
    const keys = prod.outputs.projectAccessKeys as { $secret?: Record<string, unknown> };
    assert.ok(keys.$secret !== undefined, "projectAccessKeys must be a secret output");
    assert.deepEqual(
      Object.keys(keys.$secret).sort(),
      spec.projects
        .filter((p) => p.accessKey)
        .map((p) => p.name)
        .sort(),
    );
  });

  it("a project with registry: false gets no pull secret and a default ServiceAccount without one", async () => {
    const raw = clone(prodConfig());
    (projectsOf(raw).find((p) => p.name === "search-web") as RawProject).registry = false;
    const graph = await runProgram(raw);
    const { children } = projectResources(graph, "search-web");
    assert.equal(children.filter((c) => c.type === T.secret).length, 0);
    const patch = children.find((c) => c.type === T.saPatch);
    assert.equal(patch?.inputs.automountServiceAccountToken, false);
    assert.equal(patch?.inputs.imagePullSecrets, undefined);
  });

  describe("admission policies", () => {
    it("one set for all projects: five policies and their Deny bindings, cluster-scoped, through the cluster provider", () => {
      const admission = prod.resources.find((r) => r.type === "k8s-platform:project:ProjectAdmission");
      assert.ok(admission);
      const children = prod.resources.filter((r) => r.parent === admission.urn);
      assert.equal(children.filter((c) => c.type === T.vap).length, 5);
      assert.equal(children.filter((c) => c.type === T.vapBinding).length, 5);
      for (const c of children) {
        assert.match(c.provider ?? "", /pulumi:providers:kubernetes/);
        assert.equal((c.inputs.metadata as { namespace?: string }).namespace, undefined, "cluster-scoped");
      }
      for (const b of children.filter((c) => c.type === T.vapBinding)) {
        const policy = children.find(
          (c) =>
            c.type === T.vap &&
            (c.inputs.metadata as { name: string }).name === (b.inputs.spec as { policyName: string }).policyName,
        );
        assert.ok(policy && b.dependencies.includes(policy.urn), `${b.urn} waits for its policy`);
      }
    });

    it("no member is bound before the boundary is in place: RoleBindings wait for every policy binding", () => {
      const bindings = prod.resources.filter((r) => r.type === T.vapBinding).map((r) => r.urn);
      for (const p of spec.projects) {
        for (const rb of projectResources(prod, p.name).children.filter((c) => c.type === T.binding)) {
          for (const b of bindings) assert.ok(rb.dependencies.includes(b), `${rb.urn} before ${b}`);
        }
      }
    });
  });

  describe("TCP ports (projects[].tcp)", () => {
    it("search-api's port is an IngressRouteTCP in its own namespace, after the traefik release", () => {
      const traefik = prod.resources.find((r) => r.type === T.chart && r.name === "ingress-traefik");
      assert.ok(traefik);
      const routes = prod.resources.filter((r) => r.type === T.tcpRoute);
      assert.deepEqual(
        routes.map((r) => [r.parent, (r.inputs.metadata as { namespace: string }).namespace]),
        [[projectResources(prod, "search-api").component.urn, "search-api"]],
      );
      assert.ok(routes[0].dependencies.includes(traefik.urn));
      assert.deepEqual(routes[0].inputs.spec, {
        entryPoints: ["tcp-6379"],
        routes: [{ match: "HostSNI(`*`)", services: [{ name: "redis", port: 6379 }] }],
      });
      const ports = (traefik.inputs.values as { ports: Record<string, unknown> }).ports;
      assert.deepEqual(Object.keys(ports).sort(), ["metrics", "tcp-6379", "traefik", "web", "websecure"]);
    });

    it("adding a port changes only that project's namespace and route, plus the controller's entry points", async () => {
      const raw = clone(prodConfig());
      (projectsOf(raw).find((p) => p.name === "news-feed") as RawProject).tcp = { "16380": "cache:6380" };
      const after = await runProgram(raw);
      const changes = diffGraphs(prod, after);
      const news = urnsOf(after, "news-feed");
      const traefik = after.resources.find((r) => r.type === T.chart && r.name === "ingress-traefik");
      assert.deepEqual(
        changes.map((c) => `${c.op} ${c.type}`).sort(),
        [`create ${T.tcpRoute}`, `update ${T.namespace}`, `update ${T.chart}`].sort(),
        JSON.stringify(changes, null, 1),
      );
      for (const c of changes) assert.ok(news.has(c.urn) || c.urn === traefik?.urn, c.urn);
      const ns = changes.find((c) => c.type === T.namespace);
      assert.deepEqual(
        ns?.inputs.map((i) => [i.path, i.after]),
        [["metadata.annotations.k8s-platform.io/tcp-ports", "16380"]],
      );
      const release = changes.find((c) => c.type === T.chart);
      assert.deepEqual(
        [...new Set(release?.inputs.map((i) => i.path.split(".").slice(0, 3).join(".")))],
        ["values.ports.tcp-16380"],
      );
    });

    it("with ingress-nginx the port goes into the controller's tcp map, with no route object", async () => {
      const raw = clone(prodConfig());
      (raw.addons as { ingress: Record<string, unknown> }).ingress.controller = "ingress-nginx";
      const graph = await runProgram(raw);
      assert.equal(graph.resources.filter((r) => r.type === T.tcpRoute).length, 0);
      const nginx = graph.resources.find((r) => r.type === T.release && r.name === "ingress-ingress-nginx");
      assert.deepEqual((nginx?.inputs.values as { tcp: unknown }).tcp, { "6379": "search-api/redis:6379" });
    });
  });

  describe("extra pull credentials (projects[].pullSecrets)", () => {
    it("search-api's pull secret holds the platform's robot and its partner registry, as one secret", () => {
      const pull = projectResources(prod, "search-api").children.find(
        (c) => c.type === T.secret && (c.inputs.type as string) === "kubernetes.io/dockerconfigjson",
      );
      assert.ok(pull);
      const { auths } = pullDocument(pull);
      assert.deepEqual(Object.keys(auths), ["reg.example.internal", "registry.partner.example.com"]);
      assert.equal(auths["registry.partner.example.com"].username, "search-api-pull");
      assert.equal(
        auths["registry.partner.example.com"].password,
        "plan-fake-secret",
        "fakeSecrets filled the unset password",
      );
    });

    it("a project with registry: false and pullSecrets gets a pull secret for its own registries only", async () => {
      const raw = clone(prodConfig());
      const api = projectsOf(raw).find((p) => p.name === "search-api") as RawProject;
      api.registry = false;
      const graph = await runProgram(raw);
      const { children } = projectResources(graph, "search-api");
      const pull = children.find(
        (c) => c.type === T.secret && (c.inputs.type as string) === "kubernetes.io/dockerconfigjson",
      );
      assert.ok(pull);
      assert.deepEqual(Object.keys(pullDocument(pull).auths), ["registry.partner.example.com"]);
      const patch = children.find((c) => c.type === T.saPatch);
      assert.deepEqual(patch?.inputs.imagePullSecrets, [{ name: "registry-pull" }]);
    });
  });

  describe("locality (plan diff)", () => {
    it("adding a project adds exactly that project's resources", async () => {
      const raw = clone(prodConfig());
      projectsOf(raw).push({
        name: "new-team",
        quota: { cpu: "8", memory: "16Gi", storage: "100Gi" },
        members: [{ user: "qian.er", role: "admin" }],
        domains: ["new.example.com"],
      });
      const after = await runProgram(raw);
      const changes = diffGraphs(prod, after);
      assert.deepEqual(ops(changes), ["create"]);
      assert.deepEqual(new Set(changes.map((c) => c.urn)), urnsOf(after, "new-team"));
    });

    it("changing one project's quota updates only its ResourceQuota", async () => {
      const raw = clone(prodConfig());
      const target = projectsOf(raw).find((p) => p.name === "news-feed") as RawProject;
      (target.quota as Record<string, unknown>).cpu = "24";
      const changes = diffGraphs(prod, await runProgram(raw));
      assert.equal(changes.length, 1, JSON.stringify(changes, null, 1));
      const [change] = changes;
      assert.equal(change.op, "update");
      assert.equal(change.type, T.quota);
      assert.equal(prod.byUrn.get(change.urn)?.name, "news-feed-quota");
      assert.deepEqual(change.inputs.map((i) => i.path).sort(), ["spec.hard.limits.cpu", "spec.hard.requests.cpu"]);
    });

    it("removing a protected project retains its namespace and objects: no delete", async () => {
      const raw = clone(prodConfig());
      raw.projects = projectsOf(raw).filter((p) => p.name !== "news-feed");
      const changes = diffGraphs(prod, await runProgram(raw));
      assert.deepEqual(new Set(changes.map((c) => c.urn)), urnsOf(prod, "news-feed"));
      const kubernetes = changes.filter((c) => c.type.startsWith("kubernetes:"));
      assert.equal(
        kubernetes.length,
        projectResources(prod, "news-feed").children.length + addonUrnsOf(prod, "news-feed").length,
      );
      assert.deepEqual(ops(kubernetes), ["retain"]);
      assert.ok(kubernetes.some((c) => c.type === T.namespace));
    });

    it("removing an unprotected project deletes its namespace", async () => {
      const base = clone(prodConfig());
      (projectsOf(base).find((p) => p.name === "news-feed") as RawProject).protect = false;
      const before = await runProgram(base);
      const raw = clone(base);
      raw.projects = projectsOf(raw).filter((p) => p.name !== "news-feed");
      const changes = diffGraphs(before, await runProgram(raw));
      const namespace = changes.find((c) => c.type === T.namespace);
      assert.equal(namespace?.op, "delete");
      assert.ok(
        changes.every((c) => c.op === "delete"),
        JSON.stringify(ops(changes)),
      );
    });
  });
});
