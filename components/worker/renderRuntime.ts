/**
 * Pure renderers of the container runtime: containerd 2.x config.toml (config version 3),
 * the registry host files (`certs.d/<host>/hosts.toml`), the containerd unit and
 * crictl.yaml. Nodes hold no registry credentials: the platform's images come from a
 * project anonymous pulls may read, tenants' images with their namespace's pull secret.
 * https://github.com/containerd/containerd/blob/main/docs/cri/config.md and docs/hosts.md
 */
import { pinImage, type ImagePin } from "../addons/render/images";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { NODE_PATHS } from "./paths";

/** Upstream registries whose images are pulled through the private registry first. */
export const MIRRORED_UPSTREAMS = ["docker.io", "registry.k8s.io", "quay.io", "ghcr.io"] as const;

/** Where the upstream itself is served (docker.io's API lives on another host). */
const UPSTREAM_SERVER: Readonly<Record<(typeof MIRRORED_UPSTREAMS)[number], string>> = {
  "docker.io": "https://registry-1.docker.io",
  "registry.k8s.io": "https://registry.k8s.io",
  "quay.io": "https://quay.io",
  "ghcr.io": "https://ghcr.io",
};

/** TOML basic string (quotes and backslashes escaped). */
export function tomlString(value: string): string {
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw new Error(`control characters cannot go into TOML strings: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The private registry's host[:port] (mirrors.images without a path). */
export function registryHost(spec: Pick<PlatformSpec, "mirrors">): string {
  return spec.mirrors.images.split("/")[0];
}

/** The pod sandbox image's pin: registry.k8s.io/pause (kubeadm pins the same tag per release). */
export function sandboxImagePin(spec: Pick<PlatformSpec, "mirrors" | "versions">): ImagePin {
  return pinImage(spec.mirrors.images, "platform", "pause", `registry.k8s.io/pause:${spec.versions.pause}`);
}

/** The pod sandbox image, from the private registry. */
export function sandboxImage(spec: Pick<PlatformSpec, "mirrors" | "versions">): string {
  return sandboxImagePin(spec).image;
}

/**
 * containerd's config.toml (version 3, containerd 2.x): systemd cgroups for runc (matching
 * kubelet's cgroupDriver), the sandbox image from the mirror and registry hosts from
 * certs.d. Only current keys: CNI `bin_dirs` (not the deprecated `bin_dir`), no
 * `registry.configs`/`auths`/`mirrors`, and the download concurrency on the transfer
 * service (in the CRI images table any value but 3 drops the CRI back to local pulls).
 */
export function renderContainerdConfig(spec: Pick<PlatformSpec, "mirrors" | "versions">): string {
  return [
    "# managed by k8s-platform (components/worker/renderRuntime.ts)",
    "version = 3",
    `root = "/var/lib/containerd"`,
    `state = "/run/containerd"`,
    "",
    "[grpc]",
    `  address = ${tomlString(NODE_PATHS.containerdSocket)}`,
    "",
    "[plugins]",
    "  [plugins.'io.containerd.transfer.v1.local']",
    "    max_concurrent_downloads = 5",
    "",
    "  [plugins.'io.containerd.cri.v1.images']",
    `    snapshotter = "overlayfs"`,
    "",
    "    [plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `      sandbox = ${tomlString(sandboxImage(spec))}`,
    "",
    "    [plugins.'io.containerd.cri.v1.images'.registry]",
    `      config_path = ${tomlString(NODE_PATHS.containerdCertsDir)}`,
    "",
    "  [plugins.'io.containerd.cri.v1.runtime']",
    "    enable_selinux = false",
    "    max_container_log_line_size = 16384",
    "",
    "    [plugins.'io.containerd.cri.v1.runtime'.containerd]",
    `      default_runtime_name = "runc"`,
    "",
    "      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    `        runtime_type = "io.containerd.runc.v2"`,
    "",
    "        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    `          BinaryName = ${tomlString(NODE_PATHS.runcBinary)}`,
    "          SystemdCgroup = true",
    "",
    "    [plugins.'io.containerd.cri.v1.runtime'.cni]",
    `      bin_dirs = [${tomlString(NODE_PATHS.cniBinDir)}]`,
    `      conf_dir = ${tomlString(NODE_PATHS.cniConfDir)}`,
    "",
    "  [plugins.'io.containerd.grpc.v1.cri']",
    // Streaming (exec/attach/port-forward) is proxied by the kubelet; keep it on loopback.
    `    stream_server_address = "127.0.0.1"`,
    `    stream_idle_timeout = "4h0m0s"`,
    "",
  ].join("\n");
}

/** One registry host file. */
export interface RegistryHostFile {
  /** Path on the node, `<certs.d>/<namespace>/hosts.toml`. */
  readonly path: string;
  readonly content: string;
}

/**
 * hosts.toml files: the private registry itself, and each upstream registry mirrored
 * through it (Harbor proxy-cache projects named after the upstream host, e.g.
 * `reg.example.internal/docker.io/library/nginx`). The upstream stays the fallback
 * `server`, so a pull still works where the upstream is reachable and the cache is not.
 * `caPath`: the registry's CA on the node, when it is not in the OS trust store.
 */
export function renderRegistryHosts(spec: Pick<PlatformSpec, "mirrors">, caPath?: string): RegistryHostFile[] {
  const host = registryHost(spec);
  const base = `https://${host}`;
  const ca = caPath ? [`  ca = ${tomlString(caPath)}`] : [];
  const own: RegistryHostFile = {
    path: `${NODE_PATHS.containerdCertsDir}/${host}/hosts.toml`,
    content: [
      `server = ${tomlString(base)}`,
      "",
      `[host.${tomlString(base)}]`,
      `  capabilities = ["pull", "resolve"]`,
      ...ca,
      "",
    ].join("\n"),
  };
  const mirrors = MIRRORED_UPSTREAMS.map((upstream) => ({
    path: `${NODE_PATHS.containerdCertsDir}/${upstream}/hosts.toml`,
    content: [
      `server = ${tomlString(UPSTREAM_SERVER[upstream])}`,
      "",
      `[host.${tomlString(`${base}/v2/${upstream}`)}]`,
      `  capabilities = ["pull", "resolve"]`,
      // The proxy-cache project is part of the path, so containerd must not add /v2 again.
      "  override_path = true",
      ...ca,
      "",
    ].join("\n"),
  }));
  return [own, ...mirrors];
}

/** containerd's unit (the release tarball ships binaries only), after the upstream unit. */
export function renderContainerdUnit(): string {
  return [
    "[Unit]",
    "Description=containerd container runtime",
    "Documentation=https://containerd.io",
    "After=network.target local-fs.target dbus.service",
    "",
    "[Service]",
    "ExecStartPre=-/sbin/modprobe overlay",
    `ExecStart=${NODE_PATHS.containerdBinary}`,
    "Type=notify",
    // containerd's shims own the containers; restarting containerd must not kill them.
    "Delegate=yes",
    "KillMode=process",
    "Restart=always",
    "RestartSec=5",
    "LimitNPROC=infinity",
    "LimitCORE=infinity",
    "TasksMax=infinity",
    "OOMScoreAdjust=-999",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** crictl's config: talk to containerd's CRI socket. */
export function renderCrictlConfig(): string {
  const endpoint = `unix://${NODE_PATHS.containerdSocket}`;
  return [`runtime-endpoint: ${endpoint}`, `image-endpoint: ${endpoint}`, "timeout: 10", "debug: false", ""].join("\n");
}
