/**
 * What each pinned chart decides by itself, read at the chart's source tag: the images its
 * templates can render (main containers, sidecars, init containers, hook Jobs, test pods),
 * and where its CRDs come from. The config accepts only these versions
 * (`VERIFIED_CHART_VERSIONS`); a chart bump records the new version here after reading its
 * values.yaml and templates, and records its values keys in test/addons/chart-keys/.
 *
 * Image references are the upstream sources the mirror copies; where a chart defaults to a
 * moving tag (`busybox:latest`), the platform pins a release instead and says so.
 */
import type { AddonChart } from "../../../stacks/contract/schema/addons";
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { PLATFORM_IMAGE_SOURCES } from "./images";

/** One chart version as read at its source. */
export interface ChartFacts {
  /** Where it was read: `owner/repo@tag:chart directory`. */
  readonly source: string;
  /** The chart's appVersion (what its image tags default to). */
  readonly appVersion: string;
  /** Upstream references of every image the templates can render, by the platform's name for it. */
  readonly images: Readonly<Record<string, string>>;
  /**
   * APIServices and admission webhook configurations the chart renders with the platform's
   * values (release names fixed by the renderers): the apiserver must reach each (seams.ts).
   */
  readonly apiserverCalls?: readonly string[];
}

const busybox = PLATFORM_IMAGE_SOURCES.busybox;

/** traefik: one image (no init containers, hooks or test pods); CRDs in `crds/`. */
export const TRAEFIK = {
  "41.3.0": {
    source: "traefik/traefik-helm-chart@v41.3.0:traefik",
    appVersion: "v3.7.11",
    images: { traefik: "docker.io/library/traefik:v3.7.11" },
  },
} as const satisfies Record<string, ChartFacts>;

/** ingress-nginx: controller, the admission certgen hook Jobs, the (disabled) default backend; no CRDs. */
export const INGRESS_NGINX = {
  "4.15.1": {
    source: "kubernetes/ingress-nginx@helm-chart-4.15.1:charts/ingress-nginx",
    appVersion: "1.15.1",
    images: {
      controller: "registry.k8s.io/ingress-nginx/controller:v1.15.1",
      certgen: "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9",
      defaultBackend: "registry.k8s.io/defaultbackend-amd64:1.5",
    },
    // templates/admission-webhooks/validating-webhook.yaml
    apiserverCalls: ["ValidatingWebhookConfiguration ingress-nginx-admission"],
  },
} as const satisfies Record<string, ChartFacts>;

/** metrics-server: the server and the (disabled) addon-resizer nanny; no CRDs, hooks or tests. */
export const METRICS_SERVER = {
  "3.13.1": {
    source: "kubernetes-sigs/metrics-server@metrics-server-helm-chart-3.13.1:charts/metrics-server",
    appVersion: "0.8.1",
    images: {
      metricsServer: "registry.k8s.io/metrics-server/metrics-server:v0.8.1",
      addonResizer: "registry.k8s.io/autoscaling/addon-resizer:1.8.23",
    },
    // templates/apiservice.yaml (apiService.create: true)
    apiserverCalls: ["APIService v1beta1.metrics.k8s.io"],
  },
} as const satisfies Record<string, ChartFacts>;

/** A chart that carries another chart's CRDs, installed before it. */
export interface CrdChart {
  readonly chart: string;
  readonly version: string;
  readonly source: string;
  /** The operator release whose CRDs it carries: equals the main chart's appVersion. */
  readonly appVersion: string;
}

/**
 * kube-prometheus-stack with its subcharts (kube-state-metrics 8.4.0, prometheus-node-exporter
 * 4.56.1, grafana 12.11.1 from grafana-community). Its `crds/` subchart is never upgraded by
 * `helm upgrade`, so the platform turns it off and installs the matching
 * prometheus-operator-crds chart (CRDs as templates) before it.
 */
