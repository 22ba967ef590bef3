/**
 * Pure renderers of the node agents: the KubeletConfiguration (to the CIS node checks, see
 * cis.ts), the kubelet and kube-proxy systemd units, and the KubeProxyConfiguration.
 * Field names follow the upstream Go types (see fields.ts); the tests reject any other.
 */
import { stringify } from "yaml";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { nodeLabels, nodeTaints, type Taint } from "./labels";
import { NODE_PATHS } from "./paths";
import { RECENT_KUBELET_FIELDS_FROM } from "./fields";

/** What the node renderers need to know about one node. */
export interface NodeRenderArgs {
  readonly spec: PlatformSpec;
  readonly host: HostConfig;
  /** A master that also runs kubelet: labelled control-plane and tainted NoSchedule. */
  readonly controlPlane: boolean;
}

/**
 * Cipher suites the kubelet server offers for TLS 1.2: the ECDHE + AEAD suites CIS 4.2.12
 * accepts (TLS 1.3 suites are not configurable and all strong).
 */
export const STRONG_TLS_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
] as const;

/**
 * Kernel settings kubelet checks when protectKernelDefaults is true (it refuses to start
 * when they differ instead of changing them). Host prep sets the first four; the keyring
 * limits are the worker's to set.
 */
export const KUBELET_KERNEL_DEFAULTS: Readonly<Record<string, string>> = {
  "vm.overcommit_memory": "1",
  "vm.panic_on_oom": "0",
  "kernel.panic": "10",
  "kernel.panic_on_oops": "1",
  "kernel.keys.root_maxkeys": "1000000",
  "kernel.keys.root_maxbytes": "25000000",
};

/** Minor of a `1.x.y` release version. */
export function kubernetesMinor(version: string): number {
  const m = /^1\.(\d+)\./.exec(version);
  if (!m) throw new Error(`unsupported Kubernetes version ${JSON.stringify(version)} (expected 1.x.y)`);
  return Number(m[1]);
}

/**
 * How the kubelet checks credentials for an image already on the node (KEP-2535; the fields
 * exist from 1.33 behind an alpha gate, which is beta and on by default from 1.35): a pod may start from a cached
 * image only with credentials that could pull it. The platform's own images (the
 * `mirrors.images` path, a project anonymous pulls may read) are exempt when containerd
 * pulled them outside the kubelet (the pinned sandbox image); everything else is checked.
 * Without a project path the allowlist cannot name the platform's images alone (a bare
 * registry host reads as an image name), so every image is checked. Below 1.35 the fields
 * are not rendered; the apiserver's AlwaysPullImages admission plugin does the job there.
 */
export function imagePullVerification(spec: Pick<PlatformSpec, "mirrors" | "versions">): Record<string, unknown> {
  if (kubernetesMinor(spec.versions.kubernetes) < RECENT_KUBELET_FIELDS_FROM.imagePullCredentialsVerificationPolicy)
    return {};
  const images = spec.mirrors.images.replace(/\/+$/, "");
  return images.includes("/")
    ? {
        imagePullCredentialsVerificationPolicy: "NeverVerifyAllowlistedImages",
        preloadedImagesVerificationAllowlist: [`${images}/*`],
      }
    : { imagePullCredentialsVerificationPolicy: "AlwaysVerify" };
}

/** A rendered KubeletConfiguration (kubelet.config.k8s.io/v1beta1) as a plain object. */
export type KubeletConfiguration = Record<string, unknown> & { apiVersion: string; kind: string };

/**
 * The KubeletConfiguration of one node.
 * https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
 */
export function renderKubeletConfig(args: NodeRenderArgs): KubeletConfiguration {
  const { spec, host, controlPlane } = args;
  const w = spec.workers;
  const taints: Taint[] = nodeTaints(host, controlPlane);
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // Serve on the node address only; healthz stays on loopback.
    address: host.address,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: "2m0s" },
      x509: { clientCAFile: NODE_PATHS.clusterCaCert },
    },
    authorization: {
      mode: "Webhook",
      webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" },
    },
    // The serving certificate comes from the platform PKI (SANs: node name and address),
    // so the apiserver can verify kubelets; Pulumi re-issues it before expiry.
    tlsCertFile: NODE_PATHS.kubeletServingCert,
    tlsPrivateKeyFile: NODE_PATHS.kubeletServingKey,
    tlsMinVersion: "VersionTLS12",
    tlsCipherSuites: [...STRONG_TLS_CIPHER_SUITES],
    // The client certificate renews itself through a CSR the controller-manager approves
    // (see the selfnodeclient binding in index.ts).
    rotateCertificates: true,
    serverTLSBootstrap: false,
    protectKernelDefaults: true,
    makeIPTablesUtilChains: true,
    eventRecordQPS: 50,
    eventBurst: 100,
    streamingConnectionIdleTimeout: "5m0s",
    seccompDefault: true,
    podPidsLimit: w.podPidsLimit,
    maxPods: w.maxPods,
    cgroupDriver: "systemd",
    containerRuntimeEndpoint: `unix://${NODE_PATHS.containerdSocket}`,
    clusterDomain: spec.cluster.domain,
    clusterDNS: [spec.endpoints.podResolverIp],
    systemReserved: { ...w.systemReserved },
    kubeReserved: { ...w.kubeReserved },
    enforceNodeAllocatable: ["pods"],
    evictionHard: {
      "memory.available": "500Mi",
      "nodefs.available": "10%",
      "nodefs.inodesFree": "5%",
      "imagefs.available": "15%",
    },
    failSwapOn: true,
    // The default from 1.35; rendered so every supported minor refuses cgroup v1 alike
    // (host prep checks for cgroup v2 first and says how to switch).
    failCgroupV1: true,
    ...imagePullVerification(spec),
    serializeImagePulls: false,
    maxParallelImagePulls: 5,
    containerLogMaxSize: "50Mi",
    containerLogMaxFiles: 5,
    // Give pods time to stop on a host shutdown instead of being killed mid-request.
    shutdownGracePeriod: "60s",
    shutdownGracePeriodCriticalPods: "20s",
    ...(taints.length > 0
      ? { registerWithTaints: taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) }
      : {}),
  };
}

