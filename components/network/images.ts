/**
 * Calico's images, per recorded Calico release (the config admits only these, see
 * `VERIFIED_CALICO_VERSIONS`). The tigera-operator chart renders only the operator; the
 * operator then pulls Calico's own images for the Installation, from `Installation.registry`
 * + `calico/<name>:<calico version>` (tigera/operator@v1.38.13:pkg/components/calico.go,
 * pkg/components/references.go), which no manifest of the platform shows. Both are pins here.
 */
import type { PlatformSpec } from "../../stacks/contract/spec";
import { pinImage, type ImagePin } from "../addons/render/images";

/** One Calico release: the chart source, the operator it pins, and which run-time images exist. */
export interface CalicoFacts {
  readonly source: string;
  /** `tigeraOperator.{registry,image,version}` default of the chart. */
  readonly operator: string;
  /** `calicoctl.{image,tag}`: only for the OpenShift init container the platform never renders. */
  readonly calicoctl: string;
  /** APIServices the operator creates for the Installation (pkg/render/apiserver.go, with an APIServer CR). */
  readonly apiserverCalls: readonly string[];
}

export const CALICO = {
  "3.30.7": {
    source: "projectcalico/calico@v3.30.7:charts/tigera-operator",
    operator: "quay.io/tigera/operator:v1.38.13",
    calicoctl: "docker.io/calico/ctl:v3.30.7",
    apiserverCalls: ["APIService v3.projectcalico.org"],
  },
} as const satisfies Record<string, CalicoFacts>;

/** Whether the Installation runs the Calico API server (APIService v3.projectcalico.org). */
export const CALICO_API_SERVER = true;

/** The facts of the configured release (the loader admits only recorded ones). */
export function calicoFacts(spec: PlatformSpec): CalicoFacts {
  return (CALICO as Record<string, CalicoFacts>)[spec.versions.calico];
}

/**
 * The images of the Installation the platform renders (Calico CNI, Linux, no FIPS, no
 * certificate management, Goldmane and Whisker off), each with why the operator pulls it
 * (tigera/operator@v1.38.13:pkg/render/node.go, typha.go, kube-controllers, csi.go, apiserver.go).
 */
export const CALICO_RUNTIME_IMAGES = [
  { name: "node", why: "calico-node DaemonSet" },
  { name: "cni", why: "calico-node init container install-cni (CNI type Calico)" },
  { name: "pod2daemon-flexvol", why: "calico-node init container flexvol-driver (flexVolumePath defaulted)" },
  { name: "typha", why: "calico-typha Deployment" },
  { name: "kube-controllers", why: "calico-kube-controllers Deployment" },
  { name: "csi", why: "csi-node-driver DaemonSet (kubeletVolumePluginPath /var/lib/kubelet)" },
  { name: "node-driver-registrar", why: "csi-node-driver DaemonSet" },
  { name: "apiserver", why: "calico-apiserver Deployment (APIServer CR)", apiServer: true },
] as const;

/** The operator (chart image) and every run-time image the operator pulls. */
export function calicoImages(spec: PlatformSpec): { operator: ImagePin; calicoctl: ImagePin; runtime: ImagePin[] } {
  const m = spec.mirrors.images;
  const facts = calicoFacts(spec);
  return {
    operator: pinImage(m, "calico", "tigera-operator", facts.operator, { valuesKey: "tigeraOperator" }),
    calicoctl: pinImage(m, "calico", "calicoctl", facts.calicoctl, { valuesKey: "calicoctl", runs: false }),
    runtime: CALICO_RUNTIME_IMAGES.map((image) =>
      pinImage(m, "calico", image.name, `quay.io/calico/${image.name}:v${spec.versions.calico}`, {
        runs: !("apiServer" in image) || CALICO_API_SERVER,
      }),
    ),
  };
}
