/**
 * CIS Kubernetes Benchmark v1.12 (kube-bench cfg/cis-1.12/node.yaml), section 4: the node
 * checks, on every host running kubelet (workers, and masters with workers.kubeletOnMasters),
 * with the benchmark's test items over the kubelet's and kube-proxy's command lines and
 * config files. For 4.3.1 kube-bench reads the file at `$proxykubeconfig`; the setting lives
 * in the KubeProxyConfiguration here, so that is the file the audit reads. `protectKernelDefaults`
 * (4.2.6 up to benchmark v1.7) stays enforced by the render tests.
 */
import {
  ownedBy,
  permissionsAtMost,
  statOwner,
  statPermissions,
  type BenchAudit,
  type BenchHost,
  type BenchTests,
  type CisCheck,
} from "../../lib/kubeBench";
import { NODE_PATHS } from "./paths";

/** Names of the configs a node's audits read (components/host/cis.ts fills them). */
export const NODE_CONFIGS = { kubelet: "kubelet", kubeProxy: "kube-proxy" } as const;

const onNode = (h: BenchHost) => h.processes.kubelet !== undefined;

const fileChecks = (
  id: string,
  next: string,
  what: string,
  path: string,
  max: string,
  ownerTests = ownedBy("root:root"),
): CisCheck[] => [
  {
    id,
    title: `${what}: permissions ${max} or stricter`,
    automated: true,
    satisfiedBy: `0${max} ${path}`,
    tests: permissionsAtMost(max),
    audit: (h) => (onNode(h) ? { output: statPermissions(h, path) } : undefined),
  },
  {
    id: next,
    title: `${what}: owned by root:root`,
    automated: true,
    satisfiedBy: `root:root ${path}`,
    tests: ownerTests,
    audit: (h) => (onNode(h) ? { output: statOwner(h, path) || "File not found" } : undefined),
  },
];

/** `ps -fC kubelet` and `cat $kubeletconf`. */
const kubelet = (h: BenchHost): BenchAudit | undefined =>
  onNode(h) ? { output: h.processes.kubelet ?? "", config: h.configs[NODE_CONFIGS.kubelet] ?? "" } : undefined;
/** `ps -fC kube-proxy` and the file holding kube-proxy's settings. */
const kubeProxy = (h: BenchHost): BenchAudit | undefined =>
  h.processes["kube-proxy"] === undefined
    ? undefined
    : { output: h.processes["kube-proxy"], config: h.configs[NODE_CONFIGS.kubeProxy] ?? "" };

const kubeletCheck = (
  id: string,
  title: string,
  satisfiedBy: string,
  tests: BenchTests,
  automated: boolean,
): CisCheck => ({ id, title, automated, satisfiedBy, tests, audit: kubelet });

const eqOrUnset = (flag: string, path: string, op: string, value: string): BenchTests => ({
  binOp: "or",
  items: [
    { flag, path, compare: { op, value } },
    { flag, path, set: false },
  ],
});

/** The cipher suites 4.2.12 accepts. */
export const CIS_KUBELET_CIPHERS =
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";

