/**
 * The ingress controller (traefik by default, or ingress-nginx) in its own namespace,
 * with an entry point per project TCP port (`projects[].tcp`; the routes are the projects'
 * own). See render/ingress.ts.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObject, createObjects, helmChart, helmRelease } from "./kube";
import { ADDON_NAMESPACES, renderNamespace, renderNetworkPolicies } from "./render/common";
import { renderIngressRelease } from "./render/ingress";
import { ingressPeers } from "./render/policies";

/** Arguments of {@link Ingress}. */
export interface IngressArgs {
  /** The validated stack config: `addons.ingress`, `mirrors.*`. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first: the pod network and DNS. */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** The cluster's entry point for http and tcp traffic. */
export class Ingress extends pulumi.ComponentResource {
  /** The controller's namespace (projects' NetworkPolicies admit traffic from it). */
  readonly namespace: string;
  /**
   * The controller: traefik as a helm.v4.Chart (no hooks; its `crds/` become resources, so a
   * chart bump upgrades its CRDs), ingress-nginx as a Release (its admission certgen runs as hooks).
   */
  readonly release: k8s.helm.v4.Chart | k8s.helm.v3.Release;

  constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:addons:Ingress", name, {}, opts);
    const { spec, provider } = args;
    const child = { parent: this, provider };
    const controller = spec.addons.ingress.controller;
    this.namespace = ADDON_NAMESPACES.ingress(controller);
    // Host network needs the privileged level; a Service-exposed controller runs as baseline.
    const level = spec.addons.ingress.exposure === "hostNetwork" ? "privileged" : "baseline";
    const ns = createObject(name, renderNamespace(this.namespace, level), { ...child, dependsOn: args.dependsOn });
    const policies = createObjects(name, renderNetworkPolicies(this.namespace, ingressPeers()), {
      ...child,
      dependsOn: [ns],
    });
    const chart = renderIngressRelease(spec);
    const after = { ...child, dependsOn: [ns, ...policies] };
    this.release =
      controller === "traefik"
        ? helmChart(`${name}-${controller}`, chart, after)
        : helmRelease(`${name}-${controller}`, chart, after);
    // TCP routes live in the projects' namespaces (projects[].tcp), next to the Services they expose.
    this.registerOutputs({ namespace: this.namespace });
  }
}
