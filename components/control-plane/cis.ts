/**
 * CIS Kubernetes Benchmark v1.12 (kube-bench cfg/cis-1.12/master.yaml), section 1: every
 * check of the control-plane node, with the benchmark's own test items and what its audit
 * command prints on one of our masters (components/host/cis.ts builds that view of a host).
 * kube-bench's audits look for kubeadm's static pod manifests; here the subjects are the
 * systemd units that replace them (`$apiserverconf` is /etc/systemd/system/kube-apiserver.service,
 * `$etcdconf` the etcd unit), and the daemons' command lines are the rendered flags.
 * The etcd checks of this section (1.1.7, 1.1.8, 1.1.11, 1.1.12) apply where a master is
 * also an etcd member; elsewhere they are "n/a".
 */
import { KUBECONFIG, PKI_DIR } from "../../lib/paths";
import {
  findUnder,
  ownedBy,
  permissionsAtMost,
  statOwner,
  statPermissions,
  type BenchAudit,
  type BenchHost,
  type BenchTests,
  type CisCheck,
} from "../../lib/kubeBench";
import { parse } from "yaml";
import { FILES } from "./files";
import { ANONYMOUS_PATHS } from "./renderSecurity";

/** Where the etcd unit lives (the etcd component's file table names the same path). */
export const ETCD_UNIT = "/etc/systemd/system/etcd.service";
/** etcd's data directory (`--data-dir`). */
export const ETCD_DATA_DIR = "/var/lib/etcd";

const ps =
  (daemon: string) =>
  (h: BenchHost): BenchAudit | undefined =>
    h.processes[daemon] === undefined ? undefined : { output: h.processes[daemon] };

/** A `ps` check of one daemon: the benchmark's test items over its command line. */
const flagCheck = (
  daemon: string,
  id: string,
  title: string,
  satisfiedBy: string,
  tests: BenchTests,
  automated = true,
): CisCheck => ({ id, title, automated, satisfiedBy, tests, audit: ps(daemon) });

const onMaster = (h: BenchHost) => h.roles.includes("master");
const onEtcd = (h: BenchHost) => h.roles.includes("etcd");

/** A file's permissions and ownership checks (id and id+1), on the hosts `applies` selects. */
function fileChecks(
  id: string,
  next: string,
  what: string,
  path: string,
  max: string,
  applies: (h: BenchHost) => boolean = onMaster,
): CisCheck[] {
  return [
    {
      id,
      title: `${what}: permissions ${max} or stricter`,
      automated: true,
      satisfiedBy: `0${max} ${path}`,
      tests: permissionsAtMost(max),
      audit: (h) => (applies(h) ? { output: statPermissions(h, path) } : undefined),
    },
    {
      id: next,
      title: `${what}: owned by root:root`,
      automated: true,
      satisfiedBy: `root:root ${path}`,
      tests: ownedBy("root:root"),
      audit: (h) => (applies(h) ? { output: statOwner(h, path) } : undefined),
    },
  ];
}

const one = (flag: string, op?: string, value?: string, set?: boolean): BenchTests => ({
  items: [{ flag, ...(set === undefined ? {} : { set }), ...(op ? { compare: { op, value: value ?? "" } } : {}) }],
});
const orUnset = (flag: string, op: string, value: string): BenchTests => ({
  binOp: "or",
  items: [
    { flag, compare: { op, value } },
    { flag, set: false },
  ],
});
const both = (a: string, b: string): BenchTests => ({ binOp: "and", items: [{ flag: a }, { flag: b }] });

/** The first encryption provider, as 1.2.28's audit extracts it (`provider=<name>` lines). */
function encryptionProviders(config: string): string {
  const lines = config.split("\n");
  const at = lines.map((l, i) => (/providers:/.test(l) ? i : -1)).filter((i) => i >= 0);
  const after = at.length > 0 ? (lines[at[at.length - 1] + 1] ?? "") : "";
  return (after.match(/[A-Za-z]+/g) ?? []).map((w) => `provider=${w}`).join("\n");
}

const apiserver = "kube-apiserver";
const controllerManager = "kube-controller-manager";
const scheduler = "kube-scheduler";

