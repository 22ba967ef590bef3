/**
 * The mirror script of a manifest: mirror.sh with the manifest's binaries, images and charts
 * as its parameters, for a connected machine (see mirror.sh for the bundle layout).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PLATFORM_ARCH } from "../../lib/downloads";
import { withParameters } from "../../lib/shell";
import type { ArtifactManifest } from "./manifest";

const SCRIPT = readFileSync(join(__dirname, "mirror.sh"), "utf8");

/** Fails on a value that would split a parameter line (the config admits none). */
function words(...values: string[]): string {
  for (const v of values)
    if (v === "" || /\s/.test(v)) throw new Error(`mirror script: bad value ${JSON.stringify(v)}`);
  return values.join(" ");
}

/** The upstream location of a mirrored path: the mirror keeps the upstream host and path. */
export function upstreamUrl(path: string): string {
  return `https://${path}`;
}

/** mirror.sh with the manifest's artifacts. */
export function renderMirrorScript(manifest: ArtifactManifest): string {
  return withParameters(SCRIPT, {
    MIRROR_BINARIES: manifest.binaries
      .map((d) => words(d.path, d.checksum.path, d.checksum.algorithm, d.file))
      .join("\n"),
    MIRROR_IMAGES: manifest.images.map((i) => words(i.source, i.repository, i.tag)).join("\n"),
    MIRROR_CHARTS: manifest.charts
      .map((c) =>
        c.upstream.kind === "repo"
          ? words(c.name, c.version, "repo", c.upstream.repo)
          : words(c.name, c.version, "git", c.upstream.archive, c.upstream.dir),
      )
      .join("\n"),
    MIRROR_ARCH: PLATFORM_ARCH,
  });
}
