/**
 * Harbor's install.sh for real under a temporary layout, with stand-ins for docker,
 * systemctl and the health endpoint, and a fake offline installer whose install.sh records
 * its runs: the staged secrets (harbor.yml, TLS key) are moved into place 0600 and removed,
 * Harbor's installer runs only when they change, and a re-run with nothing staged (no copy
 * changed) takes the installed files as current.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withParameters } from "../../lib/shell";
import { renderHarborUnit, SCRIPTS } from "../../components/registry/render";
import { requireTool } from "../support/tools";

const VERSION = "2.14.4";

describe("registry install.sh (temporary layout, docker and health stand-ins)", function () {
  this.timeout(60_000);
  let dir = "";
  let sha = "";
  const p = (...parts: string[]) => join(dir, ...parts);
  const runs = () =>
    existsSync(p("installer-runs")) ? readFileSync(p("installer-runs"), "utf8").trim().split("\n") : [];

  const script = () =>
    withParameters(SCRIPTS.install, {
      HARBOR_VERSION: VERSION,
      HARBOR_HOSTNAME: "reg.example.internal",
      HARBOR_HTTPS_PORT: 443,
      HARBOR_INSTALLER_URL: `file://${p("mirror/harbor.tgz")}`,
      HARBOR_MD5_URL: "file:///nonexistent",
      HARBOR_INSTALLER_SHA256: sha,
      HARBOR_WITH_TRIVY: "false",
      HARBOR_DATA_DIR: p("data"),
      HARBOR_STAGED_CONFIG: p("stage/harbor.yml"),
      HARBOR_STAGED_TLS_KEY: p("stage/tls.key"),
      HARBOR_CONFIG: p("opt/harbor/harbor.yml"),
      HARBOR_LEGACY_CONFIG: p("etc/harbor/harbor.yml"),
      HARBOR_CONFIG_DIR: p("etc/harbor"),
      HARBOR_INSTALL_PARENT: p("opt"),
      HARBOR_INSTALL_DIR: p("opt/harbor"),
      HARBOR_MARKER: p("state/installed.sha256"),
      HARBOR_DOWNLOAD_DIR: p("cache"),
      HARBOR_TLS_CERT: p("etc/harbor/tls.crt"),
      HARBOR_TLS_CERT_PEM: "CERT",
      HARBOR_TLS_KEY: p("etc/harbor/tls.key"),
      HARBOR_CA_CERT: p("etc/harbor/ca.crt"),
      HARBOR_CA_PEM: "CA",
      HARBOR_UNIT: p("units/harbor.service"),
      HARBOR_UNIT_TEXT: renderHarborUnit(),
      HARBOR_API_SCRIPT: p("libexec/harbor-api.sh"),
      HARBOR_API_SCRIPT_TEXT: SCRIPTS.api,
    });
  const run = () => {
    const r = spawnSync("bash", ["-s"], {
      input: script(),
      encoding: "utf8",
      env: { ...process.env, PATH: `${p("stubs")}:${process.env.PATH ?? ""}` },
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const stage = (yml: string, key: string) => {
    writeFileSync(p("stage/harbor.yml"), yml);
    writeFileSync(p("stage/tls.key"), key);
  };
  const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

  before(function () {
    requireTool(this, "jq", "curl", "tar", "sha256sum");
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true") throw new Error("install.sh installs root-owned files: run the tests as root");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "harbor-install-"));
    for (const d of ["stage", "stubs", "mirror", "build/harbor", "opt"]) mkdirSync(p(d), { recursive: true });
    // The offline installer: an install.sh that records each run and the harbor.yml it saw.
    writeFileSync(
      p("build/harbor/install.sh"),
      `#!/bin/sh\necho "run $(cat harbor.yml)" >>${JSON.stringify(p("installer-runs"))}\n`,
    );
    chmodSync(p("build/harbor/install.sh"), 0o755);
    writeFileSync(p("build/harbor/harbor.yml.tmpl"), "hostname: x\n");
    spawnSync("tar", ["-czf", p("mirror/harbor.tgz"), "-C", p("build"), "harbor"]);
    sha = createHash("sha256")
      .update(readFileSync(p("mirror/harbor.tgz")))
      .digest("hex");
    const stub = (name: string, body: string) => {
      writeFileSync(p("stubs", name), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(p("stubs", name), 0o755);
    };
    stub("docker", "exit 0");
    stub("systemctl", "exit 0");
    // The health endpoint answers healthy; every other request is a real curl (file:// installer).
    stub("curl", `case "$*" in *api/v2.0/health*) echo '{"status":"healthy"}' ;; *) exec /usr/bin/curl "$@" ;; esac`);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("first install: the staged secrets are installed 0600, removed from the stage, and Harbor's installer runs once", () => {
    mkdirSync(p("etc/harbor"), { recursive: true });
    writeFileSync(p("etc/harbor/harbor.yml"), "an earlier release's staged copy\n");
    stage("admin: one\n", "KEY1\n");
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(readdirSync(p("stage")), [], "nothing staged remains");
    assert.equal(readFileSync(p("opt/harbor/harbor.yml"), "utf8"), "admin: one\n");
    assert.equal(readFileSync(p("etc/harbor/tls.key"), "utf8"), "KEY1\n");
    assert.equal(mode(p("opt/harbor/harbor.yml")), "600");
    assert.equal(mode(p("etc/harbor/tls.key")), "600");
    assert.equal(mode(p("etc/harbor")), "700");
    assert.equal(existsSync(p("etc/harbor/harbor.yml")), false, "the earlier release's copy is removed");
    assert.deepEqual(runs(), ["run admin: one"]);
  });

  it("a re-run with nothing staged takes the installed files as current and runs no installer", () => {
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(runs(), ["run admin: one"]);
  });

  it("a changed harbor.yml alone (the key's copy unchanged, so absent) re-runs the installer with it", () => {
    writeFileSync(p("stage/harbor.yml"), "admin: two\n");
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(runs(), ["run admin: one", "run admin: two"]);
    assert.deepEqual(readdirSync(p("stage")), []);
    assert.equal(readFileSync(p("etc/harbor/tls.key"), "utf8"), "KEY1\n");
  });

  it("fails naming the fix when a secret is neither staged nor installed", () => {
    rmSync(p("etc/harbor/tls.key"));
    const r = run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.out,
      /missing .*stage\/tls\.key \(copied by the Registry component\) and nothing installed at .*tls\.key: re-copy it/,
    );
  });
});
