/**
 * Cross-field rules over the shape-checked config sections. Each rule reports problems as
 * `{ path, message }`, naming the key an operator must edit; every rule whose sections
 * parsed runs, so one load reports every problem at once.
 */
import { calicoVersion, edgeRegistryHosts, uiHosts } from "./addons";
import {
  apiserverPortFree,
  apiserverVip,
  bastionProxy,
  etcdInitialMembers,
  etcdTiming,
  kubernetesVersion,
} from "./control-plane";
import { hostKeys, roleCounts, ssh, uniqueHosts } from "./hosts";
import { packageSignatures, packageSources } from "./mirrors";
import { calico, hostNetworks, networkRanges } from "./network";
import {
  projectEgress,
  projectLimits,
  projectLogs,
  projectPlatformHosts,
  projectPullSecrets,
  projects,
  projectTcp,
} from "./projects";
import { imagesProject, registry } from "./registry";
import { caRotation, encryptionKeys, sshKeys } from "./rotation";
import { glusterfs } from "./storage";
import type { Rule } from "./types";
import { upgrades } from "./upgrades";

export type { Deployed, LoadContext, Problem, Rule, Section } from "./types";
export { RESERVED_NAMESPACES } from "./projects";
export { SUPPORTED_KUBERNETES_MINORS } from "./control-plane";

/** Every cross-field rule, in report order. */
export const RULES: readonly Rule[] = [
  ssh,
  sshKeys,
  hostKeys,
  uniqueHosts,
  roleCounts,
  packageSignatures,
  packageSources,
  apiserverVip,
  apiserverPortFree,
  bastionProxy,
  networkRanges,
  hostNetworks,
  kubernetesVersion,
  upgrades,
  etcdTiming,
  etcdInitialMembers,
  caRotation,
  encryptionKeys,
  calico,
  calicoVersion,
  uiHosts,
  edgeRegistryHosts,
  glusterfs,
  registry,
  imagesProject,
  projects,
  projectPlatformHosts,
  projectTcp,
  projectEgress,
  projectPullSecrets,
  projectLimits,
  projectLogs,
];
