/**
 * The Projects' arguments from the validated stack: per `projects[]` entry, its settings,
 * the cluster facts every project shares, and its pull credentials (the project's Harbor
 * robot account, else the stack-wide registry account when both halves are set).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { ProjectArgs, ProjectFacts, RegistryCredentials } from "../../components/project";
import { projectFacts } from "../../components/project/render";
import type { PlatformSpec, ProjectConfig } from "../contract/spec";

/** What the platform built that every project uses. */
export interface ProjectParts {
  /** Provider for the cluster (built from the admin kubeconfig). */
  readonly provider: k8s.Provider;
  /** Pull credentials per project name, e.g. the Registry component's robot accounts. */
  readonly credentials?: Readonly<Record<string, RegistryCredentials>>;
  /** Overrides of the facts derived from the spec (e.g. the add-ons' real namespaces). */
  readonly facts?: Partial<ProjectFacts>;
  /** The ingress controller's release, when installed: projects' TCP routes wait for it. */
  readonly ingressReady?: readonly pulumi.Resource[];
  /** The admission policy bindings RoleBindings wait for. */
  readonly boundary: readonly pulumi.Resource[];
}

/** ProjectArgs of one `projects[]` entry (pure but for marking the passwords secret). */
export function projectArgsFromSpec(spec: PlatformSpec, project: ProjectConfig, parts: ProjectParts): ProjectArgs {
  const shared: RegistryCredentials | undefined =
    spec.registry.username !== undefined && spec.registry.password !== undefined
      ? { username: spec.registry.username, password: pulumi.secret(spec.registry.password) }
      : undefined;
  return {
    project,
    facts: { ...projectFacts(spec), ...parts.facts },
    provider: parts.provider,
    registry: project.registry ? (parts.credentials?.[project.name] ?? shared) : undefined,
    pullSecrets: project.pullSecrets.map((s) => ({
      server: s.server,
      username: s.username,
      password: pulumi.secret(s.password),
    })),
    ingressReady: parts.ingressReady,
    boundary: parts.boundary,
  };
}
