/**
 * Config section `registry`: Harbor on the registry hosts, or an external registry.
 */
import { z } from "zod";
import { dataPath, ipv4, matching, secretLine } from "./common";
export const registrySchema = z.strictObject({
  /** Registry server the pull secrets authenticate to (defaults to mirrors.images' host). */
  server: matching(
    /^(?=.{1,253}(:|$))[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?$/,
    "must be a registry host[:port] like reg.example.internal",
  ).optional(),
  /** Harbor user or robot account (`robot$<project>+<name>`). */
  username: matching(
    /^[A-Za-z0-9._@$+-]{1,255}$/,
    "must be a registry user name (letters, digits, '.', '_', '@', '$', '+', '-')",
  ).optional(),
  /** Set with `pulumi config set --secret --path registry.password`. */
  password: secretLine.optional(),
  /** Registry VIP on the registry hosts (Harbor active/standby). */
  vip: ipv4.optional(),
  /** Prefix length of the registry hosts' common subnet (the VIP floats inside it). */
  vipPrefix: z.number().int().min(8).max(30).default(24),
  /** VRRP virtual_router_id of the registry VIP (unique per L2 segment; the apiserver VIP uses 51). */
  virtualRouterId: z.number().int().min(1).max(255).default(52),
  /** Network interface carrying the registry VIP; defaults to the interface holding the host address. */
  interface: matching(/^[A-Za-z0-9_.:-]{1,15}$/, "must be a network interface name like eth0").optional(),
  /** Harbor `data_volume` on the registry hosts (images, database, job logs). */
  dataDir: dataPath("Harbor's data").default("/data/harbor"),
  /** Install Harbor's Trivy scanner (`install.sh --with-trivy`). */
  trivy: z.boolean().default(false),
  /** Give each project's robot account push rights too (default pull only). */
  robotPush: z.boolean().default(false),
  /**
   * sha256 of `harbor-offline-installer-v<versions.harbor>.tgz`. Upstream publishes only an
   * md5sum file; without this pin the installer is checked against that md5 only.
   */
  installerSha256: matching(/^[0-9a-f]{64}$/, "must be a lower-case hex sha256 digest").optional(),
});
