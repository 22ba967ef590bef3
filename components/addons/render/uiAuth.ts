/**
 * Basic authentication in front of an add-on UI the ingress controller publishes (OpenSearch
 * Dashboards runs without OpenSearch's security plugin, so it has no login of its own). The
 * controller checks the credentials before any request reaches the UI: traefik through a
 * BasicAuth Middleware (traefik.io_middlewares.yaml at traefik/traefik-helm-chart@v41.3.0),
 * ingress-nginx through its auth annotations (kubernetes/ingress-nginx@controller-v1.15.1:
 * internal/ingress/annotations/auth/main.go, Secret key `auth`). The Secret holds one
 * htpasswd line `<user>:<bcrypt hash>`; the component makes it from a generated password.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { MANAGED_BY, type KubeObject } from "./common";

/** The user name of a UI's basic authentication. */
export const UI_AUTH_USER = "admin";

/** How a UI's Ingress is authenticated. */
export interface UiAuth {
  /** The Secret (in the UI's namespace) holding the htpasswd line, and its key. */
  readonly secretName: string;
  readonly secretKey: string;
  /** Annotations of the UI's Ingress. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Objects the controller needs besides the Secret (traefik's Middleware). */
  readonly objects: readonly KubeObject[];
}

/** Basic authentication of the UI `name` in `namespace`, for the configured controller. */
export function renderUiAuth(spec: PlatformSpec, namespace: string, name: string): UiAuth {
  const secretName = `${name}-basic-auth`;
  if (spec.addons.ingress.controller === "ingress-nginx")
    return {
      secretName,
      secretKey: "auth",
      annotations: {
        "nginx.ingress.kubernetes.io/auth-type": "basic",
        "nginx.ingress.kubernetes.io/auth-secret": secretName,
        "nginx.ingress.kubernetes.io/auth-realm": name,
      },
      objects: [],
    };
  const middleware = `${name}-auth`;
  return {
    secretName,
    secretKey: "users",
    annotations: { "traefik.ingress.kubernetes.io/router.middlewares": `${namespace}-${middleware}@kubernetescrd` },
    objects: [
      {
        apiVersion: "traefik.io/v1alpha1",
        kind: "Middleware",
        metadata: { name: middleware, namespace, labels: { ...MANAGED_BY } },
        // The UI never sees the credentials.
        spec: { basicAuth: { secret: secretName, realm: name, removeHeader: true } },
      },
    ],
  };
}
