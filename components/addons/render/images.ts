/**
 * Image references through the private registry. The mirror keeps each image under its
 * upstream repository path with the registry host dropped (what `skopeo sync`, `crane copy`
 * and Harbor replication produce): `quay.io/calico/node` -> `<mirror>/calico/node`,
 * `docker.io/traefik` -> `<mirror>/library/traefik`.
 *
 * Every image the platform runs is an {@link ImagePin}: its upstream source, its place in the
 * mirror and, for chart images, the values key it is written to. The renderers build their
 * image values from the pins, and the artifact manifest lists the same pins, so what the
 * cluster pulls and what the mirror must hold cannot drift apart.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";

/** The registry prefix (`host[:port][/path]`), without a trailing '/'. */
export function mirrorRegistryPrefix(images: string): string {
  return images.replace(/\/+$/, "");
}

/** `<mirror>/<upstream repository path>:<tag>`. */
export function mirrorImage(images: string, repository: string, tag: string): string {
  return `${mirrorRegistryPrefix(images)}/${repository}:${tag}`;
}

/** An upstream image reference split into its parts (Docker Hub's defaults made explicit). */
export interface UpstreamImage {
  readonly registry: string;
  /** Path under the registry: `library/busybox`, `calico/node`. */
  readonly repository: string;
  readonly tag: string;
}

/**
 * Parses `[registry/]repository:tag`. A first segment without '.' or ':' is a Docker Hub
 * namespace, and a single-segment name is a Docker Hub official image (`library/`).
 */
export function parseImage(ref: string): UpstreamImage {
  const colon = ref.lastIndexOf(":");
  if (colon < 0 || ref.lastIndexOf("/") > colon) throw new Error(`image reference without a tag: ${ref}`);
  const name = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const parts = name.split("/");
  const hasRegistry = parts.length > 1 && /[.:]/.test(parts[0]);
  const registry = hasRegistry ? parts[0] : "docker.io";
  const path = hasRegistry ? parts.slice(1) : parts;
  const repository = registry === "docker.io" && path.length === 1 ? `library/${path[0]}` : path.join("/");
  return { registry, repository, tag };
}

/** One image the platform runs (or could run when a chart toggle is flipped). */
export interface ImagePin {
  /** Who runs it: a chart (`kube-prometheus-stack`), `calico` (the operator's run-time images) or `platform`. */
  readonly owner: string;
  /** What it is within the owner, e.g. `admission-certgen`. */
  readonly name: string;
  /** The chart values key the pin is written to (absent for images no chart value names). */
  readonly valuesKey?: string;
  /** The upstream reference the mirror copies from, e.g. `ghcr.io/jkroepke/kube-webhook-certgen:1.8.7`. */
  readonly source: string;
  /** Repository path in the mirror (the upstream path without its registry host). */
  readonly repository: string;
  readonly tag: string;
  /** The reference nodes pull: `<mirrors.images>/<repository>:<tag>`. */
  readonly image: string;
  /**
   * True when the rendered values make the chart run it. Pins of disabled features are
   * written anyway, so turning one on never reaches a public registry, but the mirror
   * only needs the running ones.
   */
  readonly runs: boolean;
}

/** The pin of `source` in the mirror. */
export function pinImage(
  images: string,
  owner: string,
  name: string,
  source: string,
  options: { valuesKey?: string; runs?: boolean } = {},
): ImagePin {
  const { repository, tag } = parseImage(source);
  return {
    owner,
    name,
    ...(options.valuesKey === undefined ? {} : { valuesKey: options.valuesKey }),
    source,
    repository,
    tag,
    image: mirrorImage(images, repository, tag),
    runs: options.runs ?? true,
  };
}

/** A chart's split image value: `registry` (the mirror) + `repository` + `tag`. */
export function splitImage(images: string, pin: ImagePin): { registry: string; repository: string; tag: string } {
  return { registry: mirrorRegistryPrefix(images), repository: pin.repository, tag: pin.tag };
}

/** A chart's image value whose `repository` carries the registry: `<mirror>/<path>` + `tag`. */
export function fullRepositoryImage(images: string, pin: ImagePin): { repository: string; tag: string } {
  return { repository: `${mirrorRegistryPrefix(images)}/${pin.repository}`, tag: pin.tag };
}

/**
 * Upstream sources of the images the platform's own manifests run (charts pin theirs in
 * charts.ts). Each tag is a release seen upstream: kubernetes/dns@1.26.7 (its newest tag),
 * kubernetes-sigs/cluster-proportional-autoscaler@v1.9.0, curl/curl-container@8.21.0 (the
 * tag Grafana's chart also pins), busybox 1.38.0 (the tag Grafana's chart pins).
 */
export const PLATFORM_IMAGE_SOURCES = {
  nodeLocalDns: "registry.k8s.io/dns/k8s-dns-node-cache:1.26.7",
  clusterProportionalAutoscaler: "registry.k8s.io/cpa/cluster-proportional-autoscaler:v1.9.0",
  /** Runs the OpenSearch index-policy Jobs. */
  curl: "docker.io/curlimages/curl:8.21.0",
  /** Init containers that charts default to `busybox:latest` (OpenSearch sysctl, Fluent Bit's test pod). */
  busybox: "docker.io/library/busybox:1.38.0",
} as const;

/** CoreDNS from registry.k8s.io, whose tags carry a leading `v` (Docker Hub's do not). */
export const COREDNS_REPOSITORY = "registry.k8s.io/coredns/coredns";

/** The platform's own images, each with whether the config runs it. */
export function platformImages(spec: PlatformSpec): {
  coredns: ImagePin;
  nodeLocalDns: ImagePin;
  clusterProportionalAutoscaler: ImagePin;
  curl: ImagePin;
} {
  const m = spec.mirrors.images;
  const dns = spec.addons.coredns;
  return {
    coredns: pinImage(m, "platform", "coredns", `${COREDNS_REPOSITORY}:v${spec.versions.coredns}`),
    nodeLocalDns: pinImage(m, "platform", "node-local-dns", PLATFORM_IMAGE_SOURCES.nodeLocalDns, {
      runs: dns.nodeLocalDns,
    }),
    clusterProportionalAutoscaler: pinImage(
      m,
      "platform",
      "dns-autoscaler",
      PLATFORM_IMAGE_SOURCES.clusterProportionalAutoscaler,
      { runs: dns.autoscaler },
    ),
    curl: pinImage(m, "platform", "ism-policy-job", PLATFORM_IMAGE_SOURCES.curl, {
      runs: spec.addons.logging.enabled,
    }),
  };
}
