/**
 * Pure renderers of a project's registry access: the image pull Secret and the patch of
 * the namespace's pre-existing `default` ServiceAccount that makes every pod use it.
 */
import type { ProjectConfig } from "../../stacks/contract/spec";
import { PULL_SECRET_NAME } from "./names";
import { meta } from "./render";
import type { Secret, ServiceAccount } from "./types";

/**
 * The `.dockerconfigjson` document kubelet reads for a pull secret. `auth` is
 * base64("user:password"), the form every registry client (containerd included) accepts.
 */
export function renderDockerConfigJson(server: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/** The pull Secret; `dockerConfigJson` is the output of renderDockerConfigJson (a secret). */
export function renderPullSecret(project: ProjectConfig, dockerConfigJson: string): Secret {
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
export function renderDefaultServiceAccount(project: ProjectConfig): ServiceAccount {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(project, "default"),
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: PULL_SECRET_NAME }],
  };
}
