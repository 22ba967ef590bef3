/**
 * Config sections `pki`, `etcd` and `apiserver`.
 */
import { z } from "zod";
import { dataPath, hostName, ipv4, label, matching, port } from "./common";
export const pkiSchema = z.strictObject({
  /** Key algorithm for every CA and leaf key. */
  keyAlgorithm: z
    .enum(["ECDSA-P256", "RSA-2048", "RSA-4096"], { message: "must be ECDSA-P256, RSA-2048 or RSA-4096" })
    .default("ECDSA-P256"),
  /** CA certificate validity, hours (default 10 years). */
  caValidityHours: z
    .number()
    .int()
    .min(24 * 365)
    .default(24 * 3650),
  /** Leaf certificate validity, hours (default 1 year). */
  validityHours: z
    .number()
    .int()
    .min(24)
    .default(24 * 365),
  /** `pulumi up` re-issues a leaf this many hours before it expires (default 30 days). */
  earlyRenewalHours: z
    .number()
    .int()
    .min(1)
    .default(24 * 30),
  /**
   * Generation of the CAs (cluster, etcd, front-proxy) that sign every leaf. Generation 1
   * is the original set; raising it rotates all three CAs, through `caRotation`.
   */
  caGeneration: z.number().int().min(1).max(99).default(1),
  /**
   * A CA rotation in progress (docs/operations/rotate-ca.md): `add-new` issues generation
   * `caGeneration + 1` and trusts it beside the current one (leaves unchanged); `switch`
   * (set together with the raised `caGeneration`) re-issues every leaf from the new
   * generation and still trusts `caGeneration - 1`. Unset: only `caGeneration` is trusted.
   */
  caRotation: z.enum(["add-new", "switch"], { message: "must be add-new or switch (or unset)" }).optional(),
});

export const etcdSchema = z.strictObject({
  heartbeatIntervalMs: z.number().int().min(10).max(5000).default(100),
  electionTimeoutMs: z.number().int().min(50).max(50000).default(1000),
  /** Backend quota in bytes (etcd's default is 2 GiB; 8 GiB is its documented maximum). */
  quotaBackendBytes: z
    .number()
    .int()
    .min(1)
    .max(8 * 1024 ** 3)
    .default(8 * 1024 ** 3),
  /**
   * Names of the etcd hosts that bootstrapped the cluster. Unset: every etcd host (a new
   * cluster). When etcd hosts are added later, list the original ones here: hosts not in
   * the list join the running cluster (`member add`, `--initial-cluster-state existing`).
   */
  initialMembers: z.array(label("etcd.initialMembers entry")).min(1).optional(),
  backup: z
    .strictObject({
      dir: dataPath("etcd snapshots").default("/var/backups/etcd"),
      /** systemd OnCalendar expression for periodic snapshots. */
      schedule: matching(
        /^(minutely|hourly|daily|weekly|monthly|yearly|annually|quarterly|semiannually|((Mon|Tue|Wed|Thu|Fri|Sat|Sun)((\.\.|,|-)(Mon|Tue|Wed|Thu|Fri|Sat|Sun))* )?([0-9*]+[-~][0-9*/,.]+[-~][0-9*/,.]+ )?[0-9*/,.]+:[0-9*/,.]+(:[0-9*/,.]+)?( UTC)?)$/,
        "must be a systemd OnCalendar expression like '*-*-* 00/6:00:00' or 'daily'",
      ).default("*-*-* 00/6:00:00"),
      /** Snapshots kept on each member. */
      retain: z.number().int().min(1).default(28),
    })
    .prefault({}),
});

export const apiserverSchema = z.strictObject({
  /** Floating VIP held by keepalived on the masters; every off-master client uses it. */
  vip: ipv4,
  /** haproxy frontend port on the VIP (not 6443, which the apiservers bind). */
  port: port.default(8443),
  /** Prefix length of the masters' common subnet (the VIP floats inside it). */
  vipPrefix: z.number().int().min(8).max(30).default(24),
  /** Extra DNS names / IPs for the apiserver serving certificate. */
  extraSans: z.array(hostName("a certificate SAN")).default([]),
  /**
   * Names of the Secret encryption-at-rest keys, in EncryptionConfiguration order: the
   * first encrypts every write, all of them decrypt (docs/operations/encryption-key.md).
   * Each name is one 32-byte random key kept in the stack state; a name is recorded in
   * every object it encrypted, so a key keeps its name for life.
   */
  encryptionKeys: z
    .array(label("encryption key name"))
    .min(1, { message: "must list at least one key (the first encrypts)" })
    .max(4, { message: "must list at most 4 keys (a rotation needs 2)" })
    .default(["key1"]),
  /** VRRP virtual_router_id (unique per L2 segment). */
  virtualRouterId: z.number().int().min(1).max(255).default(51),
  /** Use unicast VRRP between the masters instead of multicast. */
  unicast: z.boolean().default(false),
  /** Network interface carrying the VIP; defaults to the interface holding the host address. */
  interface: matching(/^[A-Za-z0-9_.:-]{1,15}$/, "must be a network interface name like eth0").optional(),
  /**
   * Proxy the machine running Pulumi reaches the VIP through (the provider's kubeconfig
   * `proxy-url`): with `ssh.bastion`, typically the SOCKS5 tunnel `ssh -D 127.0.0.1:1080`.
   */
  proxyUrl: matching(
    /^(socks5|http|https):\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/,
    "must be a proxy URL like socks5://127.0.0.1:1080 or http://proxy.example:3128 (client-go takes http, https and socks5)",
  ).optional(),
});
