/**
 * Harbor's offline installer through the binaries mirror (the GitHub release layout), checked
 * against the release's md5sum: upstream publishes no sha256 (registry.installerSha256 pins
 * one). install.sh receives exactly these URLs; the artifact manifest lists them.
 */
import { download, type Download } from "../../lib/downloads";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** The offline installer of the configured Harbor version. */
export function harborDownload(spec: Pick<PlatformSpec, "versions" | "mirrors">): Download {
  const v = spec.versions.harbor;
  const dir = `github.com/goharbor/harbor/releases/download/v${v}`;
  return download(spec.mirrors.binaries, "registry", "harbor", v, `${dir}/harbor-offline-installer-v${v}.tgz`, {
    algorithm: "md5",
    path: `${dir}/md5sum`,
  });
}
