/**
 * Image references through the private registry. The mirror keeps each image under its
 * upstream repository path with the registry host dropped (what `skopeo sync`, `crane copy`
 * and Harbor replication produce): `quay.io/calico/node` -> `<mirror>/calico/node`,
 * `docker.io/traefik` -> `<mirror>/library/traefik`. Every image the platform runs is named
 * here or in a chart value built from these helpers, so the mirror list is complete.
 */

/** The registry prefix (`host[:port][/path]`), without a trailing '/'. */
export function mirrorRegistryPrefix(images: string): string {
  return images.replace(/\/+$/, "");
}

/** `<mirror>/<upstream repository path>:<tag>`. */
export function mirrorImage(images: string, repository: string, tag: string): string {
  return `${mirrorRegistryPrefix(images)}/${repository}:${tag}`;
}

/** A chart's split image value (`registry` + `repository` [+ `tag`]). */
export function splitImage(images: string, repository: string, tag?: string): Record<string, string> {
  return { registry: mirrorRegistryPrefix(images), repository, ...(tag === undefined ? {} : { tag }) };
}

/**
 * Images the platform's own manifests run (charts pin theirs by chart version). Tags are
 * releases seen upstream (node-cache 1.26.8 is the last kubernetes/dns release); see the
 * README's versions table.
 */
export const IMAGES = {
  coredns: "coredns/coredns",
  nodeLocalDns: { repository: "dns/k8s-dns-node-cache", tag: "1.26.8" },
  clusterProportionalAutoscaler: { repository: "cpa/cluster-proportional-autoscaler", tag: "v1.9.0" },
  /** Runs the OpenSearch index-policy Job. */
  curl: { repository: "curlimages/curl", tag: "8.11.1" },
} as const;
