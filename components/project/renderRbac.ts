/**
 * Pure renderers of a project's RBAC: the three project Roles (admin, lead, member), one
 * RoleBinding per configured member, and the optional project access key. Everything is
 * namespaced: no ClusterRole or ClusterRoleBinding is ever rendered, so no project role
 * reaches outside its namespace. Verbs are spelled out (no `*`) so the README table, the
 * RBAC tests and the cluster agree on exactly what each role may do.
 */
import type { ProjectSettings } from "./settings";
import { ACCESS_KEY_NAME, PROJECT_ROLES, bindingName, roleName, type MemberRef, type ProjectRole } from "./names";
import { meta, projectLabels } from "./render";
import type { PolicyRule, Role, RoleBinding, Secret, ServiceAccount } from "./types";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const ALL = [...READ, ...WRITE];
/**
 * exec/attach/port-forward: SPDY clients (kubectl) POST (`create`); WebSocket clients
 * (the Java/Python SDKs) upgrade a GET, authorized as `get` before Kubernetes 1.35 and
 * as `create` once the AuthorizePodWebsocketUpgradeCreatePermission gate is on.
 */
const STREAM = ["get", "create"];
const RBAC_GROUP = "rbac.authorization.k8s.io";

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames === undefined ? { apiGroups, resources, verbs } : { apiGroups, resources, verbs, resourceNames };

const WORKLOADS = ["deployments", "statefulsets", "daemonsets", "replicasets"];
/** Workloads a member may restart: `patch`, which the pod-template admission policy limits to the restart annotation. */
export const RESTARTABLE = ["deployments", "statefulsets", "daemonsets"];
/** traefik's route kinds: hosts and ports checked by the route admission policy. */
const TRAEFIK_GROUP = "traefik.io";
const TRAEFIK_ROUTES = ["ingressroutes", "ingressroutetcps"];
const SCALE = ["deployments/scale", "statefulsets/scale", "replicasets/scale"];
const STREAMS = ["pods/exec", "pods/attach", "pods/portforward"];

/** Rules shared by every project role: see the namespace, its quota, events and logs. */
function commonRules(namespace: string): PolicyRule[] {
  return [
    rule([""], ["namespaces"], ["get"], [namespace]),
    rule([""], ["resourcequotas", "limitranges", "events"], READ),
    rule([""], ["pods/log"], READ),
    rule([""], STREAMS, STREAM),
    rule(["events.k8s.io"], ["events"], READ),
    rule(["discovery.k8s.io"], ["endpointslices"], READ),
    rule(["networking.k8s.io"], ["networkpolicies"], READ),
    rule(["apps"], ["controllerrevisions"], READ),
  ];
}

