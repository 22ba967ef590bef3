/**
 * Logging (the source's EFK): OpenSearch + OpenSearch Dashboards (Elastic's Helm charts
 * are archived; OpenSearch is Apache-2.0 and has index lifecycle built in), and a Fluent
 * Bit DaemonSet shipping container logs with Kubernetes metadata into one index family
 * per namespace (`logs-<namespace>-YYYY.MM.DD`, or the project's `logs.index` prefix), plus
 * each project's application log files (`projects[].appLogPaths`, parsed by its
 * `logs.parsers`) into `<prefix>.app-YYYY.MM.DD`. Each project's ISM policy deletes its
 * indices after its retention; the platform-wide one catches every other `logs-*` index
 * after `addons.logging.retentionDays`. See projectLogs.ts.
 *
 * OpenSearch runs without its security plugin: only this namespace's pods (Fluent Bit,
 * Dashboards, the policy Job) and the ingress controller for Dashboards may reach it, by
 * NetworkPolicy. Enabling the plugin needs a TLS and user setup the platform does not
 * manage yet (see README).
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { PlatformSpec, ProjectConfig } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, MANAGED_BY, release, typed, type KubeObject, type ReleaseSpec } from "./common";
import { dashboardsImages, fluentBitImages, openSearchImages } from "./chartImages";
import { fullRepositoryImage, platformImages, type ImagePin } from "./images";
import {
  CUSTOM_PARSERS_FILE,
  appIndexPrefix,
  appLogInputs,
  customIndexPrefixes,
  renderCustomParsers,
  renderProjectIsmPolicy,
} from "./projectLogs";

const NS = ADDON_NAMESPACES.logging;
/** OpenSearch cluster name; its Service is `<cluster>-master`. */
export const OPENSEARCH_CLUSTER = "logging";
export const OPENSEARCH_SERVICE = `${OPENSEARCH_CLUSTER}-master`;
export const OPENSEARCH_URL = `http://${OPENSEARCH_SERVICE}.${NS}.svc:9200`;
/** Release name; Dashboards' Service is named after it, port 5601. */
export const DASHBOARDS_SERVICE = "opensearch-dashboards";
/** Every index the platform writes starts with this; the ISM policy matches `logs-*`. */
export const INDEX_PREFIX = "logs-";
export const ISM_POLICY_ID = "logs-retention";

/** The record field Fluent Bit's output reads the index prefix from. */
const INDEX_FIELD = "logs_index";

/**
 * Lua filter: the index prefix from the pod's namespace (the project), `logs-<namespace>`
 * unless the project sets `logs.index`. Names and prefixes are DNS-label-like (validated),
 * so they are safe inside Lua string literals.
 */
export function renderIndexLua(spec: PlatformSpec): string {
  return [
    "local prefixes = {",
    ...customIndexPrefixes(spec).map(({ project, prefix }) => `  ["${project}"] = "${prefix}",`),
    "}",
    "function set_index(tag, timestamp, record)",
    '  local k = record["kubernetes"]',
    '  local ns = "unknown"',
    '  if k ~= nil and k["namespace_name"] ~= nil then ns = k["namespace_name"] end',
    `  record["${INDEX_FIELD}"] = prefixes[ns] or ("${INDEX_PREFIX}" .. ns)`,
    "  return 2, timestamp, record",
    "end",
    "",
  ].join("\n");
}

/** Projects that collect application log files, with their patterns. */
export function appLogSources(spec: PlatformSpec): { project: string; paths: readonly string[] }[] {
  return spec.projects.filter((p) => p.appLogPaths.length > 0).map((p) => ({ project: p.name, paths: p.appLogPaths }));
}

