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
import type { PlatformSpec, ProjectConfig } from "../../stacks/contract/spec";
import { renderAdmissionPolicies } from "./admission";
import { PULL_SECRET_NAME } from "./names";
import { projectFacts, renderLimitRange, renderNamespace, renderResourceQuota, type ProjectFacts } from "./render";
import { renderNetworkPolicies } from "./renderNetwork";
import { renderAccessKey, renderRoleBindings, renderRoles } from "./renderRbac";
import {
  renderDefaultServiceAccount,
  renderDockerConfigJson,
  renderPullSecret,
  type RegistryAuth,
} from "./renderRegistry";
import { renderTcpRoutes } from "./renderTcp";

export { projectFacts, type ProjectFacts } from "./render";

/** Credentials the project's image pull secret authenticates with. */
export interface RegistryCredentials {
  /** Registry host[:port]; defaults to `facts.registryServer`. */
  readonly server?: string;
  /** Registry user (e.g. a Harbor robot account). */
  readonly username: pulumi.Input<string>;
  /** Registry password; kept a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

/**
 * The admission policies of all projects (cluster-scoped ValidatingAdmissionPolicies and
 * their bindings, see ./admission). Created once; projects depend on them so no member is
 * bound before the boundary is in place.
 */
export class ProjectAdmission extends pulumi.ComponentResource {
  /** The bindings: a project's RoleBindings wait for them. */
  public readonly bindings: pulumi.Resource[];

  constructor(name: string, args: { readonly provider: k8s.Provider }, opts?: pulumi.ComponentResourceOptions) {
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

/** Arguments of a Project. */
export interface ProjectArgs {
  /** The validated `projects[]` entry. */
  readonly project: ProjectConfig;
  /** Platform facts (see `projectFacts(spec)`): add-on namespaces, DNS, apiserver, registry. */
  readonly facts: ProjectFacts;
  /** Provider for the cluster (built from the admin kubeconfig). */
  readonly provider: k8s.Provider;
  /**
   * Pull credentials of the platform registry. Without them (and without `pullSecrets`) no
   * pull secret is created and the default ServiceAccount only stops automounting its token.
   */
  readonly registry?: RegistryCredentials;
  /** The project's own registry credentials (`projects[].pullSecrets`, passwords secret), merged in after `registry`. */
  readonly pullSecrets?: readonly (RegistryCredentials & { readonly server: string })[];
  /** What a TCP route needs first: the ingress controller's release (it installs traefik's CRDs and entry points). */
  readonly ingressReady?: readonly pulumi.Resource[];
  /** What RoleBindings wait for: the admission policy bindings. */
  readonly boundary?: readonly pulumi.Resource[];
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

/** Arguments of createProjects. */
export interface ProjectsArgs {
  /** The validated stack. */
  readonly spec: PlatformSpec;
  /** Provider for the cluster (built from the admin kubeconfig). */
  readonly provider: k8s.Provider;
  /**
   * Pull credentials per project name, e.g. the Registry component's robot accounts.
   * A project with `registry: true` and no entry here falls back to the stack-wide
   * `registry.username`/`registry.password` when both are set.
   */
  readonly credentials?: Readonly<Record<string, RegistryCredentials>>;
  /** Overrides of the facts derived from the spec (e.g. the add-ons' real namespaces). */
  readonly facts?: Partial<ProjectFacts>;
  /** The ingress controller's release, when installed: projects' TCP routes wait for it. */
  readonly ingressReady?: readonly pulumi.Resource[];
}

/** What createProjects returns: the components and their stack outputs. */
export interface Projects {
  readonly byName: ReadonlyMap<string, Project>;
  /** `projects` stack output: per project, its namespace (plain). */
  readonly namespaces: Record<string, pulumi.Output<string>>;
  /**
   * `projectAccessKeys` stack output: project name -> access key token, one secret map
   * (kept apart from `projects` so the namespaces stay readable in `pulumi stack output`).
   */
  readonly accessKeys: pulumi.Output<Record<string, string>>;
}

/**
 * One Project per `projects[]` entry, independent of each other (no project depends on
 * another, so adding one adds only its own resources and the chain does not grow).
 */
export function createProjects(args: ProjectsArgs, opts: pulumi.ComponentResourceOptions): Projects {
  const { spec, provider } = args;
  const facts: ProjectFacts = { ...projectFacts(spec), ...args.facts };
  const shared: RegistryCredentials | undefined =
    spec.registry.username !== undefined && spec.registry.password !== undefined
      ? { username: spec.registry.username, password: pulumi.secret(spec.registry.password) }
      : undefined;
  const byName = new Map<string, Project>();
  const namespaces: Record<string, pulumi.Output<string>> = {};
  const tokens: Record<string, pulumi.Output<string>> = {};
  const admission = new ProjectAdmission("projects", { provider }, opts);
  for (const project of spec.projects) {
    const registry = project.registry ? (args.credentials?.[project.name] ?? shared) : undefined;
    const pullSecrets = project.pullSecrets.map((s) => ({
      server: s.server,
      username: s.username,
      password: pulumi.secret(s.password),
    }));
    const component = new Project(
      project.name,
      {
        project,
        facts,
        provider,
        registry,
        pullSecrets,
        ingressReady: args.ingressReady,
        boundary: admission.bindings,
      },
      opts,
    );
    byName.set(project.name, component);
    namespaces[project.name] = component.namespace;
    if (component.accessKeyToken) tokens[project.name] = component.accessKeyToken;
  }
  return { byName, namespaces, accessKeys: pulumi.secret(pulumi.output(tokens)) };
}
