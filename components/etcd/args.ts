/**
 * What an EtcdCluster is built from: its own settings, not the platform's whole stack, so
 * another Pulumi program can run one on hosts of its own (see examples/etcd-cluster). The
 * platform derives these from its validated config (stacks/wiring/etcd.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ipv4, label, loginName, url, version } from "../../stacks/contract/schema/common";
import { etcdSchema } from "../../stacks/contract/schema/control-plane";
import { settingsOrThrow } from "../settings";
import type { HostRef } from "../host";
import type { KeyPair, TrustAnchor } from "../pki/types";

/**
 * An etcd host: where it is, how to reach it over SSH, and the step that prepared it.
 * The member's etcd name is the host's `name`; it listens on the host's `address`.
 */
export type EtcdHost = HostRef;

/** The certificates etcd needs, all issued by one etcd CA. */
export interface EtcdCertificates {
  /** The etcd CA: members trust clients and peers it signed, and nothing else. */
  readonly ca: TrustAnchor;
  /**
   * Serving certificate of a member, by host name. Its SANs must name the member's address
   * and 127.0.0.1 (etcdctl on the member talks to its loopback listener).
   */
  readonly server: (host: string) => KeyPair;
  /** Peer certificate of a member, by host name: server and client auth, its address in the SANs. */
  readonly peer: (host: string) => KeyPair;
  /** etcdctl's client certificate on the members (health gate, backups). */
  readonly client: KeyPair;
}

/** Periodic snapshots on every member (a systemd timer), and where the pre-change snapshot goes. */
export interface EtcdBackupSettings {
  /** Directory of the snapshots on each member (root-only), e.g. `/var/backups/etcd`. */
  readonly dir: string;
  /** systemd `OnCalendar=` expression of the periodic snapshot, e.g. `*-*-* 00/6:00:00`. */
  readonly schedule: string;
  /** Snapshots kept on each member; older ones are deleted after each new one. */
  readonly retain: number;
}

/** etcd's tuning and backups (the stack's `etcd` section, without the membership). */
export interface EtcdSettings {
  /** `--heartbeat-interval`, milliseconds. */
  readonly heartbeatIntervalMs: number;
  /** `--election-timeout`, milliseconds (etcd wants about 10 heartbeats). */
  readonly electionTimeoutMs: number;
  /** `--quota-backend-bytes`: the database size at which etcd raises a NOSPACE alarm. */
  readonly quotaBackendBytes: number;
  /** Periodic snapshots. */
  readonly backup: EtcdBackupSettings;
}

const settingsSchema = etcdSchema.omit({ initialMembers: true });

/** EtcdSettings as written by hand: every field optional, with the stack config's defaults. */
export type EtcdSettingsInput = z.input<typeof settingsSchema>;

/**
 * EtcdSettings with the defaults and checks of the stack config's `etcd` section (the
 * contract stays the one source of both). Throws listing every invalid field.
 */
export function etcdSettings(input: EtcdSettingsInput = {}): EtcdSettings {
  return settingsOrThrow("EtcdCluster settings", settingsSchema, input);
}

/**
 * The control plane this etcd serves, when there is one: any change to it re-takes the
 * pre-change snapshot first, so the snapshot is always the last state before the change.
 */
export interface EtcdControlPlane {
  /** The Kubernetes version the control plane runs. */
  readonly version: string;
  /** Fingerprints of its configuration and certificates (public halves only). */
  readonly triggers?: readonly pulumi.Input<string>[];
}

/** Arguments of an EtcdCluster. */
export interface EtcdClusterArgs {
  /**
   * Name of the cluster this etcd belongs to: the members' `--initial-cluster-token` is
   * `<clusterName>-etcd`, so members of two clusters never merge. Never change it.
   */
  readonly clusterName: string;
  /**
   * The members, one per host, in a stable order: bootstrap members (`initialMembers`)
   * start first, then joining ones in this order. 3 or 5 for quorum.
   */
  readonly hosts: readonly EtcdHost[];
  /**
   * Host names of the members that bootstrapped the cluster. Unset: every host (a new
   * cluster). Hosts not listed join the running cluster with `member add`, one at a time.
   */
  readonly initialMembers?: readonly string[];
  /** etcd version installed on every member, e.g. `3.6.14`. */
  readonly version: string;
  /**
   * Base URL of a mirror of upstream release downloads (GitHub release layout, no trailing
   * `/`): the tarball and its SHA256SUMS come from
   * `<binariesMirror>/github.com/etcd-io/etcd/releases/download/v<version>/`.
   */
  readonly binariesMirror: string;
  /** Tuning and backups; `etcdSettings()` gives the defaults. */
  readonly settings: EtcdSettings;
  /** The SSH user of the hosts' connections: anything but `root` runs the steps with `sudo -n`. */
  readonly sshUser: string;
  /** TLS material (etcd CA, per-member server and peer certificates, etcdctl's client certificate). */
  readonly certs: EtcdCertificates;
  /** The control plane served by this etcd, if any (see EtcdControlPlane). */
  readonly controlPlane?: EtcdControlPlane;
}

/** The plain (non-Pulumi) parts of EtcdClusterArgs, with the stack config's checks. */
const plainArgsSchema = z
  .object({
    clusterName: label("clusterName"),
    hosts: z.array(z.object({ name: label("host name"), address: ipv4 })).min(1, { message: "must list the members" }),
    initialMembers: z.array(label("initialMembers entry")).min(1).optional(),
    version,
    binariesMirror: url,
    settings: settingsSchema,
    sshUser: loginName,
  })
  .superRefine((a, ctx) => {
    const names = a.hosts.map((h) => h.name);
    a.hosts.forEach((h, i) => {
      if (names.indexOf(h.name) !== i)
        ctx.addIssue({ code: "custom", path: ["hosts", i, "name"], message: `"${h.name}" is used twice` });
      if (a.hosts.findIndex((o) => o.address === h.address) !== i)
        ctx.addIssue({ code: "custom", path: ["hosts", i, "address"], message: `${h.address} is used twice` });
    });
    a.initialMembers?.forEach((n, i) => {
      if (!names.includes(n))
        ctx.addIssue({ code: "custom", path: ["initialMembers", i], message: `"${n}" is not one of the hosts` });
    });
  });

/**
 * Checks what the cluster's scripts, units and flags are rendered from (names, addresses,
 * version, URL, settings, SSH user), so no value with shell syntax or a newline reaches a
 * host file. The platform's values passed the loader already; this guards the component
 * used on its own. Throws listing every problem.
 */
export function checkEtcdArgs(name: string, args: EtcdClusterArgs): void {
  settingsOrThrow(`EtcdCluster "${name}" arguments`, plainArgsSchema, {
    clusterName: args.clusterName,
    hosts: args.hosts.map((h) => ({ name: h.name, address: h.address })),
    initialMembers: args.initialMembers,
    version: args.version,
    binariesMirror: args.binariesMirror,
    settings: args.settings,
    sshUser: args.sshUser,
  });
}