/** Fluent Bit's classic-mode config sections (the chart's `config` value). */
export function renderFluentBitConfig(spec: PlatformSpec): Record<string, string> {
  const inputs = [
    "[INPUT]",
    "    Name              tail",
    "    Path              /var/log/containers/*.log",
    "    multiline.parser  docker, cri",
    "    Tag               kube.*",
    "    Mem_Buf_Limit     50MB",
    "    Skip_Long_Lines   On",
    "",
  ];
  const filters = [
    "[FILTER]",
    "    Name                kubernetes",
    "    Match               kube.*",
    "    Merge_Log           On",
    "    Keep_Log            Off",
    "    K8S-Logging.Parser  On",
    "    K8S-Logging.Exclude On",
    "",
    "[FILTER]",
    "    Name    lua",
    "    Match   kube.*",
    "    script  /fluent-bit/scripts/index.lua",
    "    call    set_index",
    "",
  ];
  for (const input of appLogInputs(spec)) {
    inputs.push(
      "[INPUT]",
      "    Name              tail",
      `    Path              ${input.path}`,
      `    Tag               ${input.tag}`,
      "    Mem_Buf_Limit     20MB",
      "    Skip_Long_Lines   On",
      ...(input.multiline ? [`    multiline.parser  ${input.multiline}`] : []),
      "",
    );
    if (input.parser)
      filters.push(
        "[FILTER]",
        "    Name          parser",
        `    Match         ${input.tag}`,
        "    Key_Name      log",
        `    Parser        ${input.parser}`,
        "    Reserve_Data  On",
        "",
      );
  }
  for (const { project } of appLogSources(spec)) {
    const config = spec.projects.find((p) => p.name === project) as (typeof spec.projects)[number];
    filters.push(
      "[FILTER]",
      "    Name   modify",
      `    Match  app.${project}.*`,
      `    Set    ${INDEX_FIELD} ${appIndexPrefix(config)}`,
      `    Set    project ${project}`,
      "",
    );
  }
  return {
    service: [
      "[SERVICE]",
      "    Daemon        Off",
      "    Flush         1",
      "    Log_Level     info",
      "    Parsers_File  /fluent-bit/etc/parsers.conf",
      `    Parsers_File  ${CUSTOM_PARSERS_FILE}`,
      "    HTTP_Server   On",
      "    HTTP_Listen   0.0.0.0",
      "    HTTP_Port     2020",
      "    Health_Check  On",
      "",
    ].join("\n"),
    inputs: inputs.join("\n"),
    filters: filters.join("\n"),
    outputs: [
      "[OUTPUT]",
      "    Name                 opensearch",
      "    Match                *",
      `    Host                 ${OPENSEARCH_SERVICE}.${NS}.svc`,
      "    Port                 9200",
      "    Logstash_Format      On",
      `    Logstash_Prefix      ${INDEX_PREFIX}unknown`,
      `    Logstash_Prefix_Key  $${INDEX_FIELD}`,
      "    Replace_Dots         On",
      "    Suppress_Type_Name   On",
      "    Trace_Error          On",
      "    Retry_Limit          10",
      "",
    ].join("\n"),
  };
}

