/**
 * Config section `addons`: DNS, ingress, monitoring and logging, and the add-on chart versions.
 */
import { z } from "zod";
import { INGRESS_DOMAIN, label, matching, quantity, version } from "./common";
const addonToggle = { enabled: z.boolean().default(true) };

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
      traefik: version.default("41.5.0"),
      "ingress-nginx": version.default("4.15.1"),
      "metrics-server": version.default("3.14.0"),
      "kube-prometheus-stack": version.default("92.3.0"),
      "fluent-bit": version.default("0.58.2"),
      opensearch: version.default("3.9.0"),
      "opensearch-dashboards": version.default("3.9.0"),
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
