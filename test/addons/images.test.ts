import { strict as assert } from "node:assert";
import { CHART_FACTS } from "../../components/addons/render/charts";
import { allImagePins, requiredImages } from "../../components/addons/render/imageManifest";
import { parseImage, type ImagePin } from "../../components/addons/render/images";
import { renderIngressRelease, renderIngressNginxValues } from "../../components/addons/render/ingress";
import { renderLoggingReleases } from "../../components/addons/render/logging";
import { renderMonitoringReleases } from "../../components/addons/render/monitoring";
import { CALICO } from "../../components/network/images";
import { renderTigeraOperatorValues } from "../../components/network/render";
import { VERIFIED_CALICO_VERSIONS, VERIFIED_CHART_VERSIONS } from "../../stacks/contract/schema/addons";
import { load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import { fullSpec, prodSpec } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- chart values are untyped data
type V = Record<string, any>;

const at = (values: V, path: string): V => path.split(".").reduce((v, k) => v?.[k], values);

/**
 * How each chart's templates build an image reference from the value at a pin's key, read at
 * the pinned tags (the file each rule comes from is named). A pin is right only if the chart,
 * given our values, renders exactly the pinned mirror reference.
 */
const RULES: Record<string, (v: V, values: V) => string> = {
  // traefik/traefik-helm-chart@v41.3.0:traefik/templates/_helpers.tpl (traefik.image-name)
  traefik: (v) => `${v.registry}/${v.repository}:${v.tag}`,
  // kubernetes/ingress-nginx@helm-chart-4.15.1: controller-deployment.yaml, job-createSecret.yaml
  "ingress-nginx": (v) => {
    assert.equal(v.digest, "", "digests pin upstream pushes; the mirror may re-push");
    return `${v.registry}/${v.image}:${v.tag}`;
  },
  // metrics-server _helpers.tpl; fluent-bit _helpers.tpl (fluent-bit.image); opensearch(-dashboards) statefulset/deployment
  repository: (v) => `${v.repository}:${v.tag}`,
  // opensearch-project/helm-charts@opensearch-3.6.0:charts/opensearch/templates/statefulset.yaml (init containers)
  "opensearch-init": (v, values) => {
    assert.equal(values.global?.dockerRegistry, undefined, "no global prefix");
    return `${v.image}:${v.imageTag}`;
  },
  // kube-prometheus-stack templates, grafana _pod.tpl, kube-state-metrics and node-exporter _helpers.tpl:
  // `<global.imageRegistry | registry>/<repository>:<tag>`; node-exporter appends -distroless when asked.
  kps: (v, values) => {
    assert.ok(!v.sha, "no digest");
    const suffix = v.distroless ? "-distroless" : "";
    return `${values.global.imageRegistry ?? v.registry}/${v.repository}:${v.tag}${suffix}`;
  },
  // projectcalico/calico@v3.30.7:charts/tigera-operator/templates/_helpers.tpl; 02-tigera-operator.yaml (calicoctl)
  tigera: (v) => `${v.registry}/${v.image}:${v.version}`,
  calicoctl: (v) => `${v.image}:${v.tag}`,
};

const ruleFor = (pin: ImagePin): string => {
  if (pin.owner === "kube-prometheus-stack") return "kps";
  if (pin.owner === "traefik" || pin.owner === "ingress-nginx") return pin.owner;
  if (pin.owner === "opensearch" && pin.name !== "opensearch") return "opensearch-init";
  if (pin.name === "tigera-operator") return "tigera";
  if (pin.name === "calicoctl") return "calicoctl";
  return "repository";
};

/** Every chart's values with the spec, by pin owner. */
function valuesByOwner(spec: ReturnType<typeof prodSpec>): Record<string, V> {
  const nginx = clone(prodConfig());
  (nginx.addons as { ingress: Record<string, unknown> }).ingress.controller = "ingress-nginx";
  const byName = (releases: { name: string; values: V }[]) =>
    Object.fromEntries(releases.map((r) => [r.name, r.values]));
  return {
    traefik: renderIngressRelease(spec).values,
    "ingress-nginx": renderIngressNginxValues(specOf(nginx)),
    ...byName(renderMonitoringReleases(spec)),
    ...byName(renderLoggingReleases(spec)),
    calico: renderTigeraOperatorValues(spec),
  };
}

describe("add-ons: every image from the mirror, chart defaults included", () => {
  it("records facts for exactly the chart and Calico versions the config admits", () => {
    for (const [chart, versions] of Object.entries(VERIFIED_CHART_VERSIONS))
      assert.deepEqual(Object.keys(CHART_FACTS[chart as keyof typeof CHART_FACTS]).sort(), [...versions].sort(), chart);
    assert.deepEqual(Object.keys(CALICO).sort(), [...VERIFIED_CALICO_VERSIONS].sort());
  });

  it("refuses a chart or Calico version without recorded facts, naming the key", () => {
    const raw = clone(prodConfig());
    (raw.addons as Record<string, unknown>).chartVersions = { "kube-prometheus-stack": "92.3.0" };
    (raw.versions as Record<string, unknown>).calico = "3.31.7";
    const result = load(raw);
    assert.equal(result.ok, false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    assert.ok(paths.includes("addons.chartVersions.kube-prometheus-stack"), paths.join(", "));
    assert.ok(paths.includes("versions.calico"), paths.join(", "));
  });

  it("writes each chart pin to the values key the chart reads, so the chart renders the pinned reference", () => {
    for (const spec of [prodSpec(), fullSpec()]) {
      const values = valuesByOwner(spec);
      const pins = allImagePins(spec).filter((p) => p.valuesKey !== undefined);
      assert.ok(pins.length >= 28, `chart pins: ${pins.length}`);
      for (const pin of pins) {
        const chartValues = values[pin.owner];
        assert.ok(chartValues, `values of ${pin.owner}`);
        const v = at(chartValues, pin.valuesKey as string);
        assert.ok(v && typeof v === "object", `${pin.owner}: ${pin.valuesKey} is set`);
        assert.equal(RULES[ruleFor(pin)](v, chartValues), pin.image, `${pin.owner}/${pin.name} at ${pin.valuesKey}`);
      }
    }
  });

  it("pins release tags (never latest) under the upstream path in the mirror", () => {
    const spec = prodSpec();
    for (const pin of allImagePins(spec)) {
      const up = parseImage(pin.source);
      assert.notEqual(pin.tag, "latest", pin.source);
      assert.equal(pin.repository, up.repository, pin.source);
      assert.equal(pin.image, `${spec.mirrors.images}/${up.repository}:${up.tag}`);
    }
    const sources = new Map<string, string>();
    for (const pin of allImagePins(spec)) {
      const other = sources.get(pin.image);
      assert.ok(other === undefined || other === pin.source, `${pin.image} from ${other} and ${pin.source}`);
      sources.set(pin.image, pin.source);
    }
  });

  it("lists what prod pulls: the certgen hook image, the busybox init containers and Calico's run-time images", () => {
    const required = requiredImages(prodSpec());
    const sources = required.map((r) => r.source);
    for (const expected of [
      "ghcr.io/jkroepke/kube-webhook-certgen:1.8.7",
      "docker.io/library/busybox:1.38.0",
      "quay.io/prometheus/node-exporter:v1.12.1-distroless",
      "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
      "quay.io/kiwigrid/k8s-sidecar:2.10.1",
      "quay.io/tigera/operator:v1.38.13",
      "quay.io/calico/node:v3.30.7",
      "quay.io/calico/pod2daemon-flexvol:v3.30.7",
      "quay.io/calico/apiserver:v3.30.7",
      "docker.io/curlimages/curl:8.21.0",
    ])
      assert.ok(sources.includes(expected), expected);
    // Off in prod: ingress-nginx (traefik runs), test pods, the addon-resizer, Thanos.
    for (const absent of [
      "registry.k8s.io/ingress-nginx/controller:v1.15.1",
      "docker.io/bats/bats:1.14.0",
      "registry.k8s.io/autoscaling/addon-resizer:1.8.23",
      "quay.io/thanos/thanos:v0.42.4",
    ])
      assert.ok(!sources.includes(absent), absent);
    const busybox = required.find((r) => r.source === "docker.io/library/busybox:1.38.0");
    assert.deepEqual(busybox?.usedBy, ["opensearch/sysctl-init"]);
  });

  it("follows the configured controller and toggles", () => {
    const raw = clone(prodConfig());
    const addons = raw.addons as Record<string, Record<string, unknown>>;
    addons.ingress.controller = "ingress-nginx";
    addons.logging = { ...addons.logging, enabled: false };
    const sources = requiredImages(specOf(raw)).map((r) => r.source);
    assert.ok(sources.includes("registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9"));
    assert.ok(!sources.includes("docker.io/library/traefik:v3.7.11"));
    assert.ok(!sources.some((s) => s.includes("opensearch") || s.includes("fluent-bit")));
  });
});
