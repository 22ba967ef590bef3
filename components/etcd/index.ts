/**
 * EtcdCluster: the etcd members on the etcd hosts, TLS everywhere (etcd CA only), a health
 * gate the control plane depends on, periodic backups, and a snapshot taken before any
 * change to etcd or the control plane.
 *
 * Order of one member: host ready -> pre-change snapshot -> member (stage dir; protected)
 * -> file copies -> install (parallel across members) -> start (chained member after
 * member, so a restart never takes two members down at once) -> health gate.
 * Joining members (hosts not in `etcd.initialMembers`) are registered with `member add`
 * on the first member just before they start, one at a time.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { PlatformSpec } from "../../stacks/contract/spec";
import type { KeyPair, TrustAnchor } from "../pki/types";
import { withFingerprint } from "../../lib/shell";
import type { HostRef } from "../host";
import { asRoot } from "../host/render";
import {
  SCRIPTS,
  STAGE_DIR,
  STATE_DIR,
  clientUrl,
  planEtcd,
  renderBackupService,
  renderBackupTimer,
  renderEtcdFlags,
  renderEtcdUnit,
  renderHealthScript,
  renderInstallScript,
  renderMemberAddScript,
  renderSnapshotScript,
  renderStartScript,
  restartFlags,
  type EtcdPlan,
  type PlannedMember,
} from "./render";

/** An etcd host as the Host component provides it. */
export type EtcdHost = HostRef;

/** The certificates etcd needs, all from the etcd CA. */
export interface EtcdCertificates {
  readonly ca: TrustAnchor;
  /** Serving certificate of a member, by host name. */
  readonly server: (host: string) => KeyPair;
  /** Peer certificate of a member, by host name. */
  readonly peer: (host: string) => KeyPair;
  /** etcdctl's client certificate on the members (health gate, backups). */
  readonly client: KeyPair;
}

/** Arguments of the EtcdCluster. */
export interface EtcdClusterArgs {
  /** The validated stack (`etcd`, `versions.etcd`, `mirrors.binaries`, etcd hosts). */
  readonly spec: PlatformSpec;
  /** Every etcd host of the inventory (spec.topology.etcd), as Host components. */
  readonly hosts: readonly EtcdHost[];
  readonly certs: EtcdCertificates;
  /**
   * Fingerprints of the control plane's configuration (rendered flags, versions). Any
   * change re-runs the pre-change snapshot, which the control plane depends on, so the
   * snapshot is taken before the control plane changes.
   */
  readonly controlPlaneTriggers?: readonly pulumi.Input<string>[];
}

const sha256 = (parts: readonly string[]) => createHash("sha256").update(parts.join("\0")).digest("hex");

/** A script whose first comment names the fingerprint: a change re-runs the step in place (stdin updates). */
const fingerprinted = (script: string, fp: pulumi.Input<string>) =>
  pulumi.output(fp).apply((f) => withFingerprint(script, f));

/** A 3 (or 5) member etcd cluster. */
export class EtcdCluster extends pulumi.ComponentResource {
  /** The membership plan (bootstrap and joining members, token). */
  readonly plan: EtcdPlan;
  /** Client URLs of every member (the apiserver's `--etcd-servers`). */
  readonly clientUrls: readonly string[];
  /** The pre-change snapshot: depend on it before changing the control plane. */
  readonly snapshot: remote.Command;
  /** The health gate (`etcdctl endpoint health --cluster`): the cluster is up when this is. */
  readonly healthy: remote.Command;

  constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:etcd:EtcdCluster", name, {}, opts);
    const { spec, certs } = args;
    this.plan = planEtcd(spec);
    const hostOf = new Map(args.hosts.map((h) => [h.name, h]));
    for (const m of this.plan.members) {
      if (!hostOf.has(m.name)) throw new Error(`EtcdCluster: no Host given for etcd host "${m.name}"`);
    }
    if (this.plan.members.length === 0) throw new Error("EtcdCluster: the inventory has no etcd hosts");
    this.clientUrls = this.plan.members.map(clientUrl);
    const run = asRoot(spec);
    const first = hostOf.get(this.plan.members[0].name) as EtcdHost;

