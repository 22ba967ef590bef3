/**
 * Pure renderers of the storage hosts' side: the volume plan (trusted pool, brick sets,
 * options, who may connect), the volume script run on the first storage host, and the
 * per-host preparation script.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withParameters } from "../../lib/shell";
import { brickMount } from "../../stacks/contract/schema/storage";
import type { GlusterConfig, HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { brickId, layoutBricks, type Brick, type BrickHost } from "./layout";

export { brickMount };

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
/** The checked-in script bodies (parameters are prepended by the renderers). */
export const VOLUME_SCRIPT = script("volume.sh");
export const PREPARE_SCRIPT = script("prepare-host.sh");

/** Packages every storage host needs (same names in Debian and the CentOS Storage SIG). */
export const STORAGE_PACKAGES = ["glusterfs-server", "xfsprogs"] as const;

/**
 * Quota cache timeouts while capacity is enforced: how long a brick trusts its cached
 * directory size before asking quotad again (GlusterFS defaults: 60 s below a limit's
 * soft limit, 5 s above). A burst can overrun a PV's size by what it writes within that
 * time, then writes fail with EDQUOT. Measured (`npm run bench -- storage`): 0/0 costs
 * about 40% of the tuned write throughput, 5/1 about 20%.
 */
export const QUOTA_OPTIONS: readonly (readonly [string, string])[] = [
  ["features.hard-timeout", "1"],
  ["features.quota-deem-statfs", "on"],
  ["features.soft-timeout", "5"],
];

/** Everything the volume script needs, derived once from the config. */
export interface VolumePlan {
  readonly volume: string;
  readonly disperse: number;
  readonly redundancy: number;
  /** Disperse sets in volume order (see layout.ts). */
  readonly sets: readonly (readonly Brick[])[];
  /** Addresses the first storage host probes (every other storage host). */
  readonly peers: readonly string[];
  /** `gluster volume set` options (the config's and the managed ones), sorted by key. */
  readonly options: readonly (readonly [string, string])[];
  /** Directory quota on (PV sizes enforced) or off. */
  readonly quota: boolean;
  /** Bricks on the root filesystem are accepted (`force`). */
  readonly force: boolean;
}

/** Storage hosts as the layout sees them. */
export function brickHosts(hosts: readonly Pick<HostConfig, "name" | "address" | "bricks">[]): BrickHost[] {
  return hosts.map((h) => ({ name: h.name, address: h.address, bricks: h.bricks }));
}

/** An `auth.allow` entry for a client network: `a.b.c.*` for whole-octet networks, the address for /32. */
export function authPattern(network: string): string {
  const [address, prefix = "32"] = network.split("/");
  const octets = address.split(".").slice(0, Number(prefix) / 8);
  return octets.length === 4 ? octets.join(".") : `${octets.join(".")}.*`;
}

/**
 * `auth.allow`: loopback, the storage hosts (a storage host mounting from a peer's glusterd
 * gets the untrusted client volfile and needs its own address listed) and the clients:
 * `clientNetworks` as patterns, else every kubelet host's address. Processes glusterd
 * starts itself (self-heal, quota, rebalance) use the trusted volfile and are not subject
 * to it.
 */
export function authAllow(
  gluster: Pick<GlusterConfig, "clientNetworks">,
  storage: readonly string[],
  nodes: readonly string[],
): string {
  const clients = gluster.clientNetworks ? gluster.clientNetworks.map(authPattern) : nodes;
  return [...new Set(["127.0.0.1", ...storage, ...clients])].join(",");
}

