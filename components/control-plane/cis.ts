/**
 * CIS Kubernetes Benchmark, kube-bench profile cis-1.12, control-plane checks (section 1):
 * each check id with what satisfies it, and an evaluator over the rendered flags and the
 * installed-file table. Checks kube-bench marks "Manual" are listed too (and satisfied
 * where the platform can) but do not count towards the automated score. The etcd checks
 * of section 1.1 (1.1.7, 1.1.8, 1.1.11, 1.1.12) belong to the etcd component.
 * Source: github.com/aquasecurity/kube-bench cfg/cis-1.12/master.yaml
 */
import { KUBECONFIG, PKI_DIR } from "../../lib/paths";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { FILES, installedFiles, type InstalledFile } from "./files";
import { renderApiServerFlags, STRONG_CIPHER_SUITES } from "./renderApiserver";
import { renderControllerManagerFlags, renderSchedulerFlags } from "./renderControllers";
import { ANONYMOUS_PATHS, renderAuthenticationConfig, renderEncryptionConfig } from "./renderSecurity";
import { flagValue, type Flags } from "./renderUnit";
import { parse } from "yaml";

/** What the checks look at: the three daemons' flags, the installed files, the config files. */
export interface RenderedControlPlane {
  readonly apiserver: Flags;
  readonly controllerManager: Flags;
  readonly scheduler: Flags;
  readonly files: readonly InstalledFile[];
  readonly encryptionConfig: string;
  readonly authenticationConfig: string;
}

/** One benchmark check. */
export interface CisCheck {
  readonly id: string;
  readonly text: string;
  /** kube-bench "Automated" (scored) or "Manual". */
  readonly automated: boolean;
  /** What satisfies it here, e.g. `--profiling=false` or `0600 /etc/kubernetes/admin.conf`. */
  readonly satisfiedBy: string;
  readonly test: (r: RenderedControlPlane) => boolean;
}

const list = (v: string | undefined) => (v === undefined ? [] : v.split(","));
const has = (flags: Flags, name: string, item: string) => list(flagValue(flags, name)).includes(item);
const set = (flags: Flags, name: string) => flagValue(flags, name) !== undefined;
const eq = (flags: Flags, name: string, value: string) => flagValue(flags, name) === value;
const gte = (flags: Flags, name: string, min: number) => Number(flagValue(flags, name) ?? NaN) >= min;
/** kube-bench's "bitmask": no permission bit beyond the allowed mode. */
const modeAtMost = (mode: string, max: number) => (parseInt(mode, 8) & ~max) === 0;

function fileCheck(id: string, what: string, path: string, max: number): CisCheck[] {
  const file = (r: RenderedControlPlane) => r.files.find((f) => f.path === path);
  return [
    {
      id,
      text: `${what} file permissions are set to ${max.toString(8)} or more restrictive`,
      automated: true,
      satisfiedBy: `${max.toString(8).padStart(4, "0")} ${path}`,
      test: (r) => modeAtMost(file(r)?.mode ?? "7777", max),
    },
    {
      id: nextId(id),
      text: `${what} file ownership is set to root:root`,
      automated: true,
      satisfiedBy: `root:root ${path}`,
      test: (r) => file(r)?.owner === "root:root",
    },
  ];
}

function nextId(id: string): string {
  const parts = id.split(".");
  parts[parts.length - 1] = String(Number(parts[parts.length - 1]) + 1);
  return parts.join(".");
}

const apiFlag = (
  id: string,
  text: string,
  satisfiedBy: string,
  test: (f: Flags) => boolean,
  automated = true,
): CisCheck => ({
  id,
  text,
  automated,
  satisfiedBy,
  test: (r) => test(r.apiserver),
});

