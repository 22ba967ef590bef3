/**
 * Grafana dashboards of the projects, provisioned through Grafana's dashboard sidecar
 * (kube-prometheus-stack turns it on: ConfigMaps labelled `grafana_dashboard: "1"` in any
 * namespace, datasource uid `prometheus`; kube-prometheus-stack-88.5.3 values.yaml
 * `grafana.sidecar`). Two dashboards:
 * - "Projects": per project, CPU / memory / storage requests against the quota, pods by
 *   phase, container restarts;
 * - "Project": one project (variable `project`), usage against requests per workload.
 *
 * Queries use kube-state-metrics v2.20.0 and the kubelet's cAdvisor series only. Project
 * namespaces are the ones carrying the `k8s-platform.io/project` label, which
 * kube-state-metrics exports through its labels allowlist (monitoring.ts), so the JSON
 * is the same for any set of projects: adding a project changes no dashboard.
 */
import { PROJECT_LABEL } from "../../project/names";
import { ADDON_NAMESPACES, MANAGED_BY, typed, type KubeObject } from "./common";

/** The kube-state-metrics labels allowlist that exports the project label of namespaces. */
export const KSM_LABELS_ALLOWLIST = [`namespaces=[${PROJECT_LABEL}]`];
/** The project label as a Prometheus label of kube_namespace_labels (kube-state-metrics sanitizes it). */
export const PROJECT_METRIC_LABEL = `label_${PROJECT_LABEL.replace(/[^a-zA-Z0-9_]/g, "_")}`;
/** The datasource kube-prometheus-stack provisions (values.yaml grafana.sidecar.datasources.uid). */
export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;

/** Restricts a vector to project namespaces. */
const inProjects = `and on (namespace) kube_namespace_labels{${PROJECT_METRIC_LABEL}!=""}`;
/** cAdvisor series of containers, as kube-prometheus-stack's own rules select them. */
const CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor", container!="", image!=""';

/** The quota of a resource used, as a fraction of the hard limit, per project. */
const quotaUse = (resource: string) =>
  `max by (namespace) (kube_resourcequota{resource="${resource}", type="used"}) / max by (namespace) (kube_resourcequota{resource="${resource}", type="hard"} > 0) ${inProjects}`;

/** Pod -> workload (Deployment through its ReplicaSet, else the pod's own controller) in `$project`. */
const WORKLOAD_OF_POD = [
  "(",
  '  max by (namespace, pod, workload) (label_replace(kube_pod_owner{namespace="$project", owner_kind!="ReplicaSet"}, "workload", "$1", "owner_name", "(.*)"))',
  "  or",
  "  max by (namespace, pod, workload) (label_replace(",
  '    max by (namespace, pod, replicaset) (label_replace(kube_pod_owner{namespace="$project", owner_kind="ReplicaSet"}, "replicaset", "$1", "owner_name", "(.*)"))',
  "    * on (namespace, replicaset) group_left (owner_name)",
  '    max by (namespace, replicaset, owner_name) (kube_replicaset_owner{namespace="$project", owner_kind="Deployment"}),',
  '    "workload", "$1", "owner_name", "(.*)"))',
  ")",
].join("\n");
const perWorkload = (series: string) =>
  `sum by (workload) (${series} * on (namespace, pod) group_left (workload) ${WORKLOAD_OF_POD})`;

/** A Prometheus query target of a panel. */
interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly format?: "table" | "time_series";
  readonly instant?: boolean;
}

/** A panel on the 24-column grid. */
export interface Panel {
  readonly id: number;
  readonly type: "timeseries" | "table" | "stat";
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource: typeof PROMETHEUS_DATASOURCE;
  readonly targets: readonly Target[];
  readonly fieldConfig: { readonly defaults: Record<string, unknown>; readonly overrides: readonly unknown[] };
  readonly options: Record<string, unknown>;
}

/** The dashboard model Grafana reads (the fields the platform sets). */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly editable: boolean;
  readonly schemaVersion: number;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly Record<string, unknown>[] };
  readonly panels: readonly Panel[];
}

function panel(
  id: number,
  title: string,
  type: Panel["type"],
  gridPos: Panel["gridPos"],
  targets: readonly Omit<Target, "refId">[],
  unit: string,
): Panel {
  return {
    id,
    type,
    title,
    gridPos,
    datasource: PROMETHEUS_DATASOURCE,
    targets: targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), ...t })),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === "timeseries" ? { legend: { displayMode: "table", placement: "right" } } : {},
  };
}

const BASE = { editable: false, schemaVersion: 39, time: { from: "now-6h", to: "now" }, refresh: "1m" } as const;

