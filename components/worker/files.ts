/**
 * The files a node carries, with owner service and CIS mode, and the scripts that put them
 * there. Pure: the component feeds the results to remote commands; tests read them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderDownloadList } from "../../lib/downloads";
import { withParameters } from "../../lib/shell";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { nodeDownload, type NodeBinary } from "./downloads";
import { nodeLabels, nodeTaints } from "./labels";
import { NODE_PATHS, OPS_PATHS, RETIRED_NODE_FILES } from "./paths";
import {
  renderKubeletConfigYaml,
  renderKubeletSysctls,
  renderKubeletUnit,
  renderKubeProxyConfigYaml,
  renderKubeProxyUnit,
  type NodeRenderArgs,
} from "./render";
import { renderContainerdConfig, renderContainerdUnit, renderCrictlConfig, renderRegistryHosts } from "./renderRuntime";

const script = (name: string) => readFileSync(join(__dirname, name), "utf8");

/** The checked-in scripts (see the .sh files for their parameters). */
export const SCRIPTS = {
  install: script("install.sh"),
  putFiles: script("put-files.sh"),
  drain: script("drain.sh"),
  uncordon: script("uncordon.sh"),
} as const;

/** Daemon a file belongs to (restarted when it changes); `sysctl` re-applies sysctls. */
export type FileOwner = "containerd" | "kubelet" | "kube-proxy" | "sysctl" | "-";

/** One file on a node. */
export interface NodeFile {
  readonly path: string;
  /** Octal mode as put-files.sh takes it, e.g. "0600". */
  readonly mode: string;
  readonly owner: FileOwner;
  readonly content: string;
}

/** The node's non-secret files: configs, units, public certificates. */
export function nodeConfigFiles(args: NodeRenderArgs, certs: { caPem: string; servingCertPem: string }): NodeFile[] {
  const { spec } = args;
  return [
    { path: NODE_PATHS.kubeletSysctl, mode: "0644", owner: "sysctl", content: renderKubeletSysctls() },
    { path: NODE_PATHS.containerdUnit, mode: "0644", owner: "containerd", content: renderContainerdUnit() },
    { path: NODE_PATHS.containerdConfig, mode: "0644", owner: "containerd", content: renderContainerdConfig(spec) },
    // A Harbor in the inventory serves a certificate from the cluster CA; an external
    // registry is expected to chain to the OS trust store.
    ...renderRegistryHosts(spec, spec.topology.registry.length > 0 ? NODE_PATHS.clusterCaCert : undefined).map(
      (f): NodeFile => ({
        path: f.path,
        mode: "0644",
        owner: "containerd",
        content: f.content,
      }),
    ),
    { path: NODE_PATHS.crictlConfig, mode: "0644", owner: "-", content: renderCrictlConfig() },
    { path: NODE_PATHS.clusterCaCert, mode: "0644", owner: "kubelet", content: certs.caPem },
    { path: NODE_PATHS.kubeletServingCert, mode: "0644", owner: "kubelet", content: certs.servingCertPem },
    { path: NODE_PATHS.kubeletConfig, mode: "0600", owner: "kubelet", content: renderKubeletConfigYaml(args) },
    { path: NODE_PATHS.kubeletUnit, mode: "0600", owner: "kubelet", content: renderKubeletUnit(args) },
    { path: NODE_PATHS.kubeProxyConfig, mode: "0600", owner: "kube-proxy", content: renderKubeProxyConfigYaml(args) },
    { path: NODE_PATHS.kubeProxyUnit, mode: "0600", owner: "kube-proxy", content: renderKubeProxyUnit() },
  ];
}

/** The secret material a node needs (plain strings; the component keeps them Pulumi secrets). */
export interface NodeSecrets {
  readonly servingKeyPem: string;
  readonly kubeletKubeconfig: string;
  readonly kubeProxyKubeconfig: string;
}

/** The node's secret files, all mode 0600. No registry credentials: see renderRuntime.ts. */
export function nodeSecretFiles(secrets: NodeSecrets): NodeFile[] {
  return [
    { path: NODE_PATHS.kubeletServingKey, mode: "0600", owner: "kubelet", content: secrets.servingKeyPem },
    { path: NODE_PATHS.kubeletKubeconfig, mode: "0600", owner: "kubelet", content: secrets.kubeletKubeconfig },
    { path: NODE_PATHS.kubeProxyKubeconfig, mode: "0600", owner: "kube-proxy", content: secrets.kubeProxyKubeconfig },
  ];
}

