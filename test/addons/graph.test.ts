import { strict as assert } from "node:assert";
import type { Graph, RecordedResource } from "../../stacks/plan/run";
import { runProgram } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { configWithWorkers, specOf } from "../network/fixtures";
import { fullRaw } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type Json = any;

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART = "kubernetes:helm.sh/v4:Chart";
/** Public registries no image reference may name (the mirror replaces them all). */
const PUBLIC_REGISTRY =
  /^(docker\.io|quay\.io|registry\.k8s\.io|k8s\.gcr\.io|gcr\.io|ghcr\.io|cr\.fluentbit\.io|docker\.elastic\.co|public\.ecr\.aws|mcr\.microsoft\.com|registry-1\.docker\.io)\//;

/** The same registries named inside a longer text (a rendered config file, a script). */
const PUBLIC_REGISTRY_IN_TEXT = new RegExp(`(^|[\\s"'=(\\[,])(${PUBLIC_REGISTRY.source.slice(2, -3)})/[a-z0-9]`, "m");

const unsecret = (v: Json): Json => (v && typeof v === "object" && "$secret" in v ? v.$secret : v);

/**
 * Every image reference found in a value: `image` strings, split `registry` + `repository`
 * (or `registry` + `image`) pairs, `repository` strings that start with a host, and any
 * string that starts with a public registry.
 */
function imageRefs(value: Json, path: string, out: { path: string; ref: string }[]): void {
  value = unsecret(value);
  if (typeof value === "string") {
    if (PUBLIC_REGISTRY_IN_TEXT.test(value))
      out.push({ path, ref: value.length > 200 ? `${value.slice(0, 200)}...` : value });
    return;
  }
  if (Array.isArray(value)) return value.forEach((v, i) => imageRefs(v, `${path}[${i}]`, out));
  if (!value || typeof value !== "object") return;
  const registry = typeof unsecret(value.registry) === "string" ? (unsecret(value.registry) as string) : undefined;
  const name = [value.repository, value.image].map(unsecret).find((x) => typeof x === "string");
  if (registry !== undefined && name !== undefined) out.push({ path, ref: `${registry}/${name}` });
  for (const [k, v] of Object.entries(value)) {
    const u = unsecret(v);
    if (typeof u !== "string") {
      imageRefs(v, `${path}.${k}`, out);
      continue;
    }
    const hostPath = u.includes("/") && /[.:]/.test(u.split("/")[0]);
    const imageKey = registry === undefined && (k === "image" || (k === "repository" && hostPath));
    if (imageKey || PUBLIC_REGISTRY_IN_TEXT.test(u)) out.push({ path: `${path}.${k}`, ref: u });
  }
}

const byType = (g: Graph, type: string) => g.resources.filter((r) => r.type === type);
/** Helm releases and helm.v4 Charts by release name. */
const releases = (g: Graph) =>
  new Map([...byType(g, RELEASE), ...byType(g, CHART)].map((r) => [r.inputs.name as string, r]));

