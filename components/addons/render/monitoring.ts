/**
 * Monitoring (the source's Heapster + InfluxDB, both retired): metrics-server for
 * `kubectl top` and HPAs, and kube-prometheus-stack (Prometheus, Alertmanager, Grafana,
 * node-exporter, kube-state-metrics) scraping nodes, kubelets and cAdvisor, the apiserver,
 * CoreDNS, and etcd with a client certificate.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, release, type ReleaseSpec } from "./common";
import { mirrorRegistryPrefix, splitImage } from "./images";

const NS = ADDON_NAMESPACES.monitoring;
/** Secret (in the monitoring namespace) holding etcd's CA and the Prometheus client pair. */
export const ETCD_CLIENT_SECRET = "etcd-client-cert";
/** Secret holding Grafana's admin user and password. */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** Release name; Grafana's Service is `<release>-grafana` on port 80. */
export const KPS_RELEASE = "kube-prometheus-stack";
export const GRAFANA_SERVICE = `${KPS_RELEASE}-grafana`;

/** metrics-server values: two replicas with a PDB, image from the mirror. */
export function renderMetricsServerValues(spec: PlatformSpec): Record<string, unknown> {
  const registry = mirrorRegistryPrefix(spec.mirrors.images);
  return {
    image: { repository: `${registry}/metrics-server/metrics-server` },
    addonResizer: { enabled: false, image: { repository: `${registry}/autoscaling/addon-resizer` } },
    replicas: 2,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "500Mi" } },
  };
}

/** kube-prometheus-stack values. */
export function renderKubePrometheusStackValues(spec: PlatformSpec): Record<string, unknown> {
  const mon = spec.addons.monitoring;
  const img = (repository: string) => splitImage(spec.mirrors.images, repository);
  const secretPath = `/etc/prometheus/secrets/${ETCD_CLIENT_SECRET}`;
  return {
    // Subcharts that honour it pick the mirror from here too; every image is also set below.
    global: { imageRegistry: mirrorRegistryPrefix(spec.mirrors.images) },
    crds: { enabled: true },
    alertmanager: {
      alertmanagerSpec: {
        image: img("prometheus/alertmanager"),
        replicas: 2,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      },
    },
    grafana: {
      image: img("grafana/grafana"),
      sidecar: { image: img("kiwigrid/k8s-sidecar") },
      initChownData: { enabled: false, image: img("library/busybox") },
      downloadDashboardsImage: img("curlimages/curl"),
      testFramework: { enabled: false },
      admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
      // Published by the platform's own Ingress object (see the Monitoring component).
      ingress: { enabled: false },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    },
    "kube-state-metrics": {
      image: img("kube-state-metrics/kube-state-metrics"),
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
    "prometheus-node-exporter": {
      image: img("prometheus/node-exporter"),
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    },
    prometheusOperator: {
      image: img("prometheus-operator/prometheus-operator"),
      prometheusConfigReloader: { image: img("prometheus-operator/prometheus-config-reloader") },
      thanosImage: img("thanos/thanos"),
      admissionWebhooks: {
        patch: { image: img("ingress-nginx/kube-webhook-certgen") },
        deployment: { image: img("prometheus-operator/admission-webhook") },
      },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
    prometheus: {
      prometheusSpec: {
        image: img("prometheus/prometheus"),
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
        // Mounted at /etc/prometheus/secrets/<name>/ for the etcd scrape below.
        secrets: [ETCD_CLIENT_SECRET],
        // Pick up ServiceMonitors/PodMonitors/rules of every release, not only this one.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "8Gi" } },
      },
    },
    kubeEtcd: {
      enabled: true,
      endpoints: spec.topology.etcd.map((h) => h.address),
      service: { enabled: true, port: 2379, targetPort: 2379 },
      serviceMonitor: {
        scheme: "https",
        insecureSkipVerify: false,
        caFile: `${secretPath}/ca.crt`,
        certFile: `${secretPath}/client.crt`,
        keyFile: `${secretPath}/client.key`,
      },
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