/** Rules to run applications: workloads, their config (incl. secrets), services, ingresses. */
function applicationRules(): PolicyRule[] {
  return [
    rule([""], ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims"], ALL),
    rule([""], ["endpoints"], READ),
    rule([""], ["pods/eviction"], ["create"]),
    rule(["apps"], WORKLOADS, ALL),
    rule(["apps"], SCALE, ["get", "update", "patch"]),
    rule(["batch"], ["jobs", "cronjobs"], ALL),
    rule(["autoscaling"], ["horizontalpodautoscalers"], ALL),
    rule(["policy"], ["poddisruptionbudgets"], ALL),
    rule(["networking.k8s.io"], ["ingresses"], ALL),
    rule([TRAEFIK_GROUP], TRAEFIK_ROUTES, ALL),
  ];
}

/**
 * The rules of one project role.
 * - admin: everything lead has, plus service accounts (and their tokens), viewing RBAC,
 *   and binding people to the project's own three Roles (`bind` limited by name, so the
 *   API server's escalation check stops bindings to anything broader).
 * - lead: manage workloads, configmaps, secrets, services, ingresses and traefik routes
 *   (hosts and ports held to the project's own by admission policies); no RBAC objects.
 * - member: read workloads and config (never secrets), logs, exec/attach/port-forward,
 *   and `patch` on deployments/statefulsets/daemonsets for `kubectl rollout restart`.
 *   RBAC cannot narrow a patch, so the pod-template admission policy does: a principal
 *   without `update` (a member) may change nothing but the restart annotation, so it can
 *   neither mount another Secret nor switch the ServiceAccount.
 * NetworkPolicies, quotas and limit ranges are read-only for all three: the platform owns them.
 */
export function projectRoleRules(role: ProjectRole, namespace: string): PolicyRule[] {
  switch (role) {
    case "admin":
      return [
        ...commonRules(namespace),
        ...applicationRules(),
        rule([""], ["serviceaccounts"], ALL),
        rule([""], ["serviceaccounts/token"], ["create"]),
        rule([RBAC_GROUP], ["roles", "rolebindings"], READ),
        rule([RBAC_GROUP], ["rolebindings"], WRITE),
        rule([RBAC_GROUP], ["roles"], ["bind"], PROJECT_ROLES.map(roleName)),
      ];
    case "lead":
      return [...commonRules(namespace), ...applicationRules(), rule([""], ["serviceaccounts"], READ)];
    case "member":
      return [
        ...commonRules(namespace),
        rule([""], ["pods", "services", "endpoints", "configmaps", "persistentvolumeclaims", "serviceaccounts"], READ),
        rule(["apps"], WORKLOADS, READ),
        rule(["apps"], RESTARTABLE, ["patch"]),
        rule(["batch"], ["jobs", "cronjobs"], READ),
        rule(["autoscaling"], ["horizontalpodautoscalers"], READ),
        rule(["policy"], ["poddisruptionbudgets"], READ),
        rule(["networking.k8s.io"], ["ingresses"], READ),
        rule([TRAEFIK_GROUP], TRAEFIK_ROUTES, READ),
      ];
  }
}

/** The three project Roles, in the project namespace. */
export function renderRoles(project: ProjectSettings): Role[] {
  return PROJECT_ROLES.map((role) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(project, roleName(role)),
    rules: projectRoleRules(role, project.name),
  }));
}

/** One RoleBinding per member, to the member's project Role (never to a ClusterRole). */
export function renderRoleBinding(project: ProjectSettings, member: MemberRef): RoleBinding {
  const subject =
    member.user !== undefined
      ? { kind: "User" as const, name: member.user, apiGroup: RBAC_GROUP }
      : { kind: "Group" as const, name: member.group ?? "", apiGroup: RBAC_GROUP };
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(project, bindingName(member)),
    roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name: roleName(member.role) },
    subjects: [subject],
  };
}

/** Bindings of all members, in config order. */
export function renderRoleBindings(project: ProjectSettings): RoleBinding[] {
  return project.members.map((m) => renderRoleBinding(project, m));
}

/** The access key's rules: find pods and exec into them, in its own namespace only. */
export const ACCESS_KEY_RULES: readonly PolicyRule[] = [
  rule([""], ["pods"], ["get", "list"]),
  rule([""], ["pods/exec"], STREAM),
];

/** The objects of a project access key: ServiceAccount, Role, RoleBinding, token Secret. */
export interface AccessKeyObjects {
  readonly serviceAccount: ServiceAccount;
  readonly role: Role;
  readonly roleBinding: RoleBinding;
  /** A long-lived token Secret the token controller fills in (`data.token`). */
  readonly tokenSecret: Secret;
}

/**
 * The project access key (the source's SDK model: a container of the project runs a
 * command in another container of the same project). The token Secret is the documented
 * way to get a non-expiring ServiceAccount token; it is revoked by deleting the Secret.
 */
export function renderAccessKey(project: ProjectSettings): AccessKeyObjects {
  return {
    serviceAccount: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(project, ACCESS_KEY_NAME),
      automountServiceAccountToken: false,
    },
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(project, ACCESS_KEY_NAME),
      rules: [...ACCESS_KEY_RULES],
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(project, ACCESS_KEY_NAME),
      roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name: ACCESS_KEY_NAME },
      subjects: [{ kind: "ServiceAccount", name: ACCESS_KEY_NAME, namespace: project.name }],
    },
    tokenSecret: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: `${ACCESS_KEY_NAME}-token`,
        namespace: project.name,
        labels: projectLabels(project),
        annotations: { "kubernetes.io/service-account.name": ACCESS_KEY_NAME },
      },
      type: "kubernetes.io/service-account-token",
    },
  };
}
