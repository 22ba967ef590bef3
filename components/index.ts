/**
 * The components another Pulumi program may use on their own, and their arguments. Each
 * takes its own settings (never the platform's whole stack config): see
 * docs/components/using-components.md and the programs in examples/.
 *
 * Only public API lives here. The platform wiring (stacks/platform.ts) imports the
 * components' folders directly, and no component imports this file (eslint holds both).
 */
export type { HostRef } from "./host";
export type { KeyPair, TrustAnchor } from "./pki/types";

export {
  EtcdCluster,
  etcdSettings,
  type EtcdBackupSettings,
  type EtcdCertificates,
  type EtcdClusterArgs,
  type EtcdControlPlane,
  type EtcdHost,
  type EtcdSettings,
  type EtcdSettingsInput,
} from "./etcd";

export {
  Project,
  ProjectAdmission,
  projectSettings,
  type ProjectAdmissionArgs,
  type ProjectArgs,
  type ProjectFacts,
  type ProjectLimits,
  type ProjectMember,
  type ProjectQuota,
  type ProjectSettings,
  type ProjectSettingsInput,
  type RegistryCredentials,
} from "./project";
