/**
 * The EtcdCluster's arguments from the validated stack: the one place where the config's
 * `etcd`, `versions`, `mirrors`, `ssh` and etcd hosts become the component's own settings.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { EtcdClusterArgs } from "../../components/etcd";
import type { PlatformSpec } from "../contract/spec";

/** What the platform built for etcd before the component: its hosts, certificates, control-plane fingerprints. */
export interface EtcdParts {
  /** The etcd hosts' Host components, in inventory order (`spec.topology.etcd`). */
  readonly hosts: EtcdClusterArgs["hosts"];
  readonly certs: EtcdClusterArgs["certs"];
  /** Fingerprints of the control plane's config and certificates (see EtcdControlPlane). */
  readonly controlPlaneTriggers: readonly pulumi.Input<string>[];
}

/** EtcdClusterArgs of the platform's etcd (pure). */
export function etcdArgsFromSpec(spec: PlatformSpec, parts: EtcdParts): EtcdClusterArgs {
  const { heartbeatIntervalMs, electionTimeoutMs, quotaBackendBytes, backup } = spec.etcd;
  return {
    clusterName: spec.cluster.name,
    hosts: parts.hosts,
    initialMembers: spec.etcd.initialMembers,
    version: spec.versions.etcd,
    binariesMirror: spec.mirrors.binaries,
    settings: { heartbeatIntervalMs, electionTimeoutMs, quotaBackendBytes, backup },
    sshUser: spec.ssh.user,
    certs: parts.certs,
    controlPlane: { version: spec.versions.kubernetes, triggers: parts.controlPlaneTriggers },
  };
}