/** "Projects": every project against its quota. */
export function projectsOverviewDashboard(): Dashboard {
  const ts = (id: number, title: string, x: number, y: number, expr: string, unit = "percentunit") =>
    panel(id, title, "timeseries", { x, y, w: 12, h: 8 }, [{ expr, legendFormat: "{{namespace}}" }], unit);
  return {
    uid: "k8s-platform-projects",
    title: "Projects",
    tags: ["k8s-platform", "projects"],
    ...BASE,
    templating: { list: [] },
    panels: [
      ts(1, "CPU requests / quota", 0, 0, quotaUse("requests.cpu")),
      ts(2, "Memory requests / quota", 12, 0, quotaUse("requests.memory")),
      ts(3, "Storage requests / quota", 0, 8, quotaUse("requests.storage")),
      ts(4, "Pods / quota", 12, 8, quotaUse("pods")),
      panel(
        5,
        "Pods by phase",
        "timeseries",
        { x: 0, y: 16, w: 12, h: 8 },
        [
          {
            expr: `sum by (namespace, phase) (kube_pod_status_phase == 1) ${inProjects}`,
            legendFormat: "{{namespace}} {{phase}}",
          },
        ],
        "short",
      ),
      panel(
        6,
        "Container restarts (1h)",
        "timeseries",
        { x: 12, y: 16, w: 12, h: 8 },
        [
          {
            expr: `sum by (namespace) (increase(kube_pod_container_status_restarts_total[1h])) ${inProjects}`,
            legendFormat: "{{namespace}}",
          },
        ],
        "short",
      ),
      panel(
        7,
        "Quota use now",
        "table",
        { x: 0, y: 24, w: 24, h: 10 },
        [
          {
            expr: `max by (namespace, resource) (kube_resourcequota{type="used"}) / max by (namespace, resource) (kube_resourcequota{type="hard"} > 0) ${inProjects}`,
            legendFormat: "{{namespace}} {{resource}}",
            format: "table",
            instant: true,
          },
        ],
        "percentunit",
      ),
    ],
  };
}

/** "Project": one project's workloads, usage against requests. */
export function projectDashboard(): Dashboard {
  const cpuUse = perWorkload(`rate(container_cpu_usage_seconds_total{${CADVISOR}, namespace="$project"}[5m])`);
  const cpuReq = perWorkload('kube_pod_container_resource_requests{namespace="$project", resource="cpu"}');
  const memUse = perWorkload(`container_memory_working_set_bytes{${CADVISOR}, namespace="$project"}`);
  const memReq = perWorkload('kube_pod_container_resource_requests{namespace="$project", resource="memory"}');
  return {
    uid: "k8s-platform-project",
    title: "Project",
    tags: ["k8s-platform", "projects"],
    ...BASE,
    templating: {
      list: [
        {
          name: "project",
          label: "Project",
          type: "query",
          datasource: PROMETHEUS_DATASOURCE,
          query: {
            query: `label_values(kube_namespace_labels{${PROJECT_METRIC_LABEL}!=""}, namespace)`,
            refId: "project",
          },
          definition: `label_values(kube_namespace_labels{${PROJECT_METRIC_LABEL}!=""}, namespace)`,
          refresh: 2,
          sort: 1,
          includeAll: false,
          multi: false,
        },
      ],
    },
    panels: [
      panel(
        1,
        "CPU usage by workload",
        "timeseries",
        { x: 0, y: 0, w: 12, h: 9 },
        [{ expr: cpuUse, legendFormat: "{{workload}}" }],
        "cores",
      ),
      panel(
        2,
        "CPU usage / requests by workload",
        "timeseries",
        { x: 12, y: 0, w: 12, h: 9 },
        [{ expr: `${cpuUse} / ${cpuReq}`, legendFormat: "{{workload}}" }],
        "percentunit",
      ),
      panel(
        3,
        "Memory working set by workload",
        "timeseries",
        { x: 0, y: 9, w: 12, h: 9 },
        [{ expr: memUse, legendFormat: "{{workload}}" }],
        "bytes",
      ),
      panel(
        4,
        "Memory working set / requests by workload",
        "timeseries",
        { x: 12, y: 9, w: 12, h: 9 },
        [{ expr: `${memUse} / ${memReq}`, legendFormat: "{{workload}}" }],
        "percentunit",
      ),
      panel(
        5,
        "Pods by phase",
        "stat",
        { x: 0, y: 18, w: 12, h: 6 },
        [{ expr: 'sum by (phase) (kube_pod_status_phase{namespace="$project"} == 1)', legendFormat: "{{phase}}" }],
        "short",
      ),
      panel(
        6,
        "Restarts by pod (1h)",
        "timeseries",
        { x: 12, y: 18, w: 12, h: 6 },
        [
          {
            expr: 'sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="$project"}[1h]))',
            legendFormat: "{{pod}}",
          },
        ],
        "short",
      ),
    ],
  };
}

/** The dashboards as sidecar ConfigMaps in the monitoring namespace. */
export function renderDashboardConfigMaps(): KubeObject[] {
  return [projectsOverviewDashboard(), projectDashboard()].map((d) =>
    typed.configMap({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `dashboard-${d.uid}`,
        namespace: ADDON_NAMESPACES.monitoring,
        labels: { ...MANAGED_BY, grafana_dashboard: "1" },
      },
      data: { [`${d.uid}.json`]: JSON.stringify(d, null, 2) },
    }),
  );
}
