/**
 * The manifest covers the rendered graph: every image reference any resource carries (Helm
 * values in their split shapes, the Calico Installation's registry, containerd's sandbox
 * image, Job and DaemonSet specs), every release URL any script downloads, and every chart
 * a Helm resource installs is in `npm run artifacts`' manifest; and the image seeding step
 * runs before every in-cluster resource that pulls.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allImagePins } from "../../components/addons/render/imageManifest";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { artifactManifest, chartName, type ArtifactManifest } from "../../stacks/artifacts/manifest";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { prodConfig, REPO_ROOT } from "../support/config";
import { transitiveDependencies } from "../support/graph";

/** Every value under a resource's inputs (objects and leaves), secrets and assets opened. */
function visitAll(r: RecordedResource, visit: (value: unknown) => void): void {
  const walk = (v: unknown): void => {
    visit(v);
    // Node files travel base64-encoded in put-files.sh's `owner mode path base64` lines.
    if (typeof v === "string")
      for (const m of v.matchAll(/^\S+ 0[0-7]{3} \/\S+ ([A-Za-z0-9+/=]+)$/gm))
        visit(Buffer.from(m[1], "base64").toString("utf8"));
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v as Record<string, unknown>).forEach(walk);
  };
  walk(r.inputs);
}

/** Image references a value holds: full strings, and the split shapes chart values use. */
function imageRefs(value: unknown, prefix: string): string[] {
  const full = new RegExp(`${prefix.replace(/[.]/g, "\\.")}/[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*`, "g");
  if (typeof value === "string") return value.match(full) ?? [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const o = value as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  const [registry, repository, tag, image, version] = ["registry", "repository", "tag", "image", "version"].map(str);
  if (registry === prefix && repository && tag) return [`${registry}/${repository}:${tag}`];
  if (repository?.startsWith(`${prefix}/`) && tag) return [`${repository}:${tag}`];
  if (registry === prefix && image && (tag ?? version)) return [`${registry}/${image}:${tag ?? version}`];
  return [];
}

describe("the artifact manifest covers the rendered graph (prod stack)", function () {
  this.timeout(120_000);
  let graph: Graph;
  let spec: PlatformSpec;
  let manifest: ArtifactManifest;

  before(async () => {
    spec = loadOrThrow(prodConfig()).spec;
    manifest = artifactManifest(spec);
    graph = await runProgram(prodConfig());
  });

  it("lists every image reference a resource carries (pins of disabled features aside)", () => {
    const prefix = spec.mirrors.images;
    const listed = new Set(manifest.images.map((i) => i.image));
    const notRun = new Set(
      allImagePins(spec)
        .filter((p) => !p.runs)
        .map((p) => p.image),
    );
    const seen = new Map<string, string>();
    for (const r of graph.resources) visitAll(r, (v) => imageRefs(v, prefix).forEach((ref) => seen.set(ref, r.urn)));
    const missing = [...seen].filter(([ref]) => !listed.has(ref) && !notRun.has(ref));
    assert.deepEqual(missing, [], "image references of the graph that the manifest lacks");
    // The walk reaches the shapes it must: containerd's sandbox image, a split chart value,
    // a full-repository chart value, and the tigera-operator's registry/image/version.
    for (const ref of [
      `${prefix}/pause:${spec.versions.pause}`,
      `${prefix}/library/traefik:v3.7.11`,
      `${prefix}/fluent/fluent-bit:5.1.1`,
      `${prefix}/tigera/operator:v1.38.13`,
      `${prefix}/rancher/local-path-provisioner:v${spec.storage.glusterfs?.provisionerChart}`,
    ])
      assert.ok(seen.has(ref), `the graph walk found ${ref}`);
    assert.ok(seen.size >= 20, `found ${seen.size} references`);
  });

  it("lists the images tigera-operator pulls: the Installation points it at the mirror's layout", () => {
    const release = graph.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "tigera-operator",
    );
    assert.ok(release, "the tigera-operator release");
    // The chart renders its `installation` value as the Installation the operator reconciles.
    const s = (release.inputs.values as { installation: { registry?: string; imagePath?: string } }).installation;
    assert.equal(s.registry, `${spec.mirrors.images}/`);
    assert.equal(s.imagePath, undefined, "images under calico/ (the operator's default path)");
    for (const name of [
      "node",
      "cni",
      "typha",
      "kube-controllers",
      "csi",
      "node-driver-registrar",
      "pod2daemon-flexvol",
    ])
      assert.ok(
        manifest.images.some((i) => i.image === `${spec.mirrors.images}/calico/${name}:v${spec.versions.calico}`),
        name,
      );
  });

  it("lists every release URL a script downloads, and no script composes one", () => {
    const base = spec.mirrors.binaries;
    const listed = new Set(manifest.binaries.flatMap((d) => [d.url, d.checksum.url]));
    const urls = new RegExp(`${base.replace(/[.]/g, "\\.")}/[^\\s'"]+`, "g");
    const found = new Set<string>();
    for (const r of graph.resources)
      visitAll(r, (v) => {
        if (typeof v === "string") for (const u of v.match(urls) ?? []) found.add(u);
      });
    // The seeding step's bundle directory is read, not downloaded as one file.
    found.delete(`${base}/images`);
    assert.deepEqual(
      [...found].filter((u) => !listed.has(u)),
      [],
      "URLs the manifest lacks",
    );
    for (const d of manifest.binaries) assert.ok(found.has(d.url), `${d.url} is downloaded by some script`);
    const scripts = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? scripts(join(dir, e.name)) : e.name.endsWith(".sh") ? [join(dir, e.name)] : [],
      );
    for (const file of scripts(join(REPO_ROOT, "components")))
      assert.doesNotMatch(
        readFileSync(file, "utf8").replace(/^\s*#.*$/gm, ""),
        /releases\/download|dl\.k8s\.io\/release/,
        `${file} builds a release URL itself`,
      );
  });

  it("lists every chart a Helm resource installs, from the chart mirror", () => {
    const helm = graph.resources.filter((r) => /^kubernetes:helm\.sh\/v[34]:(Release|Chart)$/.test(r.type));
    assert.ok(helm.length >= 8, `${helm.length} Helm resources`);
    for (const r of helm) {
      const chart = r.inputs.chart as string;
      const version = r.inputs.version as string;
      assert.ok(
        manifest.charts.some((c) => c.name === chartName({ chart }) && c.version === version),
        `${chart}@${version} (${r.urn})`,
      );
      assert.equal((r.inputs.repositoryOpts as { repo?: string } | undefined)?.repo, spec.mirrors.charts, r.urn);
    }
    assert.equal(manifest.charts.length, new Set(helm.map((r) => `${r.inputs.chart}@${r.inputs.version}`)).size);
  });

  it("seeds the manifest's images into Harbor before Calico and every add-on", () => {
    const seed = graph.resources.find((r) => r.type === "command:remote:Command" && r.name.endsWith("-seed-images"));
    assert.ok(seed, "a seeding step");
    const stdin = seed.inputs.stdin as string;
    const images = /^SEED_IMAGES='([^']*)'$/m.exec(stdin)?.[1].split("\n");
    assert.deepEqual(
      images,
      manifest.images.map((i) => `${i.repository}:${i.tag}`),
    );
    // Re-run in place through stdin; replaced only with a rebuilt host, and nothing to delete.
    assert.equal((seed.inputs.triggers as unknown[]).length, 1);
    assert.equal(seed.inputs.delete, undefined);
    assert.equal(seed.inputs.addPreviousOutputInEnv, false);
    const pulling = graph.resources.filter(
      (r) =>
        r.type.startsWith("kubernetes:") &&
        !r.type.startsWith("kubernetes:core/v1:Namespace") &&
        r.type !== "pulumi:providers:kubernetes",
    );
    assert.ok(pulling.length > 50);
    const early = pulling.filter((r) => !transitiveDependencies(graph, r.urn).has(seed.urn));
    assert.deepEqual(
      early.map((r) => r.urn).filter((u) => /helm\.sh|Installation|apps\/v1|batch\/v1/.test(u)),
      [],
      "resources that could pull before the images are seeded",
    );
  });
});