/** put-files.sh's NODE_FILES lines: "owner mode path base64". */
export function renderFileList(files: readonly NodeFile[]): string {
  return files
    .map((f) => {
      if (!/^\/[A-Za-z0-9._/:-]+$/.test(f.path)) throw new Error(`unsafe node file path ${JSON.stringify(f.path)}`);
      if (!/^0[0-7]{3}$/.test(f.mode)) throw new Error(`bad mode ${f.mode} for ${f.path}`);
      return `${f.owner} ${f.mode} ${f.path} ${Buffer.from(f.content, "utf8").toString("base64")}`;
    })
    .join("\n");
}

/**
 * The script writing a node's files (configure step when `start`, credentials otherwise).
 * The configure step also removes the files of RETIRED_NODE_FILES (restarting their owner).
 */
export function renderPutFilesScript(nodeName: string, files: readonly NodeFile[], start: boolean): string {
  return withParameters(SCRIPTS.putFiles, {
    NODE_NAME: nodeName,
    NODE_FILES: renderFileList(files),
    NODE_RETIRED: start ? RETIRED_NODE_FILES.map((f) => `${f.owner} ${f.path}`).join("\n") : "",
    START_SERVICES: start ? "containerd kubelet kube-proxy" : "",
    WAIT_KUBELET: start,
  });
}

/** The versions a node's binaries come from; the stamp the uncordon step records. */
export function versionStamp(spec: Pick<PlatformSpec, "versions">): string {
  const v = spec.versions;
  return `kubernetes=${v.kubernetes},containerd=${v.containerd},runc=${v.runc},cni=${v.cni}`;
}

/** The install script: first install (`restart` false) or upgrade (`restart` true). */
export function renderInstallScript(spec: PlatformSpec, components: readonly NodeBinary[], restart: boolean): string {
  const v = spec.versions;
  return withParameters(SCRIPTS.install, {
    DOWNLOADS: renderDownloadList(components.map((c) => nodeDownload(spec, c))),
    COMPONENTS: components.join(" "),
    KUBERNETES_VERSION: v.kubernetes,
    CONTAINERD_VERSION: v.containerd,
    RUNC_VERSION: v.runc,
    CNI_VERSION: v.cni,
    RESTART: restart,
  });
}

/** Binaries of a node. */
export const NODE_COMPONENTS = ["containerd", "runc", "cni", "kubelet", "kube-proxy"] as const;

/** The drain script for one node, run on the operations host. */
export function renderDrainScript(spec: PlatformSpec, nodeName: string, mode: "remove" | "upgrade"): string {
  return withParameters(SCRIPTS.drain, {
    NODE_NAME: nodeName,
    MODE: mode,
    TIMEOUT_SECONDS: spec.workers.drainTimeoutSeconds,
    KUBECTL: OPS_PATHS.kubectl,
    KUBECONFIG_FILE: OPS_PATHS.adminKubeconfig,
    // Only the upgrade drain compares versions; the removal step must not change on a bump.
    ...(mode === "upgrade" ? { TARGET_STAMP: versionStamp(spec) } : {}),
  });
}

/** Seconds the uncordon step waits for registration and readiness. */
export const NODE_READY_WAIT_SECONDS = 600;

/** The uncordon/label script for one node, run on the operations host. */
export function renderUncordonScript(args: NodeRenderArgs): string {
  const { spec, host, controlPlane } = args;
  const labels = nodeLabels(host, controlPlane).admin;
  const taints = nodeTaints(host, controlPlane);
  return withParameters(SCRIPTS.uncordon, {
    NODE_NAME: host.name,
    KUBECTL: OPS_PATHS.kubectl,
    KUBECONFIG_FILE: OPS_PATHS.adminKubeconfig,
    STAMP: versionStamp(spec),
    WAIT_SECONDS: NODE_READY_WAIT_SECONDS,
    ADMIN_LABELS: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
    TAINTS: taints.map((t) => (t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`)).join("\n"),
  });
}
