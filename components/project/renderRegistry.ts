/**
 * Pure renderers of a project's registry access: the image pull Secret and the patch of
 * the namespace's pre-existing `default` ServiceAccount that makes every pod use it.
 */
import type { ProjectSettings } from "./settings";
import { PULL_SECRET_NAME } from "./names";
import { meta } from "./render";
import type { Secret, ServiceAccount } from "./types";

/** Credentials for one registry, as they go into a pull secret. */
export interface RegistryAuth {
  /** Registry host[:port]: the `auths` key kubelet matches image references against. */
  readonly server: string;
  readonly username: string;
  readonly password: string;
}

/**
 * The `.dockerconfigjson` document kubelet reads for a pull secret, one `auths` entry per
 * registry: the platform's registry first, then the project's own `pullSecrets`. `auth` is
 * base64("user:password"), the form every registry client (containerd included) accepts.
 * The loader guarantees one entry per server, so no entry silently replaces another.
 */
export function renderDockerConfigJson(registries: readonly RegistryAuth[]): string {
  const auths: Record<string, { username: string; password: string; auth: string }> = {};
  for (const { server, username, password } of registries) {
    auths[server] = { username, password, auth: Buffer.from(`${username}:${password}`).toString("base64") };
  }
  return JSON.stringify({ auths });
}

/** The pull Secret; `dockerConfigJson` is the output of renderDockerConfigJson (a secret). */
export function renderPullSecret(project: ProjectSettings, dockerConfigJson: string): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(project, PULL_SECRET_NAME),
    type: "kubernetes.io/dockerconfigjson",
    stringData: { ".dockerconfigjson": dockerConfigJson },
  };
}

/**
 * The fields this program owns on the namespace's `default` ServiceAccount (created by the
 * controller manager, so it is patched, not created): the pull secret, and no automounted
 * API token, since the default identity has no rights a pod would need.
 */
export function renderDefaultServiceAccount(project: ProjectSettings): ServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(project, "default"),
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: PULL_SECRET_NAME }],
  };
}
