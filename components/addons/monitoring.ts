/**
 * Monitoring: metrics-server and kube-prometheus-stack in the `monitoring` namespace, the
 * prometheus-operator CRDs before them (their own chart, so a chart bump upgrades them), a
 * generated Grafana admin password, and optionally an Ingress for Grafana. Prometheus
 * scrapes etcd's metrics-only listener: no etcd credential is stored in the cluster.
 * See render/monitoring.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObject, createObjects, helmChart, helmRelease } from "./kube";
import { ADDON_NAMESPACES, MANAGED_BY, renderNamespace, renderNetworkPolicies } from "./render/common";
import { renderDashboardConfigMaps } from "./render/dashboards";
import { renderUiIngress } from "./render/ingress";
import { renderProjectAlerts } from "./render/projectAlerts";
import {
  GRAFANA_ADMIN_SECRET,
  GRAFANA_SERVICE,
  renderMonitoringReleases,
  renderPrometheusCrdsRelease,
} from "./render/monitoring";
import { monitoringPeers } from "./render/policies";

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs {
  /** The validated stack config: `addons.monitoring`, `mirrors.*`, etcd and master hosts. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first: the pod network and DNS (and the ingress controller for grafanaHost). */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Metrics for `kubectl top`/HPA, and Prometheus + Grafana. */
export class Monitoring extends pulumi.ComponentResource {
  readonly namespace = ADDON_NAMESPACES.monitoring;
  /** Grafana's admin password (secret). */
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** The prometheus-operator CRDs: PrometheusRules and ServiceMonitors elsewhere wait on them. */
  readonly crds: k8s.helm.v4.Chart;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:addons:Monitoring", name, {}, opts);
    const { spec, provider } = args;
    const child = { parent: this, provider };
    const ns = createObject(name, renderNamespace(this.namespace, "privileged"), {
      ...child,
      dependsOn: args.dependsOn,
    });
    const policies = createObjects(name, renderNetworkPolicies(this.namespace, monitoringPeers(spec)), {
      ...child,
      dependsOn: [ns],
    });

    // Applied as resources before the stack; its own `crds/` subchart is off (crds.enabled).
    this.crds = helmChart(`${name}-prometheus-operator-crds`, renderPrometheusCrdsRelease(spec), {
      ...child,
      dependsOn: [ns],
    });
    const password = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 24, special: false },
      { parent: this },
    );
    this.grafanaAdminPassword = pulumi.secret(password.result);
    const grafanaSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET, namespace: this.namespace, labels: { ...MANAGED_BY } },
        type: "Opaque",
        stringData: pulumi.secret({ "admin-user": "admin", "admin-password": password.result }),
      },
      { ...child, dependsOn: [ns] },
    );

    const releases = renderMonitoringReleases(spec).map((r) =>
      helmRelease(`${name}-${r.name}`, r, { ...child, dependsOn: [ns, this.crds, grafanaSecret, ...policies] }),
    );
    // The project dashboards (Grafana's sidecar loads them) and one alert rule per project.
    createObjects(name, renderDashboardConfigMaps(), { ...child, dependsOn: [ns] });
    // A protected project removed from the config keeps its namespace, so it keeps its alerts too.
    for (const p of spec.projects)
      createObject(name, renderProjectAlerts(p), {
        ...child,
        dependsOn: [this.crds, ...releases],
        retainOnDelete: p.protect,
      });
    const host = spec.addons.monitoring.grafanaHost;
    if (host)
      createObject(name, renderUiIngress(spec, this.namespace, "grafana", host, GRAFANA_SERVICE, 80), {
        ...child,
        dependsOn: releases,
      });
    this.registerOutputs({ namespace: this.namespace, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
