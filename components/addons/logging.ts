/**
 * Logging: OpenSearch, OpenSearch Dashboards and Fluent Bit in the `logging` namespace,
 * the ISM retention policy, and optionally an Ingress for Dashboards. See render/logging.ts.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObject, createObjects, helmRelease } from "./kube";
import { ADDON_NAMESPACES, renderNamespace, renderNetworkPolicies } from "./render/common";
import { renderUiIngress } from "./render/ingress";
import { DASHBOARDS_SERVICE, renderIsmPolicyJob, renderLoggingReleases } from "./render/logging";
import { loggingPeers } from "./render/policies";

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
    const [policyConfig, policyJob] = renderIsmPolicyJob(spec);
    const config = createObject(name, policyConfig, { ...child, dependsOn: [ns] });
    createObject(name, policyJob, { ...child, dependsOn: [opensearch, config] });
    const host = spec.addons.logging.dashboardsHost;
    if (host)
      createObject(name, renderUiIngress(spec, this.namespace, "dashboards", host, DASHBOARDS_SERVICE, 5601), {
        ...child,
        dependsOn: [dashboards],
      });
    this.registerOutputs({ namespace: this.namespace, releases: [opensearch.name, dashboards.name, fluentBit.name] });
  }
}