    // What each member's files say; a change re-runs its install/start and the snapshot.
    const files = new Map(this.plan.members.map((m) => [m.name, this.memberFiles(spec, m, certs)]));
    const fingerprints = new Map(
      [...files].map(([member, f]) => [
        member,
        pulumi
          .all([f.unit, f.backupService, f.backupTimer, f.snapshotScript, f.ca, f.serverCert, f.peerCert, f.clientCert])
          .apply(sha256),
      ]),
    );
    // What a running member is restarted for: its files without the bootstrap-only flags,
    // which etcd ignores once it has data, so shrinking `--initial-cluster` when a member is
    // replaced or removed re-installs the survivors' unit in place without restarting them.
    const restartFingerprints = new Map(
      [...files].map(([member, f]) => [
        member,
        pulumi
          .all([
            f.restartUnit,
            f.backupService,
            f.backupTimer,
            f.snapshotScript,
            f.ca,
            f.serverCert,
            f.peerCert,
            f.clientCert,
          ])
          .apply(sha256),
      ]),
    );
    const allFingerprints = pulumi.all([...fingerprints.values()]).apply(sha256);

    // Re-runs in place (its stdin names what it guards) whenever etcd or the control plane
    // is about to change, so the snapshot is always the last state before the change.
    const guarded = pulumi
      .all([spec.versions.etcd, spec.versions.kubernetes, allFingerprints, ...(args.controlPlaneTriggers ?? [])])
      .apply(sha256);
    this.snapshot = new remote.Command(
      `${name}-pre-change-snapshot`,
      {
        connection: first.connection,
        create: run,
        stdin: fingerprinted(renderSnapshotScript(spec, "pre-change"), guarded),
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [first.ready] },
    );

    let previousStart: pulumi.Resource | undefined;
    const starts: pulumi.Resource[] = [];
    for (const member of this.plan.members) {
      const host = hostOf.get(member.name) as EtcdHost;
      const f = files.get(member.name) as MemberFiles;
      const fingerprint = fingerprints.get(member.name) as pulumi.Output<string>;
      const child = { parent: this };

      // The member's anchor: protected, so removing the host from the config cannot drop
      // a member silently (see docs: replace or remove a member). It never changes and has
      // no triggers: a rebuilt host must not replace it (a protected resource cannot be).
      const anchor = new remote.Command(
        `${name}-${member.name}-member`,
        {
          connection: host.connection,
          create: run,
          stdin: `set -euo pipefail\ninstall -d -m 0700 -o root -g root ${STATE_DIR}\n`,
          addPreviousOutputInEnv: false,
        },
        { ...child, dependsOn: [host.ready, this.snapshot], protect: true, retainOnDelete: true },
      );
      // Steps that put files or services on the host carry its prep id: a rebuilt machine
      // (`pulumi up --replace <prep URN>`) gets every one of them again. None has a delete
      // command, so replacing them never runs anything against the new state.
      const rebuilt = [host.provisioned];
      // A root-only staging directory: keys land in it with the copy's default mode, so
      // nobody else may traverse it.
      const stage = new remote.Command(
        `${name}-${member.name}-stage`,
        {
          connection: host.connection,
          create: run,
          stdin: `set -euo pipefail\ninstall -d -m 0700 -o root -g root ${STATE_DIR} ${STAGE_DIR}\n`,
          triggers: rebuilt,
          addPreviousOutputInEnv: false,
        },
        { ...child, dependsOn: [anchor], retainOnDelete: true },
      );

      const staged: [string, pulumi.Input<string>][] = [
        ["ca.crt", f.ca],
        ["server.crt", f.serverCert],
        ["server.key", f.serverKey],
        ["peer.crt", f.peerCert],
        ["peer.key", f.peerKey],
        ["healthcheck-client.crt", f.clientCert],
        ["healthcheck-client.key", f.clientKey],
        ["etcd.service", f.unit],
        ["etcd-backup.service", f.backupService],
        ["etcd-backup.timer", f.backupTimer],
        ["etcd-snapshot.sh", f.snapshotScript],
      ];
      const copies = staged.map(
        ([file, content]) =>
          new remote.CopyToRemote(
            `${name}-${member.name}-${file}`,
            {
              connection: host.connection,
              source: pulumi.output(content).apply((text) => new pulumi.asset.StringAsset(text)),
              remotePath: `${STAGE_DIR}/${file}`,
              // A changed source re-copies in place; a rebuilt host gets a fresh copy.
              triggers: rebuilt,
            },
            { ...child, dependsOn: [stage], retainOnDelete: true },
          ),
      );

      const install = new remote.Command(
        `${name}-${member.name}-install`,
        {
          connection: host.connection,
          create: run,
          stdin: fingerprinted(renderInstallScript(spec), fingerprint),
          triggers: rebuilt,
          addPreviousOutputInEnv: false,
        },
        { ...child, dependsOn: copies, retainOnDelete: true },
      );

      const startDeps: pulumi.Resource[] = [install, ...(previousStart ? [previousStart] : [])];
      if (member.state === "existing") {
        startDeps.push(
          new remote.Command(
            `${name}-${member.name}-member-add`,
            {
              connection: first.connection,
              create: run,
              stdin: renderMemberAddScript(member),
              // A rebuilt joining member is added again (the replace procedure removes it first).
              triggers: rebuilt,
              addPreviousOutputInEnv: false,
            },
            { ...child, dependsOn: startDeps.slice(), retainOnDelete: true },
          ),
        );
      }
      const start = new remote.Command(
        `${name}-${member.name}-start`,
        {
          connection: host.connection,
          create: run,
          stdin: fingerprinted(
            renderStartScript(member),
            restartFingerprints.get(member.name) as pulumi.Output<string>,
          ),
          triggers: rebuilt,
          addPreviousOutputInEnv: false,
        },
        { ...child, dependsOn: startDeps, retainOnDelete: true },
      );
      starts.push(start);
      previousStart = start;
    }

