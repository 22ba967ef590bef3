/**
 * install-control-plane.sh for real, under a temporary root: binaries from a file:// mirror
 * in the dl.k8s.io layout verified against their `.sha256`, bundle files written with CIS
 * modes, services restarted (a recording systemctl) apiserver first and only when
 * something changed, readiness awaited from a stand-in apiserver with the generated cert.
 */
import { renderDownloadList } from "../../lib/downloads";
import { controlPlaneDownloads } from "../../components/control-plane/downloads";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderControlPlaneBundle } from "../../components/control-plane/files";
import { requireTool } from "../support/tools";
import { generatedPki } from "./harness";

const SCRIPT = join(__dirname, "..", "..", "components", "control-plane", "install-control-plane.sh");
const BINARIES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"];

interface Run {
  readonly status: number | null;
  readonly stderr: string;
}

/** Runs the script asynchronously (the stand-in apiserver lives in this process's event loop). */
function runScript(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("bash", [SCRIPT], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

describe("install-control-plane.sh (temporary root, file:// mirror, recording systemctl)", function () {
  this.timeout(60_000);
  let dir = "";
  let server: https.Server | undefined;
  const paths = () => ({
    root: join(dir, "root"),
    mirror: join(dir, "mirror"),
    stubs: join(dir, "stubs"),
    log: join(dir, "systemctl.log"),
    bundle: join(dir, "stage", "bundle"),
    ca: join(dir, "ca.crt"),
  });

  function publish(version: string, content: (bin: string) => string, digest?: (bin: string) => string): void {
    const base = join(paths().mirror, "dl.k8s.io", "release", `v${version}`, "bin", "linux", "amd64");
    mkdirSync(base, { recursive: true });
    for (const bin of BINARIES) {
      writeFileSync(join(base, bin), content(bin));
      const hex = digest ? digest(bin) : createHash("sha256").update(content(bin)).digest("hex");
      writeFileSync(join(base, `${bin}.sha256`), `${hex}\n`);
    }
  }

  const env = (version: string) => ({
    K8S_VERSION: version,
    DOWNLOADS: renderDownloadList(
      controlPlaneDownloads({
        mirrors: { binaries: `file://${paths().mirror}` },
        versions: { kubernetes: version },
      } as Parameters<typeof controlPlaneDownloads>[0]),
    ),
    BUNDLES: paths().bundle,
    CA_FILE: paths().ca,
    APISERVER_ADDRESS: "127.0.0.21",
    APISERVER_PORT: "6443",
    READY_TIMEOUT: "20",
    ROOT: paths().root,
    PATH: `${paths().stubs}:${process.env.PATH ?? ""}`,
  });
  const systemctlCalls = () => readFileSync(paths().log, "utf8").trim().split("\n");
  const mode = (p: string) => (statSync(join(paths().root, p)).mode & 0o7777).toString(8);

  before(async function () {
    requireTool(this, "curl", "sha256sum");
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true")
        throw new Error("install-control-plane.sh installs files owned by root: run the tests as root");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "cp-install-"));
    const pki = await generatedPki();
    writeFileSync(paths().ca, pki.caPem);
    mkdirSync(paths().stubs, { recursive: true });
    mkdirSync(join(dir, "stage"), { recursive: true, mode: 0o700 });
    for (const tool of ["systemctl", "journalctl"]) {
      writeFileSync(join(paths().stubs, tool), `#!/usr/bin/env bash\necho "${tool} $*" >>"${paths().log}"\n`);
      chmodSync(join(paths().stubs, tool), 0o755);
    }
    publish("1.35.1", (bin) => `#!/bin/sh\necho ${bin} v1.35.1\n`);
    server = https.createServer({ cert: pki.apiserver.certPem, key: pki.apiserver.keyPem }, (req, res) => {
      res.writeHead(req.url === "/readyz" ? 200 : 404).end("ok");
    });
    await new Promise<void>((resolve, reject) => {
      server?.once("error", reject);
      server?.listen(6443, "127.0.0.21", () => resolve());
    });
  });

  after(async () => {
    if (server) await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs verified binaries and the bundle with CIS modes, restarting apiserver first", async () => {
    writeFileSync(
      paths().bundle,
      renderControlPlaneBundle({
        apiserverKey: "KEY",
        apiserverCert: "CERT",
        adminKubeconfig: "kc",
        apiserverUnit: "unit",
      }),
    );
    const r = await runScript(env("1.35.1"));
    assert.equal(r.status, 0, r.stderr);
    for (const bin of BINARIES) {
      assert.equal(readFileSync(join(paths().root, "usr/local/bin", bin), "utf8"), `#!/bin/sh\necho ${bin} v1.35.1\n`);
      assert.equal(mode(`usr/local/bin/${bin}`), "755");
    }
    assert.equal(mode("etc/kubernetes/pki/apiserver.key"), "600");
    assert.equal(mode("etc/kubernetes/pki/apiserver.crt"), "644");
    assert.equal(mode("etc/kubernetes/admin.conf"), "600");
    assert.equal(mode("etc/systemd/system/kube-apiserver.service"), "600");
    assert.equal(mode("var/log/kubernetes/audit"), "700");
    const restarts = systemctlCalls().filter((c) => c.startsWith("systemctl restart"));
    assert.deepEqual(restarts, [
      "systemctl restart kube-apiserver",
      "systemctl restart kube-controller-manager",
      "systemctl restart kube-scheduler",
    ]);
    assert.match(r.stderr, /ready \(changed=1\)/);
    // Only the installed files remain: the bundle is removed, its (path-only) manifest kept.
    assert.equal(existsSync(paths().bundle), false);
    assert.deepEqual(readFileSync(`${paths().bundle}.applied`, "utf8").trim().split("\n"), [
      "/etc/systemd/system/kube-apiserver.service",
      "/etc/kubernetes/admin.conf",
      "/etc/kubernetes/pki/apiserver.crt",
      "/etc/kubernetes/pki/apiserver.key",
    ]);
  });

  it("a re-run whose bundle was not copied again (unchanged) changes nothing and restarts nothing", async () => {
    writeFileSync(paths().log, "");
    const r = await runScript(env("1.35.1"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /ready \(changed=0\)/);
    assert.deepEqual(
      systemctlCalls().filter((c) => c.includes("restart")),
      [],
    );
  });

  it("an absent bundle that was never applied, or whose files are gone, fails naming the fix", async () => {
    const key = join(paths().root, "etc/kubernetes/pki/apiserver.key");
    const content = readFileSync(key);
    rmSync(key);
    const gone = await runScript(env("1.35.1"));
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /apiserver\.key from .* is gone and the bundle was removed after install: re-copy it/);
    writeFileSync(key, content, { mode: 0o600 });
    const manifest = readFileSync(`${paths().bundle}.applied`);
    rmSync(`${paths().bundle}.applied`);
    const never = await runScript(env("1.35.1"));
    assert.notEqual(never.status, 0);
    assert.match(never.stderr, /bundle .* is missing and was never applied/);
    writeFileSync(`${paths().bundle}.applied`, manifest);
  });

  it("refuses a binary whose checksum does not match, leaving the installed one", async () => {
    publish(
      "1.35.2",
      (bin) => `#!/bin/sh\necho ${bin} v1.35.2\n`,
      () => "0".repeat(64),
    );
    const r = await runScript(env("1.35.2"));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /checksum mismatch/);
    assert.match(readFileSync(join(paths().root, "usr/local/bin/kube-apiserver"), "utf8"), /v1\.35\.1/);
  });

  it("an upgrade replaces the binaries and restarts the services in order", async () => {
    publish("1.35.3", (bin) => `#!/bin/sh\necho ${bin} v1.35.3\n`);
    writeFileSync(paths().log, "");
    const r = await runScript(env("1.35.3"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(paths().root, "usr/local/bin/kube-scheduler"), "utf8"), /v1\.35\.3/);
    assert.equal(systemctlCalls().filter((c) => c.startsWith("systemctl restart")).length, 3);
  });

  it("fails when the apiserver never becomes ready (bounded wait)", async () => {
    writeFileSync(paths().bundle, renderControlPlaneBundle({ apiserverKey: "KEY2" }));
    const r = await runScript({ ...env("1.35.3"), APISERVER_ADDRESS: "127.0.0.22", READY_TIMEOUT: "3" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /not ready after 3s/);
    writeFileSync(paths().log, "");
    const again = await runScript(env("1.35.3"));
    assert.equal(again.status, 0, again.stderr);
    assert.ok(
      systemctlCalls().includes("systemctl restart kube-apiserver"),
      "the pending restart survives the failed run",
    );
  });
});
