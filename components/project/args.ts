/**
 * What a Project is built from: its own settings, the few facts of the cluster around it
 * and a provider for that cluster; never the platform's whole stack, so another Pulumi
 * program can create projects in a cluster it did not build (see examples/project).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ProjectFacts } from "./render";
import type { ProjectSettings } from "./settings";

/** Credentials the project's image pull secret authenticates with. */
export interface RegistryCredentials {
  /** Registry host[:port]; defaults to `facts.registryServer`. */
  readonly server?: string;
  /** Registry user (e.g. a Harbor robot account). */
  readonly username: pulumi.Input<string>;
  /** Registry password; kept a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

/** Arguments of a Project. */
export interface ProjectArgs {
  /** The project's own settings (`projectSettings()` gives the defaults); `name` must equal the resource name. */
  readonly project: ProjectSettings;
  /**
   * The cluster around the project: Pod Security version, the ingress controller and its
   * namespace, monitoring and DNS namespaces, the apiserver's addresses, the registry host.
   */
  readonly facts: ProjectFacts;
  /** Provider for the cluster (built from an admin kubeconfig). */
  readonly provider: k8s.Provider;
  /**
   * Pull credentials of the platform registry. Without them (and without `pullSecrets`) no
   * pull secret is created and the default ServiceAccount only stops automounting its token.
   */
  readonly registry?: RegistryCredentials;
  /** The project's own registry credentials (passwords secret), merged in after `registry`. */
  readonly pullSecrets?: readonly (RegistryCredentials & { readonly server: string })[];
  /** What a TCP route needs first: the ingress controller's release (it installs traefik's CRDs and entry points). */
  readonly ingressReady?: readonly pulumi.Resource[];
  /** What RoleBindings wait for: the admission policy bindings (ProjectAdmission.bindings). */
  readonly boundary?: readonly pulumi.Resource[];
}

/** Arguments of ProjectAdmission (once per cluster, before any Project). */
export interface ProjectAdmissionArgs {
  /** Provider for the cluster (built from an admin kubeconfig). */
  readonly provider: k8s.Provider;
}
