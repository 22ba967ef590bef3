/**
 * The project admission policies against good and hostile requests: the rendered CEL, run
 * by the evaluator in ./admission.ts with the project's real Roles and RoleBindings as the
 * authorizer. Each hostile case is something a project member or lead could send with
 * kubectl; each good case is something the platform or a project must keep being able to do.
 */
import { strict as assert } from "node:assert";
import {
  ValidatingAdmissionPolicy as PolicyModel,
  ValidatingAdmissionPolicyBinding as BindingModel,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import {
  ALLOWED_VOLUME_TYPES,
  REFUSED_VOLUME_TYPES,
  WORKLOAD_SPEC_FIELDS,
  renderAdmissionPolicies,
} from "../../components/project/admission";
import { authorize, type Principal, type RbacObjects } from "../../components/project/authorize";
import { renderNamespace } from "../../components/project/render";
import { renderAccessKey, renderRoleBindings, renderRoles } from "../../components/project/renderRbac";
import { renderTcpRoutes } from "../../components/project/renderTcp";
import type { Namespace } from "../../components/project/types";
import { admit, compile, expressionsOf, selects, type AdmissionRequest, type AuthorizerQuery } from "./admission";
import { prodSpec, projectFacts } from "./fixtures";

type Json = Record<string, unknown>;

/** VolumeSource of Kubernetes 1.35 (kubernetes/api@v0.35.2 core/v1/types.go, type VolumeSource). */
const VOLUME_SOURCE_1_35 = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];

/** A minimal valid source of each volume type (the API server validates shape before admission). */
const SOURCES: Record<string, Json> = {
  hostPath: { path: "/etc" },
  emptyDir: {},
  gcePersistentDisk: { pdName: "disk" },
  awsElasticBlockStore: { volumeID: "vol-1" },
  gitRepo: { repository: "https://git.example.com/x.git" },
  secret: { secretName: "app" },
  nfs: { server: "10.10.3.11", path: "/k8s-data/other-project" },
  iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.2001-04.com.example:storage", lun: 0 },
  glusterfs: { endpoints: "gluster", path: "k8s-data" },
  persistentVolumeClaim: { claimName: "data" },
  rbd: { monitors: ["10.0.0.1:6789"], image: "img" },
  flexVolume: { driver: "example/flex" },
  cinder: { volumeID: "v" },
  cephfs: { monitors: ["10.0.0.1:6789"] },
  flocker: { datasetName: "d" },
  downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
  fc: { wwids: ["w"] },
  azureFile: { secretName: "s", shareName: "x" },
  configMap: { name: "cfg" },
  vsphereVolume: { volumePath: "[ds] v.vmdk" },
  quobyte: { registry: "r:7861", volume: "v" },
  azureDisk: { diskName: "d", diskURI: "u" },
  photonPersistentDisk: { pdID: "p" },
  projected: { sources: [{ serviceAccountToken: { path: "token" } }] },
  portworxVolume: { volumeID: "p" },
  scaleIO: { gateway: "g", system: "s", secretRef: { name: "s" } },
  storageos: { volumeName: "v" },
  csi: { driver: "nfs.csi.k8s.io", volumeAttributes: { server: "10.10.3.11", share: "/k8s-data" } },
  ephemeral: {
    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
  },
  image: { reference: "reg.example.internal/platform/library/busybox:1.37", pullPolicy: "IfNotPresent" },
};

/** kind -> API group, version and resource. */
const API: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: "", version: "v1", resource: "pods" },
  PodTemplate: { group: "", version: "v1", resource: "podtemplates" },
  ReplicationController: { group: "", version: "v1", resource: "replicationcontrollers" },
  PersistentVolumeClaim: { group: "", version: "v1", resource: "persistentvolumeclaims" },
  Deployment: { group: "apps", version: "v1", resource: "deployments" },
  StatefulSet: { group: "apps", version: "v1", resource: "statefulsets" },
  DaemonSet: { group: "apps", version: "v1", resource: "daemonsets" },
  ReplicaSet: { group: "apps", version: "v1", resource: "replicasets" },
  Job: { group: "batch", version: "v1", resource: "jobs" },
  CronJob: { group: "batch", version: "v1", resource: "cronjobs" },
  Ingress: { group: "networking.k8s.io", version: "v1", resource: "ingresses" },
  IngressRoute: { group: "traefik.io", version: "v1alpha1", resource: "ingressroutes" },
  IngressRouteTCP: { group: "traefik.io", version: "v1alpha1", resource: "ingressroutetcps" },
  IngressRouteUDP: { group: "traefik.io", version: "v1alpha1", resource: "ingressrouteudps" },
};