export const KUBE_PROMETHEUS_STACK = {
  "88.5.3": {
    source: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack",
    appVersion: "v0.93.1",
    subcharts: {
      grafana: "grafana-community/helm-charts@grafana-12.11.1:charts/grafana",
      "kube-state-metrics": "prometheus-community/helm-charts@kube-state-metrics-8.4.0:charts/kube-state-metrics",
      "prometheus-node-exporter":
        "prometheus-community/helm-charts@prometheus-node-exporter-4.56.1:charts/prometheus-node-exporter",
    },
    crds: {
      chart: "prometheus-operator-crds",
      version: "31.0.1",
      source: "prometheus-community/helm-charts@prometheus-operator-crds-31.0.1:charts/prometheus-operator-crds",
      appVersion: "v0.93.1",
    },
    images: {
      operator: "quay.io/prometheus-operator/prometheus-operator:v0.93.1",
      /** The config-reloader sidecar and init container the operator adds to Prometheus and Alertmanager pods. */
      configReloader: "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
      /** `--thanos-default-base-image`: used only when a Thanos sidecar is configured. */
      thanos: "quay.io/thanos/thanos:v0.42.4",
      /** The admission certgen hook Jobs (create/patch): jkroepke's fork since chart 80.2.2. */
      certgen: "ghcr.io/jkroepke/kube-webhook-certgen:1.8.7",
      /** The separate webhook Deployment (`admissionWebhooks.deployment.enabled`, off). */
      admissionWebhook: "quay.io/prometheus-operator/admission-webhook:v0.93.1",
      prometheus: "quay.io/prometheus/prometheus:v3.14.0-distroless",
      alertmanager: "quay.io/prometheus/alertmanager:v0.34.0",
      kubeStateMetrics: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
      /** The subchart appends `-distroless` to the tag because kps sets `image.distroless`. */
      nodeExporter: "quay.io/prometheus/node-exporter:v1.12.1-distroless",
      grafana: "docker.io/grafana/grafana:13.2.0",
      /** The dashboards and datasources sidecars. */
      grafanaSidecar: "quay.io/kiwigrid/k8s-sidecar:2.10.1",
      /** init-chown-data (only with persistence). */
      grafanaInitChown: "docker.io/library/busybox:1.38.0",
      /** download-dashboards init container (only with dashboard URLs). */
      grafanaDownloadDashboards: "docker.io/curlimages/curl:8.21.0",
      /** The `helm test` pod (testFramework, turned off). */
      grafanaTest: "docker.io/bats/bats:1.14.0",
    },
    // templates/prometheus-operator/admission-webhooks/{validating,mutating}WebhookConfiguration.yaml
    apiserverCalls: [
      "ValidatingWebhookConfiguration kube-prometheus-stack-admission",
      "MutatingWebhookConfiguration kube-prometheus-stack-admission",
    ],
  },
} as const satisfies Record<string, ChartFacts & { subcharts: Record<string, string>; crds: CrdChart }>;

/** fluent-bit: the DaemonSet, the `helm test` pod and the hot-reload sidecar; no CRDs or hooks besides the test. */
export const FLUENT_BIT = {
  "0.58.1": {
    source: "fluent/helm-charts@fluent-bit-0.58.1:charts/fluent-bit",
    appVersion: "5.1.1",
    images: {
      fluentBit: "cr.fluentbit.io/fluent/fluent-bit:5.1.1",
      /** The chart defaults the test pod to `busybox:latest`; pinned. */
      test: busybox,
      hotReload: "ghcr.io/jimmidyson/configmap-reload:v0.15.0",
    },
  },
} as const satisfies Record<string, ChartFacts>;

/** opensearch: the node image (also its configfile init container) and busybox init containers. */
export const OPENSEARCH = {
  "3.6.0": {
    source: "opensearch-project/helm-charts@opensearch-3.6.0:charts/opensearch",
    appVersion: "3.6.0",
    images: {
      opensearch: "docker.io/opensearchproject/opensearch:3.6.0",
      /** `sysctlInit` and `persistence.enableInitChown` default to `busybox:latest` from Docker Hub; pinned. */
      initContainers: busybox,
    },
  },
} as const satisfies Record<string, ChartFacts>;

/** opensearch-dashboards: one image. */
export const OPENSEARCH_DASHBOARDS = {
  "3.6.0": {
    source: "opensearch-project/helm-charts@opensearch-dashboards-3.6.0:charts/opensearch-dashboards",
    appVersion: "3.6.0",
    images: { dashboards: "docker.io/opensearchproject/opensearch-dashboards:3.6.0" },
  },
} as const satisfies Record<string, ChartFacts>;

/** Facts of every add-on chart, by chart and verified version. */
export const CHART_FACTS = {
  traefik: TRAEFIK,
  "ingress-nginx": INGRESS_NGINX,
  "metrics-server": METRICS_SERVER,
  "kube-prometheus-stack": KUBE_PROMETHEUS_STACK,
  "fluent-bit": FLUENT_BIT,
  opensearch: OPENSEARCH,
  "opensearch-dashboards": OPENSEARCH_DASHBOARDS,
} as const satisfies Record<AddonChart, Record<string, ChartFacts>>;

type Facts<C extends AddonChart> = (typeof CHART_FACTS)[C][keyof (typeof CHART_FACTS)[C]];

/** The facts of the configured version of `chart` (the loader admits only recorded versions). */
export function chartFacts<C extends AddonChart>(spec: PlatformSpec, chart: C): Facts<C> {
  // A lookup by the configured string: the loader admits only recorded versions, and a test
  // checks that the recorded versions and VERIFIED_CHART_VERSIONS are the same lists.
  const table = CHART_FACTS[chart] as unknown as Record<string, Facts<C>>;
  return table[spec.addons.chartVersions[chart]];
}
