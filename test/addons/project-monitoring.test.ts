import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import Ajv from "ajv";
import {
  PROMETHEUS_DATASOURCE,
  projectDashboard,
  projectsOverviewDashboard,
  renderDashboardConfigMaps,
  type Dashboard,
} from "../../components/addons/render/dashboards";
import { renderKubePrometheusStackValues } from "../../components/addons/render/monitoring";
import { renderProjectAlerts } from "../../components/addons/render/projectAlerts";
import type { Graph, RecordedResource } from "../../stacks/plan/run";
import { runProgram } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { prodSpec } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON
type Json = any;

/**
 * The series the queries may use, checked at the pinned versions:
 * - kube-state-metrics v2.20.0 (the kube-prometheus-stack 88.5.3 subchart's appVersion):
 *   kubernetes/kube-state-metrics@v2.20.0:docs/metrics/policy/resourcequota-metrics.md,
 *   docs/metrics/workload/pod-metrics.md, replicaset-metrics.md, cluster/namespace-metrics.md
 *   (and internal/store/*.go for the label names);
 * - the kubelet's cAdvisor series as kube-prometheus-stack 88.5.3 itself selects them
 *   (templates/prometheus/rules-1.14/k8s.rules.container_cpu_usage_seconds_total.yaml,
 *   k8s.rules.container_memory_working_set_bytes.yaml: job="kubelet", metrics_path="/metrics/cadvisor").
 */
const UPSTREAM_METRICS = new Set([
  "kube_resourcequota",
  "kube_pod_status_phase",
  "kube_pod_container_status_restarts_total",
  "kube_pod_container_resource_requests",
  "kube_pod_owner",
  "kube_replicaset_owner",
  "kube_pod_container_status_waiting_reason",
  "kube_namespace_labels",
  "container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes",
]);

/**
 * The cAdvisor series kube-prometheus-stack 88.5.3 drops before storing them (values.yaml
 * kubelet.serviceMonitor.cAdvisorMetricRelabelings, the `__name__` rules).
 */
const CADVISOR_DROPPED = [
  /^container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)$/,
  /^container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)$/,
  /^container_memory_(mapped_file|swap)$/,
  /^container_(file_descriptors|tasks_state|threads_max)$/,
  /^container_spec.*$/,
];

