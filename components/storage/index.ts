/**
 * GlusterStorage: the storage hosts, their trusted pool and the (distributed-)dispersed
 * volume; the native GlusterFS mount on every kubelet host; the quota agents that enforce
 * each PersistentVolume's size; with a Kubernetes provider also the in-cluster side
 * (GlusterStorageClass: local-path-provisioner on the shared mount + the StorageClass).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { helmRelease } from "../addons/kube";
import { asRoot } from "../host/render";
import type { HostRef } from "../host";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { PROVISIONER, renderProvisionerRelease, renderStorageClass } from "./kube";
import { renderMountInstallScript } from "./mount";
import { renderQuotaAgentScript } from "./quota";
import { planSpecVolume, renderPrepareScript, renderVolumeScript } from "./render";

/** A storage host: the shared host reference (address, SSH connection, baseline prep). */
export type StorageHostRef = HostRef;

/**
 * The id of a host's baseline prep: it changes only when the machine was rebuilt
 * (`pulumi up --replace <prep URN>`), so steps that put files or services on the host list
 * it in their triggers and run again on the new machine.
 */
const provisioned = (host: HostRef) => (host.ready as pulumi.CustomResource).id;

/** How many storage hosts (the first ones) a client may fetch the volume layout from. */
export const VOLFILE_SERVERS = 3;

/** Arguments of GlusterStorage. */
export interface GlusterStorageArgs {
  /** The platform spec; `storage.glusterfs` must be set. */
  readonly spec: PlatformSpec;
  /** The hosts with role `storage`, in inventory order (the first one runs the gluster CLI). */
  readonly hosts: readonly StorageHostRef[];
  /** The hosts that run kubelet (`topology.nodes`): each mounts the volume for its pods' PVs. */
  readonly clients: readonly HostRef[];
  /** The cluster's provider; without it only the host side is built (e.g. before the control plane exists). */
  readonly provider?: k8s.Provider;
  /** What the in-cluster side must wait for (e.g. CoreDNS, the CNI). */
  readonly clusterReady?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The GlusterFS storage of the platform. Hosts are prepared in parallel; the first storage
 * host then probes the others, creates (or grows), starts and configures the volume; then
 * every client mounts it and every storage host runs a quota agent. The volume Command is
 * `protect`ed and `retainOnDelete`: no config edit deletes a volume that holds data (it
 * has no delete command either). No step here has a delete command, so every step that
 * puts files or services on a host re-runs on a rebuilt host (`triggers: [host.ready.id]`).
 */
export class GlusterStorage extends pulumi.ComponentResource {
  /** Per-host preparation (packages, glusterd, brick device, brick checks and directories). */
  readonly prepared: remote.Command[];
  /** Trusted pool + volume create/grow/start/quota/options. */
  readonly volume: remote.Command;
  /** The FUSE mount of the volume, by host name (kubelet hosts and storage hosts). */
  readonly mounts: ReadonlyMap<string, remote.Command>;
  /** The quota agent on every storage host (removes itself when capacity is not enforced). */
  readonly quotaAgents: remote.Command[];
  /** The in-cluster side, when a provider was given. */
  readonly storageClass?: GlusterStorageClass;
  /**
   * What a PVC on the StorageClass needs before it is created (the provisioner and the
   * class): PVC-creating add-ons depend on these. Empty without a provider.
   */
  readonly storageClassReady: pulumi.Resource[];

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
    const plan = planSpecVolume(spec);
    const run = asRoot(spec);
    const child = { parent: this };

    this.prepared = hosts.map(
      (host, i) =>
        new remote.Command(
          `${name}-prepare-${host.name}`,
          {
            connection: host.connection,
            create: run,
            stdin: renderPrepareScript(gluster, inventory[i]),
            triggers: [provisioned(host)],
            addPreviousOutputInEnv: false,
          },
          { ...child, dependsOn: [host.ready] },
        ),
    );

    // Runs the gluster CLI only; puts nothing on the host, and a protected resource must
    // never be replaced, so it carries no triggers.
    this.volume = new remote.Command(
      `${name}-volume-${gluster.volume}`,
      { connection: hosts[0].connection, create: run, stdin: renderVolumeScript(plan), addPreviousOutputInEnv: false },
      { ...child, dependsOn: this.prepared, protect: true, retainOnDelete: true },
    );

    // Storage hosts mount too (their quota agents read the volume); a host with both roles once.
    const servers = inventory.slice(0, VOLFILE_SERVERS).map((h) => h.address);
    const clients = new Map<string, HostRef>();
    for (const host of [...args.clients, ...hosts]) if (!clients.has(host.name)) clients.set(host.name, host);
    const mounts = new Map<string, remote.Command>();
    for (const host of clients.values()) {
      mounts.set(
        host.name,
        new remote.Command(
          `${name}-mount-${host.name}`,
          {
            connection: host.connection,
            create: run,
            stdin: renderMountInstallScript(gluster, host.name, servers),
            triggers: [provisioned(host)],
            addPreviousOutputInEnv: false,
          },
          { ...child, dependsOn: [host.ready, this.volume] },
        ),
      );
    }
    this.mounts = mounts;

    this.quotaAgents = hosts.map(
      (host) =>
        new remote.Command(
          `${name}-quota-${host.name}`,
          {
            connection: host.connection,
            create: run,
            stdin: renderQuotaAgentScript(gluster, host.name),
            triggers: [provisioned(host)],
            addPreviousOutputInEnv: false,
          },
          { ...child, dependsOn: [mounts.get(host.name) as remote.Command, this.volume] },
        ),
    );

    if (args.provider) {
      this.storageClass = new GlusterStorageClass(
        `${name}-class`,
        {
          spec,
          provider: args.provider,
          dependsOn: [...mounts.values(), ...this.quotaAgents, ...(args.clusterReady ?? [])],
        },
        child,
      );
    }
    this.storageClassReady = this.storageClass ? [this.storageClass.provisioner, this.storageClass.storageClass] : [];

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
  /** The mounts, quota agents (and cluster add-ons) the provisioner and class wait for. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Kubernetes side: local-path-provisioner (Helm chart from the chart mirror, images
 * from the private registry) on the nodes' shared GlusterFS mount, and a StorageClass that
 * provisions one directory per PV on the volume.
 */
export class GlusterStorageClass extends pulumi.ComponentResource {
  readonly provisioner: k8s.helm.v3.Release;
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: GlusterStorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:storage:GlusterStorageClass", name, {}, opts);
    const { spec, provider } = args;
    const gluster = spec.storage.glusterfs;
    if (!gluster) throw new Error("GlusterStorageClass: storage.glusterfs is not configured");
    const child = { parent: this, provider };

    this.provisioner = helmRelease(`${name}-${PROVISIONER.release}`, renderProvisionerRelease(spec, gluster), {
      ...child,
      dependsOn: args.dependsOn ?? [],
    });

    const obj = renderStorageClass(gluster);
    this.storageClass = new k8s.storage.v1.StorageClass(
      `${name}-${gluster.storageClass.name}`,
      // The rendered object is validated against the Kubernetes schema by the tests.
      obj as unknown as k8s.storage.v1.StorageClassArgs,
      // StorageClass parameters are immutable: a change replaces it (PVs are not affected).
      { ...child, dependsOn: [this.provisioner], deleteBeforeReplace: true },
    );

    this.registerOutputs({ provisioner: this.provisioner.status, storageClass: this.storageClass.metadata.name });
  }
}
