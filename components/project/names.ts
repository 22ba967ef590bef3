/**
 * Names and label keys of project objects. Every name derives from config names (project,
 * member user/group), never from list positions, so reordering `projects` or `members`
 * changes nothing in the cluster.
 */
import { createHash } from "node:crypto";

/** `app.kubernetes.io/managed-by` value on everything this program creates. */
export const MANAGED_BY = "k8s-platform";
/** Label naming the project an object belongs to. */
export const PROJECT_LABEL = "k8s-platform.io/project";
/** Namespace annotation: comma-separated ingress hosts the project may serve (policy pack input). */
export const INGRESS_DOMAINS_ANNOTATION = "k8s-platform.io/ingress-domains";
/** Namespace annotation: name of the wildcard TLS secret ingresses of the project may reference. */
export const TLS_SECRET_ANNOTATION = "k8s-platform.io/tls-secret";
/** Namespace annotation: comma-separated TCP ports the project was given (`projects[].tcp`); admission input. */
export const TCP_PORTS_ANNOTATION = "k8s-platform.io/tcp-ports";
/** Namespace annotation: the host directory of the project's application log files (with `appLogPaths`). */
export const APP_LOG_DIR_ANNOTATION = "k8s-platform.io/app-log-dir";
/** The pod-template annotation `kubectl rollout restart` sets: the one template change a member may make. */
export const RESTART_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** The three project roles, in decreasing power. */
export const PROJECT_ROLES = ["admin", "lead", "member"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Name of the Role object for a project role (same in every project namespace). */
export const roleName = (role: ProjectRole): string => `project-${role}`;

/** The image pull Secret every project namespace gets. */
export const PULL_SECRET_NAME = "registry-pull";
/** The project access key's ServiceAccount, Role, RoleBinding and token Secret. */
export const ACCESS_KEY_NAME = "project-access-key";

const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A DNS-1123 subdomain made from an arbitrary identity name (`Zhang_San@corp`). When the
 * name had to be changed, a short hash of the original is appended so that two different
 * identities never collapse onto the same object name.
 */
export function sanitizeName(raw: string, maxLength = 253): string {
  const lowered = raw.toLowerCase();
  const cleaned = lowered
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-{2,}/g, "-")
    .replace(/(^[-.]+)|([-.]+$)/g, "");
  if (cleaned === raw && DNS1123_SUBDOMAIN.test(cleaned) && cleaned.length <= maxLength) return cleaned;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 8);
  const base = cleaned.slice(0, maxLength - hash.length - 1).replace(/[-.]+$/, "");
  return base === "" ? hash : `${base}-${hash}`;
}

/** A project member as configured: exactly one of user or group. */
export interface MemberRef {
  readonly user?: string;
  readonly group?: string;
  readonly role: ProjectRole;
}

/** RoleBinding name of a member: `project-admin-user-zhang.san`, `project-member-group-search-dev`. */
export function bindingName(member: MemberRef): string {
  const kind = member.user !== undefined ? "user" : "group";
  const who = member.user ?? member.group ?? "";
  return `${roleName(member.role)}-${kind}-${sanitizeName(who, 200)}`;
}
