/**
 * The release files a node downloads (install.sh): containerd, runc, the CNI plugins and the
 * node binaries of Kubernetes, each with its upstream checksum file, through the binaries
 * mirror. install.sh receives exactly these URLs; the artifact manifest lists them.
 */
import { PLATFORM_ARCH, download, kubernetesBinary, type Download } from "../../lib/downloads";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** What install.sh can install (its COMPONENTS words). */
export type NodeBinary = "containerd" | "runc" | "cni" | "kubelet" | "kube-proxy" | "kubectl";

/** The download of one node binary at the configured version. */
export function nodeDownload(spec: Pick<PlatformSpec, "versions" | "mirrors">, binary: NodeBinary): Download {
  const m = spec.mirrors.binaries;
  const v = spec.versions;
  const a = PLATFORM_ARCH;
  switch (binary) {
    case "containerd": {
      const dir = `github.com/containerd/containerd/releases/download/v${v.containerd}`;
      const file = `containerd-${v.containerd}-linux-${a}.tar.gz`;
      return download(m, "worker", binary, v.containerd, `${dir}/${file}`, {
        algorithm: "sha256",
        path: `${dir}/${file}.sha256sum`,
      });
    }
    case "runc": {
      const dir = `github.com/opencontainers/runc/releases/download/v${v.runc}`;
      return download(m, "worker", binary, v.runc, `${dir}/runc.${a}`, {
        algorithm: "sha256",
        path: `${dir}/runc.sha256sum`,
      });
    }
    case "cni": {
      const dir = `github.com/containernetworking/plugins/releases/download/v${v.cni}`;
      const file = `cni-plugins-linux-${a}-v${v.cni}.tgz`;
      return download(m, "worker", binary, v.cni, `${dir}/${file}`, {
        algorithm: "sha256",
        path: `${dir}/${file}.sha256`,
      });
    }
    default:
      return kubernetesBinary(m, "worker", binary, v.kubernetes);
  }
}

/** Every download of a node and of the operations host's kubectl. */
export function workerDownloads(spec: Pick<PlatformSpec, "versions" | "mirrors">): Download[] {
  const all: NodeBinary[] = ["containerd", "runc", "cni", "kubelet", "kube-proxy", "kubectl"];
  return all.map((b) => nodeDownload(spec, b));
}