describe("add-ons: graph (the whole program under the mock harness)", function () {
  this.timeout(300000);
  let prod: Graph;
  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("registers Calico and each add-on as its own component under the Platform", () => {
    const components = [
      "k8s-platform:network:Calico",
      "k8s-platform:addons:CoreDns",
      "k8s-platform:addons:Ingress",
      "k8s-platform:addons:Monitoring",
      "k8s-platform:addons:Logging",
    ];
    for (const type of components) {
      const found = byType(prod, type);
      assert.equal(found.length, 1, type);
      assert.match(found[0].parent ?? "", /Platform/);
    }
  });

  it("creates every in-cluster resource through the cluster's provider", () => {
    const inCluster = prod.resources.filter(
      (r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"),
    );
    assert.ok(inCluster.length > 30);
    for (const r of inCluster) assert.match(r.provider ?? "", /pulumi:providers:kubernetes/, r.urn);
  });

  it("pins every Helm release: chart, version and repository from the mirror, key values", () => {
    const spec = specOf(prodConfig());
    const charts = spec.mirrors.charts;
    const rel = releases(prod);
    const expected: Record<string, [string, string, string]> = {
      calico: ["tigera-operator", `v${spec.versions.calico}`, "tigera-operator"],
      traefik: ["traefik", "41.3.0", "traefik"],
      "metrics-server": ["metrics-server", "3.13.1", "monitoring"],
      "prometheus-operator-crds": ["prometheus-operator-crds", "31.0.1", "monitoring"],
      "kube-prometheus-stack": ["kube-prometheus-stack", "88.5.3", "monitoring"],
      opensearch: ["opensearch", "3.6.0", "logging"],
      "opensearch-dashboards": ["opensearch-dashboards", "3.6.0", "logging"],
      "fluent-bit": ["fluent-bit", "0.58.1", "logging"],
    };
    for (const name of Object.keys(expected)) assert.ok(rel.has(name), `release ${name}`);
    // Every release in the graph, other components' included, comes from the chart mirror at a pinned version.
    for (const r of [...byType(prod, RELEASE), ...byType(prod, CHART)]) {
      assert.deepEqual(r.inputs.repositoryOpts, { repo: charts }, r.urn);
      assert.match(String(r.inputs.version), /^v?\d+\.\d+\.\d+/, r.urn);
    }
    for (const [name, [chart, version, namespace]] of Object.entries(expected)) {
      const r = rel.get(name) as RecordedResource;
      assert.equal(r.inputs.chart, chart, name);
      assert.equal(r.inputs.version, version, name);
      assert.equal(r.inputs.namespace, namespace, name);
      assert.deepEqual(r.inputs.repositoryOpts, { repo: charts }, name);
      if (r.type === RELEASE) assert.equal(r.inputs.createNamespace, false, name);
    }
    const v = (name: string): Json => (rel.get(name) as RecordedResource).inputs.values;
    const pools = v("calico").installation.calicoNetwork.ipPools as Json[];
    assert.equal(pools[0].cidr, "172.20.0.0/17", "pod pools from the start of network.podCidr");
    assert.deepEqual(
      pools.filter((p) => p.allowedUses?.[0] === "Tunnel").map((p) => p.name),
      ["tunnel-masters", "tunnel-nodes"],
    );
    assert.equal(pools[0].encapsulation, "IPIPCrossSubnet");
    assert.equal(v("calico").installation.registry, `${spec.mirrors.images}/`);
    assert.deepEqual(v("traefik").ports["tcp-6379"].exposedPort, 6379);
    assert.equal(v("traefik").deployment.replicas, 3);
    assert.deepEqual(v("traefik").nodeSelector, { "node-role.kubernetes.io/edge": "true" });
    assert.equal(v("kube-prometheus-stack").prometheus.prometheusSpec.retention, "15d");
    assert.equal(
      v("kube-prometheus-stack").prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests
        .storage,
      "200Gi",
    );
    assert.equal(v("kube-prometheus-stack").kubeEtcd.serviceMonitor.scheme, "http");
    assert.equal(v("opensearch").persistence.size, "1Ti");
    assert.match(v("fluent-bit").config.outputs, /Logstash_Prefix_Key\s+\$logs_index/);
  });

  it("applies chart CRDs as resources that follow the chart version, before the charts that use them", () => {
    const rel = releases(prod);
    const crds = rel.get("prometheus-operator-crds") as RecordedResource;
    const kps = rel.get("kube-prometheus-stack") as RecordedResource;
    assert.equal(crds.type, CHART, "CRDs as templates of a helm.v4.Chart: updated on every version change");
    assert.equal(kps.type, RELEASE, "the stack keeps its hooks (admission certgen Jobs)");
    assert.ok(kps.dependencies.includes(crds.urn), "the CRDs come first");
    assert.equal((kps.inputs.values as Json).crds.enabled, false, "its never-upgraded crds/ subchart is off");
    const traefik = rel.get("traefik") as RecordedResource;
    assert.equal(traefik.type, CHART, "traefik has no hooks: its crds/ become resources");
    const calico = rel.get("calico") as RecordedResource;
    assert.equal(calico.type, RELEASE, "the operator manages (creates and upgrades) Calico's CRDs itself");
  });

  it("names no image outside mirrors.images anywhere in the graph (values included)", () => {
    const mirror = specOf(prodConfig()).mirrors.images;
    const refs: { path: string; ref: string }[] = [];
    for (const r of prod.resources) imageRefs(r.inputs, r.urn.split("::").pop() as string, refs);
    assert.ok(refs.length >= 25, `expected the add-ons' image references, found ${refs.length}`);
    const foreign = refs.filter((x) => !x.ref.startsWith(`${mirror}/`));
    assert.deepEqual(foreign, []);
  });

  it("the image scan catches a foreign image (so the test above can fail)", () => {
    const refs: { path: string; ref: string }[] = [];
    imageRefs(
      {
        a: { image: "quay.io/x/y:1" },
        b: { registry: "docker.io", repository: "library/busybox" },
        c: "see registry.k8s.io/pause:3.10",
        d: 'sandbox = "docker.io/library/pause:3.10"',
      },
      "t",
      refs,
    );
    assert.deepEqual(
      refs.map((r) => r.ref),
      [
        "quay.io/x/y:1",
        "docker.io/library/busybox",
        "see registry.k8s.io/pause:3.10",
        'sandbox = "docker.io/library/pause:3.10"',
      ],
    );
  });

  it("puts the kube-dns Service on spec.endpoints.clusterDnsIp", () => {
    const spec = specOf(prodConfig());
    const svc = byType(prod, "kubernetes:core/v1:Service").find(
      (r) => (r.inputs.metadata as Json).name === "kube-dns",
    ) as RecordedResource;
    assert.equal((svc.inputs.spec as Json).clusterIP, spec.endpoints.clusterDnsIp);
  });

  it("gives every kubelet the same cluster DNS address CoreDNS serves on", () => {
    const spec = specOf(prodConfig());
    const kubeletConfigs: string[] = [];
    for (const r of prod.resources.filter((x) => x.name.endsWith("-node-configure"))) {
      const stdin = unsecret(r.inputs.stdin as Json);
      for (const line of String(stdin).split("\n")) {
        const [, , path, b64] = line.trim().split(" ");
        if (path === "/var/lib/kubelet/config.yaml" && b64)
          kubeletConfigs.push(Buffer.from(b64, "base64").toString("utf8"));
      }
    }
    assert.equal(kubeletConfigs.length, spec.topology.nodes.length, "one kubelet config per node in the graph");
    const dns = new RegExp(`clusterDNS:\\s*\\n\\s*- "?${spec.endpoints.clusterDnsIp.replace(/\./g, "\\.")}"?\\s*\\n`);
    for (const text of kubeletConfigs) assert.match(text, dns);
  });

  it("stores no etcd key in the cluster and keeps the Grafana password secret", () => {
    const inCluster = prod.resources.filter((r) => r.type.startsWith("kubernetes:"));
    for (const r of inCluster) {
      const text = JSON.stringify(r.inputs);
      assert.ok(!/etcd-client|etcd.*PRIVATE KEY/s.test(text), `${r.urn} carries etcd client material`);
    }
    const grafana = byType(prod, "kubernetes:core/v1:Secret").find(
      (r) => (r.inputs.metadata as Json).name === "grafana-admin",
    ) as RecordedResource;
    assert.ok("$secret" in (grafana.inputs.stringData as object));
  });

  it("orders the chain: control plane -> Calico -> CoreDNS -> other add-ons", () => {
    const find = (type: string, pred: (r: RecordedResource) => boolean) =>
      prod.resources.find((r) => r.type === type && pred(r)) as RecordedResource;
    const calicoNs = find(
      "kubernetes:core/v1:Namespace",
      (r) => (r.inputs.metadata as Json).name === "tigera-operator",
    );
    assert.ok(
      calicoNs.dependencies.some((d) => /ControlPlane|remote:index:Command/.test(d)),
      "Calico waits for the control plane",
    );
    const corednsDeploy = find("kubernetes:apps/v1:Deployment", (r) => (r.inputs.metadata as Json).name === "coredns");
    assert.ok(
      corednsDeploy.dependencies.some((d) => d.includes("calico-tigera-operator")),
      "CoreDNS waits for Calico",
    );
    const ingressNs = find("kubernetes:core/v1:Namespace", (r) => (r.inputs.metadata as Json).name === "traefik");
    assert.ok(
      ingressNs.dependencies.some((d) => d.includes("coredns-kube-system-coredns")),
      "ingress waits for DNS",
    );
  });
});

describe("add-ons: graph variants", function () {
  this.timeout(300000);

  it("at 100 nodes labels 3 reflectors, adds the peers, and turns the mesh off after them", async () => {
    const g = await runProgram(configWithWorkers(100));
    const patches = byType(g, "kubernetes:core/v1:NodePatch");
    assert.deepEqual(patches.map((p) => (p.inputs.metadata as Json).name).sort(), ["node-001", "node-002", "node-003"]);
    for (const p of patches) {
      const meta = p.inputs.metadata as Json;
      assert.equal(meta.labels["calico-route-reflector"], "true");
      assert.equal(meta.annotations["projectcalico.org/RouteReflectorClusterID"], "244.0.0.1");
    }
    const peers = byType(g, "kubernetes:crd.projectcalico.org/v1:BGPPeer");
    assert.deepEqual(peers.map((p) => (p.inputs.metadata as Json).name).sort(), [
      "peer-with-route-reflectors",
      "route-reflector-mesh",
    ]);
    const bgp = byType(g, "kubernetes:crd.projectcalico.org/v1:BGPConfigurationPatch")[0];
    assert.equal((bgp.inputs.spec as Json).nodeToNodeMeshEnabled, false);
    for (const dep of [...patches, ...peers])
      assert.ok(bgp.dependencies.includes(dep.urn), `mesh off only after ${dep.name}`);
  });

  it("builds traefik with its TCP routes, Grafana/Dashboards ingresses and the DNS options", async () => {
    const g = await runProgram(fullRaw());
    const traefik = releases(g).get("traefik") as RecordedResource;
    assert.equal(traefik.type, CHART, "traefik's CRDs are resources of a helm.v4.Chart");
    assert.equal(traefik.inputs.chart, "traefik");
    assert.equal(traefik.inputs.version, "41.3.0");
    const routes = byType(g, "kubernetes:traefik.io/v1alpha1:IngressRouteTCP");
    assert.equal(routes.length, 2);
    for (const r of routes) assert.ok(r.dependencies.includes(traefik.urn));
    const ingresses = byType(g, "kubernetes:networking.k8s.io/v1:Ingress")
      .map((r) => (r.inputs.spec as Json).rules[0].host)
      .sort();
    assert.deepEqual(ingresses, ["grafana.example.com", "logs.example.com"]);
    assert.ok(
      byType(g, "kubernetes:apps/v1:DaemonSet").some((r) => (r.inputs.metadata as Json).name === "node-local-dns"),
    );
  });

  it("leaves out each add-on that is disabled", async () => {
    const raw = clone(prodConfig());
    const addons = raw.addons as Record<string, Record<string, unknown>>;
    for (const k of ["ingress", "monitoring", "logging"]) addons[k] = { ...addons[k], enabled: false };
    for (const p of raw.projects as { tcp?: unknown }[]) delete p.tcp; // TCP ports need the controller
    const g = await runProgram(raw);
    for (const type of ["Ingress", "Monitoring", "Logging"])
      assert.equal(byType(g, `k8s-platform:addons:${type}`).length, 0, type);
    assert.equal(byType(g, "k8s-platform:addons:CoreDns").length, 1, "DNS is not optional");
    const names = [...releases(g).keys()];
    assert.ok(names.includes("calico"));
    for (const gone of [
      "traefik",
      "ingress-nginx",
      "metrics-server",
      "kube-prometheus-stack",
      "opensearch",
      "opensearch-dashboards",
      "fluent-bit",
    ]) {
      assert.ok(!names.includes(gone), `${gone} is not installed`);
    }
  });
});