const byKey = ([a]: readonly [string, string], [b]: readonly [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The volume plan for the storage hosts (inventory order; the first one runs the CLI).
 * `nodes` are the kubelet hosts' addresses (auth.allow when clientNetworks is not set).
 */
export function planVolume(gluster: GlusterConfig, hosts: readonly BrickHost[], nodes: readonly string[]): VolumePlan {
  if (hosts.length === 0) throw new Error("storage.glusterfs needs at least one storage host");
  const sets = layoutBricks(hosts, gluster.disperse);
  const [first, ...others] = hosts;
  const managed: [string, string][] = [
    [
      "auth.allow",
      authAllow(
        gluster,
        hosts.map((h) => h.address),
        nodes,
      ),
    ],
    ["network.ping-timeout", String(gluster.pingTimeout)],
    ...(gluster.enforceCapacity ? QUOTA_OPTIONS.map(([k, v]): [string, string] => [k, v]) : []),
  ];
  return {
    volume: gluster.volume,
    disperse: gluster.disperse,
    redundancy: gluster.redundancy,
    sets,
    peers: others.filter((h) => h.address !== first.address).map((h) => h.address),
    options: [...Object.entries(gluster.options), ...managed].sort(byKey),
    quota: gluster.enforceCapacity,
    force: gluster.allowRootBricks,
  };
}

/** The volume plan of a platform spec (storage hosts and kubelet hosts from its topology). */
export function planSpecVolume(spec: Pick<PlatformSpec, "topology" | "storage">): VolumePlan {
  const gluster = spec.storage.glusterfs;
  if (!gluster) throw new Error("storage.glusterfs is not configured");
  return planVolume(
    gluster,
    brickHosts(spec.topology.storage),
    spec.topology.nodes.map((h) => h.address),
  );
}

/** How the volume script reaches glusterd; only tests and benches set these. */
export interface CliTarget {
  /** glusterd's UNIX socket (`gluster --glusterd-sock`), for several glusterds on one machine. */
  readonly glusterdSock?: string;
  /** CLI log file (default: gluster's own). */
  readonly logFile?: string;
  /** Append `force` to create/add-brick even when the config does not allow root bricks. */
  readonly force?: boolean;
  /** Seconds to wait for peers to connect. */
  readonly waitSeconds?: number;
}

/** The volume script for `bash -s` on the first storage host: pool, volume, start, quota, options, growth. */
export function renderVolumeScript(plan: VolumePlan, target: CliTarget = {}): string {
  return withParameters(VOLUME_SCRIPT, {
    VOLUME: plan.volume,
    DISPERSE: plan.disperse,
    REDUNDANCY: plan.redundancy,
    BRICK_SETS: plan.sets.map((set) => set.map(brickId).join(" ")).join("\n"),
    PEERS: plan.peers.join(" "),
    OPTIONS: plan.options.map(([k, v]) => `${k}=${v}`).join("\n"),
    QUOTA: plan.quota ? 1 : 0,
    FORCE: plan.force || target.force ? 1 : 0,
    GLUSTERD_SOCK: target.glusterdSock ?? "",
    CLI_LOG: target.logFile ?? "",
    WAIT_SECONDS: target.waitSeconds ?? 120,
  });
}

/** Only tests set this: the filesystem whose device counts as "the root partition". */
export interface PrepareTarget {
  readonly rootFs?: string;
}

/** The storage-host prep script (packages, glusterd, brick device, brick checks and directories). */
export function renderPrepareScript(gluster: GlusterConfig, host: HostConfig, target: PrepareTarget = {}): string {
  const mount = host.brickDevice ? brickMount(host.bricks) : "";
  // The loader refuses this (hosts[].brickDevice); kept as an invariant of the renderer.
  if (host.brickDevice && mount === "/") throw new Error(`hosts.${host.name}.brickDevice: bricks share no parent`);
  return withParameters(PREPARE_SCRIPT, {
    HOST_NAME: host.name,
    BRICKS: host.bricks.join("\n"),
    PACKAGES: STORAGE_PACKAGES.join(" "),
    BRICK_DEVICE: host.brickDevice ?? "",
    BRICK_MOUNT: mount,
    FORCE_FORMAT: gluster.forceFormat ? 1 : 0,
    ALLOW_ROOT_BRICKS: gluster.allowRootBricks ? 1 : 0,
    ROOT_FS: target.rootFs ?? "/",
  });
}
