import { strict as assert } from "node:assert";
import { chartSource } from "../../components/addons/render/common";
import { renderIngressRelease, renderTraefikValues, tcpRoutes } from "../../components/addons/render/ingress";
import {
  renderFluentBitConfig,
  renderFluentBitValues,
  renderIsmPolicy,
  renderLoggingReleases,
  appLogHostDirs,
} from "../../components/addons/render/logging";
import { renderKubePrometheusStackValues, renderMonitoringReleases } from "../../components/addons/render/monitoring";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import { fullSpec, prodSpec } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test access into chart values
type V = Record<string, any>;

describe("add-ons: chart values", () => {
  it("takes charts from an https mirror by name, or from an oci:// mirror by full reference", () => {
    assert.deepEqual(chartSource("https://mirror.example.internal/charts", "traefik"), {
      chart: "traefik",
      repo: "https://mirror.example.internal/charts",
    });
    assert.deepEqual(chartSource("oci://reg.example.internal/charts", "traefik"), {
      chart: "oci://reg.example.internal/charts/traefik",
    });
  });

  it("defaults to traefik (ingress-nginx is retired), which prod also runs", () => {
    const raw = clone(prodConfig());
    delete (raw.addons as { ingress: Record<string, unknown> }).ingress.controller;
    const rel = renderIngressRelease(specOf(raw));
    assert.equal(rel.chart, "traefik");
    assert.equal(rel.namespace, "traefik");
    assert.equal(renderIngressRelease(prodSpec()).chart, "traefik");
  });

  it("traefik: >= 2 replicas on the edge nodes, host network on 80/443, one entrypoint per tcp port", () => {
    const spec = fullSpec();
    const v = renderTraefikValues(spec) as V;
    assert.equal(v.deployment.replicas, 3);
    assert.deepEqual(v.nodeSelector, { "node-role.kubernetes.io/edge": "true" });
    assert.equal(v.hostNetwork, true);
    assert.equal(v.ports.web.port, 80);
    assert.equal(v.ports.websecure.port, 443);
    assert.deepEqual(v.ports["tcp-6379"], {
      port: 6379,
      exposedPort: 6379,
      expose: { default: true },
      protocol: "TCP",
    });
    assert.equal(v.ports.web.asDefault, true, "routers without entry points stay off the TCP ports");
    assert.equal(v.providers.kubernetesCRD.allowCrossNamespace, false, "routes stay in their namespace");
    assert.deepEqual(v.image, {
      registry: "reg.example.internal/platform",
      repository: "library/traefik",
      tag: "v3.7.11",
    });
    assert.equal(v.deployment.dnsPolicy, "ClusterFirstWithHostNet", "cluster DNS from the host network");
    assert.deepEqual(v.ports.metrics, { port: 9101, exposedPort: 9101 }, "off node-exporter's 9100");
    assert.equal(v.updateStrategy.rollingUpdate.maxSurge, 0, "host ports: no surge");
    assert.deepEqual(
      tcpRoutes(spec).map((r) => r.port),
      [5432, 6379],
    );
  });

  it("traefik behind a LoadBalancer Service keeps non-root ports and enables the Service", () => {
    const raw = clone(prodConfig());
    (raw.addons as { ingress: Record<string, unknown> }).ingress = {
      controller: "traefik",
      exposure: "LoadBalancer",
      replicas: 1,
    };
    const v = renderTraefikValues(specOf(raw)) as V;
    assert.equal(v.deployment.replicas, 2, "never fewer than 2");
    assert.equal(v.hostNetwork, false);
    assert.deepEqual(v.service, { enabled: true, spec: { type: "LoadBalancer" } }, "the chart reads service.spec");
    assert.equal(v.deployment.dnsPolicy, undefined, "pod network: the chart's ClusterFirst");
    assert.equal(v.ports.web.port, 8000);
    assert.equal(v.podSecurityContext, undefined, "chart default: non-root");
  });

  it("ingress-nginx: tcp map from config, mirror images, no default backend", () => {
    const raw = clone(prodConfig());
    (raw.addons as { ingress: Record<string, unknown> }).ingress.controller = "ingress-nginx";
    const v = renderIngressRelease(specOf(raw)).values as V;
    assert.deepEqual(v.tcp, { "6379": "search-api/redis:6379" });
    assert.equal(v.controller.image.registry, "reg.example.internal/platform");
    assert.equal(v.controller.admissionWebhooks.patch.image.registry, "reg.example.internal/platform");
    assert.equal(v.controller.replicaCount, 3);
    assert.equal(v.controller.hostNetwork, true);
    assert.equal(v.defaultBackend.enabled, false);
  });

  it("kube-prometheus-stack: retention/storage from config, etcd scraped on its metrics-only listener", () => {
    const spec = fullSpec();
    const v = renderKubePrometheusStackValues(spec) as V;
    const ps = v.prometheus.prometheusSpec;
    assert.equal(ps.retention, "15d");
    assert.equal(ps.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "200Gi");
    assert.equal(ps.storageSpec.volumeClaimTemplate.spec.storageClassName, "glusterfs");
    assert.equal(ps.secrets, undefined, "no etcd client certificate mounted");
    assert.deepEqual(v.kubeEtcd.endpoints, ["10.10.1.11", "10.10.1.12", "10.10.1.13"]);
    assert.deepEqual(v.kubeEtcd.service, { enabled: true, port: 2381, targetPort: 2381 });
    assert.deepEqual(v.kubeEtcd.serviceMonitor, { scheme: "http" });
    assert.equal(v.crds.enabled, false, "CRDs come from prometheus-operator-crds");
    assert.equal(v.prometheusOperator.admissionWebhooks.patch.image.repository, "jkroepke/kube-webhook-certgen");
    assert.equal(v.prometheusOperator.admissionWebhooks.patch.image.tag, "1.8.7");
    assert.equal(v.kubeControllerManager.enabled, false, "binds to localhost (CIS)");
    assert.equal(v.grafana.admin.existingSecret, "grafana-admin");
    const [ms, kps] = renderMonitoringReleases(spec);
    assert.deepEqual([ms.chart, ms.version, ms.namespace], ["metrics-server", "3.13.1", "monitoring"]);
    assert.deepEqual([kps.chart, kps.version], ["kube-prometheus-stack", "88.5.3"]);
  });

  it("logging: OpenSearch sized from config, Fluent Bit indexing per namespace and per project app logs", () => {
    const spec = prodSpec();
    const [os, dash, fb] = renderLoggingReleases(spec);
    assert.deepEqual(
      [os.chart, os.version, dash.chart, fb.chart],
      ["opensearch", "3.6.0", "opensearch-dashboards", "fluent-bit"],
    );
    assert.equal((os.values as V).masterService, "logging-master", "the Service clients call");
    assert.deepEqual(
      [(os.values as V).sysctlInit.image, (os.values as V).sysctlInit.imageTag],
      ["reg.example.internal/platform/library/busybox", "1.38.0"],
      "no busybox:latest from Docker Hub",
    );
    assert.equal((dash.values as V).resources.limits.cpu, "1", "overrides the chart's 100m limit");
    assert.equal((os.values as V).persistence.size, "1Ti");
    assert.equal((os.values as V).replicas, 3);
    const config = renderFluentBitConfig(spec);
    assert.match(config.outputs, /Logstash_Prefix_Key\s+\$logs_index/);
    assert.match(config.filters, /Name\s+kubernetes/);
    assert.match(
      config.inputs,
      /Path\s+\/var\/log\/projects\/data-pipeline\/\*\.log\n\s+Tag\s+app\.data-pipeline\.0\.\*/,
    );
    assert.match(config.filters, /Match\s+app\.data-pipeline\.\*\n\s+Set\s+logs_index logs-data-pipeline\.app/);
    assert.deepEqual(appLogHostDirs(spec), [], "/var/log is already mounted by the chart");
  });

  it("mounts app log directories outside /var/log read-only", () => {
    // The loader now confines appLogPaths to /var/log/projects/<project>/ (stacks/contract/rules/projects.ts),
    // so this spec is built past it to keep the renderer's own handling covered.
    const prod = prodSpec();
    const spec = {
      ...prod,
      projects: prod.projects.map((p, i) => (i === 0 ? { ...p, appLogPaths: ["/data/search-web/logs/*.log"] } : p)),
    };
    assert.deepEqual(appLogHostDirs(spec), ["/data/search-web/logs"]);
    const v = renderFluentBitValues(spec) as V;
    assert.deepEqual(v.extraVolumeMounts, [{ name: "applogs-0", mountPath: "/data/search-web/logs", readOnly: true }]);
  });

  it("ISM deletes logs-* indices after addons.logging.retentionDays", () => {
    const policy = renderIsmPolicy(14) as V;
    assert.equal(policy.policy.states[0].transitions[0].conditions.min_index_age, "14d");
    assert.deepEqual(policy.policy.states[1].actions, [{ delete: {} }]);
    assert.deepEqual(policy.policy.ism_template[0].index_patterns, ["logs-*"]);
  });
});
