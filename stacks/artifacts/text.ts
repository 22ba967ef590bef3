/** The manifest as text for people (JSON for tools is the manifest itself). */
import type { ArtifactManifest } from "./manifest";

/** Columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** The manifest as sections of aligned tables. */
export function renderManifestText(manifest: ArtifactManifest, title: string): string {
  const lines = [title, ""];
  lines.push(
    `binaries (${manifest.binaries.length}): fetched from mirrors.binaries, each checked against its checksum file`,
  );
  lines.push(
    ...table([
      ["component", "name", "version", "url", "checksum"],
      ...manifest.binaries.map((d) => [
        d.component,
        d.name,
        d.version,
        d.url,
        `${d.checksum.algorithm} ${d.checksum.url}`,
      ]),
    ]).map((l) => `  ${l}`),
  );
  lines.push("", `images (${manifest.images.length}): pulled from mirrors.images`);
  lines.push(
    ...table([
      ["image", "upstream", "used by"],
      ...manifest.images.map((i) => [i.image, i.source, i.usedBy.join(", ")]),
    ]).map((l) => `  ${l}`),
  );
  lines.push("", `charts (${manifest.charts.length}): pulled from mirrors.charts`);
  lines.push(
    ...table([
      ["chart", "version", "releases", "upstream"],
      ...manifest.charts.map((c) => [
        c.name,
        c.version,
        c.releases.join(", "),
        c.upstream.kind === "repo" ? c.upstream.repo : `${c.upstream.archive} (${c.upstream.dir})`,
      ]),
    ]).map((l) => `  ${l}`),
  );
  lines.push("", "OS packages (mirrors.packages), per family:");
  lines.push(
    ...table([
      ["hosts", "role", "EL 9 (yum)", "Debian 12 / Ubuntu 24.04 (apt)", "installed by"],
      ...manifest.packages.map((p) => [
        p.hosts,
        p.role,
        p.packages.rhel.join(" "),
        p.packages.debian.join(" "),
        `${p.script}${p.note ? ` (${p.note})` : ""}`,
      ]),
    ]).map((l) => `  ${l}`),
  );
  return `${lines.join("\n")}\n`;
}