/** Host directories the app-log globs live in that the chart does not already mount (/var/log is). */
export function appLogHostDirs(spec: PlatformSpec): string[] {
  const dirs = new Set<string>();
  for (const { paths } of appLogSources(spec)) {
    for (const pattern of paths) {
      const fixed = pattern.split("/").filter((part) => part !== "");
      const cut = fixed.findIndex((part) => /[*?[]/.test(part));
      const dir = `/${(cut < 0 ? fixed.slice(0, -1) : fixed.slice(0, cut)).join("/")}`;
      if (dir !== "/var/log" && !dir.startsWith("/var/log/")) dirs.add(posix.normalize(dir));
    }
  }
  return [...dirs].sort();
}

/** Fluent Bit chart values. */
export function renderFluentBitValues(spec: PlatformSpec): Record<string, unknown> {
  const images = fluentBitImages(spec);
  // `<repository>:<tag>` (templates/_helpers.tpl `fluent-bit.image`): the repository carries the registry.
  const image = (pin: ImagePin) => fullRepositoryImage(spec.mirrors.images, pin);
  const extra = appLogHostDirs(spec).map((dir, i) => ({ name: `applogs-${i}`, dir }));
  return {
    kind: "DaemonSet",
    image: image(images.fluentBit),
    testFramework: { enabled: false, image: image(images.test) },
    hotReload: { enabled: false, image: image(images.hotReload) },
    // Every node, masters and tainted nodes included: their pods' logs count too.
    tolerations: [{ operator: "Exists" }],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    luaScripts: { "index.lua": renderIndexLua(spec) },
    config: { ...renderFluentBitConfig(spec), customParsers: renderCustomParsers(spec) },
    extraVolumes: extra.map((v) => ({ name: v.name, hostPath: { path: v.dir } })),
    extraVolumeMounts: extra.map((v) => ({ name: v.name, mountPath: v.dir, readOnly: true })),
  };
}

/** OpenSearch chart values. */
export function renderOpenSearchValues(spec: PlatformSpec): Record<string, unknown> {
  const log = spec.addons.logging;
  const images = openSearchImages(spec);
  // Init containers are `<image>:<imageTag>` (templates/statefulset.yaml); unset, both are busybox:latest.
  const initImage = (pin: ImagePin) => {
    const { repository, tag } = fullRepositoryImage(spec.mirrors.images, pin);
    return { image: repository, imageTag: tag };
  };
  return {
    clusterName: OPENSEARCH_CLUSTER,
    nodeGroup: "master",
    // The chart names its Services after `masterService` (default "opensearch-cluster-master"),
    // not after clusterName: every client below calls OPENSEARCH_SERVICE.
    masterService: OPENSEARCH_SERVICE,
    replicas: log.replicas,
    singleNode: log.replicas === 1,
    image: fullRepositoryImage(spec.mirrors.images, images.opensearch),
    protocol: "http",
    securityConfig: { enabled: false },
    config: {
      "opensearch.yml": ["cluster.name: logging", "network.host: 0.0.0.0", "plugins.security.disabled: true", ""].join(
        "\n",
      ),
    },
    extraEnvs: [
      { name: "DISABLE_INSTALL_DEMO_CONFIG", value: "true" },
      { name: "DISABLE_SECURITY_PLUGIN", value: "true" },
    ],
    // vm.max_map_count is not namespaced: a privileged init container sets it on the node.
    sysctlInit: { enabled: true, ...initImage(images.sysctl) },
    persistence: {
      enabled: true,
      size: log.storage,
      ...(log.storageClass ? { storageClass: log.storageClass } : {}),
      enableInitChown: false,
      ...initImage(images.initChown),
    },
    antiAffinity: "hard",
    opensearchJavaOpts: "-Xms2g -Xmx2g",
    resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } },
  };
}

/** OpenSearch Dashboards chart values. */
export function renderDashboardsValues(spec: PlatformSpec): Record<string, unknown> {
  return {
    image: fullRepositoryImage(spec.mirrors.images, dashboardsImages(spec).dashboards),
    opensearchHosts: `http://${OPENSEARCH_SERVICE}:9200`,
    replicaCount: 1,
    extraEnvs: [{ name: "DISABLE_SECURITY_DASHBOARDS_PLUGIN", value: "true" }],
    // Helm merges maps: without an explicit cpu limit the chart's default `limits.cpu: 100m` stays.
    resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  };
}

/** The three logging releases. */
export function renderLoggingReleases(spec: PlatformSpec): ReleaseSpec[] {
  const v = spec.addons.chartVersions;
  return [
    release(spec.mirrors.charts, "opensearch", NS, "opensearch", v.opensearch, renderOpenSearchValues(spec)),
    release(
      spec.mirrors.charts,
      DASHBOARDS_SERVICE,
      NS,
      "opensearch-dashboards",
      v["opensearch-dashboards"],
      renderDashboardsValues(spec),
    ),
    release(spec.mirrors.charts, "fluent-bit", NS, "fluent-bit", v["fluent-bit"], renderFluentBitValues(spec)),
  ];
}

