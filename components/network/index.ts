/**
 * Calico: the tigera-operator chart (from the chart mirror, version = versions.calico)
 * whose Installation runs Calico with the Kubernetes datastore and the pod IP pool in the
 * configured encapsulation; then the BGP topology (full mesh, or route reflectors chosen
 * by `selectRouteReflectors`), top-of-rack peers, and Felix settings for kube-proxy IPVS.
 */
import { remote, type types } from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { asRoot } from "../host/render";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { createObject, createObjects, helmRelease } from "../addons/kube";
import { renderNamespace } from "../addons/render/common";
import {
  renderBgpConfiguration,
  renderBgpPeers,
  renderCrdWaitScript,
  renderFelixConfiguration,
  renderTigeraOperatorRelease,
  TIGERA_NAMESPACE,
  routeReflectorNodeMetadata,
  selectRouteReflectors,
  type BgpTopology,
} from "./render";

export { TIGERA_NAMESPACE } from "./render";

/** Arguments of {@link Calico}. */
export interface CalicoArgs {
  /** The validated stack config: `network.*`, `versions.calico`, `mirrors.*`, `topology.nodes`. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster (built from the admin kubeconfig). */
  readonly provider: k8s.Provider;
  /**
   * What must exist first: the apiserver reachable and, for route reflectors, the nodes
   * registered (their Node objects are labelled). Typically the control plane and workers.
   */
  readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
  /**
   * What a route reflector's Node object exists after (its kubelet registered), by node
   * name; the reflector label and cluster ID are patched onto that Node. Must not wait for
   * the node to be Ready: a node only becomes Ready once Calico runs on it.
   */
  readonly nodeRegistered?: (node: string) => pulumi.Input<pulumi.Resource>[];
  /**
   * The first master's SSH connection: kubectl and the admin kubeconfig are there once the
   * control plane is ready (a dependency in `dependsOn`). The CRD wait runs on it.
   */
  readonly opsHost: { readonly connection: pulumi.Input<types.input.remote.ConnectionArgs> };
}

/** Calico networking and network policy for the cluster. */
export class Calico extends pulumi.ComponentResource {
  /** The chosen BGP topology. */
  readonly topology: BgpTopology;
  /** The tigera-operator release: in-cluster add-ons wait on it (pods need the CNI). */
  readonly release: k8s.helm.v3.Release;
  /** The bounded wait until the crd.projectcalico.org CRDs are Established (first master). */
  readonly crdsEstablished: remote.Command;
  /** Everything the cluster network is ready after (the release and the BGP/Felix objects). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: CalicoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:network:Calico", name, {}, opts);
    const { spec, provider } = args;
    const topology = selectRouteReflectors(spec);
    this.topology = topology;
    const child = { parent: this, provider };

    const namespace = createObject(name, renderNamespace(TIGERA_NAMESPACE, "privileged"), {
      ...child,
      dependsOn: args.dependsOn,
    });
    const chart = renderTigeraOperatorRelease(spec);
    this.release = helmRelease(`${name}-tigera-operator`, chart, { ...child, dependsOn: [namespace] });

    // The operator creates (and on upgrade updates) the crd.projectcalico.org CRDs when it
    // starts, not the release: every Calico object below waits until they are Established.
    // The Calico release re-runs the wait in place (it is in the script's parameters).
    this.crdsEstablished = new remote.Command(
      `${name}-crds-established`,
      {
        connection: args.opsHost.connection,
        create: asRoot(spec),
        update: asRoot(spec),
        stdin: renderCrdWaitScript(spec),
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [this.release] },
    );
    const calicoObjects = { ...child, dependsOn: [this.release, this.crdsEstablished] };

    // calico-node creates the `default` singletons itself at start-up when they are missing,
    // so the platform patches them (server-side apply) instead of owning their creation.
    const felix = renderFelixConfiguration(spec);
    const felixPatch = new k8s.apiextensions.CustomResourcePatch(`${name}-felix-default`, { ...felix }, calicoObjects);

    const reflectorNodes = topology.reflectors.map((node) => {
      const meta = routeReflectorNodeMetadata();
      return new k8s.core.v1.NodePatch(
        `${name}-route-reflector-${node}`,
        { metadata: { name: node, ...meta } },
        { ...child, dependsOn: [this.release, ...(args.nodeRegistered?.(node) ?? [])] },
      );
    });
    const peers = createObjects(name, renderBgpPeers(spec, topology), calicoObjects);

    // The mesh goes off only once reflectors and peers exist, so routes never disappear.
    const bgp = renderBgpConfiguration(spec, topology);
    const bgpPatch = new k8s.apiextensions.CustomResourcePatch(
      `${name}-bgp-default`,
      { ...bgp },
      { ...child, dependsOn: [this.release, this.crdsEstablished, ...reflectorNodes, ...peers] },
    );

    this.ready = [this.release, felixPatch, bgpPatch, ...peers];
    this.registerOutputs({ fullMesh: topology.fullMesh, routeReflectors: topology.reflectors });
  }
}
