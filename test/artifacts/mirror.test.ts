/**
 * The mirror script of the prod manifest, shellcheck-clean, run with stand-ins for curl
 * (serving a local upstream tree), skopeo and helm that record their arguments: the bundle
 * gets every release file at its mirror path, verified against its checksum file; one OCI
 * archive per image and the index the seeding step reads; every chart; a re-run fetches
 * nothing; a checksum mismatch fails naming the file. Also: the CLI (JSON, bad config),
 * and the OS package table against the scripts' install lines.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadOrThrow } from "../../stacks/contract/load";
import { artifactManifest, type ArtifactManifest } from "../../stacks/artifacts/manifest";
import { renderMirrorScript } from "../../stacks/artifacts/mirror";
import { clone, prodConfig, REPO_ROOT, repoFile } from "../support/config";
import { requireTool } from "../support/tools";

const STANDINS = {
  // curl -fsSL ... -o FILE URL: copies $UPSTREAM/<host/path> of an https:// URL.
  curl: `#!/usr/bin/env bash
set -euo pipefail
out="" url=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out=$2; shift 2 ;; --retry|--retry-delay|--connect-timeout) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac
done
echo "curl $url" >>"$CALLS"
cp "$UPSTREAM/\${url#https://}" "$out"
`,
  // skopeo copy ... docker://SRC oci-archive:FILE | skopeo inspect --raw oci-archive:FILE
  skopeo: `#!/usr/bin/env bash
set -euo pipefail
echo "skopeo $*" >>"$CALLS"
last=\${*: -1}
case "$1" in
  copy) printf 'archive of %s\\n' "\${*: -2:1}" >"\${last#oci-archive:}" ;;
  inspect) cat "\${last#oci-archive:}" ;;
esac
`,
  helm: `#!/usr/bin/env bash
set -euo pipefail
echo "helm $*" >>"$CALLS"
case "$1" in
  pull) name=$2; shift 2; while [ $# -gt 0 ]; do case "$1" in --version) v=$2; shift 2 ;; --destination) d=$2; shift 2 ;; *) shift ;; esac; done
    touch "$d/$name-$v.tgz" ;;
  package) dir=$2; shift 2; while [ $# -gt 0 ]; do case "$1" in --version) v=$2; shift 2 ;; --destination) d=$2; shift 2 ;; *) shift ;; esac; done
    touch "$d/$(basename "$dir")-$v.tgz" ;;
  repo) touch "$3/index.yaml" ;;
esac
`,
  tar: `#!/usr/bin/env bash
echo "tar $*" >>"$CALLS"
`,
};

describe("the mirror script (stand-ins for curl, skopeo and helm)", function () {
  this.timeout(60_000);
  let dir = "";
  let manifest: ArtifactManifest;
  const p = (...parts: string[]) => join(dir, ...parts);
  const calls = () => (existsSync(p("calls")) ? readFileSync(p("calls"), "utf8").trim().split("\n") : []);
  const mirror = () =>
    spawnSync("bash", [p("mirror.sh"), p("bundle")], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${p("bin")}:${process.env.PATH ?? ""}`,
        CALLS: p("calls"),
        UPSTREAM: p("upstream"),
      },
    });

  before(function () {
    requireTool(this, "shellcheck", "sha256sum", "md5sum");
    dir = mkdtempSync(join(tmpdir(), "mirror-"));
    manifest = artifactManifest(loadOrThrow(prodConfig()).spec);
    writeFileSync(p("mirror.sh"), renderMirrorScript(manifest));
    mkdirSync(p("bin"));
    for (const [name, text] of Object.entries(STANDINS)) {
      writeFileSync(p("bin", name), text);
      chmodSync(p("bin", name), 0o755);
    }
    // The upstream tree: each file, and its checksum file in the upstream's format.
    const sums = new Map<string, string[]>();
    for (const d of manifest.binaries) {
      const content = `${d.name} ${d.version}\n`;
      mkdirSync(dirname(p("upstream", d.path)), { recursive: true });
      writeFileSync(p("upstream", d.path), content);
      const digest = createHash(d.checksum.algorithm).update(content).digest("hex");
      const bare = d.checksum.path.endsWith(".sha256") && d.path.startsWith("dl.k8s.io/");
      sums.set(d.checksum.path, [...(sums.get(d.checksum.path) ?? []), bare ? digest : `${digest}  ${d.file}`]);
    }
    for (const [path, lines] of sums) writeFileSync(p("upstream", path), `${lines.join("\n")}\n`);
    for (const c of manifest.charts)
      if (c.upstream.kind === "git") {
        const path = p("upstream", c.upstream.archive.replace(/^https:\/\//, ""));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, "source archive\n");
      }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is shellcheck-clean as rendered", () => {
    const r = spawnSync("shellcheck", ["-s", "bash", p("mirror.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  });

  it("fills the bundle: files at their mirror paths, archives with their index, charts", () => {
    const r = mirror();
    assert.equal(r.status, 0, r.stderr);
    for (const d of manifest.binaries) {
      assert.ok(existsSync(p("bundle", d.path)), d.path);
      assert.ok(calls().includes(`curl https://${d.path}`), d.path);
    }
    const index = readFileSync(p("bundle", "images", "index.txt"), "utf8")
      .trim()
      .split("\n");
    assert.equal(index.length, manifest.images.length);
    for (const i of manifest.images) {
      assert.ok(
        calls().includes(
          `skopeo copy --quiet --override-os linux --override-arch amd64 docker://${i.source} oci-archive:${p("bundle", "images", i.repository, `${i.tag}.tar`)}`,
        ),
        i.source,
      );
      const digest = createHash("sha256")
        .update(readFileSync(p("bundle", "images", i.repository, `${i.tag}.tar`)))
        .digest("hex");
      assert.ok(index.includes(`${i.repository}:${i.tag} sha256:${digest} ${i.repository}/${i.tag}.tar`), i.image);
    }
    for (const c of manifest.charts) assert.ok(existsSync(p("bundle", "charts", `${c.name}-${c.version}.tgz`)), c.name);
    assert.ok(
      calls().some((c) => c.startsWith("helm pull tigera-operator --repo https://docs.tigera.io/calico/charts")),
    );
    assert.ok(existsSync(p("bundle", "charts", "index.yaml")));
  });

  it("fetches nothing on a re-run", () => {
    rmSync(p("calls"));
    const r = mirror();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      calls().filter((c) => !c.startsWith("helm repo index")),
      [],
    );
  });

  it("fails naming a file whose checksum differs", () => {
    const kubelet = manifest.binaries.find((d) => d.name === "kubelet");
    assert.ok(kubelet);
    rmSync(p("bundle", kubelet.path));
    writeFileSync(p("upstream", kubelet.path), "tampered\n");
    const r = mirror();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /kubelet does not match its sha256/);
    assert.ok(!existsSync(p("bundle", kubelet.path)));
  });
});

describe("npm run artifacts", function () {
  this.timeout(60_000);
  const cli = (...args: string[]) =>
    spawnSync("npx", ["tsx", join(REPO_ROOT, "stacks/artifacts/cli.ts"), ...args], {
      encoding: "utf8",
      cwd: REPO_ROOT,
    });

  it("prints the manifest as JSON for tools", () => {
    const r = cli("--json");
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as ArtifactManifest;
    assert.deepEqual(json, JSON.parse(JSON.stringify(artifactManifest(loadOrThrow(prodConfig()).spec))));
  });

  it("refuses an invalid config naming the key, exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "artifacts-cli-"));
    const config = clone(prodConfig());
    (config.mirrors as Record<string, unknown>).bundle = "relative/path";
    writeFileSync(
      join(dir, "Pulumi.bad.yaml"),
      `config:\n${Object.entries(config)
        .map(([k, v]) => `  k8s-platform:${k}: ${JSON.stringify(v)}`)
        .join("\n")}\n`,
    );
    const r = cli("--config", join(dir, "Pulumi.bad.yaml"));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /k8s-platform:mirrors\.bundle: .*must be an http\(s\) URL or an absolute path/);
  });
});

describe("the OS package table matches the scripts' install lines", () => {
  it("names every package each script installs", () => {
    const spec = loadOrThrow(prodConfig()).spec;
    for (const set of artifactManifest(spec).packages) {
      const text = repoFile(set.script);
      for (const name of new Set([...set.packages.rhel, ...set.packages.debian])) {
        const inScript = new RegExp(`(^|[\\s("])${name.replace(/[.]/g, "\\.")}($|[\\s)";])`, "m").test(text);
        const fromRenderer = set.script.startsWith("components/storage/");
        assert.ok(inScript || fromRenderer, `${name} in ${set.script}`);
      }
    }
    // And the reverse for host prep's base lists.
    const prep = repoFile("components/host/prep.sh");
    const listed = new Set(artifactManifest(spec).packages.flatMap((s) => [...s.packages.rhel, ...s.packages.debian]));
    for (const m of prep.matchAll(/packages\+?=\(([^)]*)\)/g))
      for (const name of m[1].split(/\s+/).filter(Boolean)) assert.ok(listed.has(name), `prep.sh installs ${name}`);
  });
});
