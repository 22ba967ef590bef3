/**
 * Pure renderers of the GlusterFS storage: the volume plan (trusted pool, brick sets,
 * options), the parameterised scripts run on the storage hosts, the NFS-Ganesha export,
 * and the Kubernetes objects (csi-driver-nfs Helm values, StorageClass).
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { withParameters } from "../../lib/shell";
import type { GlusterConfig, HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { brickId, layoutBricks, type Brick, type BrickHost } from "./layout";

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
/** The checked-in script bodies (parameters are prepended by the renderers). */
export const VOLUME_SCRIPT = script("volume.sh");
export const PREPARE_SCRIPT = script("prepare-host.sh");
export const GANESHA_SCRIPT = script("ganesha.sh");

/** Packages every storage host needs (same names in Debian and the CentOS Storage SIG). */
export const STORAGE_PACKAGES = ["glusterfs-server", "xfsprogs", "nfs-ganesha", "nfs-ganesha-gluster"] as const;

/** The kubernetes-csi NFS driver chart (https://github.com/kubernetes-csi/csi-driver-nfs/tree/master/charts). */
export const CSI_DRIVER_NFS = {
  chart: "csi-driver-nfs",
  /** CSI driver name: the StorageClass provisioner. */
  driver: "nfs.csi.k8s.io",
  namespace: "kube-system",
} as const;

/** Everything the volume script needs, derived once from the config. */
export interface VolumePlan {
  readonly volume: string;
  readonly disperse: number;
  readonly redundancy: number;
  /** Disperse sets in volume order (see layout.ts). */
  readonly sets: readonly (readonly Brick[])[];
  /** Addresses the first storage host probes (every other storage host). */
  readonly peers: readonly string[];
  /** `gluster volume set` options, sorted by key so the rendered script is deterministic. */
  readonly options: readonly (readonly [string, string])[];
}

/** Storage hosts as the layout sees them. */
export function brickHosts(hosts: readonly Pick<HostConfig, "name" | "address" | "bricks">[]): BrickHost[] {
  return hosts.map((h) => ({ name: h.name, address: h.address, bricks: h.bricks }));
}

