/**
 * The CIS Kubernetes Benchmark worker-node checks (section 4, v1.12 as encoded in
 * kube-bench cfg/cis-1.12/node.yaml) and where the platform meets each: a config field and
 * the value it must hold, or a file and the most permissive mode allowed. The tests walk
 * this table against the rendered files, so a regression names the failing check.
 * `protectKernelDefaults` was check 4.2.6 up to benchmark v1.7 and stays enforced.
 */
import { NODE_PATHS } from "./paths";
import { STRONG_TLS_CIPHER_SUITES } from "./render";

/** Which rendered document a check reads. */
export type CisSource = "kubelet" | "kube-proxy" | "kubelet-flags";

/** One check on a rendered config field. */
export interface CisFieldCheck {
  readonly id: string;
  readonly title: string;
  readonly source: CisSource;
  /** Dotted path into the rendered object (for kubelet-flags: the flag name). */
  readonly path: string;
  /** What the value must be, in words (shown on failure). */
  readonly expected: string;
  readonly ok: (value: unknown) => boolean;
}

const isNonEmptyString = (v: unknown) => typeof v === "string" && v.length > 0;

/** Field checks: kubelet (4.2.x) and kube-proxy (4.3.x). */
export const CIS_FIELD_CHECKS: readonly CisFieldCheck[] = [
  {
    id: "4.2.1",
    title: "anonymous auth disabled",
    source: "kubelet",
    path: "authentication.anonymous.enabled",
    expected: "false",
    ok: (v) => v === false,
  },
  {
    id: "4.2.1+",
    title: "webhook authentication enabled",
    source: "kubelet",
    path: "authentication.webhook.enabled",
    expected: "true",
    ok: (v) => v === true,
  },
  {
    id: "4.2.2",
    title: "authorization mode not AlwaysAllow",
    source: "kubelet",
    path: "authorization.mode",
    expected: "Webhook",
    ok: (v) => v === "Webhook",
  },
  {
    id: "4.2.3",
    title: "client CA file set",
    source: "kubelet",
    path: "authentication.x509.clientCAFile",
    expected: NODE_PATHS.clusterCaCert,
    ok: (v) => v === NODE_PATHS.clusterCaCert,
  },
  {
    id: "4.2.4",
    title: "read-only port disabled",
    source: "kubelet",
    path: "readOnlyPort",
    expected: "0",
    ok: (v) => v === 0,
  },
  {
    id: "4.2.5",
    title: "streaming connection idle timeout not 0",
    source: "kubelet",
    path: "streamingConnectionIdleTimeout",
    expected: "a non-zero duration",
    ok: (v) => typeof v === "string" && /^(\d+h)?(\d+m)?(\d+s)?$/.test(v) && /[1-9]/.test(v),
  },
  {
    id: "4.2.6",
    title: "make iptables util chains",
    source: "kubelet",
    path: "makeIPTablesUtilChains",
    expected: "true",
    ok: (v) => v === true,
  },
  {
    id: "4.2.6 (v1.7)",
    title: "protect kernel defaults",
    source: "kubelet",
    path: "protectKernelDefaults",
    expected: "true",
    ok: (v) => v === true,
  },
  {
    id: "4.2.7",
    title: "hostname-override not set",
    source: "kubelet-flags",
    path: "--hostname-override",
    expected: "absent",
    ok: (v) => v === undefined,
  },
  {
    id: "4.2.8",
    title: "eventRecordQPS captures events",
    source: "kubelet",
    path: "eventRecordQPS",
    expected: "> 0",
    ok: (v) => typeof v === "number" && v > 0,
  },
  {
    id: "4.2.9",
    title: "TLS serving certificate file",
    source: "kubelet",
    path: "tlsCertFile",
    expected: NODE_PATHS.kubeletServingCert,
    ok: (v) => v === NODE_PATHS.kubeletServingCert,
  },
  {
    id: "4.2.9",
    title: "TLS serving key file",
    source: "kubelet",
    path: "tlsPrivateKeyFile",
    expected: NODE_PATHS.kubeletServingKey,
    ok: (v) => v === NODE_PATHS.kubeletServingKey,
  },
  {
    id: "4.2.10",
    title: "rotate client certificates",
    source: "kubelet",
    path: "rotateCertificates",
    expected: "true",
    ok: (v) => v === true,
  },
  {
    id: "4.2.11",
    title: "RotateKubeletServerCertificate not disabled",
    source: "kubelet",
    path: "featureGates.RotateKubeletServerCertificate",
    expected: "unset or true",
    ok: (v) => v === undefined || v === true,
  },
  {
    id: "4.2.12",
    title: "strong TLS cipher suites only",
    source: "kubelet",
    path: "tlsCipherSuites",
    expected: "a non-empty subset of the CIS list",
    ok: (v) =>
      Array.isArray(v) && v.length > 0 && v.every((s) => (STRONG_TLS_CIPHER_SUITES as readonly unknown[]).includes(s)),
  },
  {
    id: "4.2.12+",
    title: "TLS 1.2 minimum",
    source: "kubelet",
    path: "tlsMinVersion",
    expected: "VersionTLS12 or VersionTLS13",
    ok: (v) => v === "VersionTLS12" || v === "VersionTLS13",
  },
  {
    id: "4.2.13",
    title: "pod PID limit set",
    source: "kubelet",
    path: "podPidsLimit",
    expected: "> 0",
    ok: (v) => typeof v === "number" && v > 0,
  },
  {
    id: "4.2.14",
    title: "seccomp RuntimeDefault by default",
    source: "kubelet",
    path: "seccompDefault",
    expected: "true",
    ok: (v) => v === true,
  },
  {
    id: "4.3.1",
    title: "kube-proxy metrics bound to localhost",
    source: "kube-proxy",
    path: "metricsBindAddress",
    expected: "127.0.0.1:<port>",
    ok: (v) => typeof v === "string" && v.startsWith("127.0.0.1:"),
  },
  {
    id: "4.1.x",
    title: "kube-proxy uses a kubeconfig file",
    source: "kube-proxy",
    path: "clientConnection.kubeconfig",
    expected: NODE_PATHS.kubeProxyKubeconfig,
    ok: isNonEmptyString,
  },
];

/** One check on a file the node carries: its most permissive allowed mode. */
export interface CisFileCheck {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  /** Octal mode, e.g. 0o600; the file's mode must not add any bit to it. */
  readonly maxMode: number;
}

/** File checks (4.1.x); every file is also owned by root:root (written by root over SSH). */
export const CIS_FILE_CHECKS: readonly CisFileCheck[] = [
  { id: "4.1.1", title: "kubelet service file", path: NODE_PATHS.kubeletUnit, maxMode: 0o600 },
  { id: "4.1.3", title: "kube-proxy kubeconfig", path: NODE_PATHS.kubeProxyKubeconfig, maxMode: 0o600 },
  { id: "4.1.5", title: "kubelet kubeconfig", path: NODE_PATHS.kubeletKubeconfig, maxMode: 0o600 },
  { id: "4.1.7", title: "client CA file", path: NODE_PATHS.clusterCaCert, maxMode: 0o644 },
  { id: "4.1.9", title: "kubelet config.yaml", path: NODE_PATHS.kubeletConfig, maxMode: 0o600 },
  { id: "4.1.9+", title: "kube-proxy config.yaml", path: NODE_PATHS.kubeProxyConfig, maxMode: 0o600 },
  { id: "1.1.x-like", title: "kubelet serving key", path: NODE_PATHS.kubeletServingKey, maxMode: 0o600 },
];

/** The value at a dotted path of a plain object (undefined when any step is missing). */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const step of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