const spec = prodSpec();
const facts = projectFacts(spec);
const policies = renderAdmissionPolicies();
const namespaces = new Map<string, Namespace>(spec.projects.map((p) => [p.name, renderNamespace(p, facts)]));
const rbac: RbacObjects = {
  roles: spec.projects.flatMap((p) => [...renderRoles(p), ...(p.accessKey ? [renderAccessKey(p).role] : [])]),
  bindings: spec.projects.flatMap((p) => [
    ...renderRoleBindings(p),
    ...(p.accessKey ? [renderAccessKey(p).roleBinding] : []),
  ]),
};

// Principals (search-api's people from Pulumi.prod.yaml, plus the platform's own).
const admin: Principal = { username: "wang.wu", groups: ["system:authenticated"] };
const lead: Principal = { username: "zhao.liu", groups: ["system:authenticated"] };
const member: Principal = { username: "qian.dev", groups: ["search-api-dev", "system:authenticated"] };
const platform: Principal = { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };
const pvBinder: Principal = {
  username: "system:serviceaccount:kube-system:persistent-volume-binder",
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};

/** The authorizer: cluster-admin for the platform, the binder's ClusterRole for PVs, else the project RBAC. */
function askFor(user: Principal) {
  return (q: AuthorizerQuery): boolean => {
    if (user === platform) return true;
    if (user === pvBinder) return q.resource === "persistentvolumes" && q.verb === "update";
    return authorize(rbac, user, {
      verb: q.verb,
      apiGroup: q.apiGroup,
      resource: q.resource,
      namespace: q.namespace,
      name: q.name === "" ? undefined : q.name,
    });
  };
}

interface Send {
  readonly kind: string;
  readonly object: Json;
  readonly namespace?: string;
  readonly user?: Principal;
  readonly oldObject?: Json;
}

/** Sends one CREATE (or UPDATE, with `oldObject`) through every policy. */
function send({ kind, object, namespace = "search-api", user = lead, oldObject }: Send) {
  const ns = namespaces.get(namespace) ?? {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: { name: namespace, labels: {} },
  };
  const meta = (object.metadata ?? {}) as { name?: string };
  const request: AdmissionRequest = {
    operation: oldObject === undefined ? "CREATE" : "UPDATE",
    ...API[kind],
    kind,
    namespace,
    name: meta.name ?? "",
    object: { apiVersion: API[kind].group === "" ? "v1" : `${API[kind].group}/${API[kind].version}`, kind, ...object },
    oldObject: oldObject && { kind, ...oldObject },
    user,
  };
  return admit(policies, ns, request, askFor(user));
}

const allowed = (s: Send) => {
  const v = send(s);
  assert.ok(v.allowed, `expected allowed, denied: ${JSON.stringify(v.denials)}`);
};
const denied = (s: Send, policy: string, message?: RegExp) => {
  const v = send(s);
  assert.ok(!v.allowed, "expected a denial");
  const hit = v.denials.find((d) => d.policy.startsWith(policy) && (message === undefined || message.test(d.message)));
  assert.ok(hit, `expected a denial by ${policy} matching ${String(message)}; got ${JSON.stringify(v.denials)}`);
  assert.ok(!v.denials.some((d) => d.message.startsWith("expression error")), JSON.stringify(v.denials));
};

const container = { name: "app", image: "reg.example.internal/search-api/app:1.0" };
const podSpec = (volumes: Json[] = [], extra: Json = {}): Json => ({
  containers: [container],
  ...(volumes.length > 0 ? { volumes } : {}),
  ...extra,
});
const template = (spec: Json, annotations?: Record<string, string>): Json => ({
  metadata: { labels: { app: "web" }, ...(annotations ? { annotations } : {}) },
  spec,
});