/** The volume plan for the storage hosts (inventory order; the first one runs the CLI). */
export function planVolume(gluster: GlusterConfig, hosts: readonly BrickHost[]): VolumePlan {
  if (hosts.length === 0) throw new Error("storage.glusterfs needs at least one storage host");
  const sets = layoutBricks(hosts, gluster.disperse);
  const [first, ...others] = hosts;
  return {
    volume: gluster.volume,
    disperse: gluster.disperse,
    redundancy: gluster.redundancy,
    sets,
    peers: others.filter((h) => h.address !== first.address).map((h) => h.address),
    options: Object.entries(gluster.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** How the volume script reaches glusterd; only tests and benches set these. */
export interface CliTarget {
  /** glusterd's UNIX socket (`gluster --glusterd-sock`), for several glusterds on one machine. */
  readonly glusterdSock?: string;
  /** `gluster --remote-host`. */
  readonly remoteHost?: string;
  /** CLI log file (default: gluster's own). */
  readonly logFile?: string;
  /** Append `force` to create/add-brick: needed for bricks on the root filesystem. */
  readonly force?: boolean;
  /** Seconds to wait for peers to connect. */
  readonly waitSeconds?: number;
}

/** The volume script for `bash -s` on the first storage host: pool, volume, options, start, growth. */
export function renderVolumeScript(plan: VolumePlan, target: CliTarget = {}): string {
  return withParameters(VOLUME_SCRIPT, {
    VOLUME: plan.volume,
    DISPERSE: plan.disperse,
    REDUNDANCY: plan.redundancy,
    BRICK_SETS: plan.sets.map((set) => set.map(brickId).join(" ")).join("\n"),
    PEERS: plan.peers.join(" "),
    OPTIONS: plan.options.map(([k, v]) => `${k}=${v}`).join("\n"),
    FORCE: target.force ? 1 : 0,
    GLUSTERD_SOCK: target.glusterdSock ?? "",
    REMOTE_HOST: target.remoteHost ?? "",
    CLI_LOG: target.logFile ?? "",
    WAIT_SECONDS: target.waitSeconds ?? 120,
  });
}

/** The deepest directory holding every brick: where brickDevice is mounted. */
export function brickMount(bricks: readonly string[]): string {
  if (bricks.length === 0) throw new Error("no bricks");
  const parts = bricks.map((b) => posix.dirname(posix.normalize(b)).split("/"));
  const common: string[] = [];
  for (let i = 0; i < parts[0].length; i++) {
    if (parts.every((p) => p[i] === parts[0][i])) common.push(parts[0][i]);
    else break;
  }
  const mount = common.join("/") || "/";
  return mount;
}

/** The storage-host prep script (packages, glusterd, brick device and directories). */
export function renderPrepareScript(gluster: GlusterConfig, host: HostConfig): string {
  const mount = host.brickDevice ? brickMount(host.bricks) : "";
  if (host.brickDevice && mount === "/") {
    throw new Error(
      `hosts.${host.name}.brickDevice: the bricks ${host.bricks.join(", ")} share no parent directory to mount it on`,
    );
  }
  return withParameters(PREPARE_SCRIPT, {
    HOST_NAME: host.name,
    BRICKS: host.bricks.join("\n"),
    PACKAGES: STORAGE_PACKAGES.join(" "),
    BRICK_DEVICE: host.brickDevice ?? "",
    BRICK_MOUNT: mount,
    FORCE_FORMAT: gluster.forceFormat ? 1 : 0,
  });
}

/** Where Ganesha listens and which glusterd libgfapi asks for the volume; only tests change these. */
export interface GaneshaTarget {
  /** `NFS_CORE_PARAM.Bind_addr` (default: every address). */
  readonly bindAddress?: string;
  /** glusterd the Gluster FSAL fetches the volume from (default: the local one). */
  readonly glusterHost?: string;
}

/**
 * ganesha.conf exporting the volume over NFSv4 through libgfapi (ganesha-gluster-config(8),
 * ganesha-export-config(8)). NFSv4 only: clients need TCP 2049 and nothing else.
 * No_Root_Squash because the CSI controller creates and chowns each PV's directory as root.
 */
export function renderGaneshaConfig(volume: string, target: GaneshaTarget = {}): string {
  return [
    `# Rendered by k8s-platform (components/storage): NFS export of the Gluster volume ${volume}.`,
    "NFS_CORE_PARAM {",
    "    Protocols = 4;",
    // NLM and RQUOTA serve NFSv3 clients only.
    "    Enable_NLM = false;",
    "    Enable_RQUOTA = false;",
    ...(target.bindAddress ? [`    Bind_addr = ${target.bindAddress};`] : []),
    "}",
    "EXPORT {",
    "    Export_Id = 1;",
    `    Path = "/${volume}";`,
    `    Pseudo = "/${volume}";`,
    "    Access_Type = RW;",
    "    Squash = No_Root_Squash;",
    '    SecType = "sys";',
    '    Transports = "TCP";',
    "    Protocols = 4;",
    "    FSAL {",
    "        Name = GLUSTER;",
    `        Hostname = "${target.glusterHost ?? "localhost"}";`,
    `        Volume = "${volume}";`,
    "    }",
    "}",
    "",
  ].join("\n");
}

/** The NFS-Ganesha script for one storage host. */
export function renderGaneshaScript(host: Pick<HostConfig, "name">, volume: string): string {
  return withParameters(GANESHA_SCRIPT, { HOST_NAME: host.name, GANESHA_CONF: renderGaneshaConfig(volume) });
}

// ---------------------------------------------------------------------------------------
// Kubernetes side

/** A plain Kubernetes object (what the component passes to @pulumi/kubernetes and tests validate). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** The NFS server clients mount: `storage.glusterfs.nfsServer` (a VIP or DNS name), else the first storage host. */
export function nfsServer(spec: Pick<PlatformSpec, "topology" | "storage">, override?: string): string {
  const configured = override ?? spec.storage.glusterfs?.nfsServer;
  if (configured) return configured;
  const first = spec.topology.storage[0];
  if (!first) throw new Error("storage.glusterfs needs at least one storage host");
  return first.address;
}

/**
 * Values for the csi-driver-nfs chart: every image from the private registry (the chart
 * prefixes all sidecars with `image.baseRepo`; the plugin image has its own full
 * repository), two controller replicas, no StorageClass of its own (the component makes it).
 */
export function renderCsiDriverValues(spec: Pick<PlatformSpec, "mirrors">): Record<string, unknown> {
  const registry = spec.mirrors.images;
  return {
    image: {
      baseRepo: registry,
      nfs: { repository: `${registry}/sig-storage/nfsplugin` },
    },
    controller: { replicas: 2 },
    storageClass: { create: false },
    externalSnapshotter: { enabled: false },
  };
}

/**
 * The StorageClass: one sub-directory per PV on the exported volume, named after the
 * claim's namespace and name plus the PV name, so an operator can tell whose data a
 * retained directory holds and two PVs never share one.
 */
export function renderStorageClass(gluster: GlusterConfig, server: string): KubeObject {
  const { storageClass } = gluster;
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: storageClass.name,
      annotations: { "storageclass.kubernetes.io/is-default-class": String(storageClass.default) },
      labels: { "app.kubernetes.io/managed-by": "k8s-platform", "app.kubernetes.io/component": "storage" },
    },
    provisioner: CSI_DRIVER_NFS.driver,
    parameters: {
      server,
      share: `/${gluster.volume}`,
      subDir: "${pvc.metadata.namespace}/${pvc.metadata.name}-${pv.metadata.name}",
    },
    reclaimPolicy: storageClass.reclaimPolicy,
    volumeBindingMode: "Immediate",
    allowVolumeExpansion: true,
    mountOptions: ["nfsvers=4.1", "hard"],
  };
}

/** A claim on the class (the README's example; StatefulSets use the same spec in volumeClaimTemplates). */
export function renderExampleClaim(namespace: string, name: string, storageClass: string, size: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storageClass,
      resources: { requests: { storage: size } },
    },
  };
}
