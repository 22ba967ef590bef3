/**
 * A project's own settings: what the Project component renders into its namespace. The
 * platform passes its validated `projects[]` entry (a superset); a program using the
 * component alone builds them with `projectSettings()`, which applies the stack config's
 * defaults and field checks, so both read the same contract.
 */
import { z } from "zod";
import { projectSchema } from "../../stacks/contract/schema/projects";
import { settingsOrThrow } from "../settings";
import type { ProjectRole } from "./names";

/** The namespace's ResourceQuota (quantities in Kubernetes notation: `4`, `500m`, `8Gi`). */
export interface ProjectQuota {
  /** Total CPU requests of the project's pods (`requests.cpu`). */
  readonly cpu: string;
  /** Total memory requests (`requests.memory`). */
  readonly memory: string;
  /** Total CPU limits (`limits.cpu`); unset: `cpu` (no overcommit). */
  readonly limitsCpu?: string;
  /** Total memory limits (`limits.memory`); unset: `memory`. */
  readonly limitsMemory?: string;
  /** Total PVC storage requests (`requests.storage`). */
  readonly storage: string;
  /** Total ephemeral storage requests (writable layers, logs, emptyDirs on the nodes' disks). */
  readonly ephemeralStorage: string;
  /** Total ephemeral storage limits. */
  readonly limitsEphemeralStorage: string;
  /** Pods (`pods`). */
  readonly pods: number;
  /** Services (`services`). */
  readonly services: number;
  /** PersistentVolumeClaims (`persistentvolumeclaims`). */
  readonly persistentVolumeClaims: number;
  /** Secrets (`count/secrets`): each may hold up to 1 MiB of etcd. */
  readonly secrets: number;
  /** ConfigMaps (`count/configmaps`), the namespace's `kube-root-ca.crt` included. */
  readonly configMaps: number;
  /** NodePort Services (`services.nodeports`); exposure normally goes through ingress. */
  readonly nodePorts: number;
  /** LoadBalancer Services (`services.loadbalancers`). */
  readonly loadBalancers: number;
  /** Storage requests per StorageClass: class name -> quantity. */
  readonly storageClasses: Readonly<Record<string, string>>;
}

/** The namespace's LimitRange: container defaults, so pods without requests fit the quota. */
export interface ProjectLimits {
  /** Default CPU limit of a container. */
  readonly defaultCpu: string;
  /** Default memory limit of a container. */
  readonly defaultMemory: string;
  /** Default CPU request of a container. */
  readonly defaultRequestCpu: string;
  /** Default memory request of a container. */
  readonly defaultRequestMemory: string;
  /** Largest CPU limit a container may set, if any. */
  readonly maxCpu?: string;
  /** Largest memory limit a container may set, if any. */
  readonly maxMemory?: string;
  /** Default ephemeral storage limit of a container (kubelet evicts beyond it). */
  readonly defaultEphemeralStorage: string;
  /** Default ephemeral storage request of a container. */
  readonly defaultRequestEphemeralStorage: string;
  /** Largest ephemeral storage limit a container may set, if any. */
  readonly maxEphemeralStorage?: string;
}

/** A person or directory group bound to one of the project's roles (exactly one of user, group). */
export interface ProjectMember {
  /** User name as the apiserver authenticates it. */
  readonly user?: string;
  /** Group name as the apiserver authenticates it (e.g. from OIDC). */
  readonly group?: string;
  /**
   * `admin` (lead's rights plus service accounts and binding people to the project's
   * roles), `lead` (workloads, config, secrets, services, routes; no RBAC) or `member`
   * (read without secrets, logs, exec, rollout restart).
   */
  readonly role: ProjectRole;
}

/** Everything of one project that the Project component renders. */
export interface ProjectSettings {
  /** DNS-1123 label; the namespace's name. */
  readonly name: string;
  /** The namespace's ResourceQuota. */
  readonly quota: ProjectQuota;
  /** The namespace's LimitRange. */
  readonly limits: ProjectLimits;
  /** RoleBindings, in order: who gets which project role. */
  readonly members: readonly ProjectMember[];
  /** Ingress host names the project owns (`app.example.com`, `*.app.example.com`). */
  readonly domains: readonly string[];
  /** A wildcard TLS Secret in the namespace that the project's ingresses may reference. */
  readonly tlsSecret?: string;
  /** Pod Security Admission level enforced in the namespace. */
  readonly podSecurity: "privileged" | "baseline" | "restricted";
  /** Extra egress CIDRs allowed (beyond DNS and the project itself). */
  readonly egress: readonly string[];
  /** A ServiceAccount with a long-lived token that may exec into the project's own pods. */
  readonly accessKey: boolean;
  /** TCP entry points on the ingress controller: external port -> `service:port` in the project. */
  readonly tcp: Readonly<Record<string, string>>;
  /** Application log file patterns under `/var/log/projects/<name>/` (the namespace names the directory). */
  readonly appLogPaths: readonly string[];
  /**
   * Keep the namespace when the project is removed from the program (every object
   * `retainOnDelete`); false: the objects are deleted with the namespace.
   */
  readonly protect: boolean;
}

const settingsSchema = projectSchema.pick({
  name: true,
  quota: true,
  limits: true,
  members: true,
  domains: true,
  tlsSecret: true,
  podSecurity: true,
  egress: true,
  accessKey: true,
  tcp: true,
  appLogPaths: true,
  protect: true,
});

/** ProjectSettings as written by hand: `name` and the quota's cpu, memory, storage required, the rest defaulted. */
export type ProjectSettingsInput = z.input<typeof settingsSchema>;

/**
 * ProjectSettings with the defaults and field checks of a `projects[]` entry. The checks
 * across projects (a domain or TCP port owned by one project only) are the platform
 * loader's: a program with several projects keeps them apart itself. Throws listing every
 * invalid field.
 */
export function projectSettings(input: ProjectSettingsInput): ProjectSettings {
  return settingsOrThrow(`Project "${String(input.name)}" settings`, settingsSchema, input);
}

/** The same checks, tolerating the further keys of a `projects[]` entry (the platform passes those). */
const checkSchema = z.object(settingsSchema.shape);

/**
 * Checks settings the component was given (hand-built or from the platform, whose loader
 * has checked them already): names and annotations come from them. Throws listing every
 * invalid field.
 */
export function checkProjectSettings(settings: ProjectSettings): void {
  settingsOrThrow(`Project "${settings.name}" settings`, checkSchema, settings);
}
