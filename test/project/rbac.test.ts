import { strict as assert } from "node:assert";
import {
  allows,
  authorize,
  serviceAccountPrincipal,
  type AccessRequest,
  type RbacObjects,
} from "../../components/project/authorize";
import { PROJECT_ROLES, type ProjectRole } from "../../components/project/names";
import {
  ACCESS_KEY_RULES,
  projectRoleRules,
  renderAccessKey,
  renderRoleBindings,
  renderRoles,
} from "../../components/project/renderRbac";
import { prodSpec } from "./fixtures";

const NS = "demo";
const req = (verb: string, resource: string, apiGroup = "", name?: string): AccessRequest => ({
  verb,
  resource,
  apiGroup,
  name,
});

/** Expected answers per role: [request, admin, lead, member]. */
const TABLE: readonly [AccessRequest, boolean, boolean, boolean][] = [
  // reading the project
  [req("get", "namespaces", "", NS), true, true, true],
  [req("get", "namespaces", "", "other-project"), false, false, false],
  [req("list", "namespaces"), false, false, false],
  [req("list", "pods"), true, true, true],
  [req("get", "pods/log"), true, true, true],
  [req("list", "resourcequotas"), true, true, true],
  [req("list", "events"), true, true, true],
  [req("list", "deployments", "apps"), true, true, true],
  [req("list", "ingresses", "networking.k8s.io"), true, true, true],
  [req("get", "configmaps"), true, true, true],
  // operating applications
  [req("create", "pods/exec"), true, true, true],
  [req("get", "pods/exec"), true, true, true],
  [req("create", "pods/portforward"), true, true, true],
  [req("create", "pods/attach"), true, true, true],
  // kubectl rollout restart; for a member the pod-template admission policy allows only the restart annotation
  [req("patch", "deployments", "apps"), true, true, true],
  [req("patch", "statefulsets", "apps"), true, true, true],
  [req("patch", "daemonsets", "apps"), true, true, true],
  [req("update", "deployments", "apps"), true, true, false], // what the template policy asks the authorizer
  [req("patch", "replicasets", "apps"), true, true, false],
  [req("patch", "jobs", "batch"), true, true, false],
  [req("delete", "pods"), true, true, false],
  [req("create", "deployments", "apps"), true, true, false],
  [req("update", "deployments/scale", "apps"), true, true, false],
  [req("create", "statefulsets", "apps"), true, true, false],
  [req("create", "cronjobs", "batch"), true, true, false],
  [req("create", "configmaps"), true, true, false],
  [req("update", "services"), true, true, false],
  [req("create", "ingresses", "networking.k8s.io"), true, true, false],
  // traefik routes: hosts and ports held to the project's own by the route admission policy
  [req("create", "ingressroutes", "traefik.io"), true, true, false],
  [req("update", "ingressroutetcps", "traefik.io"), true, true, false],
  [req("list", "ingressroutes", "traefik.io"), true, true, true],
  [req("create", "middlewares", "traefik.io"), false, false, false],
  [req("create", "ingressrouteudps", "traefik.io"), false, false, false],
  [req("create", "serverstransports", "traefik.io"), false, false, false],
  [req("create", "persistentvolumeclaims"), true, true, false],
  [req("create", "horizontalpodautoscalers", "autoscaling"), true, true, false],
  // secrets: lead and admin manage them, members never read them
  [req("get", "secrets"), true, true, false],
  [req("list", "secrets"), true, true, false],
  [req("watch", "secrets"), true, true, false],
  [req("create", "secrets"), true, true, false],
  // RBAC: admin binds people to the project's own roles; lead and member touch no RBAC
  [req("list", "rolebindings", "rbac.authorization.k8s.io"), true, false, false],
  [req("create", "rolebindings", "rbac.authorization.k8s.io"), true, false, false],
  [req("delete", "rolebindings", "rbac.authorization.k8s.io"), true, false, false],
  [req("bind", "roles", "rbac.authorization.k8s.io", "project-member"), true, false, false],
  [req("bind", "roles", "rbac.authorization.k8s.io", "some-other-role"), false, false, false],
  [req("bind", "clusterroles", "rbac.authorization.k8s.io", "cluster-admin"), false, false, false],
  [req("escalate", "roles", "rbac.authorization.k8s.io"), false, false, false],
  [req("create", "roles", "rbac.authorization.k8s.io"), false, false, false],
  [req("update", "roles", "rbac.authorization.k8s.io", "project-admin"), false, false, false],
  [req("create", "clusterrolebindings", "rbac.authorization.k8s.io"), false, false, false],
  [req("impersonate", "users"), false, false, false],
  // service accounts and tokens: admin only
  [req("create", "serviceaccounts"), true, false, false],
  [req("create", "serviceaccounts/token"), true, false, false],
  // the platform owns isolation and quota
  [req("get", "networkpolicies", "networking.k8s.io"), true, true, true],
  [req("delete", "networkpolicies", "networking.k8s.io"), false, false, false],
  [req("create", "networkpolicies", "networking.k8s.io"), false, false, false],
  [req("update", "resourcequotas"), false, false, false],
  [req("delete", "limitranges"), false, false, false],
  [req("delete", "namespaces", "", NS), false, false, false],
  [req("patch", "namespaces", "", NS), false, false, false],
  // cluster-scoped and foreign things
  [req("list", "nodes"), false, false, false],
  [req("create", "persistentvolumes"), false, false, false],
  [req("create", "customresourcedefinitions", "apiextensions.k8s.io"), false, false, false],
  [req("create", "pods/ephemeralcontainers"), false, false, false],
  [req("get", "nodes/proxy"), false, false, false],
];

