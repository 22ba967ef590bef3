/**
 * Config section `storage`: the GlusterFS dispersed volume and its StorageClass.
 */
import { z } from "zod";
import { label, matching, version } from "./common";
export const glusterSchema = z.strictObject({
  volume: matching(/^[A-Za-z0-9_-]{1,64}$/, "must be a volume name (letters, digits, '_', '-')").default("k8s-data"),
  /** Bricks per disperse set (data + redundancy). */
  disperse: z.number().int().default(4),
  /** Bricks per set that may be lost. */
  redundancy: z.number().int().default(1),
  /** `gluster volume set` options. */
  options: z
    .record(
      matching(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/, "must be a gluster option name like performance.cache-size"),
      z.string(),
    )
    .default({}),
  /** Allow formatting brickDevice even when it already holds a filesystem. */
  forceFormat: z.boolean().default(false),
  /**
   * Address or DNS name PVs mount the NFS-Ganesha export from: a VIP or DNS name in front of
   * the storage hosts. Default: the first storage host's address.
   */
  nfsServer: matching(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be an IPv4 address or a DNS name").optional(),
  /** Version of the kubernetes-csi csi-driver-nfs Helm chart (pulled from mirrors.charts). */
  csiDriverNfsChart: version.default("4.13.4"),
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
