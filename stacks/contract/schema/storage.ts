/**
 * Config section `storage`: the GlusterFS dispersed volume, who may mount it, and its
 * StorageClass. Every free-text value has a syntax here: they end up in bash parameters,
 * `gluster` command lines and systemd units, so no newline or shell syntax gets through.
 */
import { z } from "zod";
import { parseCidr } from "../../../lib/ipv4";
import { label, matching, version } from "./common";

/**
 * A client network for `auth.allow`: an IPv4 address or a whole-octet network (/8, /16,
 * /24, /32). GlusterFS 10/11 compares other prefix lengths wrongly (gf_is_ip_in_net masks
 * the low bits of the address in network byte order), so the platform renders networks
 * as `a.b.c.*` patterns and accepts only prefixes that such a pattern can express.
 */
const clientNetwork = z.string().superRefine((s, ctx) => {
  const parsed = parseCidr(s.includes("/") ? s : `${s}/32`);
  if (parsed === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(s)} must be an IPv4 address or network like 10.10.2.0/24`,
    });
  } else if (parsed.prefix % 8 !== 0 || parsed.prefix === 0) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(s)}: GlusterFS auth.allow matches whole octets only; use a /8, /16, /24 network or list the addresses`,
    });
  }
});

/**
 * The measured volume options (`npm run bench -- storage`): write-behind aggregates a
 * sequential writer's 128 KB FUSE writes into 4 MB ones before the erasure coder, which
 * only happens with trickling writes off.
 */
export const TUNED_GLUSTER_OPTIONS: Readonly<Record<string, string>> = {
  "performance.aggregate-size": "4MB",
  "performance.write-behind-window-size": "16MB",
  "performance.write-behind-trickling-writes": "off",
};

export const glusterSchema = z.strictObject({
  volume: matching(/^[A-Za-z0-9_-]{1,64}$/, "must be a volume name (letters, digits, '_', '-')").default("k8s-data"),
  /** Bricks per disperse set (data + redundancy); 5 + 1 measured best (docs/components/storage.md). */
  disperse: z.number().int().default(5),
  /** Bricks per set that may be lost. */
  redundancy: z.number().int().default(1),
  /**
   * `gluster volume set` options (name -> value), on top of the ones the platform manages.
   * Default: the write-behind settings the bench measured (docs/components/storage.md).
   */
  options: z
    .record(
      z.string(),
      matching(
        /^[A-Za-z0-9][A-Za-z0-9._:/,+%-]{0,127}$/,
        "must be a gluster option value (letters, digits and . _ : / , + % -; no spaces or shell syntax)",
      ),
    )
    .superRefine((options, ctx) => {
      for (const key of Object.keys(options))
        if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(key))
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${JSON.stringify(key)} must be a gluster option name like performance.cache-size`,
          });
    })
    .default(() => ({ ...TUNED_GLUSTER_OPTIONS })),
  /** Allow formatting brickDevice even when it already holds a filesystem. */
  forceFormat: z.boolean().default(false),
  /** Accept bricks on the root filesystem (passes `force` to volume create/add-brick). */
  allowRootBricks: z.boolean().default(false),
  /**
   * Networks the nodes mount the volume from (`auth.allow`, next to the storage hosts'
   * own addresses). Default: each node's address, which makes adding a node re-run the
   * volume step; set the node subnets to keep that local.
   */
  clientNetworks: z.array(clientNetwork).min(1, { message: "must list at least one network" }).optional(),
  /**
   * `network.ping-timeout` (seconds): a hung or vanished storage host pauses I/O on the
   * volume for up to 2 x this (the ping timer drops a brick only when a whole timeout
   * passed without traffic at its expiry; measured). GlusterFS's default, 42, means pauses
   * of up to 84 s.
   */
  pingTimeout: z.number().int().min(2).max(300).default(10),
  /** Enforce each PersistentVolume's size with a GlusterFS directory quota. */
  enforceCapacity: z.boolean().default(true),
  /** Version of the rancher local-path-provisioner Helm chart (pulled from mirrors.charts). */
  provisionerChart: version.default("0.0.37"),
  storageClass: z
    .strictObject({
      name: label("storageClass.name").default("glusterfs"),
      default: z.boolean().default(true),
      reclaimPolicy: z.enum(["Retain", "Delete"]).default("Retain"),
    })
    .prefault({}),
});

export const storageSchema = z.strictObject({
  glusterfs: glusterSchema.optional(),
});

/**
 * Volume options the platform sets itself (from other keys), so `options` may not: who may
 * connect (clientNetworks), the failover bound (pingTimeout) and capacity enforcement.
 */
export const MANAGED_GLUSTER_OPTIONS: Readonly<Record<string, string>> = {
  "auth.allow": "storage.glusterfs.clientNetworks",
  "auth.reject": "storage.glusterfs.clientNetworks",
  "network.ping-timeout": "storage.glusterfs.pingTimeout",
  "features.quota": "storage.glusterfs.enforceCapacity",
  "features.inode-quota": "storage.glusterfs.enforceCapacity",
  "features.soft-timeout": "storage.glusterfs.enforceCapacity",
  "features.hard-timeout": "storage.glusterfs.enforceCapacity",
  "features.quota-deem-statfs": "storage.glusterfs.enforceCapacity",
};

/** A brick path the gluster CLI and the scripts take as one plain word (`address:/path`). */
export const BRICK_PATH = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;

/**
 * The deepest directory holding every brick: where `hosts[].brickDevice` is mounted, so
 * each brick is a sub-directory of the mount (GlusterFS refuses a brick that is itself a
 * mount point). "/" when the bricks share no parent below the root.
 */
export function brickMount(bricks: readonly string[]): string {
  if (bricks.length === 0) return "/";
  const parents = bricks.map((b) => b.split("/").filter(Boolean).slice(0, -1));
  const common: string[] = [];
  for (let i = 0; i < parents[0].length; i++) {
    if (parents.every((p) => p[i] === parents[0][i])) common.push(parents[0][i]);
    else break;
  }
  return `/${common.join("/")}`;
}
