/**
 * The control-plane binaries a master downloads (install-control-plane.sh) from dl.k8s.io
 * through the binaries mirror, each with its bare-digest `.sha256`. The script receives
 * exactly these URLs; the artifact manifest lists them.
 */
import { kubernetesBinary, type Download } from "../../lib/downloads";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** What a master installs (kubectl for the health gate and the operator). */
export const CONTROL_PLANE_BINARIES = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
] as const;

/** Every download of a master at the configured Kubernetes version. */
export function controlPlaneDownloads(spec: Pick<PlatformSpec, "versions" | "mirrors">): Download[] {
  return CONTROL_PLANE_BINARIES.map((name) =>
    kubernetesBinary(spec.mirrors.binaries, "control-plane", name, spec.versions.kubernetes),
  );
}