/** The control-plane checks of cis-1.12 section 1, in benchmark order. */
export const CIS_CHECKS: readonly CisCheck[] = [
  ...fileCheck("1.1.1", "API server unit (pod specification)", FILES.apiserverUnit.path, 0o600),
  ...fileCheck("1.1.3", "controller manager unit (pod specification)", FILES.controllerManagerUnit.path, 0o600),
  ...fileCheck("1.1.5", "scheduler unit (pod specification)", FILES.schedulerUnit.path, 0o600),
  ...fileCheck("1.1.13", "default administrative credential (admin.conf)", KUBECONFIG.admin, 0o600),
  ...fileCheck("1.1.15", "scheduler.conf", KUBECONFIG.scheduler, 0o600),
  ...fileCheck("1.1.17", "controller-manager.conf", KUBECONFIG.controllerManager, 0o600),
  {
    id: "1.1.19",
    text: "Kubernetes PKI directory and file ownership is set to root:root",
    automated: true,
    satisfiedBy: `root:root on every file under ${PKI_DIR}`,
    test: (r) => r.files.filter((f) => f.path.startsWith(`${PKI_DIR}/`)).every((f) => f.owner === "root:root"),
  },
  {
    id: "1.1.20",
    text: "Kubernetes PKI certificate file permissions are set to 644 or more restrictive",
    automated: false,
    satisfiedBy: "0644 on every *.crt",
    test: (r) => r.files.filter((f) => f.path.endsWith(".crt")).every((f) => modeAtMost(f.mode, 0o644)),
  },
  {
    id: "1.1.21",
    text: "Kubernetes PKI key file permissions are set to 600",
    automated: false,
    satisfiedBy: "0600 on every *.key",
    test: (r) => r.files.filter((f) => f.path.endsWith(".key")).every((f) => modeAtMost(f.mode, 0o600)),
  },
  {
    id: "1.2.1",
    text: "Ensure that anonymous requests are restricted (--anonymous-auth=false, or anonymous limited to health paths by AuthenticationConfiguration)",
    automated: false,
    satisfiedBy: `--authentication-config with anonymous only on ${ANONYMOUS_PATHS.join(",")}`,
    test: (r) => {
      if (eq(r.apiserver, "anonymous-auth", "false")) return true;
      if (set(r.apiserver, "anonymous-auth")) return false;
      const doc = parse(r.authenticationConfig) as {
        anonymous?: { enabled?: boolean; conditions?: { path: string }[] };
      };
      const paths = (doc.anonymous?.conditions ?? []).map((c) => c.path).sort();
      return (
        doc.anonymous?.enabled === false ||
        (paths.length > 0 && paths.every((p) => (ANONYMOUS_PATHS as readonly string[]).includes(p)))
      );
    },
  },
  apiFlag(
    "1.2.2",
    "--token-auth-file parameter is not set",
    "--token-auth-file unset",
    (f) => !set(f, "token-auth-file"),
  ),
  apiFlag(
    "1.2.3",
    "DenyServiceExternalIPs is set",
    "--enable-admission-plugins has DenyServiceExternalIPs",
    (f) => has(f, "enable-admission-plugins", "DenyServiceExternalIPs"),
    false,
  ),
  apiFlag(
    "1.2.4",
    "--kubelet-client-certificate and --kubelet-client-key are set",
    "--kubelet-client-certificate, --kubelet-client-key",
    (f) => set(f, "kubelet-client-certificate") && set(f, "kubelet-client-key"),
  ),
  apiFlag("1.2.5", "--kubelet-certificate-authority is set", "--kubelet-certificate-authority", (f) =>
    set(f, "kubelet-certificate-authority"),
  ),
  apiFlag(
    "1.2.6",
    "--authorization-mode is not AlwaysAllow",
    "--authorization-mode=Node,RBAC",
    (f) => set(f, "authorization-mode") && !has(f, "authorization-mode", "AlwaysAllow"),
  ),
  apiFlag("1.2.7", "--authorization-mode includes Node", "--authorization-mode=Node,RBAC", (f) =>
    has(f, "authorization-mode", "Node"),
  ),
  apiFlag("1.2.8", "--authorization-mode includes RBAC", "--authorization-mode=Node,RBAC", (f) =>
    has(f, "authorization-mode", "RBAC"),
  ),
  apiFlag(
    "1.2.9",
    "admission plugin EventRateLimit is set",
    "not set (needs an admission config; left to the operator)",
    (f) => has(f, "enable-admission-plugins", "EventRateLimit"),
    false,
  ),
  apiFlag(
    "1.2.10",
    "admission plugin AlwaysAdmit is not set",
    "--enable-admission-plugins without AlwaysAdmit",
    (f) => !has(f, "enable-admission-plugins", "AlwaysAdmit"),
  ),
  apiFlag(
    "1.2.11",
    "admission plugin AlwaysPullImages is set",
    "not set (images come from the private mirror; would break air-gapped pulls of cached images)",
    (f) => has(f, "enable-admission-plugins", "AlwaysPullImages"),
    false,
  ),
  apiFlag(
    "1.2.12",
    "admission plugin ServiceAccount is not disabled",
    "--disable-admission-plugins unset",
    (f) => !has(f, "disable-admission-plugins", "ServiceAccount"),
  ),
  apiFlag(
    "1.2.13",
    "admission plugin NamespaceLifecycle is not disabled",
    "--disable-admission-plugins unset",
    (f) => !has(f, "disable-admission-plugins", "NamespaceLifecycle"),
  ),
  apiFlag("1.2.14", "admission plugin NodeRestriction is set", "--enable-admission-plugins has NodeRestriction", (f) =>
    has(f, "enable-admission-plugins", "NodeRestriction"),
  ),
  apiFlag("1.2.15", "apiserver --profiling is false", "--profiling=false", (f) => eq(f, "profiling", "false")),
  apiFlag("1.2.16", "--audit-log-path is set", "--audit-log-path", (f) => set(f, "audit-log-path")),
  apiFlag("1.2.17", "--audit-log-maxage is 30 or more", "--audit-log-maxage=30", (f) => gte(f, "audit-log-maxage", 30)),
  apiFlag("1.2.18", "--audit-log-maxbackup is 10 or more", "--audit-log-maxbackup=10", (f) =>
    gte(f, "audit-log-maxbackup", 10),
  ),
  apiFlag("1.2.19", "--audit-log-maxsize is 100 or more", "--audit-log-maxsize=100", (f) =>
    gte(f, "audit-log-maxsize", 100),
  ),
  apiFlag(
    "1.2.21",
    "--service-account-lookup is true",
    "--service-account-lookup=true",
    (f) => !set(f, "service-account-lookup") || eq(f, "service-account-lookup", "true"),
  ),
  apiFlag("1.2.22", "--service-account-key-file is set", "--service-account-key-file", (f) =>
    set(f, "service-account-key-file"),
  ),
  apiFlag(
    "1.2.23",
    "--etcd-certfile and --etcd-keyfile are set",
    "--etcd-certfile, --etcd-keyfile",
    (f) => set(f, "etcd-certfile") && set(f, "etcd-keyfile"),
  ),
  apiFlag(
    "1.2.24",
    "--tls-cert-file and --tls-private-key-file are set",
    "--tls-cert-file, --tls-private-key-file",
    (f) => set(f, "tls-cert-file") && set(f, "tls-private-key-file"),
  ),
  apiFlag("1.2.25", "--client-ca-file is set", "--client-ca-file", (f) => set(f, "client-ca-file")),
  apiFlag("1.2.26", "--etcd-cafile is set", "--etcd-cafile", (f) => set(f, "etcd-cafile")),
  apiFlag(
    "1.2.27",
    "--encryption-provider-config is set",
    "--encryption-provider-config",
    (f) => set(f, "encryption-provider-config"),
    false,
  ),
  {
    id: "1.2.28",
    text: "encryption providers are appropriately configured (aescbc, kms or secretbox first)",
    automated: false,
    satisfiedBy: "secretbox first, identity last",
    test: (r) => {
      const doc = parse(r.encryptionConfig) as { resources: { providers: Record<string, unknown>[] }[] };
      const first = Object.keys(doc.resources[0]?.providers[0] ?? {})[0];
      return ["aescbc", "kms", "secretbox"].includes(first);
    },
  },
  apiFlag(
    "1.2.29",
    "API server only uses strong cryptographic ciphers",
    "--tls-cipher-suites (ECDHE + AEAD)",
    (f) => {
      const suites = list(flagValue(f, "tls-cipher-suites"));
      return suites.length > 0 && suites.every((s) => (STRONG_CIPHER_SUITES as readonly string[]).includes(s));
    },
    false,
  ),
  apiFlag(
    "1.2.30",
    "--service-account-extend-token-expiration is false",
    "--service-account-extend-token-expiration=false",
    (f) => eq(f, "service-account-extend-token-expiration", "false"),
  ),
  {
    id: "1.3.1",
    text: "--terminated-pod-gc-threshold is set",
    automated: false,
    satisfiedBy: "--terminated-pod-gc-threshold=10000",
    test: (r) => set(r.controllerManager, "terminated-pod-gc-threshold"),
  },
  ...(
    [
      [
        "1.3.2",
        "controller manager --profiling is false",
        "--profiling=false",
        (f: Flags) => eq(f, "profiling", "false"),
      ],
      [
        "1.3.3",
        "--use-service-account-credentials is true",
        "--use-service-account-credentials=true",
        (f: Flags) => set(f, "use-service-account-credentials") && !eq(f, "use-service-account-credentials", "false"),
      ],
      [
        "1.3.4",
        "--service-account-private-key-file is set",
        "--service-account-private-key-file",
        (f: Flags) => set(f, "service-account-private-key-file"),
      ],
      ["1.3.5", "--root-ca-file is set", "--root-ca-file", (f: Flags) => set(f, "root-ca-file")],
      [
        "1.3.6",
        "RotateKubeletServerCertificate is not disabled",
        "--feature-gates unset",
        (f: Flags) => !(flagValue(f, "feature-gates") ?? "").includes("RotateKubeletServerCertificate=false"),
      ],
      [
        "1.3.7",
        "controller manager --bind-address is 127.0.0.1",
        "--bind-address=127.0.0.1",
        (f: Flags) => !set(f, "bind-address") || eq(f, "bind-address", "127.0.0.1"),
      ],
    ] as const
  ).map(([id, text, satisfiedBy, test]): CisCheck => ({
    id,
    text,
    automated: true,
    satisfiedBy,
    test: (r) => test(r.controllerManager),
  })),
  ...(
    [
      ["1.4.1", "scheduler --profiling is false", "--profiling=false", (f: Flags) => eq(f, "profiling", "false")],
      [
        "1.4.2",
        "scheduler --bind-address is 127.0.0.1",
        "--bind-address=127.0.0.1",
        (f: Flags) => !set(f, "bind-address") || eq(f, "bind-address", "127.0.0.1"),
      ],
    ] as const
  ).map(([id, text, satisfiedBy, test]): CisCheck => ({
    id,
    text,
    automated: true,
    satisfiedBy,
    test: (r) => test(r.scheduler),
  })),
];

