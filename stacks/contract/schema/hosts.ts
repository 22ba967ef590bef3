/**
 * Config sections `cluster`, `ssh` and `hosts`: the cluster's identity, how every host is reached, and the inventory.
 */
import { z } from "zod";
import { hostKeyProblem } from "../../../lib/hostKey";
import { authorizedKeyProblem } from "../../../lib/sshPublicKey";
import {
  dataPath,
  DNS1123_SUBDOMAIN,
  hostName,
  ipv4,
  label,
  labelKey,
  labelValue,
  loginName,
  matching,
  port,
} from "./common";
export const clusterSchema = z.strictObject({
  /** Cluster name: part of resource names and the kubeconfig context. */
  name: label("cluster.name"),
  /** Cluster DNS domain (kubelet clusterDomain, CoreDNS zone). */
  domain: matching(DNS1123_SUBDOMAIN, "must be a DNS domain like cluster.local").default("cluster.local"),
  /** IANA time zone set on every host (the source: all hosts in one time zone). */
  timezone: matching(
    /^(UTC|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+)+)$/,
    "must be an IANA time zone like Asia/Shanghai or UTC",
  ).default("UTC"),
  /** NTP servers for chrony on every host (the source: time synchronised). */
  ntpServers: z.array(hostName("an NTP server")).min(1, { message: "must list at least one NTP server" }),
});

/** What an SSH private key looks like (PEM or OpenSSH); the key itself is never printed. */
const PRIVATE_KEY =
  /^-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END ([A-Z0-9]+ )?PRIVATE KEY-----\s*$/;

/** A pinned SSH host key: one ed25519 or ecdsa public key (`ssh-keyscan -t ed25519 <host>`, without the host name). */
export const hostKey = z.string().superRefine((line, ctx) => {
  const problem = hostKeyProblem(line);
  if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(line)} ${problem}` });
});

/** An SSH user public key, an authorized_keys line without options. */
const authorizedKey = z.string().superRefine((line, ctx) => {
  const problem = authorizedKeyProblem(line);
  if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(line)} ${problem}` });
});

const bastionSchema = z.strictObject({
  host: hostName("the bastion"),
  user: loginName.default("root"),
  port: port.default(22),
  /** The bastion's pinned SSH host key (the `proxy` hop of every connection). */
  hostKey: hostKey.optional(),
});

export const sshSchema = z.strictObject({
  /** Login user on every host; must be root or have passwordless sudo. */
  user: loginName.default("root"),
  port: port.default(22),
  /** Private key (PEM/OpenSSH). Set with `pulumi config set --secret --path ssh.privateKey`. */
  privateKey: z
    .string()
    .refine((k) => PRIVATE_KEY.test(k), {
      message: "must be a PEM or OpenSSH private key (-----BEGIN ... PRIVATE KEY-----); the value is not shown",
    })
    .optional(),
  /** Optional jump host (`proxy` of every SSH connection). */
  bastion: bastionSchema.optional(),
  /**
   * Public keys the platform keeps in `ssh.user`'s authorized_keys on every host (a
   * managed block; other lines are left alone). Empty: authorized_keys is not managed.
   */
  authorizedKeys: z.array(authorizedKey).default([]),
  /** Public keys removed from `ssh.user`'s authorized_keys on every host, wherever they are listed. */
  revokedKeys: z.array(authorizedKey).default([]),
  /**
   * Pin every host key (`hosts[].hostKey`, `ssh.bastion.hostKey`); a missing key is a
   * config error. `false` accepts whatever key answers (warned in every plan).
   */
  verifyHostKeys: z.boolean().default(true),
  /** Give up on an unreachable host after this many dial attempts. */
  dialErrorLimit: z.number().int().min(1).max(100).default(10),
  /** Seconds per dial attempt. */
  perDialTimeout: z.number().int().min(1).max(600).default(15),
});

export const ROLES = ["etcd", "master", "worker", "storage", "registry"] as const;
export type Role = (typeof ROLES)[number];

const taintSchema = z.strictObject({
  key: labelKey,
  value: labelValue.default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

export const hostSchema = z.strictObject({
  /** Host name: DNS-1123 label, unique; becomes the Node name. */
  name: label("host name"),
  /** IPv4 address the platform reaches the host on (SSH, cluster traffic). */
  address: ipv4,
  /** One or more of etcd, master, worker, storage, registry. */
  roles: z
    .array(z.enum(ROLES, { message: `must be one of ${ROLES.join(", ")}` }))
    .min(1, { message: "must list at least one role" }),
  /** Node labels (workers and masters running kubelet). */
  labels: z.record(labelKey, labelValue).default({}),
  /** Node taints. */
  taints: z.array(taintSchema).default([]),
  /** Brick directories (storage hosts), absolute paths. */
  bricks: z.array(dataPath("a brick")).default([]),
  /** Optional block device to format as XFS and mount at the brick parent (storage hosts). */
  brickDevice: matching(/^\/dev\/[A-Za-z0-9/_-]+$/, "must be a /dev path").optional(),
  /** Pinned SSH host key (`ssh-ed25519 AAAA...`); required unless `ssh.verifyHostKeys` is false. */
  hostKey: hostKey.optional(),
});
