/**
 * Pure renderers of the Kubernetes side: rancher's local-path-provisioner in its
 * shared-filesystem mode (every node has the volume mounted at the same path, so a PV is a
 * directory on it, usable from any node) and the StorageClass.
 */
import { fullRepositoryImage, pinImage, type ImagePin } from "../addons/render/images";
import { release, type ReleaseSpec } from "../addons/render/common";
import type { GlusterConfig, PlatformSpec } from "../../stacks/contract/spec";
import { mountPath } from "./mount";
import { renderProvisionerSetup, renderProvisionerTeardown } from "./quota";

/** The provisioner chart and where it runs (https://github.com/rancher/local-path-provisioner/tree/master/deploy/chart). */
export const PROVISIONER = {
  chart: "local-path-provisioner",
  release: "glusterfs-provisioner",
  namespace: "kube-system",
  /** The StorageClass `provisioner` (the chart's `--provisioner-name`). */
  name: "k8s-platform.io/glusterfs",
  /** The helper pods' image (the provisioner image itself is `scratch`: no shell). */
  helperImage: { repository: "library/busybox", tag: "1.37.0" },
} as const;

/** A plain Kubernetes object (what the component passes to @pulumi/kubernetes and tests validate). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** The provisioner's images: its own (tag `v<chart version>`) and the helper pods' busybox. */
export function provisionerImages(
  spec: Pick<PlatformSpec, "mirrors">,
  gluster: GlusterConfig,
): { provisioner: ImagePin; helper: ImagePin } {
  const m = spec.mirrors.images;
  const helper = PROVISIONER.helperImage;
  return {
    provisioner: pinImage(
      m,
      PROVISIONER.chart,
      "provisioner",
      `docker.io/rancher/local-path-provisioner:v${gluster.provisionerChart}`,
      { valuesKey: "image" },
    ),
    helper: pinImage(m, PROVISIONER.chart, "helper", `docker.io/${helper.repository}:${helper.tag}`, {
      valuesKey: "helperImage",
    }),
  };
}

/** The provisioner's Helm release from the chart mirror. */
export function renderProvisionerRelease(spec: Pick<PlatformSpec, "mirrors">, gluster: GlusterConfig): ReleaseSpec {
  return release(
    spec.mirrors.charts,
    PROVISIONER.release,
    PROVISIONER.namespace,
    PROVISIONER.chart,
    gluster.provisionerChart,
    renderProvisionerValues(spec, gluster),
  );
}

/**
 * Values for the local-path-provisioner chart: both images from the private registry (the
 * provisioner's tag is the chart's appVersion, `v<chart version>`), one replica (it runs
 * no leader election), the shared-filesystem path where every node mounts the volume, and
 * the helper scripts that create PV directories and record their sizes for the quota
 * agents. The chart's own StorageClass is off: the component makes it.
 */
export function renderProvisionerValues(
  spec: Pick<PlatformSpec, "mirrors">,
  gluster: GlusterConfig,
): Record<string, unknown> {
  const images = provisionerImages(spec, gluster);
  return {
    fullnameOverride: PROVISIONER.release,
    replicaCount: 1,
    image: fullRepositoryImage(spec.mirrors.images, images.provisioner),
    helperImage: fullRepositoryImage(spec.mirrors.images, images.helper),
    storageClass: { create: false, provisionerName: PROVISIONER.name },
    nodePathMap: [],
    sharedFileSystemPath: mountPath(gluster.volume),
    configmap: {
      name: `${PROVISIONER.release}-config`,
      setup: renderProvisionerSetup(gluster),
      teardown: renderProvisionerTeardown(gluster),
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
  };
}

/**
 * The StorageClass: one directory per PV on the volume, named `<pv>_<namespace>_<claim>`
 * by the provisioner, so an operator can tell whose data a retained directory holds. PVs
 * are hostPath volumes under the node's GlusterFS mount; every node has the same mount,
 * so a PV carries no node affinity and claims may be ReadWriteMany. No mountOptions: the
 * mount is the node's (components/storage/mount.ts), the same for every PV.
 */
export function renderStorageClass(gluster: GlusterConfig): KubeObject {
  const { storageClass } = gluster;
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: storageClass.name,
      annotations: {
        "storageclass.kubernetes.io/is-default-class": String(storageClass.default),
        defaultVolumeType: "hostPath",
      },
      labels: { "app.kubernetes.io/managed-by": "k8s-platform", "app.kubernetes.io/component": "storage" },
    },
    provisioner: PROVISIONER.name,
    reclaimPolicy: storageClass.reclaimPolicy,
    volumeBindingMode: "Immediate",
    // The provisioner cannot grow a PV (nor its quota).
    allowVolumeExpansion: false,
  };
}

/** A claim on the class (the docs' example; StatefulSets use the same spec in volumeClaimTemplates). */
export function renderExampleClaim(namespace: string, name: string, storageClass: string, size: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storageClass,
      resources: { requests: { storage: size } },
    },
  };
}