/** The control plane as rendered for the first master (every master renders the same flags but its address). */
export function renderedControlPlane(spec: PlatformSpec): RenderedControlPlane {
  const master = spec.topology.masters[0];
  if (!master) throw new Error("the inventory has no master");
  return {
    apiserver: renderApiServerFlags(spec, master),
    controllerManager: renderControllerManagerFlags(spec),
    scheduler: renderSchedulerFlags(),
    files: installedFiles(),
    // The key does not affect any check; a fixed dummy keeps the bench free of secrets.
    encryptionConfig: renderEncryptionConfig([{ name: "bench", secretBase64: Buffer.alloc(32).toString("base64") }]),
    authenticationConfig: renderAuthenticationConfig(spec.versions.kubernetes),
  };
}

/** One check's outcome. */
export interface CisResult {
  readonly id: string;
  readonly text: string;
  readonly automated: boolean;
  readonly satisfiedBy: string;
  readonly pass: boolean;
}

/** Evaluates every check against a rendered control plane. */
export function evaluateCis(rendered: RenderedControlPlane): CisResult[] {
  return CIS_CHECKS.map((c) => ({
    id: c.id,
    text: c.text,
    automated: c.automated,
    satisfiedBy: c.satisfiedBy,
    pass: c.test(rendered),
  }));
}

/** The bench figure: automated control-plane checks passed out of all automated ones. */
export function cisControlPlaneScore(spec: PlatformSpec): {
  passed: number;
  total: number;
  manualPassed: number;
  manualTotal: number;
  results: CisResult[];
} {
  const results = evaluateCis(renderedControlPlane(spec));
  const automated = results.filter((r) => r.automated);
  const manual = results.filter((r) => !r.automated);
  return {
    passed: automated.filter((r) => r.pass).length,
    total: automated.length,
    manualPassed: manual.filter((r) => r.pass).length,
    manualTotal: manual.length,
    results,
  };
}
