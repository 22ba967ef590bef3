/**
 * The control plane's renderers in one place: what a master's bundle and the load
 * balancer's bundle contain, and the fingerprint of everything that, when it changes,
 * must be preceded by an etcd snapshot. Pure: the component feeds it resolved values.
 * The concerns live in renderApiserver.ts, renderControllers.ts, renderSecurity.ts,
 * renderHaproxy.ts and renderKeepalived.ts.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { isSecretFile, renderBundle, renderControlPlaneBundle, type FileName } from "./files";
import { LB_FILES } from "./paths";
import { renderApiServerUnit } from "./renderApiserver";
import { renderControllerManagerUnit, renderSchedulerUnit } from "./renderControllers";
import { haproxyConfigFor, renderHaproxyConfig } from "./renderHaproxy";
import { keepalivedConfigFor, renderKeepalivedConfig } from "./renderKeepalived";
import {
  renderAuditPolicy,
  renderAuthenticationConfig,
  renderEncryptionConfig,
  type EncryptionKey,
} from "./renderSecurity";

export * from "./renderApiserver";
export * from "./renderControllers";
export * from "./renderHaproxy";
export * from "./renderKeepalived";
export * from "./renderSecurity";

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
/** The checked-in scripts. */
export const SCRIPTS = {
  installControlPlane: script("install-control-plane.sh"),
  installLb: script("install-lb.sh"),
  checkHaproxy: script("check-haproxy.sh"),
  gate: script("gate.sh"),
} as const;

/** Secret and certificate material of a master's bundle, resolved (PEM / YAML text). */
export interface MasterSecrets {
  /** Trust bundle of the cluster CA (ca.crt): every trusted generation. */
  readonly clusterCaCert: string;
  /** The signing cluster CA alone (ca-signer.crt, matching ca.key). */
  readonly clusterCaSignerCert: string;
  readonly clusterCaKey: string;
  readonly etcdCaCert: string;
  readonly frontProxyCaCert: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  readonly apiserverKubeletClientCert: string;
  readonly apiserverKubeletClientKey: string;
  readonly apiserverEtcdClientCert: string;
  readonly apiserverEtcdClientKey: string;
  readonly frontProxyClientCert: string;
  readonly frontProxyClientKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly adminKubeconfig: string;
  readonly controllerManagerKubeconfig: string;
  readonly schedulerKubeconfig: string;
  /** The encryption-at-rest keys in `apiserver.encryptionKeys` order (the first encrypts). */
  readonly encryptionKeys: readonly EncryptionKey[];
}

/** The non-secret files of a master (units and configs). */
export function renderMasterConfigFiles(spec: PlatformSpec, master: HostConfig): Partial<Record<FileName, string>> {
  return {
    apiserverUnit: renderApiServerUnit(spec, master),
    controllerManagerUnit: renderControllerManagerUnit(spec),
    schedulerUnit: renderSchedulerUnit(),
    auditPolicy: renderAuditPolicy(),
    authenticationConfig: renderAuthenticationConfig(spec.versions.kubernetes),
  };
}

/**
 * What an install script unpacks, in two `MODE PATH BASE64` bundles: `config` holds what is
 * not secret (units, flags, configs, certificates), so a reviewer sees every change to it in
 * the plan; `secrets` holds keys, kubeconfigs and the encryption config (a Pulumi secret).
 */
export interface SplitBundle {
  readonly config: string;
  readonly secrets: string;
}

/** Everything a master's install script writes. */
export function renderMasterBundles(spec: PlatformSpec, master: HostConfig, s: MasterSecrets): SplitBundle {
  const { encryptionKeys, ...files } = s;
  const all: Partial<Record<FileName, string>> = {
    ...renderMasterConfigFiles(spec, master),
    ...files,
    encryptionConfig: renderEncryptionConfig(encryptionKeys),
  };
  const part = (secret: boolean) =>
    Object.fromEntries(Object.entries(all).filter(([name]) => isSecretFile(name as FileName) === secret));
  return { config: renderControlPlaneBundle(part(false)), secrets: renderControlPlaneBundle(part(true)) };
}

/**
 * The load balancer's files for one master: haproxy.cfg, the check script and the CA in the
 * reviewable config bundle; keepalived.conf (it holds the VRRP password) in the secret one.
 */
export function renderLbBundles(
  spec: PlatformSpec,
  master: HostConfig,
  clusterCaPem: string,
  vrrpPassword?: string,
): SplitBundle {
  return {
    config: renderBundle([
      { path: LB_FILES.apiserverCa, mode: "0644", content: clusterCaPem },
      { path: LB_FILES.checkScript, mode: "0755", content: SCRIPTS.checkHaproxy },
      { path: LB_FILES.haproxyConfig, mode: "0644", content: renderHaproxyConfig(haproxyConfigFor(spec)) },
    ]),
    secrets: renderBundle([
      {
        path: LB_FILES.keepalivedConfig,
        mode: "0600",
        content: renderKeepalivedConfig(keepalivedConfigFor(spec, master, vrrpPassword)),
      },
    ]),
  };
}

/** sha256 of parts joined by NUL. */
export function fingerprint(parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

/**
 * Fingerprint of the control plane's non-secret configuration (version, every master's
 * units and configs, haproxy.cfg). Hand it to EtcdCluster's `controlPlaneTriggers` so a
 * change re-takes the pre-change snapshot the masters wait for.
 */
export function controlPlaneFingerprint(spec: PlatformSpec): string {
  const parts = [spec.versions.kubernetes, renderHaproxyConfig(haproxyConfigFor(spec))];
  for (const m of spec.topology.masters) {
    const files = renderMasterConfigFiles(spec, m);
    parts.push(m.name, ...Object.values(files).map((v) => v ?? ""));
  }
  return fingerprint(parts);
}
