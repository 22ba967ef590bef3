/**
 * CoreDNS, the first add-on (the source installs DNS first): Deployment spread across
 * nodes, the kube-dns Service on `spec.endpoints.clusterDnsIp`, PDB, and optionally the
 * proportional autoscaler and NodeLocal DNSCache. See render/coredns.ts.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObjects } from "./kube";
import { ADDON_NAMESPACES } from "./render/common";
import { renderCoreDnsNetworkPolicy, renderDns } from "./render/coredns";

/** Arguments of {@link CoreDns}. */
export interface CoreDnsArgs {
  /** The validated stack config: `addons.coredns`, `cluster.domain`, `versions.coredns`, `endpoints.clusterDnsIp`. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first: the pod network (Calico), so the Deployment can become ready. */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Cluster DNS. */
export class CoreDns extends pulumi.ComponentResource {
  /** The cluster DNS Service IP (equals kubelet's clusterDNS unless NodeLocal DNSCache is on). */
  readonly serviceIp: string;
  /** The DNS objects; later add-ons wait on them. */
  readonly resources: pulumi.Resource[];

  constructor(name: string, args: CoreDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:addons:CoreDns", name, {}, opts);
    const { spec, provider } = args;
    const objs = [...renderDns(spec), renderCoreDnsNetworkPolicy(ADDON_NAMESPACES.monitoring)];
    this.resources = createObjects(name, objs, { parent: this, provider, dependsOn: args.dependsOn });
    this.serviceIp = spec.endpoints.clusterDnsIp;
    this.registerOutputs({ serviceIp: this.serviceIp });
  }
}
