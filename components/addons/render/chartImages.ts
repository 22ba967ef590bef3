/**
 * The images each add-on chart runs with the platform's values, as pins (see images.ts): one
 * pure function per chart, from the configured chart version's facts (charts.ts). The chart
 * renderers build their image values from these pins, and the artifact manifest lists them,
 * so both always name the same references.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { chartFacts } from "./charts";
import { pinImage, platformImages, type ImagePin } from "./images";

const ingressRuns = (spec: PlatformSpec, controller: "traefik" | "ingress-nginx") =>
  spec.addons.ingress.enabled && spec.addons.ingress.controller === controller;

/** traefik: the proxy. */
export function traefikImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "traefik");
  const on = ingressRuns(spec, "traefik");
  return {
    traefik: pinImage(spec.mirrors.images, "traefik", "traefik", f.images.traefik, { valuesKey: "image", runs: on }),
  };
}

/** ingress-nginx: controller and the admission certgen hook Jobs (the default backend stays off). */
export function ingressNginxImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "ingress-nginx");
  const on = ingressRuns(spec, "ingress-nginx");
  const pin = (name: string, source: string, valuesKey: string, runs = on) =>
    pinImage(spec.mirrors.images, "ingress-nginx", name, source, { valuesKey, runs });
  return {
    controller: pin("controller", f.images.controller, "controller.image"),
    certgen: pin("admission-certgen", f.images.certgen, "controller.admissionWebhooks.patch.image"),
    defaultBackend: pin("default-backend", f.images.defaultBackend, "defaultBackend.image", false),
  };
}

/** metrics-server (the addon-resizer nanny stays off). */
export function metricsServerImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "metrics-server");
  const on = spec.addons.monitoring.enabled;
  const pin = (name: string, source: string, valuesKey: string, runs = on) =>
    pinImage(spec.mirrors.images, "metrics-server", name, source, { valuesKey, runs });
  return {
    metricsServer: pin("metrics-server", f.images.metricsServer, "image"),
    addonResizer: pin("addon-resizer", f.images.addonResizer, "addonResizer.image", false),
  };
}

/** kube-prometheus-stack and its subcharts (Grafana, kube-state-metrics, node-exporter). */
export function kubePrometheusStackImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "kube-prometheus-stack");
  const on = spec.addons.monitoring.enabled;
  const i = f.images;
  const pin = (name: string, source: string, valuesKey: string, runs = on) =>
    pinImage(spec.mirrors.images, "kube-prometheus-stack", name, source, { valuesKey, runs });
  return {
    operator: pin("prometheus-operator", i.operator, "prometheusOperator.image"),
    configReloader: pin("config-reloader", i.configReloader, "prometheusOperator.prometheusConfigReloader.image"),
    thanos: pin("thanos", i.thanos, "prometheusOperator.thanosImage", false),
    certgen: pin("admission-certgen", i.certgen, "prometheusOperator.admissionWebhooks.patch.image"),
    admissionWebhook: pin(
      "admission-webhook",
      i.admissionWebhook,
      "prometheusOperator.admissionWebhooks.deployment.image",
      false,
    ),
    prometheus: pin("prometheus", i.prometheus, "prometheus.prometheusSpec.image"),
    alertmanager: pin("alertmanager", i.alertmanager, "alertmanager.alertmanagerSpec.image"),
    kubeStateMetrics: pin("kube-state-metrics", i.kubeStateMetrics, "kube-state-metrics.image"),
    nodeExporter: pin("node-exporter", i.nodeExporter, "prometheus-node-exporter.image"),
    grafana: pin("grafana", i.grafana, "grafana.image"),
    grafanaSidecar: pin("grafana-sidecar", i.grafanaSidecar, "grafana.sidecar.image"),
    grafanaInitChown: pin("grafana-init-chown", i.grafanaInitChown, "grafana.initChownData.image", false),
    grafanaDownloadDashboards: pin(
      "grafana-download-dashboards",
      i.grafanaDownloadDashboards,
      "grafana.downloadDashboardsImage",
      false,
    ),
    grafanaTest: pin("grafana-test", i.grafanaTest, "grafana.testFramework.image", false),
  };
}

/** fluent-bit (the test pod and hot-reload sidecar stay off). */
export function fluentBitImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "fluent-bit");
  const on = spec.addons.logging.enabled;
  const pin = (name: string, source: string, valuesKey: string, runs = on) =>
    pinImage(spec.mirrors.images, "fluent-bit", name, source, { valuesKey, runs });
  return {
    fluentBit: pin("fluent-bit", f.images.fluentBit, "image"),
    test: pin("test", f.images.test, "testFramework.image", false),
    hotReload: pin("hot-reload", f.images.hotReload, "hotReload.image", false),
  };
}

/** opensearch: the node image and the privileged sysctl init container (the chown init container stays off). */
export function openSearchImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "opensearch");
  const on = spec.addons.logging.enabled;
  const pin = (name: string, source: string, valuesKey: string, runs = on) =>
    pinImage(spec.mirrors.images, "opensearch", name, source, { valuesKey, runs });
  return {
    opensearch: pin("opensearch", f.images.opensearch, "image"),
    sysctl: pin("sysctl-init", f.images.initContainers, "sysctlInit"),
    initChown: pin("init-chown", f.images.initContainers, "persistence", false),
  };
}

/** opensearch-dashboards. */
export function dashboardsImages(spec: PlatformSpec) {
  const f = chartFacts(spec, "opensearch-dashboards");
  return {
    dashboards: pinImage(spec.mirrors.images, "opensearch-dashboards", "dashboards", f.images.dashboards, {
      valuesKey: "image",
      runs: spec.addons.logging.enabled,
    }),
  };
}

/** Every add-on image (the platform's own manifests' included), pins of disabled features too. */
export function addonImages(spec: PlatformSpec): ImagePin[] {
  return [
    ...Object.values(platformImages(spec)),
    ...Object.values(traefikImages(spec)),
    ...Object.values(ingressNginxImages(spec)),
    ...Object.values(metricsServerImages(spec)),
    ...Object.values(kubePrometheusStackImages(spec)),
    ...Object.values(fluentBitImages(spec)),
    ...Object.values(openSearchImages(spec)),
    ...Object.values(dashboardsImages(spec)),
  ];
}
