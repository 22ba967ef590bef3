/**
 * Every file the control plane installs on a master, with the mode and owner CIS wants
 * (kube-bench cis-1.12 section 1.1: units, kubeconfigs and keys 0600, certificates 0644,
 * all root:root). The install script applies exactly these modes, and cis.ts audits them.
 */
import { KUBECONFIG, PKI } from "../../lib/paths";
import { CONTROL_PLANE_FILES } from "./paths";

/** What a file on the master is, which decides its mode. */
export type FileKind = "unit" | "kubeconfig" | "key" | "cert" | "config";

/** A file the control plane writes. */
export interface InstalledFile {
  readonly path: string;
  readonly kind: FileKind;
  /** Octal mode, e.g. "0600". */
  readonly mode: string;
  readonly owner: "root:root";
}

const MODES: Readonly<Record<FileKind, string>> = {
  unit: "0600",
  kubeconfig: "0600",
  key: "0600",
  // Public; 0644 is what CIS 1.1.20 allows at most.
  cert: "0644",
  config: "0600",
};

/** Logical names of the files, so the component can fill in contents by name. */
export const FILES = {
  apiserverUnit: { path: `${CONTROL_PLANE_FILES.unitDir}/kube-apiserver.service`, kind: "unit" },
  controllerManagerUnit: { path: `${CONTROL_PLANE_FILES.unitDir}/kube-controller-manager.service`, kind: "unit" },
  schedulerUnit: { path: `${CONTROL_PLANE_FILES.unitDir}/kube-scheduler.service`, kind: "unit" },
  adminKubeconfig: { path: KUBECONFIG.admin, kind: "kubeconfig" },
  controllerManagerKubeconfig: { path: KUBECONFIG.controllerManager, kind: "kubeconfig" },
  schedulerKubeconfig: { path: KUBECONFIG.scheduler, kind: "kubeconfig" },
  auditPolicy: { path: CONTROL_PLANE_FILES.auditPolicy, kind: "config" },
  encryptionConfig: { path: CONTROL_PLANE_FILES.encryptionConfig, kind: "config" },
  authenticationConfig: { path: CONTROL_PLANE_FILES.authenticationConfig, kind: "config" },
  clusterCaCert: { path: PKI.clusterCaCert, kind: "cert" },
  clusterCaKey: { path: PKI.clusterCaKey, kind: "key" },
  clusterCaSignerCert: { path: PKI.clusterCaSignerCert, kind: "cert" },
  frontProxyCaCert: { path: PKI.frontProxyCaCert, kind: "cert" },
  etcdCaCert: { path: PKI.etcdCaCert, kind: "cert" },
  apiserverCert: { path: PKI.apiserverCert, kind: "cert" },
  apiserverKey: { path: PKI.apiserverKey, kind: "key" },
  apiserverKubeletClientCert: { path: PKI.apiserverKubeletClientCert, kind: "cert" },
  apiserverKubeletClientKey: { path: PKI.apiserverKubeletClientKey, kind: "key" },
  apiserverEtcdClientCert: { path: PKI.apiserverEtcdClientCert, kind: "cert" },
  apiserverEtcdClientKey: { path: PKI.apiserverEtcdClientKey, kind: "key" },
  frontProxyClientCert: { path: PKI.frontProxyClientCert, kind: "cert" },
  frontProxyClientKey: { path: PKI.frontProxyClientKey, kind: "key" },
  serviceAccountKey: { path: PKI.serviceAccountKey, kind: "key" },
  serviceAccountPub: { path: PKI.serviceAccountPub, kind: "cert" },
} as const satisfies Record<string, { path: string; kind: FileKind }>;

export type FileName = keyof typeof FILES;

/** Files whose content is secret: keys, kubeconfigs (they embed a key) and the encryption config. */
export function isSecretFile(name: FileName): boolean {
  const kind: FileKind = FILES[name].kind;
  return kind === "key" || kind === "kubeconfig" || name === "encryptionConfig";
}

/** The installed-file table: path, mode, owner. */
export function installedFiles(): InstalledFile[] {
  return Object.values(FILES).map((f) => ({ path: f.path, kind: f.kind, mode: MODES[f.kind], owner: "root:root" }));
}

/** The installed file at `path`, if the control plane writes it. */
export function installedFile(path: string): InstalledFile | undefined {
  return installedFiles().find((f) => f.path === path);
}

/** One file of a bundle. */
export interface BundleEntry {
  readonly path: string;
  /** Octal mode, e.g. "0600". */
  readonly mode: string;
  readonly content: string;
}

/**
 * The bundle an install script unpacks: one line per file, `MODE PATH BASE64`. One copy per
 * host instead of one per file keeps SSH round trips low; base64 keeps any content on one line.
 */
export function renderBundle(entries: readonly BundleEntry[]): string {
  for (const e of entries) {
    if (!/^0[0-7]{3}$/.test(e.mode)) throw new Error(`bad mode ${e.mode} for ${e.path}`);
    if (!/^\/[A-Za-z0-9._/-]+$/.test(e.path)) throw new Error(`bad bundle path ${JSON.stringify(e.path)}`);
  }
  return entries
    .map((e) => `${e.mode} ${e.path} ${Buffer.from(e.content, "utf8").toString("base64")}`)
    .join("\n")
    .concat("\n");
}

/** The control-plane bundle of one master: every named file that has content, with its CIS mode. */
export function renderControlPlaneBundle(contents: Readonly<Partial<Record<FileName, string>>>): string {
  return renderBundle(
    (Object.keys(FILES) as FileName[])
      .filter((name) => contents[name] !== undefined)
      .map((name) => ({ path: FILES[name].path, mode: MODES[FILES[name].kind], content: contents[name] as string })),
  );
}
