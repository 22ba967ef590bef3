/**
 * The etcd release tarball and its SHA256SUMS through the binaries mirror (the GitHub
 * release layout). install.sh receives exactly these URLs; the artifact manifest lists them.
 */
import { PLATFORM_ARCH, download, type Download } from "../../lib/downloads";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** The release tarball of the configured etcd version. */
export function etcdDownload(spec: {
  readonly versions: Pick<PlatformSpec["versions"], "etcd">;
  readonly mirrors: Pick<PlatformSpec["mirrors"], "binaries">;
}): Download {
  const v = spec.versions.etcd;
  const dir = `github.com/etcd-io/etcd/releases/download/v${v}`;
  return download(spec.mirrors.binaries, "etcd", "etcd", v, `${dir}/etcd-v${v}-linux-${PLATFORM_ARCH}.tar.gz`, {
    algorithm: "sha256",
    path: `${dir}/SHA256SUMS`,
  });
}
