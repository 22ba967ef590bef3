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

/**
 * A regular expression Fluent Bit compiles with Onigmo (Ruby syntax; fluent-bit@v5.1.1:
 * src/flb_regex.c). It must fit in one line of Fluent Bit's classic config, contain no
 * double quote (a multiline rule's fields are quoted) and no `{{`/`}}` (the chart passes its
 * config through Helm's `tpl`).
 */
const fluentRegex = z
  .string()
  .min(1)
  .max(2000)
  .superRefine((s, ctx) => {
    if ([...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
      ctx.addIssue({ code: "custom", message: "must be one line without control characters" });
    if (s.includes('"')) ctx.addIssue({ code: "custom", message: "must not contain a double quote (use \\x22)" });
    if (s.includes("{{") || s.includes("}}"))
      ctx.addIssue({ code: "custom", message: "must not contain '{{' or '}}' (Helm's tpl would read them)" });
    if (s.startsWith("/") || s.trim() !== s)
      ctx.addIssue({
        code: "custom",
        message: "is the bare pattern: no /.../ delimiters, no leading or trailing spaces",
      });
  });

/** A record field name a parser sets or reads. */
const fieldName = matching(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be a field name (letters, digits, '_')");
/** A strptime format (Fluent Bit's Time_Format), e.g. `%d/%b/%Y:%H:%M:%S %z`. */
const timeFormat = matching(/^[ -~]{1,100}$/, "must be a strptime format like %Y-%m-%dT%H:%M:%S%z").refine(
  (s) => !/["{}]/.test(s),
  { message: "must not contain quotes or braces" },
);
/** Which of the project's `appLogPaths` a parser applies to (default: all). */
const parserPaths = z.array(matching(/^\/\S+$/, "must be one of the project's appLogPaths")).optional();
const parserName = label("parser name");
const timeFields = { timeKey: fieldName.optional(), timeFormat: timeFormat.optional() };

/** One parser of a project's application log files. */
export const logParserSchema = z.discriminatedUnion("format", [
  /** Each line is a JSON object. */
  z.strictObject({ name: parserName, format: z.literal("json"), ...timeFields, paths: parserPaths }),
  /** Each line matches `regex`; its named groups `(?<field>...)` become the record's fields. */
  z.strictObject({
    name: parserName,
    format: z.literal("regex"),
    regex: fluentRegex.refine((s) => /\(\?<[A-Za-z_][A-Za-z0-9_]*>/.test(s), {
      message: "needs at least one named group like (?<level>[A-Z]+)",
    }),
    ...timeFields,
    paths: parserPaths,
  }),
  /** Records spanning lines (stack traces): a line matching `firstLine` starts one, lines matching `continuation` extend it. */
  z.strictObject({
    name: parserName,
    format: z.literal("multiline"),
    firstLine: fluentRegex,
    continuation: fluentRegex,
    paths: parserPaths,
  }),
]);

/**
 * `projects[].logs`: the project's log retention, index name prefix and application-log
 * parsers (rendered by components/addons/render/projectLogs.ts). Add to the project schema
 * as `logs: projectLogsSchema.prefault({})`.
 */
export const projectLogsSchema = z
  .strictObject({
    /** Days the project's indices are kept; default `addons.logging.retentionDays`. */
    retentionDays: z.number().int().min(1).optional(),
    /** Index name prefix: indices are `<index>-YYYY.MM.DD` (container logs) and `<index>.app-YYYY.MM.DD` (app log files). Default `logs-<project>`. */
    index: matching(
      /^logs-[a-z0-9]([a-z0-9-]{0,60}[a-z0-9])?$/,
      "must be an index name prefix starting with logs- (lower-case letters, digits, '-')",
    ).optional(),
    /** Parsers of the project's application log files (`appLogPaths`). */
    parsers: z.array(logParserSchema).default([]),
  })
  .superRefine((logs, ctx) => {
    const seen = new Set<string>();
    logs.parsers.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({ code: "custom", path: ["parsers", i, "name"], message: `"${p.name}" is used twice` });
      seen.add(p.name);
    });
  });
export type ProjectLogsConfig = z.infer<typeof projectLogsSchema>;
export type LogParserConfig = z.infer<typeof logParserSchema>;
