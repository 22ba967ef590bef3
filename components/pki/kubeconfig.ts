/**
 * Pure kubeconfig renderer: one cluster, one user with an embedded client certificate,
 * one context. Embedding (not file paths) keeps a kubeconfig self-contained, so the same
 * text works on a host, as a stack output and in tests.
 */
import { stringify } from "yaml";

/** What a kubeconfig says. */
export interface KubeconfigParams {
  /** Cluster name (the stack's `cluster.name`). */
  readonly clusterName: string;
  /** Apiserver URL: the VIP off-master, `https://127.0.0.1:6443` on a master. */
  readonly server: string;
  /** User name in the file (the certificate subject is what the apiserver uses). */
  readonly user: string;
  /** PEM of the CA that signed the apiserver serving certificate. */
  readonly caPem: string;
  /** PEM client certificate. */
  readonly certPem: string;
  /** PEM client key (the rendered text is a secret because of it). */
  readonly keyPem: string;
  /**
   * `proxy-url` of the cluster entry (client-go: http, https or socks5): how a client off
   * the hosts' network reaches the apiserver, e.g. through an `ssh -D` tunnel to the bastion.
   */
  readonly proxyUrl?: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** Renders a kubeconfig (YAML) whose current context is `<user>@<cluster>`. */
export function renderKubeconfig(p: KubeconfigParams): string {
  const context = `${p.user}@${p.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: p.clusterName,
        cluster: {
          server: p.server,
          "certificate-authority-data": b64(p.caPem),
          ...(p.proxyUrl ? { "proxy-url": p.proxyUrl } : {}),
        },
      },
    ],
    users: [{ name: p.user, user: { "client-certificate-data": b64(p.certPem), "client-key-data": b64(p.keyPem) } }],
    contexts: [{ name: context, context: { cluster: p.clusterName, user: p.user } }],
    "current-context": context,
    preferences: {},
  });
}
