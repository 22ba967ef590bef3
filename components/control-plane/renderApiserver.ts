/**
 * kube-apiserver flags and unit. Secure by default, to the CIS Kubernetes Benchmark
 * (kube-bench cis-1.12, section 1.2): see cis.ts for the check-by-check table.
 * Reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
 */
import { BIN_DIR, PKI } from "../../lib/paths";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { CONTROL_PLANE_FILES, PORTS } from "./paths";
import { flags, minorOf, renderUnit, type Flags } from "./renderUnit";

/** TLS 1.2 suites kube-bench 1.2.29 accepts (ECDHE + AEAD only); TLS 1.3 suites are not configurable. */
export const STRONG_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
] as const;

/** Admission plugins enabled on top of the defaults (which already include NamespaceLifecycle, ServiceAccount). */
export const ADMISSION_PLUGINS = [
  // Kubelets may only modify their own Node and pods bound to it (CIS 1.2.14).
  "NodeRestriction",
  // Tenants must not hijack traffic with Service externalIPs (CVE-2020-8554, CIS 1.2.3).
  "DenyServiceExternalIPs",
] as const;

/**
 * From this minor the kubelet checks pull credentials for cached images itself
 * (imagePullCredentialsVerificationPolicy, see components/worker/render.ts); below it the
 * AlwaysPullImages admission plugin makes every pod pull with its own credentials, so no
 * project runs another's private image from a node's cache (CIS 1.2.11).
 */
export const KUBELET_VERIFIES_PULLS_FROM_MINOR = 35;

/** Admission plugins for a Kubernetes version: the fixed set, plus AlwaysPullImages below 1.35. */
export function admissionPlugins(version: string): string[] {
  return [...ADMISSION_PLUGINS, ...(minorOf(version) < KUBELET_VERIFIES_PULLS_FROM_MINOR ? ["AlwaysPullImages"] : [])];
}

/** Oldest minor with the anonymous-authenticator section of AuthenticationConfiguration (beta in 1.32). */
export const MIN_KUBERNETES_MINOR = 32;

/** etcd client URLs: every etcd host on the client port. */
export function etcdServers(spec: PlatformSpec): string {
  return spec.topology.etcd.map((h) => `https://${h.address}:2379`).join(",");
}

/** The service-account token issuer (also the default API audience). */
export function serviceAccountIssuer(spec: PlatformSpec): string {
  return `https://kubernetes.default.svc.${spec.cluster.domain}`;
}

/** Options the spec does not carry. */
export interface ApiServerOptions {
  /** Render the aggregation layer (front-proxy) flags; needs the front-proxy CA and client pair. */
  readonly aggregation?: boolean;
}

/** kube-apiserver flags for one master. */
export function renderApiServerFlags(spec: PlatformSpec, master: HostConfig, options: ApiServerOptions = {}): Flags {
  if (minorOf(spec.versions.kubernetes) < MIN_KUBERNETES_MINOR) {
    throw new Error(
      `versions.kubernetes ${spec.versions.kubernetes}: the control plane needs 1.${MIN_KUBERNETES_MINOR} or later (anonymous auth limited to health endpoints)`,
    );
  }
  const aggregation = options.aggregation ?? true;
  return flags([
    ["advertise-address", master.address],
    // All addresses: haproxy on the masters and local controllers reach it on their own address or loopback.
    ["bind-address", "0.0.0.0"],
    ["secure-port", PORTS.apiserver],
    ["allow-privileged", true],
    // Anonymous requests are allowed only on /healthz,/readyz,/livez by this file; --anonymous-auth
    // must then stay unset (the apiserver refuses both at once).
    ["authentication-config", CONTROL_PLANE_FILES.authenticationConfig],
    ["authorization-mode", "Node,RBAC"],
    ["enable-admission-plugins", admissionPlugins(spec.versions.kubernetes).join(",")],
    ["client-ca-file", PKI.clusterCaCert],
    ["tls-cert-file", PKI.apiserverCert],
    ["tls-private-key-file", PKI.apiserverKey],
    ["tls-min-version", "VersionTLS12"],
    ["tls-cipher-suites", STRONG_CIPHER_SUITES.join(",")],
    ["kubelet-client-certificate", PKI.apiserverKubeletClientCert],
    ["kubelet-client-key", PKI.apiserverKubeletClientKey],
    ["kubelet-certificate-authority", PKI.clusterCaCert],
    ["kubelet-preferred-address-types", "InternalIP,Hostname"],
    ["etcd-servers", etcdServers(spec)],
    ["etcd-cafile", PKI.etcdCaCert],
    ["etcd-certfile", PKI.apiserverEtcdClientCert],
    ["etcd-keyfile", PKI.apiserverEtcdClientKey],
    ["service-account-issuer", serviceAccountIssuer(spec)],
    ["service-account-key-file", PKI.serviceAccountPub],
    ["service-account-signing-key-file", PKI.serviceAccountKey],
    ["service-account-lookup", true],
    ["service-account-extend-token-expiration", false],
    ["service-cluster-ip-range", spec.network.serviceCidr],
    ["encryption-provider-config", CONTROL_PLANE_FILES.encryptionConfig],
    ["audit-policy-file", CONTROL_PLANE_FILES.auditPolicy],
    ["audit-log-path", CONTROL_PLANE_FILES.auditLog],
    ["audit-log-maxage", 30],
    ["audit-log-maxbackup", 10],
    ["audit-log-maxsize", 100],
    ["profiling", false],
    ["requestheader-client-ca-file", aggregation ? PKI.frontProxyCaCert : undefined],
    ["requestheader-allowed-names", aggregation ? "front-proxy-client" : undefined],
    ["requestheader-username-headers", aggregation ? "X-Remote-User" : undefined],
    ["requestheader-group-headers", aggregation ? "X-Remote-Group" : undefined],
    ["requestheader-extra-headers-prefix", aggregation ? "X-Remote-Extra-" : undefined],
    ["proxy-client-cert-file", aggregation ? PKI.frontProxyClientCert : undefined],
    ["proxy-client-key-file", aggregation ? PKI.frontProxyClientKey : undefined],
    ["v", 2],
  ]);
}

/** The kube-apiserver systemd unit. */
export function renderApiServerUnit(spec: PlatformSpec, master: HostConfig, options: ApiServerOptions = {}): string {
  return renderUnit({
    description: "Kubernetes API Server",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/",
    binary: `${BIN_DIR}/kube-apiserver`,
    flags: renderApiServerFlags(spec, master, options),
  });
}