/** Parses a query with Prometheus' own PromQL grammar; returns the metric names, throws on a syntax error. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError)
      throw new Error(`PromQL syntax error at ${cursor.from}: ${expr.slice(cursor.from, cursor.from + 40)}`);
    if (cursor.name === "Identifier" && cursor.node.parent?.name === "VectorSelector")
      names.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return names;
}

function checkQuery(expr: string, where: string): void {
  const names = metricsOf(expr);
  assert.ok(names.length > 0, `${where}: no series`);
  for (const n of names) {
    assert.ok(UPSTREAM_METRICS.has(n), `${where}: ${n} is not a series of the pinned exporters`);
    assert.ok(!CADVISOR_DROPPED.some((re) => re.test(n)), `${where}: ${n} is dropped by the kubelet ServiceMonitor`);
  }
}

function checkDashboard(d: Dashboard): void {
  const json = JSON.parse(JSON.stringify(d)) as Json;
  assert.equal(typeof json.uid, "string");
  assert.ok(json.uid.length <= 40, "Grafana uids are at most 40 characters");
  const ids = json.panels.map((p: Json) => p.id);
  assert.equal(new Set(ids).size, ids.length, `${d.title}: unique panel ids`);
  const cells = new Set<string>();
  for (const p of json.panels) {
    const { x, y, w, h } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${d.title}/${p.title}: on the 24-column grid`);
    for (let i = x; i < x + w; i++)
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${d.title}/${p.title}: overlaps another panel`);
        cells.add(`${i},${j}`);
      }
    assert.deepEqual(p.datasource, PROMETHEUS_DATASOURCE);
    assert.ok(p.targets.length > 0);
    for (const t of p.targets) {
      checkQuery(t.expr, `${d.title}/${p.title}`);
      const vars = [...String(t.expr).matchAll(/\$([a-z_]+)/g)].map((m) => m[1]).filter((v) => v !== "1");
      for (const v of vars)
        assert.ok(
          json.templating.list.some((x: Json) => x.name === v),
          `${d.title}/${p.title}: $${v} is not a dashboard variable`,
        );
    }
  }
  for (const v of json.templating.list)
    if (v.query?.query) assert.match(v.query.query, /^label_values\(kube_namespace_labels\{/);
}

describe("add-ons: project dashboards and alerts", () => {
  it("provisions the Projects overview and the per-project dashboard through Grafana's sidecar", () => {
    const maps = renderDashboardConfigMaps();
    assert.deepEqual(
      maps.map((m) => [m.metadata.name, m.metadata.namespace, m.metadata.labels?.grafana_dashboard]),
      [
        ["dashboard-k8s-platform-projects", "monitoring", "1"],
        ["dashboard-k8s-platform-project", "monitoring", "1"],
      ],
    );
    for (const m of maps) {
      const [file, text] = Object.entries(m.data as Record<string, string>)[0];
      const d = JSON.parse(text) as Dashboard;
      assert.equal(file, `${d.uid}.json`);
      checkDashboard(d);
    }
    const values = renderKubePrometheusStackValues(prodSpec()) as Json;
    assert.deepEqual(values["kube-state-metrics"].metricLabelsAllowlist, ["namespaces=[k8s-platform.io/project]"]);
  });

  it("queries only series the pinned exporters export, in valid PromQL (the check can fail)", () => {
    assert.throws(() => checkQuery("sum(rate(container_cpu_usage_seconds_total[5m])", "t"), /syntax error/);
    assert.throws(() => checkQuery("kube_pod_container_resource_limits_cpu_cores", "t"), /not a series/);
    assert.throws(() => checkQuery("container_spec_cpu_quota", "t"), /not a series|dropped/);
    const overview = projectsOverviewDashboard();
    assert.deepEqual(
      overview.panels.map((p) => p.title),
      [
        "CPU requests / quota",
        "Memory requests / quota",
        "Storage requests / quota",
        "Pods / quota",
        "Pods by phase",
        "Container restarts (1h)",
        "Quota use now",
      ],
    );
    assert.ok(projectDashboard().panels.some((p) => p.title === "CPU usage / requests by workload"));
  });

  it("alerts per project on a quota above 90% and crash-looping pods, valid against the pinned PrometheusRule CRD", () => {
    const crd = JSON.parse(readFileSync(join(__dirname, "data", "prometheusrule-crd-v0.93.1.json"), "utf8")) as Json;
    assert.match(crd.source, /prometheus-operator-crds-31\.0\.1/);
    // The CRD's patterns are Go (RE2) regexps, as the apiserver checks them: a leading (?i) is a flag.
    const goRegExp = (pattern: string, flags: string) => {
      const insensitive = /^\^?\(\?i\)/.test(pattern);
      return new RegExp(pattern.replace(/^(\^?)\(\?i\)/, "$1"), insensitive ? `${flags}i` : flags);
    };
    const regExp = Object.assign(goRegExp, { code: "goRegExp" });
    const validate = new Ajv({
      strict: false,
      validateFormats: false,
      allErrors: true,
      code: { regExp },
    }).compile<Json>(crd.openAPIV3Schema);
    for (const project of prodSpec().projects) {
      const rule: Json = renderProjectAlerts(project);
      assert.ok(validate(rule), JSON.stringify(validate.errors));
      const rules = rule.spec.groups[0].rules as Json[];
      assert.deepEqual(
        rules.map((r) => [r.alert, r.for, r.labels.project]),
        [
          ["ProjectQuotaAlmostFull", "15m", project.name],
          ["ProjectPodCrashLooping", "15m", project.name],
        ],
      );
      for (const r of rules) {
        checkQuery(r.expr, r.alert);
        assert.match(r.expr, new RegExp(`namespace="${project.name}"`), "only the project's series");
      }
      assert.match(rules[0].expr, /> 0\.9$/);
    }
    const broken = { ...renderProjectAlerts(prodSpec().projects[0]), spec: { groups: [{ rules: [{ alert: "x" }] }] } };
    assert.equal(validate(broken), false, "the schema check can fail (a group needs a name, a rule an expr)");
  });

  describe("in the whole program's graph", function () {
    this.timeout(300000);
    let base: Graph;
    let added: Graph;
    before(async () => {
      base = await runProgram(prodConfig());
      const raw = clone(prodConfig());
      (raw.projects as unknown[]).push({ name: "maps", quota: { cpu: "8", memory: "16Gi", storage: "100Gi" } });
      added = await runProgram(raw);
    });

    const monitoringAndLogging = (g: Graph) =>
      new Map(
        g.resources
          .filter((r) => /Monitoring|Logging/.test(r.urn.split("::")[2]) && r.custom)
          .map((r) => [r.urn, JSON.stringify(r.inputs)]),
      );

    it("creates one PrometheusRule per project after the CRDs and the stack, and the dashboards", () => {
      const rules = base.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
      assert.equal(rules.length, prodSpec().projects.length);
      const crds = base.resources.find((r) => r.name === "monitoring-prometheus-operator-crds") as RecordedResource;
      for (const r of rules) assert.ok(r.dependencies.includes(crds.urn), r.name);
      assert.equal(
        base.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name.includes("dashboard-")).length,
        2,
      );
    });

    it("adding a project adds only its own monitoring and logging objects (no dashboard changes)", () => {
      const a = monitoringAndLogging(base);
      const b = monitoringAndLogging(added);
      const changed = [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k));
      const gone = [...a.keys()].filter((k) => !b.has(k));
      const created = [...b.keys()].filter((k) => !a.has(k));
      assert.deepEqual(gone, []);
      // Fluent Bit's values list the project app-log inputs only for projects with appLogPaths.
      assert.deepEqual(changed, []);
      assert.ok(created.length >= 3, created.join("\n"));
      for (const urn of created) assert.match(urn, /maps/, urn);
    });
  });
});
