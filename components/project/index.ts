/**
 * Project: one tenant of the platform, the bundle a team gets from one `projects[]` entry:
 * namespace, quota, limit range, roles and bindings, network isolation, registry access,
 * ingress domains, TCP entry points and an optional access key; and, once for all
 * projects, the admission policies that hold the tenant boundary in the cluster. Objects
 * come from the pure renderers in this folder; this file only turns them into
 * @pulumi/kubernetes resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ProjectAdmissionArgs, ProjectArgs } from "./args";
import { renderAdmissionPolicies } from "./admission";
import { checkProjectSettings } from "./settings";
import { PULL_SECRET_NAME } from "./names";
import { renderLimitRange, renderNamespace, renderResourceQuota } from "./render";
import { renderNetworkPolicies } from "./renderNetwork";
import { renderAccessKey, renderRoleBindings, renderRoles } from "./renderRbac";
import {
  renderDefaultServiceAccount,
  renderDockerConfigJson,
  renderPullSecret,
  type RegistryAuth,
} from "./renderRegistry";
import { renderTcpRoutes } from "./renderTcp";

export type { ProjectFacts } from "./render";
export type { ProjectAdmissionArgs, ProjectArgs, RegistryCredentials } from "./args";
export {
  projectSettings,
  type ProjectLimits,
  type ProjectMember,
  type ProjectQuota,
  type ProjectSettings,
  type ProjectSettingsInput,
} from "./settings";

/**
 * The admission policies of all projects (cluster-scoped ValidatingAdmissionPolicies and
 * their bindings, see ./admission). Created once; projects depend on them so no member is
 * bound before the boundary is in place.
 */
export class ProjectAdmission extends pulumi.ComponentResource {
  /** The bindings: a project's RoleBindings wait for them. */
  public readonly bindings: pulumi.Resource[];

  constructor(name: string, args: ProjectAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:project:ProjectAdmission", name, {}, opts);
    const child = { parent: this, provider: args.provider };
    this.bindings = renderAdmissionPolicies().map(({ policy, binding }) => {
      const created = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(policy.metadata.name, policy, child);
      return new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        `${binding.metadata.name}-binding`,
        binding,
        {
          ...child,
          dependsOn: [created],
        },
      );
    });
    this.registerOutputs({});
  }
}

/**
 * One project namespace and everything in it. With `project.protect` (the default) every
 * object is `retainOnDelete`: removing the project from config leaves the namespace as it
 * was (workloads, data, quota and isolation intact) and only forgets it in the state; an
 * operator deletes it with kubectl when sure. Pulumi's `protect` is not used because it
 * would make removing the project from config fail instead. With `protect: false` the
 * children are `deletedWith` the namespace, whose deletion removes them.
 */
export class Project extends pulumi.ComponentResource {
  /** Namespace name (= project name). */
  public readonly namespace: pulumi.Output<string>;
  /** The access key's ServiceAccount token (secret), when `project.accessKey`. */
  public readonly accessKeyToken?: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:project:Project", name, {}, opts);
    const { project, facts, provider } = args;
    checkProjectSettings(project);
    if (project.name !== name) {
      throw new Error(
        `Project "${name}": the resource name must equal projects[].name ("${project.name}") so names stay stable`,
      );
    }
    const p = project.name;

    const namespace = new k8s.core.v1.Namespace(`${p}-namespace`, renderNamespace(project, facts), {
      parent: this,
      provider,
      retainOnDelete: project.protect,
    });
    const inNamespace: pulumi.CustomResourceOptions = project.protect
      ? { parent: this, provider, dependsOn: [namespace], retainOnDelete: true }
      : { parent: this, provider, dependsOn: [namespace], deletedWith: namespace };

    new k8s.core.v1.ResourceQuota(`${p}-quota`, renderResourceQuota(project), inNamespace);
    new k8s.core.v1.LimitRange(`${p}-limits`, renderLimitRange(project), inNamespace);

    const roles = renderRoles(project).map(
      (role) => new k8s.rbac.v1.Role(`${p}-${role.metadata.name}`, role, inNamespace),
    );
    const boundary = args.boundary ?? [];
    for (const binding of renderRoleBindings(project)) {
      new k8s.rbac.v1.RoleBinding(`${p}-${binding.metadata.name}`, binding, {
        ...inNamespace,
        dependsOn: [namespace, ...roles, ...boundary],
      });
    }

    for (const policy of renderNetworkPolicies(project, facts)) {
      new k8s.networking.v1.NetworkPolicy(`${p}-${policy.metadata.name}`, policy, inNamespace);
    }

    if (facts.ingressController === "traefik") {
      for (const route of renderTcpRoutes(project)) {
        new k8s.apiextensions.CustomResource(`${p}-${route.metadata.name}`, route, {
          ...inNamespace,
          dependsOn: [namespace, ...(args.ingressReady ?? [])],
        });
      }
    }

    const defaultSa = renderDefaultServiceAccount(project);
    let saDependsOn: pulumi.Resource[] = [namespace];
    const registries = [
      ...(args.registry !== undefined
        ? [{ ...args.registry, server: args.registry.server ?? facts.registryServer }]
        : []),
      ...(args.pullSecrets ?? []),
    ];
    if (registries.length > 0) {
      // One secret Output over every credential: the rendered JSON never exists as plain text in the graph.
      const dockerConfigJson = pulumi
        .secret(pulumi.all(registries.map((r) => pulumi.all([r.server, r.username, r.password]))))
        .apply((entries) =>
          renderDockerConfigJson(
            entries.map(([server, username, password]): RegistryAuth => ({ server, username, password })),
          ),
        );
      const rendered = renderPullSecret(project, "");
      const pullSecret = new k8s.core.v1.Secret(
        `${p}-${PULL_SECRET_NAME}`,
        { ...rendered, stringData: { ".dockerconfigjson": dockerConfigJson } },
        inNamespace,
      );
      saDependsOn = [namespace, pullSecret];
    } else {
      delete defaultSa.imagePullSecrets;
    }
    // The `default` ServiceAccount is created by the controller manager with the
    // namespace, so it is patched (server-side apply) rather than created.
    new k8s.core.v1.ServiceAccountPatch(`${p}-default-serviceaccount`, defaultSa, {
      ...inNamespace,
      dependsOn: saDependsOn,
    });

    if (project.accessKey) {
      const key = renderAccessKey(project);
      const sa = new k8s.core.v1.ServiceAccount(`${p}-access-key`, key.serviceAccount, inNamespace);
      const role = new k8s.rbac.v1.Role(`${p}-access-key`, key.role, inNamespace);
      new k8s.rbac.v1.RoleBinding(`${p}-access-key`, key.roleBinding, {
        ...inNamespace,
        dependsOn: [namespace, sa, role, ...boundary],
      });
      // The token controller fills `data.token` only once the ServiceAccount exists; the
      // provider waits for it on create.
      const tokenSecret = new k8s.core.v1.Secret(`${p}-access-key-token`, key.tokenSecret, {
        ...inNamespace,
        dependsOn: [namespace, sa],
      });
      this.accessKeyToken = pulumi.secret(
        tokenSecret.data.apply((data) =>
          data?.token !== undefined ? Buffer.from(data.token, "base64").toString("utf8") : "",
        ),
      );
    }

    this.namespace = namespace.metadata.name;
    this.registerOutputs({ namespace: this.namespace, accessKeyToken: this.accessKeyToken });
  }
}
