/**
 * Node-side file layout of the worker component, on top of the shared kubeadm-style layout
 * in lib/paths.ts. Every renderer and script names files through these constants.
 */
import { BIN_DIR, KUBECONFIG, PKI, PLATFORM_STATE_DIR } from "../../lib/paths";

export const NODE_PATHS = {
  kubeletBinary: `${BIN_DIR}/kubelet`,
  kubeProxyBinary: `${BIN_DIR}/kube-proxy`,
  kubectlBinary: `${BIN_DIR}/kubectl`,
  containerdBinary: `${BIN_DIR}/containerd`,
  runcBinary: "/usr/local/sbin/runc",
  cniBinDir: "/opt/cni/bin",
  cniConfDir: "/etc/cni/net.d",
  kubeletConfig: "/var/lib/kubelet/config.yaml",
  kubeletUnit: "/etc/systemd/system/kubelet.service",
  kubeletKubeconfig: KUBECONFIG.kubelet,
  kubeletServingCert: PKI.kubeletServingCert,
  kubeletServingKey: PKI.kubeletServingKey,
  kubeletCertDir: "/var/lib/kubelet/pki",
  clusterCaCert: PKI.clusterCaCert,
  kubeProxyConfig: "/var/lib/kube-proxy/config.yaml",
  kubeProxyUnit: "/etc/systemd/system/kube-proxy.service",
  kubeProxyKubeconfig: KUBECONFIG.kubeProxy,
  containerdConfig: "/etc/containerd/config.toml",
  containerdCertsDir: "/etc/containerd/certs.d",
  containerdUnit: "/etc/systemd/system/containerd.service",
  containerdSocket: "/run/containerd/containerd.sock",
  crictlConfig: "/etc/crictl.yaml",
  kubeletSysctl: "/etc/sysctl.d/91-kubelet.conf",
  /** Where the install script records what it installed (idempotence). */
  versionsDir: `${PLATFORM_STATE_DIR}/versions`,
} as const;

/**
 * Files earlier releases put on nodes that must no longer be there: the node-level registry
 * credentials (a shared pull account any pod on the node could use) and the drop-in
 * directory import that read them.
 */
export const RETIRED_NODE_FILES = [
  { path: "/etc/containerd/conf.d/50-registry-auth.toml", owner: "containerd" },
] as const;

/** Files on the operations host (the first master), where kubectl drains and labels nodes. */
export const OPS_PATHS = {
  kubectl: `${BIN_DIR}/kubectl`,
  /** A dedicated copy of the admin kubeconfig (0600), owned by the worker component. */
  adminKubeconfig: `${PLATFORM_STATE_DIR}/node-ops/admin.conf`,
} as const;
