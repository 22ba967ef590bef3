/**
 * Pure renderers of the client side: where every kubelet host (and storage host) mounts
 * the volume with the native GlusterFS FUSE client, the order it asks the storage hosts
 * for the volume layout, and the install script with its systemd service and timer.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withParameters } from "../../lib/shell";
import type { GlusterConfig } from "../../stacks/contract/spec";

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
export const MOUNT_INSTALL_SCRIPT = script("mount.sh");
export const MOUNT_VOLUME_SCRIPT = script("mount-volume.sh");

/** Client packages: Debian/Ubuntu and EL (CentOS Storage SIG) names. */
export const CLIENT_PACKAGES = { deb: ["glusterfs-client"], rpm: ["glusterfs-fuse"] } as const;

/** Seconds one storage host gets to hand out the volume layout before the next is tried. */
export const MOUNT_ATTEMPT_SECONDS = 30;

/**
 * Kernel read-ahead (KiB) of each client's FUSE mount. Measured (`npm run bench --
 * storage`): sequential reads gain most from any value of 1 MiB or more over the kernel's
 * 128 KiB; 4 MiB costs only page cache.
 */
export const CLIENT_READ_AHEAD_KB = 4096;

/** Where the volume is mounted on every client: the provisioner's shared filesystem path. */
export function mountPath(volume: string): string {
  return `/var/lib/k8s-platform/glusterfs/${volume}`;
}

/** The systemd unit name (service and timer) keeping the volume mounted. */
export function mountUnit(volume: string): string {
  return `k8s-platform-glusterfs-${volume}`;
}

/** Where the mount script is installed. */
export function mountScriptPath(volume: string): string {
  return `/usr/local/libexec/k8s-platform/glusterfs-mount-${volume}`;
}

/**
 * The storage hosts in the order `host` asks them for the volume layout: the inventory
 * order rotated by a hash of the host name, so clients spread over the storage hosts and
 * a host's order depends only on its own name and the storage hosts.
 */
export function volfileServers(host: string, storage: readonly string[]): string[] {
  if (storage.length === 0) return [];
  const start = createHash("sha256").update(host).digest().readUInt32BE(0) % storage.length;
  return [...storage.slice(start), ...storage.slice(0, start)];
}

/** Test-only knobs of the client mount (the tests' client binds a chosen loopback address). */
export interface MountTarget {
  /** Extra comma-separated mount options. */
  readonly mountOptions?: string;
  /** Overrides MOUNT_ATTEMPT_SECONDS. */
  readonly attemptSeconds?: number;
  /** Overrides the mount point. */
  readonly mountPoint?: string;
  /** Overrides CLIENT_READ_AHEAD_KB (0: the kernel's default); the bench's `defaults` row. */
  readonly readAheadKb?: number;
}

/** The mount script (the service's ExecStart) for one host. */
export function renderMountVolumeScript(
  gluster: Pick<GlusterConfig, "volume">,
  host: string,
  storage: readonly string[],
  target: MountTarget = {},
): string {
  return withParameters(MOUNT_VOLUME_SCRIPT, {
    HOST_NAME: host,
    VOLUME: gluster.volume,
    MOUNT: target.mountPoint ?? mountPath(gluster.volume),
    SERVERS: volfileServers(host, storage).join(" "),
    MOUNT_OPTIONS: target.mountOptions ?? "",
    ATTEMPT_SECONDS: target.attemptSeconds ?? MOUNT_ATTEMPT_SECONDS,
    READ_AHEAD_KB: target.readAheadKb ?? CLIENT_READ_AHEAD_KB,
  });
}

/** The oneshot service running the mount script. */
export function renderMountService(
  volume: string,
  storageHosts: number,
  target: MountTarget & { readonly mountScriptPath?: string } = {},
): string {
  const attempt = target.attemptSeconds ?? MOUNT_ATTEMPT_SECONDS;
  return [
    "# Rendered by k8s-platform (components/storage): keeps the GlusterFS volume mounted.",
    "[Unit]",
    `Description=Mount the GlusterFS volume ${volume} for PersistentVolumes (k8s-platform)`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${target.mountScriptPath ?? mountScriptPath(volume)}`,
    // Every storage host gets its attempt, plus the liveness checks.
    `TimeoutStartSec=${storageHosts * (attempt + 25) + 30}`,
    "",
  ].join("\n");
}

/** The timer: mount at boot, then re-check every 30 s (a dead client is remounted). */
export function renderMountTimer(volume: string): string {
  return [
    "# Rendered by k8s-platform (components/storage).",
    "[Unit]",
    `Description=Keep the GlusterFS volume ${volume} mounted (k8s-platform)`,
    "",
    "[Timer]",
    "OnBootSec=5s",
    "OnUnitInactiveSec=30s",
    "AccuracySec=5s",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

/** Where the install script writes units; only tests change it. */
export interface MountInstallTarget extends MountTarget {
  readonly systemdDir?: string;
  readonly mountScriptPath?: string;
}

/** The install script of the client mount for one host (`bash -s`). */
export function renderMountInstallScript(
  gluster: Pick<GlusterConfig, "volume">,
  host: string,
  storage: readonly string[],
  target: MountInstallTarget = {},
): string {
  const volume = gluster.volume;
  return withParameters(MOUNT_INSTALL_SCRIPT, {
    HOST_NAME: host,
    MOUNT: target.mountPoint ?? mountPath(volume),
    UNIT: mountUnit(volume),
    PACKAGES_DEB: CLIENT_PACKAGES.deb.join(" "),
    PACKAGES_RPM: CLIENT_PACKAGES.rpm.join(" "),
    MOUNT_SCRIPT: renderMountVolumeScript(gluster, host, storage, target),
    MOUNT_SCRIPT_PATH: target.mountScriptPath ?? mountScriptPath(volume),
    SERVICE: renderMountService(volume, storage.length, target),
    TIMER: renderMountTimer(volume),
    SYSTEMD_DIR: target.systemdDir ?? "/etc/systemd/system",
  });
}
