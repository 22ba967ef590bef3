/**
 * The artifact manifest: every file, image, chart and OS package a rollout of the configured
 * stack fetches, built from the same functions that render the downloads (components/*
 * /downloads.ts), the image pins (ImagePin: chart values, Calico's run-time images, the
 * sandbox image, the provisioner) and the Helm releases. Nothing here is a second list.
 */
import type { Download } from "../../lib/downloads";
import { renderIngressRelease } from "../../components/addons/render/ingress";
import { requiredImages } from "../../components/addons/render/imageManifest";
import type { ImagePin } from "../../components/addons/render/images";
import { renderLoggingReleases } from "../../components/addons/render/logging";
import { renderMonitoringReleases, renderPrometheusCrdsRelease } from "../../components/addons/render/monitoring";
import type { ReleaseSpec } from "../../components/addons/render/common";
import { controlPlaneDownloads } from "../../components/control-plane/downloads";
import { etcdDownload } from "../../components/etcd/downloads";
import { renderTigeraOperatorRelease } from "../../components/network/render";
import { harborDownload } from "../../components/registry/downloads";
import { provisionerImages, renderProvisionerRelease } from "../../components/storage/kube";
import { workerDownloads } from "../../components/worker/downloads";
import { sandboxImagePin } from "../../components/worker/renderRuntime";
import type { PlatformSpec } from "../contract/spec";
import { CHART_UPSTREAMS, type ChartUpstream } from "./charts";
import { packageSets, type PackageSet } from "./packages";

/** One image the mirror must hold. */
export interface ManifestImage {
  /** The reference nodes pull: `<mirrors.images>/<repository>:<tag>`. */
  readonly image: string;
  /** Path and tag under the mirror (what the bundle's OCI archive is named after). */
  readonly repository: string;
  readonly tag: string;
  /** The upstream reference the mirror copies. */
  readonly source: string;
  /** `owner/name` of each pin that runs it. */
  readonly usedBy: readonly string[];
}

/** One chart the chart mirror must hold. */
export interface ManifestChart {
  readonly name: string;
  readonly version: string;
  /** The release(s) installed from it. */
  readonly releases: readonly string[];
  /** Where the cluster pulls it: mirrors.charts (a repository URL or oci:// path). */
  readonly mirror: string;
  /** Where the mirror script pulls it. */
  readonly upstream: ChartSource;
}

/** An upstream chart: a Helm repository, or a release archive and the chart directory in it. */
export type ChartSource =
  | { readonly kind: "repo"; readonly repo: string }
  | { readonly kind: "git"; readonly archive: string; readonly dir: string };

function chartSource(upstream: ChartUpstream, version: string): ChartSource {
  return upstream.kind === "repo"
    ? upstream
    : { kind: "git", archive: upstream.archive(version), dir: upstream.dir(version) };
}

/** Everything a rollout fetches. */
export interface ArtifactManifest {
  readonly binaries: readonly Download[];
  readonly images: readonly ManifestImage[];
  readonly charts: readonly ManifestChart[];
  readonly packages: readonly PackageSet[];
}

/** Every release download of the configured stack, one entry per file (sorted by path). */
export function binaryDownloads(spec: PlatformSpec): Download[] {
  const all = [
    ...(spec.topology.etcd.length > 0 ? [etcdDownload(spec)] : []),
    ...controlPlaneDownloads(spec),
    ...workerDownloads(spec),
    ...(spec.topology.registry.length > 0 ? [harborDownload(spec)] : []),
  ];
  const byPath = new Map<string, Download>();
  for (const d of all) if (!byPath.has(d.path)) byPath.set(d.path, d);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The pins outside Calico and the add-ons: the sandbox image and the GlusterFS provisioner. */
function otherPins(spec: PlatformSpec): ImagePin[] {
  const gluster = spec.storage.glusterfs;
  return [sandboxImagePin(spec), ...(gluster ? Object.values(provisionerImages(spec, gluster)) : [])];
}

/** Every image the configured cluster runs, one entry per mirror reference, sorted. */
export function manifestImages(spec: PlatformSpec): ManifestImage[] {
  const byImage = new Map<string, ManifestImage>();
  const add = (pin: { image: string; source: string }, usedBy: readonly string[]) => {
    const known = byImage.get(pin.image);
    const at = pin.image.lastIndexOf(":");
    const prefix = spec.mirrors.images.replace(/\/+$/, "");
    byImage.set(pin.image, {
      image: pin.image,
      repository: pin.image.slice(prefix.length + 1, at),
      tag: pin.image.slice(at + 1),
      source: pin.source,
      usedBy: [...(known?.usedBy ?? []), ...usedBy],
    });
  };
  for (const r of requiredImages(spec)) add(r, r.usedBy);
  for (const pin of otherPins(spec)) if (pin.runs) add(pin, [`${pin.owner}/${pin.name}`]);
  return [...byImage.values()].sort((a, b) => (a.image < b.image ? -1 : 1));
}

/** Every Helm release the configured stack installs. */
export function helmReleases(spec: PlatformSpec): ReleaseSpec[] {
  const a = spec.addons;
  const gluster = spec.storage.glusterfs;
  return [
    renderTigeraOperatorRelease(spec),
    ...(a.ingress.enabled ? [renderIngressRelease(spec)] : []),
    ...(a.monitoring.enabled ? [renderPrometheusCrdsRelease(spec), ...renderMonitoringReleases(spec)] : []),
    ...(a.logging.enabled ? renderLoggingReleases(spec) : []),
    ...(gluster ? [renderProvisionerRelease(spec, gluster)] : []),
  ];
}

/** The chart name of a release (its `chart` is the full oci:// reference on an OCI mirror). */
export function chartName(release: Pick<ReleaseSpec, "chart">): string {
  return release.chart.slice(release.chart.lastIndexOf("/") + 1);
}

/** Every chart, one entry per name and version, sorted. */
export function manifestCharts(spec: PlatformSpec): ManifestChart[] {
  const byKey = new Map<string, ManifestChart>();
  for (const r of helmReleases(spec)) {
    const name = chartName(r);
    const key = `${name}@${r.version}`;
    const upstream = CHART_UPSTREAMS[name];
    if (!upstream) throw new Error(`chart ${name} has no upstream in stacks/artifacts/charts.ts`);
    const known = byKey.get(key);
    byKey.set(key, {
      name,
      version: r.version,
      releases: [...(known?.releases ?? []), `${r.namespace}/${r.name}`],
      mirror: spec.mirrors.charts,
      upstream: chartSource(upstream, r.version),
    });
  }
  return [...byKey.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The manifest of the configured stack. */
export function artifactManifest(spec: PlatformSpec): ArtifactManifest {
  return {
    binaries: binaryDownloads(spec),
    images: manifestImages(spec),
    charts: manifestCharts(spec),
    packages: packageSets(spec),
  };
}
