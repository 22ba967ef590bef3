/**
 * The apiserver's security config files: audit policy, encryption at rest, and the
 * authentication config that limits anonymous requests to the health endpoints.
 */
import { stringify } from "yaml";
import { MIN_KUBERNETES_MINOR } from "./renderApiserver";
import { minorOf } from "./renderUnit";

/** Paths load balancers and probes may reach without credentials. */
export const ANONYMOUS_PATHS = ["/healthz", "/readyz", "/livez"] as const;

/**
 * AuthenticationConfiguration allowing anonymous requests only on ANONYMOUS_PATHS.
 * The `anonymous` section is beta in 1.32-1.33 (`apiserver.config.k8s.io/v1beta1`) and
 * GA with the v1 API from 1.34 (KEP-4633). With this section set, `--anonymous-auth`
 * must not be passed: the apiserver refuses to start with both.
 * https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-authenticator-configuration
 */
export function renderAuthenticationConfig(kubernetesVersion: string): string {
  const minor = minorOf(kubernetesVersion);
  if (minor < MIN_KUBERNETES_MINOR)
    throw new Error(`Kubernetes ${kubernetesVersion} has no configurable anonymous authenticator`);
  return stringify({
    apiVersion: minor >= 34 ? "apiserver.config.k8s.io/v1" : "apiserver.config.k8s.io/v1beta1",
    kind: "AuthenticationConfiguration",
    anonymous: { enabled: true, conditions: ANONYMOUS_PATHS.map((path) => ({ path })) },
  });
}

/** The encryption key the EncryptionConfiguration carries. */
export interface EncryptionKey {
  /** Key name, recorded in every encrypted object: keep it stable; rotate by adding a new name. */
  readonly name: string;
  /** 32 random bytes, base64 (e.g. RandomBytes.base64). A secret. */
  readonly secretBase64: string;
}

/**
 * EncryptionConfiguration for Secrets: secretbox (XSalsa20-Poly1305; Kubernetes recommends
 * it over aescbc, and kube-bench 1.2.28 accepts it) writes, identity last so objects stored
 * before encryption was enabled stay readable until rewritten.
 * https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/
 */
export function renderEncryptionConfig(keys: readonly EncryptionKey[]): string {
  if (keys.length === 0) throw new Error("encryption config needs at least one key");
  for (const key of keys) {
    if (Buffer.from(key.secretBase64, "base64").length !== 32)
      throw new Error(`encryption key ${key.name} must be 32 bytes (base64)`);
  }
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "EncryptionConfiguration",
    resources: [
      {
        resources: ["secrets"],
        providers: [
          { secretbox: { keys: keys.map((k) => ({ name: k.name, secret: k.secretBase64 })) } },
          { identity: {} },
        ],
      },
    ],
  });
}

/**
 * Audit policy: metadata for everything, request bodies for changes to workloads and RBAC,
 * never bodies of Secrets/ConfigMaps/token reviews (they carry credentials), and no noise
 * from health probes and high-volume read-only system traffic.
 * https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/
 */
export function renderAuditPolicy(): string {
  return stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", nonResourceURLs: [...ANONYMOUS_PATHS, "/version"] },
      {
        level: "None",
        users: ["system:kube-proxy"],
        verbs: ["watch"],
        resources: [{ group: "", resources: ["endpoints", "services", "services/status"] }],
      },
      {
        level: "None",
        userGroups: ["system:nodes"],
        verbs: ["get"],
        resources: [{ group: "", resources: ["nodes", "nodes/status"] }],
      },
      {
        level: "None",
        resources: [
          { group: "", resources: ["events"] },
          { group: "events.k8s.io", resources: ["events"] },
        ],
      },
      {
        level: "Metadata",
        resources: [
          { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
          { group: "authentication.k8s.io", resources: ["tokenreviews"] },
        ],
      },
      { level: "Metadata", verbs: ["get", "list", "watch"] },
      {
        level: "Request",
        resources: [
          { group: "" },
          { group: "apps" },
          { group: "batch" },
          { group: "networking.k8s.io" },
          { group: "rbac.authorization.k8s.io" },
          { group: "policy" },
        ],
      },
      { level: "Metadata" },
    ],
  });
}
