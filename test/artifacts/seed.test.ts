/**
 * The image seeding step for real: Debian's docker-registry (the CNCF distribution registry)
 * on loopback with TLS (a CA made here) and htpasswd auth, real skopeo, and a bundle of OCI
 * archives this test builds itself (an image layout written by hand: oci-layout, index.json,
 * config, one layer). The rendered seed-images.sh pushes the images, a re-run pushes
 * nothing (the registry sees no PUT), and an image the bundle lacks fails naming it before
 * anything is pushed.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { renderAuthFile, renderSeedScript } from "../../components/registry/render";
import { requireTool } from "../support/tools";

const ADDRESS = "127.0.0.73";
const PORT = 5073;
const TARGET = `${ADDRESS}:${PORT}`;
const USER = "robot$platform+pusher";
const PASSWORD = "seed-test-secret";

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function run(cmd: string, args: string[], input?: string) {
  return spawnSync(cmd, args, { input, encoding: "utf8", timeout: 120_000 });
}

/** Writes an OCI image layout holding one tiny image whose layer carries `content`. */
function imageLayout(dir: string, content: string): void {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const src = mkdtempSync(join(dir, "..", "layer-"));
  writeFileSync(join(src, "hello.txt"), content);
  const layerTar = spawnSync("tar", [
    "-cf",
    "-",
    "--mtime=2026-01-01",
    "--owner=0",
    "--group=0",
    "-C",
    src,
    "hello.txt",
  ]);
  assert.equal(layerTar.status, 0, layerTar.stderr?.toString());
  const layer = put(gzipSync(layerTar.stdout));
  const config = put(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layerTar.stdout)}`] },
      config: {},
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
    }),
  );
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest }],
    }),
  );
  rmSync(src, { recursive: true, force: true });
}

describe("seed-images.sh against a real registry (docker-registry + skopeo on loopback)", function () {
  this.timeout(180_000);
  let dir = "";
  let registry: ChildProcess | undefined;
  let registryLog = "";
  const p = (...parts: string[]) => join(dir, ...parts);
  const puts = () => (registryLog.match(/http\.request\.method=PUT/g) ?? []).length;

  /** Builds the archive of `repository:tag` into the bundle and indexes it like mirror.sh does. */
  function addToBundle(repository: string, tag: string, content: string): void {
    const layout = p("layouts", repository, tag);
    mkdirSync(layout, { recursive: true });
    imageLayout(layout, content);
    const archive = `${repository}/${tag}.tar`;
    mkdirSync(join(p("bundle"), repository), { recursive: true });
    const copy = run("skopeo", ["copy", "--quiet", `oci:${layout}`, `oci-archive:${join(p("bundle"), archive)}`]);
    assert.equal(copy.status, 0, copy.stderr);
    const raw = spawnSync("skopeo", ["inspect", "--raw", `oci-archive:${join(p("bundle"), archive)}`]);
    assert.equal(raw.status, 0, raw.stderr?.toString());
    writeFileSync(p("bundle", "index.txt"), `${repository}:${tag} sha256:${sha256(raw.stdout)} ${archive}\n`, {
      flag: "a",
    });
  }

  const seed = (images: string[]) => {
    const script = renderSeedScript(
      {
        mirrors: {
          binaries: "https://unused.example",
          images: `${TARGET}/platform`,
          charts: "https://unused.example",
          packages: { yum: [], apt: [] },
        },
      },
      {
        images,
        registry: `${TARGET}/platform`,
        bundle: p("bundle"),
        ca: p("ca.crt"),
        authStaged: p("stage", "seed-auth.json"),
        auth: p("etc", "seed-auth.json"),
        work: p("work"),
      },
    );
    return run("bash", ["-s"], script);
  };
  const remoteDigest = (image: string) => {
    const raw = spawnSync("skopeo", [
      "inspect",
      "--raw",
      "--cert-dir",
      p("work", "certs"),
      "--authfile",
      p("etc", "seed-auth.json"),
      `docker://${TARGET}/platform/${image}`,
    ]);
    return raw.status === 0 ? `sha256:${sha256(raw.stdout)}` : undefined;
  };
  const indexed = (image: string) =>
    readFileSync(p("bundle", "index.txt"), "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${image} `))
      ?.split(" ")[1];

  before(async function () {
    requireTool(this, "docker-registry", "skopeo", "openssl", "curl", "tar");
    dir = mkdtempSync(join(tmpdir(), "seed-"));
    // A CA and the registry's serving certificate for its loopback address.
    const ca = run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=seed-test-ca",
      "-keyout",
      p("ca.key"),
      "-out",
      p("ca.crt"),
    ]);
    assert.equal(ca.status, 0, ca.stderr);
    const csr = run("openssl", [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${ADDRESS}`,
      "-keyout",
      p("tls.key"),
      "-out",
      p("tls.csr"),
    ]);
    assert.equal(csr.status, 0, csr.stderr);
    writeFileSync(p("san.ext"), `subjectAltName=IP:${ADDRESS}\n`);
    const sign = run("openssl", [
      "x509",
      "-req",
      "-in",
      p("tls.csr"),
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      p("san.ext"),
      "-out",
      p("tls.crt"),
    ]);
    assert.equal(sign.status, 0, sign.stderr);
    writeFileSync(p("htpasswd"), `${USER}:${bcrypt.hashSync(PASSWORD, 10)}\n`);
    writeFileSync(
      p("config.yml"),
      [
        "version: 0.1",
        "log:",
        "  level: info",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${p("storage")}`,
        "http:",
        `  addr: ${TARGET}`,
        "  tls:",
        `    certificate: ${p("tls.crt")}`,
        `    key: ${p("tls.key")}`,
        "auth:",
        "  htpasswd:",
        "    realm: seed-test",
        `    path: ${p("htpasswd")}`,
        "",
      ].join("\n"),
    );
    registry = spawn("docker-registry", ["serve", p("config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
    registry.stdout?.on("data", (d: Buffer) => (registryLog += d.toString()));
    registry.stderr?.on("data", (d: Buffer) => (registryLog += d.toString()));
    for (let i = 0; ; i++) {
      const probe = run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        p("ca.crt"),
        `https://${TARGET}/v2/`,
      ]);
      if (probe.stdout === "401") break;
      if (i > 100) throw new Error(`docker-registry did not answer on ${TARGET}:\n${registryLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    mkdirSync(p("stage"), { recursive: true });
    writeFileSync(p("stage", "seed-auth.json"), renderAuthFile(TARGET, USER, PASSWORD), { mode: 0o600 });
    addToBundle("calico/node", "v3.30.7", "calico node stand-in\n");
    addToBundle("pause", "3.10.1", "pause stand-in\n");
  });
  after(() => {
    registry?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pushes every image of the bundle, at the bundle's digest, with the staged credentials", () => {
    const r = seed(["calico/node:v3.30.7", "pause:3.10.1"]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /2 pushed, 0 already present/);
    for (const image of ["calico/node:v3.30.7", "pause:3.10.1"])
      assert.equal(remoteDigest(image), indexed(image), image);
    // The staged secret was moved into place, root-only.
    assert.equal(
      spawnSync("stat", ["-c", "%a", p("etc", "seed-auth.json")], { encoding: "utf8" }).stdout.trim(),
      "600",
    );
    assert.throws(() => readFileSync(p("stage", "seed-auth.json")));
  });

  it("pushes nothing on a re-run: the registry's digests equal the bundle's", () => {
    const before = puts();
    assert.ok(before > 0, "the first run's pushes show in the registry log");
    const r = seed(["calico/node:v3.30.7", "pause:3.10.1"]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /0 pushed, 2 already present/);
    assert.equal(puts(), before, "no PUT reached the registry");
  });

  it("fails naming every image the bundle lacks, before pushing any", () => {
    addToBundle("coredns/coredns", "v1.12.4", "coredns stand-in\n");
    const before = puts();
    const r = seed(["coredns/coredns:v1.12.4", "tigera/operator:v1.38.13", "calico/typha:v3.30.7"]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /lacks 2 image\(s\) the rollout pulls: tigera\/operator:v1\.38\.13 calico\/typha:v3\.30\.7/);
    assert.equal(puts(), before, "nothing pushed");
    assert.equal(remoteDigest("coredns/coredns:v1.12.4"), undefined);
  });

  it("refuses an archive whose manifest is not the one the index names", () => {
    const index = readFileSync(p("bundle", "index.txt"), "utf8");
    writeFileSync(
      p("bundle", "index.txt"),
      index.replace(
        /^coredns\/coredns:v1\.12\.4 sha256:[0-9a-f]+/m,
        `coredns/coredns:v1.12.4 sha256:${"0".repeat(64)}`,
      ),
    );
    const r = seed(["coredns/coredns:v1.12.4"]);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /image coredns\/coredns:v1\.12\.4: the archive coredns\/coredns\/v1\.12\.4\.tar has manifest sha256:[0-9a-f]{64}, the bundle index says sha256:0{64}/,
    );
    writeFileSync(p("bundle", "index.txt"), index);
  });
});
