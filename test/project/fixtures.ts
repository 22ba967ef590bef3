/**
 * Shared fixtures of the project tests: the prod spec, every object the renderers build
 * for a project, and validation of a plain object against the Kubernetes OpenAPI schema
 * (kubernetes-models) plus the metadata rules the API server checks outside OpenAPI.
 */
import { LimitRange, Namespace, ResourceQuota, Secret, ServiceAccount } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec, ProjectConfig } from "../../stacks/contract/spec";
import {
  projectFacts,
  renderLimitRange,
  renderNamespace,
  renderResourceQuota,
  type ProjectFacts,
} from "../../components/project/render";
import { renderNetworkPolicies } from "../../components/project/renderNetwork";
import { renderAccessKey, renderRoleBindings, renderRoles } from "../../components/project/renderRbac";
import {
  renderDefaultServiceAccount,
  renderDockerConfigJson,
  renderPullSecret,
} from "../../components/project/renderRegistry";
import { prodConfig } from "../support/config";

/** The prod stack, validated. */
export function prodSpec(): PlatformSpec {
  return loadOrThrow(prodConfig()).spec;
}

/** A plain Kubernetes object as the renderers return it. */
export interface PlainObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
}

/** Every object the renderers produce for one project (pull secret with a fake password). */
export function renderAll(project: ProjectConfig, facts: ProjectFacts): PlainObject[] {
  const objects: PlainObject[] = [
    renderNamespace(project, facts),
    renderResourceQuota(project),
    renderLimitRange(project),
    ...renderRoles(project),
    ...renderRoleBindings(project),
    ...renderNetworkPolicies(project, facts),
    renderPullSecret(
      project,
      renderDockerConfigJson([{ server: facts.registryServer, username: "robot", password: "fake-password" }]),
    ),
    renderDefaultServiceAccount(project),
  ];
  if (project.accessKey) {
    const key = renderAccessKey(project);
    objects.push(key.serviceAccount, key.role, key.roleBinding, key.tokenSecret);
  }
  return objects;
}

// Model classes by kind; each has the OpenAPI schema of its kind behind `.validate()`.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ResourceQuota,
  LimitRange,
  Secret,
  ServiceAccount,
  NetworkPolicy,
  Role,
  RoleBinding,
};

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Checks label/annotation keys as apimachinery's validation does (prefix/name). */
function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  if (parts.length > 2) return [`key ${key} has more than one '/'`];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const out: string[] = [];
  if (prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix)) out.push(`key prefix ${prefix} is not a DNS subdomain`);
  if (!LABEL_NAME.test(name)) out.push(`key name ${name} is not a qualified name`);
  return out;
}

/**
 * Problems of one object: the OpenAPI schema (types, enums, required fields) and the
 * apimachinery rules it does not encode (object names, label keys and values).
 */
export function objectProblems(obj: PlainObject): string[] {
  const out: string[] = [];
  const Model = MODELS[obj.kind];
  if (Model === undefined) return [`no schema model for kind ${obj.kind}`];
  try {
    new Model(obj as never).validate();
  } catch (e) {
    out.push(`${obj.kind}/${obj.metadata.name}: ${(e as Error).message}`);
  }
  const nameRule = obj.kind === "Namespace" ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (!nameRule.test(obj.metadata.name)) out.push(`${obj.kind} name ${obj.metadata.name} is not valid`);
  if (
    obj.kind !== "Namespace" &&
    (obj.metadata.namespace === undefined || !DNS1123_LABEL.test(obj.metadata.namespace))
  ) {
    out.push(`${obj.kind}/${obj.metadata.name} has no valid namespace`);
  }
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    out.push(...qualifiedNameProblems(k));
    if (!LABEL_VALUE.test(v)) out.push(`label ${k}=${v}: value is not a valid label value`);
  }
  for (const k of Object.keys(obj.metadata.annotations ?? {})) out.push(...qualifiedNameProblems(k));
  return out;
}

export { projectFacts };