/** Section 1 of cis-1.12, in benchmark order. */
export const CONTROL_PLANE_CHECKS: readonly CisCheck[] = [
  ...fileChecks("1.1.1", "1.1.2", "API server unit (pod specification)", FILES.apiserverUnit.path, "600"),
  ...fileChecks("1.1.3", "1.1.4", "controller-manager unit", FILES.controllerManagerUnit.path, "600"),
  ...fileChecks("1.1.5", "1.1.6", "scheduler unit", FILES.schedulerUnit.path, "600"),
  {
    id: "1.1.7",
    title: "etcd unit (pod specification): permissions 600 or stricter",
    automated: true,
    satisfiedBy: `0600 ${ETCD_UNIT} (on a master that is also an etcd member)`,
    tests: permissionsAtMost("600"),
    multiple: true,
    audit: (h) => (onMaster(h) && onEtcd(h) ? { output: statPermissions(h, ETCD_UNIT) } : undefined),
  },
  {
    id: "1.1.8",
    title: "etcd unit (pod specification): owned by root:root",
    automated: true,
    satisfiedBy: `root:root ${ETCD_UNIT}`,
    tests: ownedBy("root:root"),
    multiple: true,
    audit: (h) => (onMaster(h) && onEtcd(h) ? { output: statOwner(h, ETCD_UNIT) } : undefined),
  },
  {
    id: "1.1.9",
    title: "CNI files: permissions 600 or stricter",
    automated: false,
    satisfiedBy: "Calico writes /etc/cni/net.d (not rendered here)",
    tests: permissionsAtMost("600"),
    multiple: true,
    audit: () => undefined,
  },
  {
    id: "1.1.10",
    title: "CNI files: owned by root:root",
    automated: false,
    satisfiedBy: "Calico writes /etc/cni/net.d (not rendered here)",
    tests: ownedBy("root:root"),
    multiple: true,
    audit: () => undefined,
  },
  ...fileChecks("1.1.11", "1.1.12", "etcd data directory", ETCD_DATA_DIR, "700", (h) => onMaster(h) && onEtcd(h)).map(
    (c, i): CisCheck =>
      i === 0
        ? c
        : {
            ...c,
            title: "etcd data directory: owned by etcd:etcd",
            satisfiedBy: `etcd:etcd ${ETCD_DATA_DIR}`,
            tests: ownedBy("etcd:etcd"),
          },
  ),
  {
    id: "1.1.13",
    title: "admin kubeconfig: permissions 600 or stricter",
    automated: true,
    satisfiedBy: `0600 ${KUBECONFIG.admin} (no super-admin.conf)`,
    tests: permissionsAtMost("600"),
    multiple: true,
    audit: (h) => (onMaster(h) ? { output: statPermissions(h, KUBECONFIG.admin, true) } : undefined),
  },
  {
    id: "1.1.14",
    title: "admin kubeconfig: owned by root:root",
    automated: true,
    satisfiedBy: `root:root ${KUBECONFIG.admin}`,
    tests: { items: [{ flag: "ownership", compare: { op: "eq", value: "root:root" } }] },
    multiple: true,
    audit: (h) =>
      onMaster(h) ? { output: `ownership=${statOwner(h, KUBECONFIG.admin)} ${KUBECONFIG.admin}` } : undefined,
  },
  ...fileChecks("1.1.15", "1.1.16", "scheduler.conf", KUBECONFIG.scheduler, "600"),
  ...fileChecks("1.1.17", "1.1.18", "controller-manager.conf", KUBECONFIG.controllerManager, "600"),
  {
    id: "1.1.19",
    title: "PKI directory and files: owned by root:root",
    automated: true,
    satisfiedBy: `root:root on ${PKI_DIR} and everything in it, etcd's keys included (etcd reads them as systemd credentials)`,
    tests: ownedBy("root:root"),
    multiple: true,
    audit: (h) =>
      onMaster(h)
        ? {
            output: findUnder(h, PKI_DIR)
              .map((f) => f.owner)
              .join("\n"),
          }
        : undefined,
  },
  {
    id: "1.1.20",
    title: "PKI certificates: permissions 644 or stricter",
    automated: false,
    satisfiedBy: "0644 on every *.crt",
    tests: permissionsAtMost("644"),
    multiple: true,
    audit: (h) =>
      onMaster(h)
        ? {
            output: findUnder(h, PKI_DIR)
              .filter((f) => f.path.endsWith(".crt"))
              .map((f) => statPermissions(h, f.path))
              .join("\n"),
          }
        : undefined,
  },
  {
    id: "1.1.21",
    title: "PKI keys: permissions 600",
    automated: false,
    satisfiedBy: "0600 on every *.key",
    tests: permissionsAtMost("600"),
    multiple: true,
    audit: (h) =>
      onMaster(h)
        ? {
            output: findUnder(h, PKI_DIR)
              .filter((f) => f.path.endsWith(".key"))
              .map((f) => statPermissions(h, f.path))
              .join("\n"),
          }
        : undefined,
  },
  {
    id: "1.2.1",
    title: "anonymous requests restricted",
    automated: false,
    satisfiedBy: `--authentication-config allowing anonymous requests only on ${ANONYMOUS_PATHS.join(",")} (--anonymous-auth must then stay unset)`,
    tests: one("--anonymous-auth", "eq", "false"),
    audit: ps(apiserver),
    verdict: (h) => {
      const cmd = h.processes[apiserver] ?? "";
      if (/--anonymous-auth=false\b/.test(cmd)) return true;
      if (/--anonymous-auth\b/.test(cmd)) return false;
      const doc = parse(h.configs.authentication ?? "") as {
        anonymous?: { enabled?: boolean; conditions?: { path: string }[] };
      } | null;
      const paths = (doc?.anonymous?.conditions ?? []).map((c) => c.path);
      return (
        doc?.anonymous?.enabled === false ||
        (paths.length > 0 && paths.every((p) => (ANONYMOUS_PATHS as readonly string[]).includes(p)))
      );
    },
  },
  flagCheck(
    apiserver,
    "1.2.2",
    "no static token file",
    "--token-auth-file unset",
    one("--token-auth-file", undefined, undefined, false),
  ),
  flagCheck(
    apiserver,
    "1.2.3",
    "DenyServiceExternalIPs admission",
    "--enable-admission-plugins has DenyServiceExternalIPs",
    {
      binOp: "or",
      items: [{ flag: "--enable-admission-plugins", compare: { op: "has", value: "DenyServiceExternalIPs" } }],
    },
    false,
  ),
  flagCheck(
    apiserver,
    "1.2.4",
    "kubelet client certificate",
    "--kubelet-client-certificate, --kubelet-client-key",
    both("--kubelet-client-certificate", "--kubelet-client-key"),
  ),
  flagCheck(
    apiserver,
    "1.2.5",
    "kubelet serving CA",
    "--kubelet-certificate-authority",
    one("--kubelet-certificate-authority"),
  ),
  flagCheck(
    apiserver,
    "1.2.6",
    "authorization not AlwaysAllow",
    "--authorization-mode=Node,RBAC",
    one("--authorization-mode", "nothave", "AlwaysAllow"),
  ),
  flagCheck(
    apiserver,
    "1.2.7",
    "authorization includes Node",
    "--authorization-mode=Node,RBAC",
    one("--authorization-mode", "has", "Node"),
  ),
  flagCheck(
    apiserver,
    "1.2.8",
    "authorization includes RBAC",
    "--authorization-mode=Node,RBAC",
    one("--authorization-mode", "has", "RBAC"),
  ),
  flagCheck(
    apiserver,
    "1.2.9",
    "EventRateLimit admission",
    "not set (needs an admission configuration file; left to the operator)",
    one("--enable-admission-plugins", "has", "EventRateLimit"),
    false,
  ),
  flagCheck(
    apiserver,
    "1.2.10",
    "no AlwaysAdmit",
    "--enable-admission-plugins without AlwaysAdmit",
    orUnset("--enable-admission-plugins", "nothave", "AlwaysAdmit"),
  ),
  {
    ...flagCheck(
      apiserver,
      "1.2.11",
      "AlwaysPullImages admission",
      "below 1.35 --enable-admission-plugins has AlwaysPullImages; from 1.35 the kubelets' imagePullCredentialsVerificationPolicy checks a pod's credentials for cached images instead",
      one("--enable-admission-plugins", "has", "AlwaysPullImages"),
      false,
    ),
    verdict: (h) =>
      /AlwaysPullImages/.test(h.processes[apiserver] ?? "") ||
      /imagePullCredentialsVerificationPolicy: (AlwaysVerify|NeverVerifyAllowlistedImages)/.test(
        h.configs.kubelet ?? "",
      ),
  },
  flagCheck(
    apiserver,
    "1.2.12",
    "ServiceAccount admission not disabled",
    "--disable-admission-plugins unset",
    orUnset("--disable-admission-plugins", "nothave", "ServiceAccount"),
  ),
  flagCheck(
    apiserver,
    "1.2.13",
    "NamespaceLifecycle admission not disabled",
    "--disable-admission-plugins unset",
    orUnset("--disable-admission-plugins", "nothave", "NamespaceLifecycle"),
  ),
  flagCheck(
    apiserver,
    "1.2.14",
    "NodeRestriction admission",
    "--enable-admission-plugins has NodeRestriction",
    one("--enable-admission-plugins", "has", "NodeRestriction"),
  ),
  flagCheck(apiserver, "1.2.15", "apiserver profiling off", "--profiling=false", one("--profiling", "eq", "false")),
  flagCheck(apiserver, "1.2.16", "audit log path", "--audit-log-path", one("--audit-log-path")),
  flagCheck(
    apiserver,
    "1.2.17",
    "audit log kept 30 days",
    "--audit-log-maxage=30",
    one("--audit-log-maxage", "gte", "30"),
  ),
  flagCheck(
    apiserver,
    "1.2.18",
    "audit log 10 backups",
    "--audit-log-maxbackup=10",
    one("--audit-log-maxbackup", "gte", "10"),
  ),
  flagCheck(
    apiserver,
    "1.2.19",
    "audit log 100 MB files",
    "--audit-log-maxsize=100",
    one("--audit-log-maxsize", "gte", "100"),
  ),
  {
    id: "1.2.20",
    title: "request timeout appropriate",
    automated: false,
    satisfiedBy: "--request-timeout left at its default (60s)",
    audit: ps(apiserver),
    verdict: (h) => !/--request-timeout=/.test(h.processes[apiserver] ?? ""),
  },
  flagCheck(apiserver, "1.2.21", "service account lookup", "--service-account-lookup=true", {
    binOp: "or",
    items: [
      { flag: "--service-account-lookup", set: false },
      { flag: "--service-account-lookup", compare: { op: "eq", value: "true" } },
    ],
  }),
  flagCheck(
    apiserver,
    "1.2.22",
    "service account public key",
    "--service-account-key-file",
    one("--service-account-key-file"),
  ),
  flagCheck(
    apiserver,
    "1.2.23",
    "etcd client certificate",
    "--etcd-certfile, --etcd-keyfile",
    both("--etcd-certfile", "--etcd-keyfile"),
  ),
  flagCheck(
    apiserver,
    "1.2.24",
    "serving certificate",
    "--tls-cert-file, --tls-private-key-file",
    both("--tls-cert-file", "--tls-private-key-file"),
  ),
  flagCheck(apiserver, "1.2.25", "client CA", "--client-ca-file", one("--client-ca-file")),
  flagCheck(apiserver, "1.2.26", "etcd CA", "--etcd-cafile", one("--etcd-cafile")),
  flagCheck(
    apiserver,
    "1.2.27",
    "encryption at rest configured",
    "--encryption-provider-config",
    one("--encryption-provider-config"),
    false,
  ),
  {
    id: "1.2.28",
    title: "encryption providers appropriate",
    automated: false,
    satisfiedBy: "secretbox first, identity last",
    tests: one("provider", "valid_elements", "aescbc,kms,secretbox"),
    audit: (h) =>
      h.configs.encryption === undefined ? undefined : { output: encryptionProviders(h.configs.encryption) },
  },
  flagCheck(
    apiserver,
    "1.2.29",
    "strong TLS ciphers",
    "--tls-cipher-suites (ECDHE + AEAD)",
    one(
      "--tls-cipher-suites",
      "valid_elements",
      "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
    false,
  ),
  flagCheck(
    apiserver,
    "1.2.30",
    "service account tokens not extended",
    "--service-account-extend-token-expiration=false",
    one("--service-account-extend-token-expiration", "eq", "false"),
  ),
  flagCheck(
    controllerManager,
    "1.3.1",
    "terminated pod GC threshold",
    "--terminated-pod-gc-threshold=10000",
    one("--terminated-pod-gc-threshold"),
    false,
  ),
  flagCheck(
    controllerManager,
    "1.3.2",
    "controller-manager profiling off",
    "--profiling=false",
    one("--profiling", "eq", "false"),
  ),
  flagCheck(
    controllerManager,
    "1.3.3",
    "per-controller service accounts",
    "--use-service-account-credentials=true",
    one("--use-service-account-credentials", "noteq", "false"),
  ),
  flagCheck(
    controllerManager,
    "1.3.4",
    "service account signing key",
    "--service-account-private-key-file",
    one("--service-account-private-key-file"),
  ),
  flagCheck(controllerManager, "1.3.5", "root CA for service accounts", "--root-ca-file", one("--root-ca-file")),
  flagCheck(controllerManager, "1.3.6", "kubelet serving certificate rotation not disabled", "--feature-gates unset", {
    binOp: "or",
    items: [
      { flag: "--feature-gates", set: true, compare: { op: "nothave", value: "RotateKubeletServerCertificate=false" } },
      { flag: "--feature-gates", set: false },
    ],
  }),
  flagCheck(
    controllerManager,
    "1.3.7",
    "controller-manager bound to loopback",
    "--bind-address=127.0.0.1",
    orUnset("--bind-address", "eq", "127.0.0.1"),
  ),
  flagCheck(scheduler, "1.4.1", "scheduler profiling off", "--profiling=false", one("--profiling", "eq", "false")),
  flagCheck(
    scheduler,
    "1.4.2",
    "scheduler bound to loopback",
    "--bind-address=127.0.0.1",
    orUnset("--bind-address", "eq", "127.0.0.1"),
  ),
];