/** Section 4 of cis-1.12, in benchmark order. */
export const NODE_CHECKS: readonly CisCheck[] = [
  ...fileChecks("4.1.1", "4.1.2", "kubelet unit", NODE_PATHS.kubeletUnit, "600", {
    binOp: "or",
    items: [{ flag: "root:root" }, { flag: "File not found" }],
  }),
  ...fileChecks("4.1.3", "4.1.4", "kube-proxy kubeconfig", NODE_PATHS.kubeProxyKubeconfig, "600", {
    binOp: "or",
    items: [{ flag: "root:root" }],
  }).map((c, i): CisCheck => ({
    ...c,
    automated: false,
    ...(i === 0
      ? {
          tests: { binOp: "or", items: [{ flag: "permissions", set: true, compare: { op: "bitmask", value: "600" } }] },
        }
      : {}),
  })),
  ...fileChecks("4.1.5", "4.1.6", "kubelet kubeconfig", NODE_PATHS.kubeletKubeconfig, "600"),
  ...fileChecks("4.1.7", "4.1.8", "client CA file", NODE_PATHS.clusterCaCert, "644", {
    items: [{ flag: "root:root", compare: { op: "eq", value: "root:root" } }],
  }).map((c): CisCheck => ({ ...c, automated: false })),
  ...fileChecks("4.1.9", "4.1.10", "kubelet config.yaml", NODE_PATHS.kubeletConfig, "600"),
  kubeletCheck(
    "4.2.1",
    "anonymous auth off",
    "authentication.anonymous.enabled: false",
    {
      items: [
        {
          flag: "--anonymous-auth",
          path: "{.authentication.anonymous.enabled}",
          compare: { op: "eq", value: "false" },
        },
      ],
    },
    true,
  ),
  kubeletCheck(
    "4.2.2",
    "authorization not AlwaysAllow",
    "authorization.mode: Webhook",
    {
      items: [
        {
          flag: "--authorization-mode",
          path: "{.authorization.mode}",
          compare: { op: "nothave", value: "AlwaysAllow" },
        },
      ],
    },
    true,
  ),
  kubeletCheck(
    "4.2.3",
    "client CA",
    `authentication.x509.clientCAFile: ${NODE_PATHS.clusterCaCert}`,
    {
      items: [{ flag: "--client-ca-file", path: "{.authentication.x509.clientCAFile}" }],
    },
    true,
  ),
  kubeletCheck(
    "4.2.4",
    "read-only port off",
    "readOnlyPort: 0",
    eqOrUnset("--read-only-port", "{.readOnlyPort}", "eq", "0"),
    false,
  ),
  kubeletCheck(
    "4.2.5",
    "streaming idle timeout not 0",
    "streamingConnectionIdleTimeout: 5m0s",
    {
      binOp: "or",
      items: [
        {
          flag: "--streaming-connection-idle-timeout",
          path: "{.streamingConnectionIdleTimeout}",
          compare: { op: "noteq", value: "0" },
        },
        { flag: "--streaming-connection-idle-timeout", path: "{.streamingConnectionIdleTimeout}", set: false },
      ],
    },
    false,
  ),
  kubeletCheck(
    "4.2.6",
    "iptables util chains",
    "makeIPTablesUtilChains: true",
    eqOrUnset("--make-iptables-util-chains", "{.makeIPTablesUtilChains}", "eq", "true"),
    true,
  ),
  kubeletCheck(
    "4.2.7",
    "no hostname override",
    "--hostname-override unset (host prep sets the host name)",
    {
      items: [{ flag: "--hostname-override", set: false }],
    },
    false,
  ),
  kubeletCheck(
    "4.2.8",
    "event capture",
    "eventRecordQPS: 50",
    eqOrUnset("--event-qps", "{.eventRecordQPS}", "gte", "0"),
    false,
  ),
  kubeletCheck(
    "4.2.9",
    "serving certificate",
    "tlsCertFile, tlsPrivateKeyFile (the platform PKI's per-node pair)",
    {
      items: [
        { flag: "--tls-cert-file", path: "{.tlsCertFile}" },
        { flag: "--tls-private-key-file", path: "{.tlsPrivateKeyFile}" },
      ],
    },
    false,
  ),
  kubeletCheck(
    "4.2.10",
    "client certificate rotation",
    "rotateCertificates: true",
    eqOrUnset("--rotate-certificates", "{.rotateCertificates}", "eq", "true"),
    true,
  ),
  kubeletCheck(
    "4.2.11",
    "serving certificate rotation gate not off",
    "featureGates unset",
    {
      binOp: "or",
      items: [
        {
          flag: "RotateKubeletServerCertificate",
          path: "{.featureGates.RotateKubeletServerCertificate}",
          compare: { op: "nothave", value: "false" },
        },
        { flag: "RotateKubeletServerCertificate", path: "{.featureGates.RotateKubeletServerCertificate}", set: false },
      ],
    },
    false,
  ),
  kubeletCheck(
    "4.2.12",
    "strong TLS ciphers",
    "tlsCipherSuites: the ECDHE + AEAD suites",
    {
      items: [
        {
          flag: "--tls-cipher-suites",
          path: "{range .tlsCipherSuites[:]}{}{','}{end}",
          compare: { op: "valid_elements", value: CIS_KUBELET_CIPHERS },
        },
      ],
    },
    false,
  ),
  kubeletCheck(
    "4.2.13",
    "pod PID limit",
    "podPidsLimit: workers.podPidsLimit",
    {
      items: [{ flag: "--pod-max-pids", path: "{.podPidsLimit}" }],
    },
    false,
  ),
  kubeletCheck(
    "4.2.14",
    "seccomp by default",
    "seccompDefault: true",
    {
      items: [{ flag: "--seccomp-default", path: "{.seccompDefault}" }],
    },
    false,
  ),
  {
    id: "4.3.1",
    title: "kube-proxy metrics on loopback",
    automated: true,
    satisfiedBy: "metricsBindAddress: 127.0.0.1:10249",
    tests: {
      binOp: "or",
      items: [
        { flag: "--metrics-bind-address", path: "{.metricsBindAddress}", compare: { op: "has", value: "127.0.0.1" } },
        { flag: "--metrics-bind-address", path: "{.metricsBindAddress}", set: false },
      ],
    },
    audit: kubeProxy,
  },
];
