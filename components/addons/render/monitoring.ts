/**
 * Monitoring (the source's Heapster + InfluxDB, both retired): metrics-server for
 * `kubectl top` and HPAs, and kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
 * node-exporter, kube-state-metrics) scraping nodes, kubelets and cAdvisor, the apiserver,
 * CoreDNS, and etcd's metrics-only listener (plain http on 2381: no etcd key in the cluster).
 * The prometheus-operator CRDs come from their own chart, installed before the stack, so a
 * chart bump upgrades them (`helm upgrade` never touches a chart's `crds/`).
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { chartFacts } from "./charts";
import { KSM_LABELS_ALLOWLIST } from "./dashboards";
import { kubePrometheusStackImages, metricsServerImages } from "./chartImages";
import { ADDON_NAMESPACES, release, type ReleaseSpec } from "./common";
import { fullRepositoryImage, mirrorRegistryPrefix, splitImage, type ImagePin } from "./images";

const NS = ADDON_NAMESPACES.monitoring;
/** etcd's metrics-only listener (`--listen-metrics-urls=http://<member address>:2381`). */
export const ETCD_METRICS_PORT = 2381;
/** Secret holding Grafana's admin user and password. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** Release name; Grafana's Service is `<release>-grafana` on port 80. */
export const KPS_RELEASE = "kube-prometheus-stack";
export const GRAFANA_SERVICE = `${KPS_RELEASE}-grafana`;

/** metrics-server values: two replicas with a PDB, image from the mirror. */
export function renderMetricsServerValues(spec: PlatformSpec): Record<string, unknown> {
  const images = metricsServerImages(spec);
  return {
    // `<repository>:<tag>` (templates/_helpers.tpl): the repository carries the registry.
    image: fullRepositoryImage(spec.mirrors.images, images.metricsServer),
    addonResizer: { enabled: false, image: fullRepositoryImage(spec.mirrors.images, images.addonResizer) },
    replicas: 2,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "500Mi" } },
  };
}

/** kube-prometheus-stack values. */
export function renderKubePrometheusStackValues(spec: PlatformSpec): Record<string, unknown> {
  const mon = spec.addons.monitoring;
  const images = kubePrometheusStackImages(spec);
  // `<global.imageRegistry | registry>/<repository>:<tag>[@sha256:<sha>]` in every template of
  // the chart and its subcharts: tags are pinned here, never left to the chart's appVersion.
  const img = (pin: ImagePin) => ({ ...splitImage(spec.mirrors.images, pin), sha: "" });
  return {
    global: { imageRegistry: mirrorRegistryPrefix(spec.mirrors.images) },
    // The CRDs come from the prometheus-operator-crds chart (renderPrometheusCrdsRelease).
    crds: { enabled: false },
    alertmanager: {
      alertmanagerSpec: {
        image: img(images.alertmanager),
        replicas: 2,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
    },
    grafana: {
      image: img(images.grafana),
      sidecar: { image: img(images.grafanaSidecar) },
      initChownData: { enabled: false, image: img(images.grafanaInitChown) },
      downloadDashboardsImage: img(images.grafanaDownloadDashboards),
      testFramework: { enabled: false, image: splitImage(spec.mirrors.images, images.grafanaTest) },
      // Published only behind Grafana's own login: no anonymous viewer, no self sign-up.
      "grafana.ini": { "auth.anonymous": { enabled: false }, users: { allow_sign_up: false } },
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
      // Published by the platform's own Ingress object (see the Monitoring component).
      ingress: { enabled: false },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    },
    "kube-state-metrics": {
      image: img(images.kubeStateMetrics),
      // kube_namespace_labels carries the project label: the project dashboards select by it.
      metricLabelsAllowlist: KSM_LABELS_ALLOWLIST,
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
    "prometheus-node-exporter": {
      // The subchart forbids `image.sha`; the pinned tag already names the distroless build.
      image: { ...splitImage(spec.mirrors.images, images.nodeExporter), distroless: false, digest: "" },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    },
    prometheusOperator: {
      image: img(images.operator),
      prometheusConfigReloader: { image: img(images.configReloader) },
      thanosImage: img(images.thanos),
      admissionWebhooks: {
        patch: { image: img(images.certgen) },
        deployment: { image: img(images.admissionWebhook) },
      },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
    prometheus: {
      prometheusSpec: {
        image: img(images.prometheus),
        retention: mon.retention,
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              ...(mon.storageClass ? { storageClassName: mon.storageClass } : {}),
              accessModes: ["ReadWriteOnce"],
              resources: { requests: { storage: mon.storage } },
            },
          },
        },
        // Pick up ServiceMonitors/PodMonitors/rules of every release, not only this one.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "8Gi" } },
      },
    },
    // etcd's metrics-only listener: /metrics and /health over plain http, no client
    // certificate, so no etcd key ever sits in the cluster.
    kubeEtcd: {
      enabled: true,
      endpoints: spec.topology.etcd.map((h) => h.address),
      service: { enabled: true, port: ETCD_METRICS_PORT, targetPort: ETCD_METRICS_PORT },
      serviceMonitor: { scheme: "http" },
    },
    // controller-manager and scheduler bind to 127.0.0.1 on the masters (CIS 1.3.7 / 1.4.2):
    // no pod can scrape them, and enabling the jobs would only raise "down" alerts.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    // kube-proxy runs as a systemd service whose metrics bind to localhost: no target to scrape.
    kubeProxy: { enabled: false },
    coreDns: { enabled: true },
    kubeDns: { enabled: false },
    kubelet: { enabled: true },
  };
}

/** The prometheus-operator CRDs at the operator version of the configured kube-prometheus-stack. */
export function renderPrometheusCrdsRelease(spec: PlatformSpec): ReleaseSpec {
  const crds = chartFacts(spec, "kube-prometheus-stack").crds;
  return release(spec.mirrors.charts, "prometheus-operator-crds", NS, crds.chart, crds.version, {});
}

/** metrics-server and kube-prometheus-stack releases. */
export function renderMonitoringReleases(spec: PlatformSpec): ReleaseSpec[] {
  const v = spec.addons.chartVersions;
  return [
    release(
      spec.mirrors.charts,
      "metrics-server",
      NS,
      "metrics-server",
      v["metrics-server"],
      renderMetricsServerValues(spec),
    ),
    release(
      spec.mirrors.charts,
      KPS_RELEASE,
      NS,
      "kube-prometheus-stack",
      v["kube-prometheus-stack"],
      renderKubePrometheusStackValues(spec),
    ),
  ];
}