describe("project RBAC", () => {
  const column: Record<ProjectRole, number> = { admin: 1, lead: 2, member: 3 };

  for (const role of PROJECT_ROLES) {
    describe(`${role}`, () => {
      const rules = projectRoleRules(role, NS);
      for (const row of TABLE) {
        const r = row[0];
        const expected = row[column[role]] as boolean;
        it(`${expected ? "may" : "may not"} ${r.verb} ${r.apiGroup ? `${r.apiGroup}/` : ""}${r.resource}${r.name ? ` ${r.name}` : ""}`, () => {
          assert.equal(allows(rules, r), expected);
        });
      }
    });
  }

  it("uses no wildcards, so every permission is written down", () => {
    for (const role of PROJECT_ROLES) {
      for (const rule of projectRoleRules(role, NS)) {
        for (const field of [rule.verbs, rule.apiGroups, rule.resources])
          assert.ok(!field.includes("*"), `${role}: ${JSON.stringify(rule)}`);
      }
    }
  });

  it("each lower role can do only a subset of the higher one", () => {
    const admin = projectRoleRules("admin", NS);
    const lead = projectRoleRules("lead", NS);
    const member = projectRoleRules("member", NS);
    for (const [r] of TABLE) {
      if (allows(member, r)) assert.ok(allows(lead, r), `member but not lead: ${JSON.stringify(r)}`);
      if (allows(lead, r)) assert.ok(allows(admin, r), `lead but not admin: ${JSON.stringify(r)}`);
    }
  });

  it("the access key can find pods and exec into them, and nothing else", () => {
    assert.ok(allows(ACCESS_KEY_RULES, req("get", "pods")));
    assert.ok(allows(ACCESS_KEY_RULES, req("list", "pods")));
    assert.ok(allows(ACCESS_KEY_RULES, req("create", "pods/exec")));
    for (const denied of [
      req("create", "pods"),
      req("delete", "pods"),
      req("get", "secrets"),
      req("create", "pods/portforward"),
      req("get", "pods/log"),
      req("patch", "deployments", "apps"),
    ]) {
      assert.equal(allows(ACCESS_KEY_RULES, denied), false, JSON.stringify(denied));
    }
  });

  it("prod bindings are namespaced RoleBindings to the project's own Roles, one per member", () => {
    for (const p of prodSpec().projects) {
      const roles = new Set(renderRoles(p).map((r) => r.metadata.name));
      const bindings = renderRoleBindings(p);
      assert.equal(bindings.length, p.members.length);
      for (const b of bindings) {
        assert.equal(b.kind, "RoleBinding");
        assert.equal(b.metadata.namespace, p.name);
        assert.equal(b.roleRef.kind, "Role");
        assert.ok(roles.has(b.roleRef.name), b.roleRef.name);
      }
      if (p.accessKey) {
        const key = renderAccessKey(p);
        assert.equal(key.roleBinding.roleRef.kind, "Role");
        assert.equal(key.roleBinding.subjects[0].namespace, p.name);
      }
    }
  });

  describe("the access key end to end (examples/access-key)", () => {
    const spec = prodSpec();
    const rbac: RbacObjects = {
      roles: spec.projects.flatMap((p) => [...renderRoles(p), ...(p.accessKey ? [renderAccessKey(p).role] : [])]),
      bindings: spec.projects.flatMap((p) => [
        ...renderRoleBindings(p),
        ...(p.accessKey ? [renderAccessKey(p).roleBinding] : []),
      ]),
    };
    // The token of search-api's access key authenticates as its ServiceAccount.
    const token = serviceAccountPrincipal("search-api", "project-access-key");
    const at = (namespace: string, verb: string, resource: string, name?: string) =>
      authorize(rbac, token, { verb, resource, apiGroup: "", namespace, name });

    it("in its own project: finds the pod and execs into it (kubectl's POST and the SDKs' WebSocket GET)", () => {
      assert.ok(at("search-api", "list", "pods"));
      assert.ok(at("search-api", "get", "pods", "search-api-7d9f-abcde"));
      assert.ok(at("search-api", "create", "pods/exec", "search-api-7d9f-abcde"));
      assert.ok(at("search-api", "get", "pods/exec", "search-api-7d9f-abcde"));
    });

    it("in another project: refused, for every project of the stack", () => {
      for (const other of spec.projects.filter((p) => p.name !== "search-api")) {
        assert.equal(at(other.name, "create", "pods/exec", "x"), false, other.name);
        assert.equal(at(other.name, "list", "pods"), false, other.name);
      }
      assert.equal(at("kube-system", "create", "pods/exec", "etcd-master-1"), false);
      assert.equal(at("", "list", "nodes"), false, "nothing cluster-scoped");
    });

    it("in its own project it still cannot read secrets, create pods or forward ports", () => {
      for (const [verb, resource] of [
        ["get", "secrets"],
        ["create", "pods"],
        ["create", "pods/portforward"],
        ["create", "pods/attach"],
        ["delete", "pods"],
      ])
        assert.equal(at("search-api", verb, resource), false, `${verb} ${resource}`);
    });

    it("no project binds the ServiceAccount groups, so no other key gets in through a group", () => {
      for (const b of rbac.bindings)
        for (const s of b.subjects) assert.ok(!s.name.startsWith("system:"), `${b.metadata.name}: ${s.name}`);
    });
  });

  describe("the evaluator follows the RBAC authorizer's matching", () => {
    it("matches wildcards, subresources and resource names as Kubernetes does", () => {
      const rules = [
        { apiGroups: ["*"], resources: ["*/scale"], verbs: ["update"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["one"] },
      ];
      assert.ok(allows(rules, req("update", "deployments/scale", "apps")));
      assert.ok(!allows(rules, req("update", "deployments", "apps")));
      assert.ok(allows(rules, req("get", "configmaps", "", "one")));
      assert.ok(!allows(rules, req("get", "configmaps", "", "two")));
      assert.ok(!allows(rules, req("list", "configmaps")));
      assert.ok(!allows([{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }], req("get", "pods/exec")));
    });
  });
});