    this.healthy = new remote.Command(
      `${name}-health`,
      {
        connection: first.connection,
        create: run,
        // Re-checks in place after any member's files changed or its machine was rebuilt.
        stdin: fingerprinted(
          renderHealthScript(),
          pulumi
            .all([allFingerprints, ...this.plan.members.map((m) => (hostOf.get(m.name) as EtcdHost).provisioned)])
            .apply(sha256),
        ),
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: starts },
    );

    this.registerOutputs({ clientUrls: this.clientUrls, healthy: this.healthy.stdout, snapshot: this.snapshot.id });
  }

  private memberFiles(spec: PlatformSpec, member: PlannedMember, certs: EtcdCertificates): MemberFiles {
    const server = certs.server(member.name);
    const peer = certs.peer(member.name);
    const flags = renderEtcdFlags(spec, this.plan, member);
    return {
      unit: renderEtcdUnit(member, flags),
      restartUnit: renderEtcdUnit(member, restartFlags(flags)),
      backupService: renderBackupService(spec),
      backupTimer: renderBackupTimer(spec),
      snapshotScript: SCRIPTS.snapshot,
      ca: certs.ca.certPem,
      serverCert: server.certPem,
      serverKey: pulumi.secret(server.keyPem),
      peerCert: peer.certPem,
      peerKey: pulumi.secret(peer.keyPem),
      clientCert: certs.client.certPem,
      clientKey: pulumi.secret(certs.client.keyPem),
    };
  }
}

interface MemberFiles {
  readonly unit: string;
  /** The unit without the bootstrap-only flags (what a restart is for). */
  readonly restartUnit: string;
  readonly backupService: string;
  readonly backupTimer: string;
  readonly snapshotScript: string;
  readonly ca: pulumi.Input<string>;
  readonly serverCert: pulumi.Input<string>;
  readonly serverKey: pulumi.Input<string>;
  readonly peerCert: pulumi.Input<string>;
  readonly peerKey: pulumi.Input<string>;
  readonly clientCert: pulumi.Input<string>;
  readonly clientKey: pulumi.Input<string>;
}
