/**
 * Release downloads through the binaries mirror. The mirror keeps each upstream file under
 * its upstream host and path (`<mirror>/dl.k8s.io/release/...`, `<mirror>/github.com/...`),
 * so one function per component names each file once: the install scripts receive exactly
 * these URLs as parameters and the artifact manifest (`npm run artifacts`) lists the same
 * objects, so what hosts download and what the mirror must hold cannot drift apart.
 */

/** The CPU architecture of every download (the node and control-plane binaries are amd64). */
export const PLATFORM_ARCH = "amd64";

/** How a download is verified: the upstream checksum file beside it. */
export interface ChecksumFile {
  /** `sha256` (hex digest lines or a bare digest) or `md5` (Harbor publishes only md5sum). */
  readonly algorithm: "sha256" | "md5";
  /** Path in the mirror (the upstream host and path). */
  readonly path: string;
  /** `<mirrors.binaries>/<path>`. */
  readonly url: string;
}

/** One release file a host downloads. */
export interface Download {
  /** The component whose script downloads it (`etcd`, `worker`, `control-plane`, `registry`). */
  readonly component: string;
  /** What it is, e.g. `kubelet`, `containerd`; the key the script looks the URL up by. */
  readonly name: string;
  readonly version: string;
  /** Path in the mirror (the upstream host and path). */
  readonly path: string;
  /** `<mirrors.binaries>/<path>`. */
  readonly url: string;
  /** The file name the checksum file lists (the last path segment). */
  readonly file: string;
  readonly checksum: ChecksumFile;
}

/** `<mirror>/<path>` without a doubled '/'. */
export function mirrorUrl(mirror: string, path: string): string {
  return `${mirror.replace(/\/+$/, "")}/${path}`;
}

/** A download of `path`, checked against the checksum file at `checksumPath`. */
export function download(
  mirror: string,
  component: string,
  name: string,
  version: string,
  path: string,
  checksum: { algorithm: "sha256" | "md5"; path: string },
): Download {
  return {
    component,
    name,
    version,
    path,
    url: mirrorUrl(mirror, path),
    file: path.slice(path.lastIndexOf("/") + 1),
    checksum: { ...checksum, url: mirrorUrl(mirror, checksum.path) },
  };
}

/** A Kubernetes binary from dl.k8s.io, with the bare-digest `.sha256` beside it. */
export function kubernetesBinary(mirror: string, component: string, name: string, version: string): Download {
  const path = `dl.k8s.io/release/v${version}/bin/linux/${PLATFORM_ARCH}/${name}`;
  return download(mirror, component, name, version, path, { algorithm: "sha256", path: `${path}.sha256` });
}

/**
 * The `DOWNLOADS` parameter of a script: one `name url checksum-url` line per download (no
 * value holds whitespace: the config admits only URLs without it). The scripts look a
 * download up by its name (see `download_url` in the scripts).
 */
export function renderDownloadList(downloads: readonly Download[]): string {
  return downloads
    .map((d) => {
      for (const v of [d.name, d.url, d.checksum.url])
        if (/\s/.test(v)) throw new Error(`download ${d.name}: whitespace in ${JSON.stringify(v)}`);
      return `${d.name} ${d.url} ${d.checksum.url}`;
    })
    .join("\n");
}