/** The KubeletConfiguration file (YAML). */
export function renderKubeletConfigYaml(args: NodeRenderArgs): string {
  return stringify(renderKubeletConfig(args), { lineWidth: 0 });
}

/**
 * kubelet command-line flags: only what the config file cannot hold. No
 * `--hostname-override` (CIS 4.2.7): the node prep sets the host name to the node name.
 */
export function kubeletFlags(args: NodeRenderArgs): string[] {
  const labels = nodeLabels(args.host, args.controlPlane).kubelet;
  const labelList = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  for (const l of labelList) {
    if (/[\s,"'\\$`%]/.test(l))
      throw new Error(`host ${args.host.name}: label ${JSON.stringify(l)} cannot be passed to --node-labels`);
  }
  return [
    `--config=${NODE_PATHS.kubeletConfig}`,
    `--kubeconfig=${NODE_PATHS.kubeletKubeconfig}`,
    `--cert-dir=${NODE_PATHS.kubeletCertDir}`,
    `--node-ip=${args.host.address}`,
    ...(labelList.length > 0 ? [`--node-labels=${labelList.join(",")}`] : []),
  ];
}

/** A systemd unit for a node daemon that systemd supervises and restarts. */
function renderDaemonUnit(u: {
  description: string;
  documentation: string;
  exec: readonly string[];
  after: readonly string[];
  requires?: readonly string[];
  extra?: readonly string[];
}): string {
  return [
    "[Unit]",
    `Description=${u.description}`,
    `Documentation=${u.documentation}`,
    `Wants=network-online.target`,
    `After=network-online.target ${u.after.join(" ")}`.trimEnd(),
    ...(u.requires && u.requires.length > 0 ? [`Requires=${u.requires.join(" ")}`] : []),
    "",
    "[Service]",
    `ExecStart=${u.exec.join(" \\\n  ")}`,
    "Restart=always",
    "RestartSec=5",
    ...(u.extra ?? []),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The kubelet unit: starts after (and requires) containerd. */
export function renderKubeletUnit(args: NodeRenderArgs): string {
  return renderDaemonUnit({
    description: "Kubernetes node agent (kubelet)",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
    exec: [NODE_PATHS.kubeletBinary, ...kubeletFlags(args)],
    after: ["containerd.service"],
    requires: ["containerd.service"],
    extra: ["StartLimitInterval=0"],
  });
}

/** A rendered KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1). */
export type KubeProxyConfiguration = Record<string, unknown> & { apiVersion: string; kind: string };

/**
 * The KubeProxyConfiguration of one node. IPVS is the default (the source's choice, for
 * incremental updates at many Services; upstream deprecated it in 1.35, so nftables and
 * iptables are selectable with network.proxyMode).
 * https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/
 */
export function renderKubeProxyConfig(args: NodeRenderArgs): KubeProxyConfiguration {
  const { spec, host } = args;
  const mode = spec.network.proxyMode;
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: NODE_PATHS.kubeProxyKubeconfig },
    hostnameOverride: host.name,
    bindAddress: host.address,
    // CIS 4.3.1: metrics only on loopback; health checks must be reachable by load balancers.
    metricsBindAddress: "127.0.0.1:10249",
    healthzBindAddress: `${host.address}:10256`,
    mode,
    clusterCIDR: spec.network.podCidr,
    detectLocalMode: "ClusterCIDR",
    nodePortAddresses: ["primary"],
    ...(mode === "ipvs"
      ? {
          ipvs: {
            scheduler: "rr",
            // With strictARP the node does not answer ARP for Service IPs on kube-ipvs0.
            strictARP: true,
            // kube-proxy's IPVS cleanup must never touch a virtual server on the apiserver
            // VIP (keepalived owns that address on the masters).
            excludeCIDRs: [`${spec.apiserver.vip}/32`],
            syncPeriod: "30s",
            minSyncPeriod: "2s",
          },
        }
      : mode === "nftables"
        ? { nftables: { syncPeriod: "30s", minSyncPeriod: "1s" } }
        : { iptables: { syncPeriod: "30s", minSyncPeriod: "1s" } }),
    // maxPerCore 0: leave nf_conntrack_max to the host prep (kube-proxy would otherwise lower it).
    conntrack: { maxPerCore: 0 },
  };
}

/** The KubeProxyConfiguration file (YAML). */
export function renderKubeProxyConfigYaml(args: NodeRenderArgs): string {
  return stringify(renderKubeProxyConfig(args), { lineWidth: 0 });
}

/** The kube-proxy unit (a host daemon like kubelet: no DaemonSet needed before the CNI runs). */
export function renderKubeProxyUnit(): string {
  return renderDaemonUnit({
    description: "Kubernetes network proxy (kube-proxy)",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
    exec: [NODE_PATHS.kubeProxyBinary, `--config=${NODE_PATHS.kubeProxyConfig}`],
    after: [],
    extra: ["LimitNOFILE=65536"],
  });
}

/** The sysctl drop-in kubelet's protectKernelDefaults expects. */
export function renderKubeletSysctls(): string {
  const lines = Object.entries(KUBELET_KERNEL_DEFAULTS).map(([k, v]) => `${k} = ${v}`);
  return ["# kubelet protectKernelDefaults: kubelet verifies these instead of setting them", ...lines, ""].join("\n");
}
