/**
 * What the recorded values.yaml key lists (extract.ts) cannot say by themselves, read in the
 * charts' templates at the pinned tags: keys a template reads although values.yaml only
 * mentions them in a comment, free-form maps whose defaults are not empty, and which
 * recorded lists a chart's values are checked against (a parent chart's subcharts).
 */

/** A key a template reads without values.yaml declaring it, with the template that reads it. */
export interface TemplateKey {
  readonly key: string;
  readonly readBy: string;
}

/** How one release's values are checked. */
export interface ChartCheck {
  /** Recorded key lists (file names in this directory without `.json`), by key prefix ("" = top level). */
  readonly lists: Readonly<Record<string, string>>;
  readonly templateKeys?: readonly TemplateKey[];
  /** Free-form maps besides the empty ones of values.yaml, each with why it is free-form. */
  readonly openMaps?: Readonly<Record<string, string>>;
}

/** The checks, by chart name and version. */
export const CHART_CHECKS: Readonly<Record<string, Readonly<Record<string, ChartCheck>>>> = {
  traefik: {
    "41.3.0": {
      lists: { "": "traefik-41.3.0" },
      openMaps: {
        ports:
          "entrypoints by name: each becomes --entryPoints.<name>.* (templates/_podtemplate.tpl); fields checked by values.schema.json",
        securityContext: "the container securityContext, copied verbatim (templates/_podtemplate.tpl)",
        podSecurityContext: "the pod securityContext, copied verbatim (templates/_podtemplate.tpl)",
        "service.spec": "copied verbatim into the Service spec (templates/_service.tpl)",
      },
    },
  },
  "ingress-nginx": {
    "4.15.1": {
      lists: { "": "ingress-nginx-4.15.1" },
      templateKeys: [
        { key: "controller.image.registry", readBy: "templates/controller-deployment.yaml (merge with global.image)" },
        {
          key: "controller.admissionWebhooks.patch.image.registry",
          readBy: "templates/admission-webhooks/job-patch/job-createSecret.yaml, job-patchWebhook.yaml",
        },
        { key: "defaultBackend.image.registry", readBy: "templates/default-backend-deployment.yaml" },
        { key: "defaultBackend.image.digest", readBy: "templates/default-backend-deployment.yaml" },
      ],
      openMaps: {
        tcp: "external port -> namespace/service:port, rendered into the tcp ConfigMap (templates/controller-configmap-tcp.yaml)",
        "controller.nodeSelector": "copied verbatim (templates/controller-deployment.yaml)",
        "controller.resources": "copied verbatim (templates/controller-deployment.yaml:180)",
        "controller.updateStrategy": "copied verbatim (templates/controller-deployment.yaml)",
      },
    },
  },
  "metrics-server": {
    "3.13.1": {
      lists: { "": "metrics-server-3.13.1" },
      openMaps: { resources: "copied verbatim (templates/deployment.yaml:104)" },
    },
  },
  "kube-prometheus-stack": {
    "88.5.3": {
      lists: {
        "": "kube-prometheus-stack-88.5.3",
        grafana: "grafana-12.11.1",
        "kube-state-metrics": "kube-state-metrics-8.4.0",
        "prometheus-node-exporter": "prometheus-node-exporter-4.56.1",
      },
      openMaps: {
        "grafana.grafana.ini":
          "grafana.ini sections, written verbatim into grafana.ini (grafana templates/_config.tpl)",
        "prometheus.prometheusSpec.storageSpec":
          "copied into the Prometheus CR's storage (templates/prometheus/prometheus.yaml)",
      },
    },
  },
  "prometheus-operator-crds": {
    "31.0.1": { lists: { "": "prometheus-operator-crds-31.0.1" } },
  },
  "fluent-bit": {
    "0.58.1": {
      lists: { "": "fluent-bit-0.58.1" },
      openMaps: { config: "config sections, each a string written into the ConfigMap (templates/configmap.yaml)" },
    },
  },
  opensearch: {
    "3.6.0": {
      lists: { "": "opensearch-3.6.0" },
      templateKeys: [
        { key: "sysctlInit.image", readBy: "templates/statefulset.yaml (sysctl init container)" },
        { key: "sysctlInit.imageTag", readBy: "templates/statefulset.yaml (sysctl init container)" },
        { key: "persistence.image", readBy: "templates/statefulset.yaml (fsgroup-volume init container)" },
        { key: "persistence.imageTag", readBy: "templates/statefulset.yaml (fsgroup-volume init container)" },
        { key: "persistence.storageClass", readBy: "templates/statefulset.yaml:51-55 (storageClassName)" },
      ],
      openMaps: {
        config: "files by name, each written into the config ConfigMap (templates/configmap.yaml)",
        resources: "copied verbatim (templates/statefulset.yaml:411)",
      },
    },
  },
  "opensearch-dashboards": {
    "3.6.0": { lists: { "": "opensearch-dashboards-3.6.0" } },
  },
  "tigera-operator": {
    "v3.30.7": {
      lists: { "": "tigera-operator-v3.30.7" },
      openMaps: {
        installation:
          "copied into the Installation spec (templates/crs/custom-resources.yaml); its fields are the Installation CRD's (crds/operator.tigera.io_installations_crd.yaml)",
        nodeSelector: "copied verbatim (templates/tigera-operator/02-tigera-operator.yaml)",
      },
    },
  },
};
