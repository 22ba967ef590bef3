/**
 * GlusterStorage: the storage hosts, their trusted pool, the (distributed-)dispersed volume
 * and its NFS-Ganesha export; with a Kubernetes provider also the in-cluster side
 * (GlusterStorageClass: csi-driver-nfs + the StorageClass).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { helmRelease } from "../addons/kube";
import { release } from "../addons/render/common";
import { asRoot } from "../host/render";
import type { HostRef } from "../host";
import type { PlatformSpec } from "../../stacks/contract/spec";
import {
  brickHosts,
  CSI_DRIVER_NFS,
  nfsServer,
  planVolume,
  renderCsiDriverValues,
  renderGaneshaScript,
  renderPrepareScript,
  renderStorageClass,
  renderVolumeScript,
} from "./render";

/** A storage host: the shared host reference (address, SSH connection, baseline prep). */
export type StorageHostRef = HostRef;

/** Arguments of GlusterStorage. */
export interface GlusterStorageArgs {
  /** The platform spec; `storage.glusterfs` must be set. */
  readonly spec: PlatformSpec;
  /** The hosts with role `storage`, in inventory order (the first one runs the gluster CLI). */
  readonly hosts: readonly StorageHostRef[];
  /** The cluster's provider; without it only the host side is built (e.g. before the control plane exists). */
  readonly provider?: k8s.Provider;
  /** What the in-cluster side must wait for (e.g. CoreDNS, the CNI). */
  readonly clusterReady?: pulumi.Input<pulumi.Resource>[];
  /** Overrides `storage.glusterfs.nfsServer` (the address PVs mount). */
  readonly nfsServer?: string;
}

/**
 * The GlusterFS storage of the platform. Hosts are prepared in parallel; the first storage
 * host then probes the others, creates (or grows) and starts the volume; every host then
 * exports it with NFS-Ganesha. The volume Command is `protect`ed and `retainOnDelete`: no
 * config edit deletes a volume that holds data (it has no delete command either).
 */
export class GlusterStorage extends pulumi.ComponentResource {
  /** Per-host preparation (packages, glusterd, brick device, brick directories). */
  readonly prepared: remote.Command[];
  /** Trusted pool + volume create/grow/options/start. */
  readonly volume: remote.Command;
  /** NFS-Ganesha export on every storage host. */
  readonly exports: remote.Command[];
  /** The in-cluster side, when a provider was given. */
  readonly storageClass?: GlusterStorageClass;

  constructor(name: string, args: GlusterStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:storage:GlusterStorage", name, {}, opts);
    const { spec, hosts } = args;
    const gluster = spec.storage.glusterfs;
    if (!gluster) throw new Error("GlusterStorage: storage.glusterfs is not configured");
    const inventory = spec.topology.storage;
    if (hosts.length !== inventory.length || hosts.some((h, i) => h.name !== inventory[i].name)) {
      throw new Error(
        `GlusterStorage: hosts must be the storage hosts in inventory order (${inventory.map((h) => h.name).join(", ")})`,
      );
    }
    const plan = planVolume(gluster, brickHosts(inventory));

    this.prepared = hosts.map(
      (host, i) =>
        new remote.Command(
          `${name}-prepare-${host.name}`,
          { connection: host.connection, create: asRoot(spec), stdin: renderPrepareScript(gluster, inventory[i]) },
          { parent: this, dependsOn: [host.ready] },
        ),
    );

    this.volume = new remote.Command(
      `${name}-volume-${gluster.volume}`,
      { connection: hosts[0].connection, create: asRoot(spec), stdin: renderVolumeScript(plan) },
      { parent: this, dependsOn: this.prepared, protect: true, retainOnDelete: true },
    );

    this.exports = hosts.map(
      (host) =>
        new remote.Command(
          `${name}-ganesha-${host.name}`,
          { connection: host.connection, create: asRoot(spec), stdin: renderGaneshaScript(host, gluster.volume) },
          { parent: this, dependsOn: [this.volume] },
        ),
    );

    if (args.provider) {
      this.storageClass = new GlusterStorageClass(
        `${name}-class`,
        {
          spec,
          provider: args.provider,
          server: nfsServer(spec, args.nfsServer),
          dependsOn: [...this.exports, ...(args.clusterReady ?? [])],
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      volume: gluster.volume,
      sets: plan.sets.length,
      volumeScript: this.volume.stdout,
      storageClass: this.storageClass?.storageClass.metadata.name,
    });
  }
}

/** Arguments of GlusterStorageClass. */
export interface GlusterStorageClassArgs {
  readonly spec: PlatformSpec;
  readonly provider: k8s.Provider;
  /** NFS server PVs mount. */
  readonly server: string;
  /** The exports (and cluster add-ons) the driver and class wait for. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Kubernetes side: the kubernetes-csi NFS driver (Helm chart from the chart mirror,
 * images from the private registry) and a StorageClass that provisions one directory per
 * PV on the exported volume.
 */
export class GlusterStorageClass extends pulumi.ComponentResource {
  readonly driver: k8s.helm.v3.Release;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: GlusterStorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:storage:GlusterStorageClass", name, {}, opts);
    const { spec, provider } = args;
    const gluster = spec.storage.glusterfs;
    if (!gluster) throw new Error("GlusterStorageClass: storage.glusterfs is not configured");
    const child = { parent: this, provider };

    this.driver = helmRelease(
      `${name}-csi-driver-nfs`,
      release(
        spec.mirrors.charts,
        CSI_DRIVER_NFS.chart,
        CSI_DRIVER_NFS.namespace,
        CSI_DRIVER_NFS.chart,
        gluster.csiDriverNfsChart,
        renderCsiDriverValues(spec),
      ),
      { ...child, dependsOn: args.dependsOn ?? [] },
    );

    const obj = renderStorageClass(gluster, args.server);
    this.storageClass = new k8s.storage.v1.StorageClass(
      `${name}-${gluster.storageClass.name}`,
      // The rendered object is validated against the Kubernetes schema by the tests.
      obj as unknown as k8s.storage.v1.StorageClassArgs,
      // StorageClass parameters are immutable: a change replaces it (PVs are not affected).
      { ...child, dependsOn: [this.driver], deleteBeforeReplace: true },
    );

    this.registerOutputs({ driver: this.driver.status, storageClass: this.storageClass.metadata.name });
  }
}
