/**
 * Alerts of each project, one PrometheusRule per project (so adding a project adds only its
 * own rule): a quota above 90% for 15 minutes, and a container crash-looping for 15 minutes.
 * Every alert carries the `project` label for routing. Metrics: kube-state-metrics v2.20.0
 * `kube_resourcequota{resource,type=hard|used}` and
 * `kube_pod_container_status_waiting_reason{reason}` (docs/metrics/policy/resourcequota-metrics.md,
 * docs/metrics/workload/pod-metrics.md at that tag). The operator picks up rules of every
 * release (`ruleSelectorNilUsesHelmValues: false`, monitoring.ts).
 */
import type { ProjectConfig } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, MANAGED_BY, type KubeObject } from "./common";

/** The share of a quota above which the project is alerted. */
export const QUOTA_ALERT_RATIO = 0.9;

/** The PrometheusRule of one project. */
export function renderProjectAlerts(project: ProjectConfig): KubeObject {
  const ns = `namespace="${project.name}"`;
  const labels = { severity: "warning", project: project.name };
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: `alerts-${project.name}`,
      namespace: ADDON_NAMESPACES.monitoring,
      labels: { ...MANAGED_BY, "k8s-platform.io/project": project.name },
    },
    spec: {
      groups: [
        {
          name: `project-${project.name}`,
          rules: [
            {
              alert: "ProjectQuotaAlmostFull",
              expr: `max by (namespace, resource) (kube_resourcequota{${ns}, type="used"}) / max by (namespace, resource) (kube_resourcequota{${ns}, type="hard"} > 0) > ${QUOTA_ALERT_RATIO}`,
              for: "15m",
              labels,
              annotations: {
                summary: `Project ${project.name} uses more than ${QUOTA_ALERT_RATIO * 100}% of its {{ $labels.resource }} quota`,
                description: `{{ $labels.resource }} in ${project.name} has been at {{ $value | humanizePercentage }} of the quota for 15 minutes (projects[].quota).`,
              },
            },
            {
              alert: "ProjectPodCrashLooping",
              expr: `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{${ns}, reason="CrashLoopBackOff"}[5m])) >= 1`,
              for: "15m",
              labels,
              annotations: {
                summary: `A container of project ${project.name} is crash-looping`,
                description: `{{ $labels.pod }}/{{ $labels.container }} in ${project.name} has been in CrashLoopBackOff for 15 minutes.`,
              },
            },
          ],
        },
      ],
    },
  };
}
