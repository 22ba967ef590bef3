/**
 * Config section `addons`: DNS, ingress, monitoring and logging, and the add-on chart versions.
 */
import { z } from "zod";
import { INGRESS_DOMAIN, label, matching, quantity, version } from "./common";
const addonToggle = { enabled: z.boolean().default(true) };

/**
 * Chart versions whose values keys, images (hooks, init containers and test pods included),
 * host ports and CRDs were read at the chart's source tag and recorded in
 * components/addons/render/charts.ts. The first entry is the default. A chart bump records
 * the new version's facts there first; any other version is refused, because the images the
 * mirror must hold and the keys the values set are only known for these.
 */
export const VERIFIED_CHART_VERSIONS = {
  traefik: ["41.3.0"],
  "ingress-nginx": ["4.15.1"],
  "metrics-server": ["3.13.1"],
  "kube-prometheus-stack": ["88.5.3"],
  "fluent-bit": ["0.58.1"],
  opensearch: ["3.6.0"],
  "opensearch-dashboards": ["3.6.0"],
} as const;
export type AddonChart = keyof typeof VERIFIED_CHART_VERSIONS;

/** Calico releases whose tigera-operator chart, operator image and run-time images are recorded (components/network/images.ts). */
export const VERIFIED_CALICO_VERSIONS = ["3.30.7"] as const;

const chartVersion = (chart: AddonChart) => {
  const verified: readonly string[] = VERIFIED_CHART_VERSIONS[chart];
  return version
    .refine((v) => verified.includes(v), {
      error: (issue) =>
        `${JSON.stringify(issue.input)}: no recorded facts (images, values keys, CRDs) for ${chart} at this version; verified: ${verified.join(", ")}`,
    })
    .default(verified[0]);
};

export const addonsSchema = z.strictObject({
  coredns: z
    .strictObject({
      replicas: z.number().int().min(2).default(2),
      /** NodeLocal DNSCache on every node (kubelet then points at its link-local address). */
      nodeLocalDns: z.boolean().default(false),
      /** cluster-proportional-autoscaler scales CoreDNS with nodes/cores; `replicas` stays the minimum. */
      autoscaler: z.boolean().default(false),
    })
    .prefault({}),
  /** Helm chart versions of the add-ons (all pulled from mirrors.charts; tigera-operator follows versions.calico). */
  chartVersions: z
    .strictObject({
      traefik: chartVersion("traefik"),
      "ingress-nginx": chartVersion("ingress-nginx"),
      "metrics-server": chartVersion("metrics-server"),
      "kube-prometheus-stack": chartVersion("kube-prometheus-stack"),
      "fluent-bit": chartVersion("fluent-bit"),
      opensearch: chartVersion("opensearch"),
      "opensearch-dashboards": chartVersion("opensearch-dashboards"),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      ...addonToggle,
      /** traefik by default: ingress-nginx was retired upstream in March 2026 (no more security fixes). */
      controller: z.enum(["ingress-nginx", "traefik"]).default("traefik"),
      replicas: z.number().int().min(1).default(2),
      /** Expose the controller on the edge nodes' host network, or as a NodePort/LoadBalancer Service. */
      exposure: z.enum(["hostNetwork", "NodePort", "LoadBalancer"]).default("hostNetwork"),
      /** Node selector labels of the edge nodes. */
      nodeSelector: z.record(z.string(), z.string()).default({ "node-role.kubernetes.io/edge": "true" }),
      /** TCP services: external port -> `namespace/service:port` (the source's tcp mode). */
      tcp: z
        .record(
          matching(/^\d{1,5}$/, "must be a port number"),
          matching(/^[a-z0-9-]+\/[a-z0-9-]+:\d{1,5}$/, "must be namespace/service:port"),
        )
        .default({}),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      ...addonToggle,
      retention: matching(/^\d+[dhwy]$/, "must be a duration like 15d").default("15d"),
      storage: quantity.default("100Gi"),
      /** StorageClass of the Prometheus volume (default: the cluster's default class). */
      storageClass: label("storageClass").optional(),
      /** Host name that publishes Grafana through the ingress controller (default: port-forward only). */
      grafanaHost: z
        .string()
        .regex(INGRESS_DOMAIN, { message: "must be a DNS name like grafana.example.com" })
        .optional(),
    })
    .prefault({}),
  logging: z
    .strictObject({
      ...addonToggle,
      /** Days an index is kept before index lifecycle management deletes it. */
      retentionDays: z.number().int().min(1).default(14),
      /** Volume size of each OpenSearch node. */
      storage: quantity.default("500Gi"),
      /** StorageClass of the OpenSearch volumes (default: the cluster's default class). */
      storageClass: label("storageClass").optional(),
      /** OpenSearch nodes (each holds every role; 3 keeps a quorum through one loss). */
      replicas: z.number().int().min(1).default(3),
      /** Host name that publishes OpenSearch Dashboards through the ingress controller (default: port-forward only). */
      dashboardsHost: z
        .string()
        .regex(INGRESS_DOMAIN, { message: "must be a DNS name like logs.example.com" })
        .optional(),
    })
    .prefault({}),
});