/** The ISM policy: indices `logs-*` are deleted `retentionDays` after creation. */
export function renderIsmPolicy(retentionDays: number): Record<string, unknown> {
  return {
    policy: {
      description: `Delete platform log indices after ${retentionDays} days (addons.logging.retentionDays)`,
      default_state: "hot",
      states: [
        {
          name: "hot",
          actions: [],
          transitions: [{ state_name: "delete", conditions: { min_index_age: `${retentionDays}d` } }],
        },
        { name: "delete", actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${INDEX_PREFIX}*`], priority: 100 }],
    },
  };
}

/**
 * Applies the policy: waits (bounded) for the cluster, then creates it, or updates it with
 * the sequence number OpenSearch requires for an update. Re-running changes nothing.
 */
export const ISM_SCRIPT = [
  "#!/bin/sh",
  "set -eu",
  'base="${OPENSEARCH_URL:?}"',
  'url="$base/_plugins/_ism/policies/${POLICY_ID:?}"',
  "tries=0",
  'until curl -fsS "$base/_cluster/health?wait_for_status=yellow&timeout=10s" >/dev/null; do',
  "  tries=$((tries + 1))",
  '  if [ "$tries" -ge 60 ]; then echo "OpenSearch not ready after $tries attempts" >&2; exit 1; fi',
  '  sleep "${RETRY_SECONDS:-10}"',
  "done",
  'existing="$(curl -sS "$url" || true)"',
  'seq="$(printf \'%s\' "$existing" | sed -n \'s/.*"_seq_no":\\([0-9][0-9]*\\).*/\\1/p\')"',
  'term="$(printf \'%s\' "$existing" | sed -n \'s/.*"_primary_term":\\([0-9][0-9]*\\).*/\\1/p\')"',
  'if [ -n "$seq" ] && [ -n "$term" ]; then url="$url?if_seq_no=$seq&if_primary_term=$term"; fi',
  'curl -fsS -X PUT "$url" -H "Content-Type: application/json" --data-binary @/policy/policy.json',
  "echo",
  "",
].join("\n");

/**
 * ConfigMap + Job that install one ISM policy; the name follows the content (Jobs are
 * immutable), so a changed policy is a new pair and an unchanged one stays as it is.
 * A policy applies to indices created after it; existing indices keep the revision they
 * were enrolled with (OpenSearch ISM), which daily indices outgrow within the retention.
 */
function renderIsmObjects(
  spec: PlatformSpec,
  base: string,
  policyId: string,
  body: Record<string, unknown>,
): KubeObject[] {
  const policy = JSON.stringify(body, null, 2);
  const digest = createHash("sha256").update(policyId).update(policy).update(ISM_SCRIPT).digest("hex").slice(0, 8);
  // Job names are label values (at most 63 characters).
  const name = `${base.slice(0, 53).replace(/-+$/, "")}-${digest}`;
  const labels = { ...MANAGED_BY, "app.kubernetes.io/name": "ism-policy" };
  return [
    typed.configMap({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: NS, labels },
      data: { "policy.json": policy, "apply.sh": ISM_SCRIPT },
    }),
    typed.job({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: NS, labels },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "OnFailure",
            securityContext: { runAsNonRoot: true, runAsUser: 100, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "apply",
                image: platformImages(spec).curl.image,
                command: ["/bin/sh", "/policy/apply.sh"],
                env: [
                  { name: "OPENSEARCH_URL", value: `http://${OPENSEARCH_SERVICE}:9200` },
                  { name: "POLICY_ID", value: policyId },
                ],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [{ name: "policy", mountPath: "/policy", readOnly: true }],
              },
            ],
            volumes: [{ name: "policy", configMap: { name } }],
          },
        },
      },
    }),
  ];
}

/** The platform-wide policy: indices `logs-*` are deleted `addons.logging.retentionDays` after creation. */
export function renderIsmPolicyJob(spec: PlatformSpec): KubeObject[] {
  return renderIsmObjects(spec, "ism-policy", ISM_POLICY_ID, renderIsmPolicy(spec.addons.logging.retentionDays));
}

/** One project's policy objects (`ism-<project>-<digest>`): only that project's settings change them. */
export function renderProjectIsmJob(spec: PlatformSpec, project: ProjectConfig): KubeObject[] {
  const { policyId, policy } = renderProjectIsmPolicy(spec, project);
  return renderIsmObjects(spec, `ism-${project.name}`, policyId, policy);
}
