/**
 * Logging: OpenSearch, OpenSearch Dashboards and Fluent Bit in the `logging` namespace,
 * the ISM retention policy, and optionally an Ingress for Dashboards. See render/logging.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObject, createObjects, helmRelease } from "./kube";
import { ADDON_NAMESPACES, MANAGED_BY, renderNamespace, renderNetworkPolicies } from "./render/common";
import { renderUiIngress } from "./render/ingress";
import { DASHBOARDS_SERVICE, renderIsmPolicyJob, renderLoggingReleases, renderProjectIsmJob } from "./render/logging";
import { loggingPeers } from "./render/policies";
import { UI_AUTH_USER, renderUiAuth } from "./render/uiAuth";

/** Arguments of {@link Logging}. */
export interface LoggingArgs {
  /** The validated stack config: `addons.logging`, `projects[].appLogPaths`, `mirrors.*`. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first: the pod network, DNS and a default StorageClass (or `addons.logging.storageClass`). */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Cluster and application logs, searchable per project. */
export class Logging extends pulumi.ComponentResource {
  readonly namespace = ADDON_NAMESPACES.logging;
  /** The password of Dashboards' basic authentication (user `admin`; secret), when `dashboardsHost` publishes it. */
  readonly dashboardsPassword?: pulumi.Output<string>;

  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:addons:Logging", name, {}, opts);
    const { spec, provider } = args;
    const child = { parent: this, provider };
    const ns = createObject(name, renderNamespace(this.namespace, "privileged"), {
      ...child,
      dependsOn: args.dependsOn,
    });
    const policies = createObjects(name, renderNetworkPolicies(this.namespace, loggingPeers(spec)), {
      ...child,
      dependsOn: [ns],
    });
    const [opensearch, dashboards, fluentBit] = renderLoggingReleases(spec).map((r) =>
      helmRelease(`${name}-${r.name}`, r, { ...child, dependsOn: [ns, ...policies] }),
    );
    // The platform-wide policy, then one per project (each only its own project's settings);
    // a protected project removed from the config keeps its indices, so it keeps their policy Job.
    for (const [objects, retain] of [
      [renderIsmPolicyJob(spec), false] as const,
      ...spec.projects.map((p) => [renderProjectIsmJob(spec, p), p.protect] as const),
    ]) {
      const [policyConfig, policyJob] = objects;
      const config = createObject(name, policyConfig, { ...child, dependsOn: [ns], retainOnDelete: retain });
      createObject(name, policyJob, { ...child, dependsOn: [opensearch, config], retainOnDelete: retain });
    }
    const host = spec.addons.logging.dashboardsHost;
    if (host) {
      // Dashboards has no login of its own: the ingress controller asks for one.
      const auth = renderUiAuth(spec, this.namespace, "dashboards");
      const password = new random.RandomPassword(
        `${name}-dashboards-auth`,
        { length: 24, special: false },
        { parent: this },
      );
      this.dashboardsPassword = pulumi.secret(password.result);
      const secret = new k8s.core.v1.Secret(
        `${name}-dashboards-basic-auth`,
        {
          metadata: { name: auth.secretName, namespace: this.namespace, labels: { ...MANAGED_BY } },
          type: "Opaque",
          stringData: pulumi.secret({ [auth.secretKey]: pulumi.interpolate`${UI_AUTH_USER}:${password.bcryptHash}\n` }),
        },
        { ...child, dependsOn: [ns] },
      );
      const extra = createObjects(name, auth.objects, { ...child, dependsOn: [ns, ...policies] });
      createObject(
        name,
        renderUiIngress(spec, this.namespace, "dashboards", host, DASHBOARDS_SERVICE, 5601, auth.annotations),
        { ...child, dependsOn: [dashboards, secret, ...extra] },
      );
    }
    this.registerOutputs({
      namespace: this.namespace,
      releases: [opensearch.name, dashboards.name, fluentBit.name],
      ...(this.dashboardsPassword ? { dashboardsPassword: this.dashboardsPassword } : {}),
    });
  }
}
