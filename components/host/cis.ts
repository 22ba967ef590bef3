/**
 * The CIS view of one inventory host, whatever its roles: every file the platform writes on
 * it (control plane, etcd and node files together, as on a `[master, etcd]` host), the
 * command lines of its daemons and the config files the audits read. The sections' check
 * tables (control-plane/cis.ts: 1, etcd/cis.ts: 2, worker/cis.ts: 4) are evaluated on it with
 * kube-bench's semantics (lib/kubeBench.ts). Pure: for the tests and `npm run bench -- cis`.
 */
import { dirname } from "node:path";
import { BIN_DIR, PKI_DIR } from "../../lib/paths";
import { evaluateChecks, type BenchFile, type BenchHost, type CisResult } from "../../lib/kubeBench";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { CONTROL_PLANE_CHECKS } from "../control-plane/cis";
import { installedFiles } from "../control-plane/files";
import { renderApiServerFlags } from "../control-plane/renderApiserver";
import { renderControllerManagerFlags, renderSchedulerFlags } from "../control-plane/renderControllers";
import { renderAuthenticationConfig, renderEncryptionConfig } from "../control-plane/renderSecurity";
import { flagArgs } from "../control-plane/renderUnit";
import { ETCD_CHECKS } from "../etcd/cis";
import { etcdInstalledFiles } from "../etcd/files";
import { ETCD_PATHS, planEtcd, renderEtcdFlags } from "../etcd/render";
import { NODE_CHECKS, NODE_CONFIGS } from "../worker/cis";
import { nodeConfigFiles, nodeSecretFiles } from "../worker/files";
import { NODE_PATHS } from "../worker/paths";
import { kubeletFlags, renderKubeletConfigYaml, renderKubeProxyConfigYaml } from "../worker/render";
import { nodeRollout } from "../worker/rollout";

/** Where systemd puts the etcd unit's credentials (`%d` in its ExecStart). */
const ETCD_CREDENTIALS_DIR = "/run/credentials/etcd.service";

/** The directories `install -D` creates as root (0755) for the files under /etc/kubernetes/pki. */
function pkiDirectories(files: readonly BenchFile[]): BenchFile[] {
  const dirs = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith(`${PKI_DIR}/`)) continue;
    for (let d = dirname(f.path); d.startsWith(PKI_DIR); d = dirname(d)) dirs.add(d);
  }
  return [...dirs].sort().map((path) => ({ path, mode: "0755", owner: "root:root" }));
}

/** A file two components both write must come out the same; a clash is a seam error. */
function merge(groups: readonly (readonly BenchFile[])[]): BenchFile[] {
  const byPath = new Map<string, BenchFile>();
  for (const f of groups.flat()) {
    const seen = byPath.get(f.path);
    if (seen && (seen.mode !== f.mode || seen.owner !== f.owner))
      throw new Error(`${f.path} is written as ${seen.mode} ${seen.owner} and as ${f.mode} ${f.owner}`);
    byPath.set(f.path, f);
  }
  return [...byPath.values()];
}

/** The CIS view of `host` in `spec`. */
export function benchHost(spec: PlatformSpec, host: HostConfig): BenchHost {
  const master = host.roles.includes("master");
  const node = nodeRollout(spec).find((n) => n.host.name === host.name);
  const member = planEtcd(spec).members.find((m) => m.name === host.name);
  const files: BenchFile[][] = [];
  const processes: Record<string, string> = {};
  const configs: Record<string, string> = {};
  if (master) {
    files.push(installedFiles().map((f) => ({ path: f.path, mode: f.mode, owner: f.owner })));
    processes["kube-apiserver"] = [`${BIN_DIR}/kube-apiserver`, ...flagArgs(renderApiServerFlags(spec, host))].join(
      " ",
    );
    processes["kube-controller-manager"] = [
      `${BIN_DIR}/kube-controller-manager`,
      ...flagArgs(renderControllerManagerFlags(spec)),
    ].join(" ");
    processes["kube-scheduler"] = [`${BIN_DIR}/kube-scheduler`, ...flagArgs(renderSchedulerFlags())].join(" ");
    configs.authentication = renderAuthenticationConfig(spec.versions.kubernetes);
    // The key does not matter to any check; a fixed dummy keeps the view free of secrets.
    configs.encryption = renderEncryptionConfig([{ name: "cis", secretBase64: Buffer.alloc(32).toString("base64") }]);
  }
  if (member) {
    files.push(etcdInstalledFiles().map((f) => ({ path: f.path, mode: f.mode, owner: f.owner })));
    const flags = renderEtcdFlags(spec, planEtcd(spec), member).map((f) =>
      f.replace("%d/", `${ETCD_CREDENTIALS_DIR}/`),
    );
    processes.etcd = [`${ETCD_PATHS.binDir}/etcd`, ...flags].join(" ");
  }
  if (node) {
    const args = { spec, host, controlPlane: node.controlPlane };
    files.push(
      [
        ...nodeConfigFiles(args, { caPem: "", servingCertPem: "" }),
        ...nodeSecretFiles({ servingKeyPem: "", kubeletKubeconfig: "", kubeProxyKubeconfig: "" }),
      ].map((f) => ({ path: f.path, mode: f.mode, owner: "root:root" })),
    );
    processes.kubelet = [NODE_PATHS.kubeletBinary, ...kubeletFlags(args)].join(" ");
    processes["kube-proxy"] = `${NODE_PATHS.kubeProxyBinary} --config=${NODE_PATHS.kubeProxyConfig}`;
    configs[NODE_CONFIGS.kubelet] = renderKubeletConfigYaml(args);
    configs[NODE_CONFIGS.kubeProxy] = renderKubeProxyConfigYaml(args);
  }
  const all = merge(files);
  return { name: host.name, roles: host.roles, files: [...all, ...pkiDirectories(all)], processes, configs };
}

/** Every check of sections 1, 2 and 4, in benchmark order. */
export const CIS_CHECKS = [...CONTROL_PLANE_CHECKS, ...ETCD_CHECKS, ...NODE_CHECKS] as const;

/** The checks' outcomes on one host. */
export function cisResults(spec: PlatformSpec, host: HostConfig): CisResult[] {
  return evaluateChecks(CIS_CHECKS, benchHost(spec, host));
}

/** A host's score: automated checks passed of those that apply, manual ones met. */
export interface CisScore {
  readonly host: string;
  readonly roles: readonly string[];
  readonly passed: number;
  readonly applicable: number;
  readonly manualMet: number;
  readonly manualApplicable: number;
  readonly failed: readonly string[];
}

/** The score of one host. */
export function cisScore(spec: PlatformSpec, host: HostConfig): CisScore {
  const results = cisResults(spec, host).filter((r) => r.status !== "n/a");
  const automated = results.filter((r) => r.automated);
  const manual = results.filter((r) => !r.automated);
  return {
    host: host.name,
    roles: host.roles,
    passed: automated.filter((r) => r.status === "pass").length,
    applicable: automated.length,
    manualMet: manual.filter((r) => r.status === "pass").length,
    manualApplicable: manual.length,
    failed: automated.filter((r) => r.status === "fail").map((r) => r.id),
  };
}

/** One host of each distinct role set of the inventory (the first of each), for the bench. */
export function hostsByLayout(spec: PlatformSpec): HostConfig[] {
  const seen = new Set<string>();
  return spec.hosts.filter((h) => {
    const key = [...h.roles].sort().join("+");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