/** A workload of `kind` whose pods use `volumes`. */
function workload(kind: string, volumes: Json[]): Json {
  const pod = podSpec(volumes);
  const selector = { matchLabels: { app: "web" } };
  switch (kind) {
    case "Pod":
      return { metadata: { name: "web" }, spec: pod };
    case "PodTemplate":
      return { metadata: { name: "web" }, template: template(pod) };
    case "ReplicationController":
      return { metadata: { name: "web" }, spec: { replicas: 1, selector: { app: "web" }, template: template(pod) } };
    case "CronJob":
      return {
        metadata: { name: "web" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: { spec: { template: template({ ...pod, restartPolicy: "Never" }) } },
        },
      };
    case "Job":
      return { metadata: { name: "web" }, spec: { template: template({ ...pod, restartPolicy: "Never" }) } };
    case "DaemonSet":
      return { metadata: { name: "web" }, spec: { selector, template: template(pod) } };
    default:
      return { metadata: { name: "web" }, spec: { replicas: 2, selector, template: template(pod) } };
  }
}

describe("project admission policies (CEL evaluated against good and hostile objects)", () => {
  it("are ValidatingAdmissionPolicies with Deny bindings on every project namespace, valid by the OpenAPI schema", () => {
    assert.equal(policies.length, 5);
    for (const { policy, binding } of policies) {
      new PolicyModel(policy as never).validate();
      new BindingModel(binding as never).validate();
      assert.equal(policy.spec.failurePolicy, "Fail", "an evaluation error must deny, not let through");
      assert.equal(binding.spec.policyName, policy.metadata.name);
      assert.deepEqual(binding.spec.validationActions, ["Deny"]);
      assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchExpressions, [
        { key: "k8s-platform.io/project", operator: "Exists" },
      ]);
    }
  });

  it("every expression parses and type-checks with only Kubernetes CEL functions", () => {
    for (const p of policies) for (const e of expressionsOf(p)) compile(e);
    assert.throws(() => compile("object.spec.frobnicate('x'"), /./, "the check can fail");
  });

  it("apply only in project namespaces", () => {
    const nfs = workload("Pod", [{ name: "x", nfs: SOURCES.nfs }]);
    allowed({ kind: "Pod", object: nfs, namespace: "kube-system", user: platform });
    denied({ kind: "Pod", object: nfs, namespace: "search-api", user: platform }, "project-volumes");
    const [volumes] = policies;
    const request = { operation: "CREATE", group: "", version: "v1", kind: "Pod", resource: "pods" } as const;
    assert.ok(
      !selects(
        volumes,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } },
        {
          ...request,
          namespace: "x",
          name: "p",
          object: nfs,
          user: lead,
        },
      ),
    );
  });

  describe("volumes (issue 15.1)", () => {
    it("the allowed and refused volume types cover Kubernetes 1.35's VolumeSource exactly", () => {
      assert.deepEqual([...ALLOWED_VOLUME_TYPES, ...REFUSED_VOLUME_TYPES].sort(), [...VOLUME_SOURCE_1_35].sort());
      assert.deepEqual(Object.keys(SOURCES).sort(), [...VOLUME_SOURCE_1_35].sort());
    });

    for (const type of REFUSED_VOLUME_TYPES) {
      it(`refuses an inline ${type} volume in a pod, naming it`, () => {
        denied(
          { kind: "Pod", object: workload("Pod", [{ name: `my-${type.toLowerCase()}`, [type]: SOURCES[type] }]) },
          "project-volumes",
          new RegExp(`volume\\(s\\) my-${type.toLowerCase()} of Pod search-api/web reach a server or the node`),
        );
      });
    }

    it("allows every in-pod type and claims through the StorageClass", () => {
      allowed({
        kind: "Pod",
        object: workload(
          "Pod",
          ALLOWED_VOLUME_TYPES.map((t) => ({ name: t.toLowerCase(), [t]: SOURCES[t] })),
        ),
      });
      allowed({ kind: "Pod", object: workload("Pod", []) });
    });

    for (const kind of [
      "Deployment",
      "StatefulSet",
      "DaemonSet",
      "ReplicaSet",
      "Job",
      "CronJob",
      "ReplicationController",
      "PodTemplate",
    ]) {
      it(`checks the pod template of a ${kind}`, () => {
        denied({ kind, object: workload(kind, [{ name: "other", nfs: SOURCES.nfs }]) }, "project-volumes", /other/);
        allowed({ kind, object: workload(kind, [{ name: "cache", emptyDir: {} }]) });
      });
    }

    it("hostPath: only the project's own log directory, for a project with appLogPaths", () => {
      const at = (path: string, type?: string) =>
        workload("Pod", [{ name: "logs", hostPath: { path, ...(type ? { type } : {}) } }]);
      const ns = "data-pipeline";
      allowed({ kind: "Pod", namespace: ns, object: at("/var/log/projects/data-pipeline") });
      allowed({
        kind: "Pod",
        namespace: ns,
        object: at("/var/log/projects/data-pipeline/worker", "DirectoryOrCreate"),
      });
      for (const hostile of [
        "/var/log/projects/data-pipeline/../../../etc",
        "/var/log/projects/data-pipeline/./x",
        "/var/log/projects/data-pipeline//x",
        "/var/log/projects/data-pipeline-evil",
        "/var/log/projects/search-api",
        "/var/log",
        "/",
        "/var/lib/kubelet",
      ]) {
        denied({ kind: "Pod", namespace: ns, object: at(hostile) }, "project-volumes", /logs/);
      }
      denied(
        { kind: "Pod", namespace: ns, object: at("/var/log/projects/data-pipeline/s.sock", "Socket") },
        "project-volumes",
      );
      // search-api has no appLogPaths: not even its own directory.
      denied({ kind: "Pod", object: at("/var/log/projects/search-api") }, "project-volumes");
    });

    it("claim templates may not name a PersistentVolume", () => {
      const sts = workload("StatefulSet", []);
      (sts.spec as Json).volumeClaimTemplates = [
        {
          metadata: { name: "data" },
          spec: { volumeName: "pvc-of-another-project", resources: { requests: { storage: "1Gi" } } },
        },
      ];
      denied({ kind: "StatefulSet", object: sts }, "project-volumes", /volumeName/);
      const eph = workload("Pod", [
        {
          name: "scratch",
          ephemeral: {
            volumeClaimTemplate: { spec: { volumeName: "pv-1", resources: { requests: { storage: "1Gi" } } } },
          },
        },
      ]);
      denied({ kind: "Pod", object: eph }, "project-volumes", /volumeName/);
    });
  });

  describe("claims (issue 15.1)", () => {
    const claim = (volumeName?: string, extra: Json = {}): Json => ({
      metadata: { name: "data" },
      spec: {
        accessModes: ["ReadWriteMany"],
        storageClassName: "glusterfs",
        resources: { requests: { storage: "10Gi" } },
        ...(volumeName ? { volumeName } : {}),
        ...extra,
      },
    });

    it("a claim through the platform's StorageClass is fine; naming a volume is refused", () => {
      allowed({ kind: "PersistentVolumeClaim", object: claim() });
      denied(
        { kind: "PersistentVolumeClaim", object: claim("pvc-1234-of-news-feed") },
        "project-claims",
        /names PersistentVolume pvc-1234-of-news-feed/,
      );
    });

    it("the PV binder may bind a pending claim; a lead may not set volumeName on it", () => {
      allowed({ kind: "PersistentVolumeClaim", object: claim("pvc-new"), oldObject: claim(), user: pvBinder });
      denied(
        { kind: "PersistentVolumeClaim", object: claim("pvc-other"), oldObject: claim(), user: lead },
        "project-claims",
      );
    });

    it("a bound claim can still be resized by its project", () => {
      const bigger = claim("pvc-new", { resources: { requests: { storage: "20Gi" } } });
      allowed({ kind: "PersistentVolumeClaim", object: bigger, oldObject: claim("pvc-new"), user: lead });
    });

    it("a data source in another namespace is refused", () => {
      const ref = { dataSourceRef: { kind: "PersistentVolumeClaim", name: "db", namespace: "news-feed" } };
      denied({ kind: "PersistentVolumeClaim", object: claim(undefined, ref) }, "project-claims", /own namespace/);
    });
  });

  describe("ingress hosts (issue 15.2)", () => {
    const ingress = (hosts: (string | undefined)[], extra: Json = {}, annotations?: Record<string, string>): Json => ({
      metadata: { name: "web", ...(annotations ? { annotations } : {}) },
      spec: {
        rules: hosts.map((host) => ({
          ...(host !== undefined ? { host } : {}),
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }],
          },
        })),
        ...extra,
      },
    });

    it("own hosts and one label under an own wildcard pass", () => {
      allowed({ kind: "Ingress", object: ingress(["api.search.example.com"]) });
      allowed({
        kind: "Ingress",
        namespace: "news-feed",
        object: ingress(["news.example.com", "us.news.example.com", "*.news.example.com"]),
      });
    });

    it("another project's host, a deeper name under a wildcard and a rule without host are refused, naming the host", () => {
      denied(
        { kind: "Ingress", object: ingress(["search.example.com"]) },
        "project-ingress-hosts",
        /host\(s\) search\.example\.com is not one of project search-api's domains \(api\.search\.example\.com\)/,
      );
      denied(
        { kind: "Ingress", namespace: "news-feed", object: ingress(["a.b.news.example.com"]) },
        "project-ingress-hosts",
        /a\.b\.news/,
      );
      denied({ kind: "Ingress", object: ingress([undefined]) }, "project-ingress-hosts", /catches every host/);
      denied(
        { kind: "Ingress", namespace: "news-feed", object: ingress(["xnews.example.com"]) },
        "project-ingress-hosts",
      );
    });

    it("TLS hosts, default backends, snippets and aliases cannot reach other hosts", () => {
      const own = ["api.search.example.com"];
      denied(
        { kind: "Ingress", object: ingress(own, { tls: [{ hosts: ["ads.example.com"], secretName: "x" }] }) },
        "project-ingress-hosts",
        /TLS host/,
      );
      denied(
        {
          kind: "Ingress",
          object: ingress(own, { defaultBackend: { service: { name: "web", port: { number: 80 } } } }),
        },
        "project-ingress-hosts",
        /defaultBackend/,
      );
      denied(
        {
          kind: "Ingress",
          object: ingress(own, {}, { "nginx.ingress.kubernetes.io/server-snippet": "location / {}" }),
        },
        "project-ingress-hosts",
        /snippet/,
      );
      denied(
        {
          kind: "Ingress",
          object: ingress(own, {}, { "nginx.ingress.kubernetes.io/server-alias": "ads.example.com" }),
        },
        "project-ingress-hosts",
        /server-alias/,
      );
      allowed({
        kind: "Ingress",
        object: ingress(own, {}, { "nginx.ingress.kubernetes.io/server-alias": "api.search.example.com" }),
      });
      allowed({ kind: "Ingress", object: ingress(own, { tls: [{ hosts: own, secretName: "tls" }] }) });
    });

    it("traefik annotations: web/websecure only, no references to objects of other namespaces", () => {
      const own = ["api.search.example.com"];
      allowed({
        kind: "Ingress",
        object: ingress(own, {}, { "traefik.ingress.kubernetes.io/router.entrypoints": "websecure" }),
      });
      denied(
        {
          kind: "Ingress",
          object: ingress(own, {}, { "traefik.ingress.kubernetes.io/router.entrypoints": "tcp-6379" }),
        },
        "project-ingress-hosts",
        /entry points/,
      );
      denied(
        {
          kind: "Ingress",
          object: ingress(
            own,
            {},
            { "traefik.ingress.kubernetes.io/router.middlewares": "monitoring-auth@kubernetescrd" },
          ),
        },
        "project-ingress-hosts",
      );
      denied(
        {
          kind: "Ingress",
          object: ingress(
            own,
            {},
            { "traefik.ingress.kubernetes.io/service.serverstransport": "kube-system-mtls@kubernetescrd" },
          ),
        },
        "project-ingress-hosts",
      );
    });
  });

  describe("traefik routes (issues 15.2, 20.1)", () => {
    const route = (match: string, extra: Json = {}, spec: Json = {}): Json => ({
      metadata: { name: "web" },
      spec: {
        entryPoints: ["websecure"],
        routes: [{ kind: "Rule", match, services: [{ name: "web", port: 80 }], ...extra }],
        ...spec,
      },
    });

    it("Host() of an own domain, alone or as the first matcher of every || term, passes", () => {
      for (const match of [
        "Host(`api.search.example.com`)",
        "Host(`api.search.example.com`) && PathPrefix(`/v1`)",
        "Host(`api.search.example.com`) && Path(`/a`) || Host(`api.search.example.com`) && Path(`/b`)",
        "Host(`api.search.example.com`) && !PathPrefix(`/admin`)",
      ]) {
        allowed({ kind: "IngressRoute", object: route(match) });
      }
      allowed({
        kind: "IngressRoute",
        namespace: "news-feed",
        object: route("Host(`eu.news.example.com`) || Host(`news.example.com`)"),
      });
    });

    for (const [what, match] of [
      ["another project's host", "Host(`ads.example.com`)"],
      ["no host at all", "PathPrefix(`/`)"],
      ["a catch-all || term", "Host(`api.search.example.com`) || PathPrefix(`/`)"],
      ["traefik's Host(`*`) catch-all", "Host(`*`)"],
      ["a differently spelled Host matcher", "HOST(`ads.example.com`) || Host(`api.search.example.com`)"],
      ["a second spelling hidden in a term", "Host(`api.search.example.com`) && host(`x`)"],
      ["HostRegexp", "HostRegexp(`.+`)"],
      ["a HostRegexp term", "Host(`api.search.example.com`) && HostRegexp(`.+`)"],
      ["a double-quoted host", 'Host("ads.example.com")'],
      ["a leading parenthesis", "(Host(`api.search.example.com`) || PathPrefix(`/`))"],
      ["a || inside a term", "Host(`api.search.example.com`) && (Path(`/a`) || Path(`/b`))"],
    ]) {
      it(`refuses an IngressRoute with ${what}: ${match}`, () => {
        denied({ kind: "IngressRoute", object: route(match) }, "project-routes", /rule\(s\)|terms joined/);
      });
    }

    it("refuses v2 syntax, foreign entry points and references out of the namespace", () => {
      const own = "Host(`api.search.example.com`)";
      denied({ kind: "IngressRoute", object: route(own, { syntax: "v2" }) }, "project-routes", /v3/);
      denied(
        { kind: "IngressRoute", object: route(own, {}, { entryPoints: ["tcp-6379"] }) },
        "project-routes",
        /web and websecure/,
      );
      denied(
        {
          kind: "IngressRoute",
          object: route(own, { services: [{ name: "grafana", namespace: "monitoring", port: 80 }] }),
        },
        "project-routes",
        /own namespace/,
      );
      denied(
        { kind: "IngressRoute", object: route(own, { services: [{ kind: "TraefikService", name: "api@internal" }] }) },
        "project-routes",
        /name@provider/,
      );
      denied(
        { kind: "IngressRoute", object: route(own, { middlewares: [{ name: "auth", namespace: "monitoring" }] }) },
        "project-routes",
      );
      denied(
        { kind: "IngressRoute", object: route(own, {}, { parentRefs: [{ name: "root", namespace: "traefik" }] }) },
        "project-routes",
      );
      denied(
        { kind: "IngressRoute", object: route(own, {}, { tls: { domains: [{ main: "ads.example.com" }] } }) },
        "project-routes",
        /tls.domains/,
      );
      allowed({
        kind: "IngressRoute",
        object: route(own, {}, { tls: { secretName: "api-tls", domains: [{ main: "api.search.example.com" }] } }),
      });
    });

    it("the platform's own TCP route of each project passes (the rendered objects)", () => {
      for (const p of spec.projects) {
        for (const r of renderTcpRoutes(p)) {
          allowed({ kind: "IngressRouteTCP", namespace: p.name, object: r as unknown as Json, user: platform });
        }
      }
      assert.ok(
        spec.projects.some((p) => renderTcpRoutes(p).length > 0),
        "prod has a TCP port",
      );
    });

    const tcpRoute = (
      entryPoints: string[] | undefined,
      match = "HostSNI(`*`)",
      service: Json = { name: "redis", port: 6379 },
    ): Json => ({
      metadata: { name: "redis" },
      spec: { ...(entryPoints ? { entryPoints } : {}), routes: [{ match, services: [service] }] },
    });

    it("a TCP route on a port the project was not given is refused, naming the ports it has", () => {
      denied(
        { kind: "IngressRouteTCP", namespace: "news-feed", object: tcpRoute(["tcp-6379"]) },
        "project-routes",
        /tcp-6379 are not project news-feed's: it was given TCP port\(s\) none/,
      );
      denied(
        { kind: "IngressRouteTCP", object: tcpRoute(["tcp-16379"]) },
        "project-routes",
        /given TCP port\(s\) 6379/,
      );
      denied({ kind: "IngressRouteTCP", object: tcpRoute(undefined) }, "project-routes", /must name its entry points/);
      denied({ kind: "IngressRouteTCP", object: tcpRoute(["metrics"]) }, "project-routes");
    });

    it("on websecure a TCP route needs HostSNI of an own domain; HostSNI(`*`) would take all TLS traffic", () => {
      denied({ kind: "IngressRouteTCP", object: tcpRoute(["websecure"]) }, "project-routes", /HostSNI/);
      denied(
        { kind: "IngressRouteTCP", object: tcpRoute(["websecure"], "HostSNI(`ads.example.com`)") },
        "project-routes",
        /HostSNI/,
      );
      allowed({ kind: "IngressRouteTCP", object: tcpRoute(["websecure"], "HostSNI(`api.search.example.com`)") });
      denied(
        {
          kind: "IngressRouteTCP",
          object: tcpRoute(["tcp-6379"], "HostSNI(`*`)", { name: "db", namespace: "news-feed", port: 5432 }),
        },
        "project-routes",
        /own namespace/,
      );
    });

    it("UDP routes are refused", () => {
      denied(
        {
          kind: "IngressRouteUDP",
          object: {
            metadata: { name: "dns" },
            spec: { entryPoints: ["udp"], routes: [{ services: [{ name: "dns", port: 53 }] }] },
          },
        },
        "project-routes",
        /UDP/,
      );
    });
  });

  describe("pod templates (issue 15.3)", () => {
    const deployment = (pod: Json, annotations?: Record<string, string>, replicas = 2): Json => ({
      metadata: { name: "web", labels: { app: "web" } },
      spec: { replicas, selector: { matchLabels: { app: "web" } }, template: template(pod, annotations) },
    });
    const before = deployment(podSpec([{ name: "cfg", configMap: { name: "cfg" } }]));
    const restarted = (at: string, base = before): Json => {
      const copy = JSON.parse(JSON.stringify(base)) as Json;
      const meta = ((copy.spec as Json).template as Json).metadata as Json;
      meta.annotations = { ...((meta.annotations as Json | undefined) ?? {}), "kubectl.kubernetes.io/restartedAt": at };
      return copy;
    };

    it("a member may restart (kubectl rollout restart), again and again", () => {
      const once = restarted("2026-03-01T10:00:00Z");
      allowed({ kind: "Deployment", object: once, oldObject: before, user: member });
      allowed({ kind: "Deployment", object: restarted("2026-03-02T10:00:00Z", once), oldObject: once, user: member });
    });

    it("restart works on StatefulSets and DaemonSets too", () => {
      const sts = (s: Json): Json => ({
        metadata: { name: "db" },
        spec: {
          replicas: 1,
          serviceName: "db",
          selector: { matchLabels: { app: "web" } },
          template: template(podSpec(), s as Record<string, string>),
        },
      });
      allowed({
        kind: "StatefulSet",
        object: sts({ "kubectl.kubernetes.io/restartedAt": "t" }),
        oldObject: sts({}),
        user: member,
      });
      const ds = (s: Json): Json => ({
        metadata: { name: "agent" },
        spec: { selector: { matchLabels: { app: "web" } }, template: template(podSpec(), s as Record<string, string>) },
      });
      allowed({
        kind: "DaemonSet",
        object: ds({ "kubectl.kubernetes.io/restartedAt": "t" }),
        oldObject: ds({}),
        user: member,
      });
    });

    for (const [what, after] of [
      [
        "mounts a Secret",
        deployment(
          podSpec([
            { name: "cfg", configMap: { name: "cfg" } },
            { name: "keys", secret: { secretName: "db-password" } },
          ]),
        ),
      ],
      [
        "switches the ServiceAccount",
        deployment(
          podSpec([{ name: "cfg", configMap: { name: "cfg" } }], {
            serviceAccountName: "project-access-key",
            automountServiceAccountToken: true,
          }),
        ),
      ],
      [
        "changes the image",
        deployment({
          containers: [{ ...container, image: "evil.example.com/miner:latest" }],
          volumes: [{ name: "cfg", configMap: { name: "cfg" } }],
        }),
      ],
      ["scales", deployment(podSpec([{ name: "cfg", configMap: { name: "cfg" } }]), undefined, 50)],
      [
        "sets another template annotation",
        restarted("t", deployment(podSpec([{ name: "cfg", configMap: { name: "cfg" } }]), { "example.com/x": "1" })),
      ],
    ] as const) {
      it(`a member's patch that ${what} is refused, naming the user`, () => {
        denied(
          { kind: "Deployment", object: after, oldObject: before, user: member },
          "project-pod-templates",
          /qian\.dev may only restart deployments\/web/,
        );
      });
    }

    it("a member cannot relabel the pod template or pause the rollout", () => {
      const relabelled = JSON.parse(JSON.stringify(before)) as Json;
      (((relabelled.spec as Json).template as Json).metadata as Json).labels = { app: "web", tier: "x" };
      denied({ kind: "Deployment", object: relabelled, oldObject: before, user: member }, "project-pod-templates");
      const paused = JSON.parse(JSON.stringify(before)) as Json;
      (paused.spec as Json).paused = true;
      denied({ kind: "Deployment", object: paused, oldObject: before, user: member }, "project-pod-templates");
    });

    it("a lead, an admin and the platform change templates freely", () => {
      const changed = deployment(
        podSpec([{ name: "keys", secret: { secretName: "db-password" } }], { serviceAccountName: "batch" }),
      );
      for (const user of [lead, admin, platform])
        allowed({ kind: "Deployment", object: changed, oldObject: before, user });
    });

    it("compares every spec field of the three kinds (k8s.io/api apps/v1 at 1.35)", () => {
      assert.deepEqual(Object.keys(WORKLOAD_SPEC_FIELDS).sort(), ["DaemonSet", "Deployment", "StatefulSet"]);
      const [templates] = policies.filter((p) => p.policy.metadata.name.startsWith("project-pod-templates"));
      const restartOnly = templates.policy.spec.variables?.find((v) => v.name === "restartOnly")?.expression ?? "";
      for (const fields of Object.values(WORKLOAD_SPEC_FIELDS))
        for (const f of fields)
          assert.match(restartOnly, new RegExp(`object\\.spec\\.${f} == oldObject\\.spec\\.${f}`));
    });
  });

  describe("what each role reaches through pod templates (RBAC and admission together)", () => {
    const can = (user: Principal, verb: string, resource: string, apiGroup = "") =>
      authorize(rbac, user, { verb, resource, apiGroup, namespace: "search-api" });
    const before = workload("Deployment", []);
    const withSecret = workload("Deployment", [{ name: "keys", secret: { secretName: "db-password" } }]);
    const template = (user: Principal) =>
      send({ kind: "Deployment", object: withSecret, oldObject: before, user }).allowed;

    it("admin and lead: create workloads, so they can mount any Secret of the project and pick any of its ServiceAccounts", () => {
      for (const user of [admin, lead]) {
        assert.ok(can(user, "create", "deployments", "apps"));
        assert.ok(can(user, "get", "secrets"), "they read Secrets directly anyway");
        assert.ok(template(user));
      }
    });

    it("member: no Secret read, no workload create, and its patch right stops at the restart annotation", () => {
      assert.ok(!can(member, "get", "secrets"));
      assert.ok(!can(member, "create", "deployments", "apps"));
      assert.ok(!can(member, "create", "pods"));
      assert.ok(!can(member, "update", "deployments", "apps"));
      assert.ok(can(member, "patch", "deployments", "apps"), "RBAC alone would let the template through");
      assert.ok(!template(member), "the admission policy does not");
      assert.ok(can(member, "create", "pods/exec"), "exec reaches what the pod already mounts (documented)");
    });

    it("nobody in the project reaches another project's namespace", () => {
      for (const user of [admin, lead, member])
        assert.ok(!authorize(rbac, user, { verb: "get", resource: "pods", apiGroup: "", namespace: "news-feed" }));
    });
  });
});
