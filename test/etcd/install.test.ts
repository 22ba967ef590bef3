/**
 * etcd's install.sh for real under a temporary layout (paths, stage and unit directories
 * are its parameters), with a recording systemctl and an etcd stand-in that reports the
 * wanted version (so nothing is downloaded): staged files are installed with their CIS
 * modes, root-owned, and removed; a re-run whose copies did not change finds them absent
 * and takes that as installed.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
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
import { renderInstallScript, type EtcdPaths } from "../../components/etcd/render";
import { etcdInstalledFiles } from "../../components/etcd/files";
import { loadOrThrow } from "../../stacks/contract/load";
import { prodConfig } from "../support/config";

const STAGED = [
  "ca.crt",
  "server.crt",
  "server.key",
  "peer.crt",
  "peer.key",
  "healthcheck-client.crt",
  "healthcheck-client.key",
  "etcd.service",
  "etcd-backup.service",
  "etcd-backup.timer",
  "etcd-snapshot.sh",
];

describe("etcd install.sh (temporary layout, recording systemctl)", function () {
  this.timeout(60_000);
  let dir = "";
  const spec = loadOrThrow(prodConfig()).spec;
  const p = (...parts: string[]) => join(dir, ...parts);
  const paths = (): EtcdPaths => ({
    dataDir: p("var/lib/etcd"),
    caCert: p("pki/etcd/ca.crt"),
    serverCert: p("pki/etcd/server.crt"),
    serverKey: p("pki/etcd/server.key"),
    peerCert: p("pki/etcd/peer.crt"),
    peerKey: p("pki/etcd/peer.key"),
    clientCert: p("pki/etcd/healthcheck-client.crt"),
    clientKey: p("pki/etcd/healthcheck-client.key"),
    binDir: p("bin"),
  });
  const stage = (files: readonly string[], tag = "v1") => {
    for (const f of files) writeFileSync(p("stage", f), `${f} ${tag}\n`);
  };
  const run = () => {
    const script = renderInstallScript(
      { ...spec, etcd: { ...spec.etcd, backup: { ...spec.etcd.backup, dir: p("backups") } } },
      paths(),
      p("stage"),
      p("units"),
      p("lib/etcd-snapshot.sh"),
    );
    const r = spawnSync("bash", ["-s"], {
      input: script,
      encoding: "utf8",
      env: { ...process.env, PATH: `${p("stubs")}:${process.env.PATH ?? ""}` },
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const calls = () => readFileSync(p("systemctl.log"), "utf8");
  const modeOwner = (file: string) => {
    const st = statSync(file);
    return `${(st.mode & 0o777).toString(8)} ${st.uid}:${st.gid}`;
  };

  before(function () {
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true") throw new Error("install.sh installs root-owned files: run the tests as root");
      this.skip();
    }
    if (spawnSync("getent", ["passwd", "etcd"]).status !== 0) {
      if (process.env.CI === "true")
        throw new Error("the etcd user is missing (Debian's etcd-server package creates it)");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "etcd-install-"));
    for (const d of ["stage", "stubs", "bin", "units"]) mkdirSync(p(d), { recursive: true });
    writeFileSync(
      p("stubs/systemctl"),
      `#!/usr/bin/env bash\necho "systemctl $*" >>${JSON.stringify(p("systemctl.log"))}\n`,
    );
    writeFileSync(p("bin/etcd"), `#!/bin/sh\necho "etcd Version: ${spec.versions.etcd}"\n`);
    chmodSync(p("stubs/systemctl"), 0o755);
    chmodSync(p("bin/etcd"), 0o755);
    writeFileSync(p("systemctl.log"), "");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs every staged file root-owned with its mode (keys 0600, units 0600) and empties the stage", () => {
    stage(STAGED);
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(readdirSync(p("stage")), [], "only the installed files remain");
    // install.sh gives every file the mode and owner of the table the CIS checks read.
    const table = etcdInstalledFiles(paths(), p("units")).map((f) =>
      f.path.endsWith("etcd-snapshot.sh") ? { ...f, path: p("lib/etcd-snapshot.sh") } : f,
    );
    assert.deepEqual(
      table
        .filter((f) => f.staged)
        .map((f) => f.staged)
        .sort(),
      [...STAGED].sort(),
    );
    for (const f of table) {
      const st = spawnSync("stat", ["-c", "%a %U:%G", f.path], { encoding: "utf8" }).stdout.trim();
      assert.equal(st, `${f.mode.slice(1)} ${f.owner}`, f.path);
    }
    for (const key of [paths().serverKey, paths().peerKey, paths().clientKey])
      assert.equal(modeOwner(key), "600 0:0", key);
    for (const cert of [paths().caCert, paths().serverCert, paths().peerCert])
      assert.equal(modeOwner(cert), "644 0:0", cert);
    for (const unit of ["etcd.service", "etcd-backup.service", "etcd-backup.timer"])
      assert.equal(modeOwner(p("units", unit)), "600 0:0", unit);
    assert.equal(modeOwner(p("lib/etcd-snapshot.sh")), "755 0:0");
    assert.match(calls(), /systemctl daemon-reload/);
    const data = statSync(paths().dataDir);
    assert.equal((data.mode & 0o777).toString(8), "700");
    assert.equal(spawnSync("stat", ["-c", "%U:%G", paths().dataDir], { encoding: "utf8" }).stdout.trim(), "etcd:etcd");
  });

  it("a re-run with nothing staged (no copy changed) installs nothing and reloads nothing", () => {
    writeFileSync(p("systemctl.log"), "");
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /installed /);
    assert.doesNotMatch(calls(), /daemon-reload/);
  });

  it("a changed copy is installed and consumed; the untouched files stay as they are", () => {
    writeFileSync(p("systemctl.log"), "");
    stage(["etcd.service"], "v2");
    const r = run();
    assert.equal(r.status, 0, r.out);
    assert.equal(readFileSync(p("units/etcd.service"), "utf8"), "etcd.service v2\n");
    assert.equal(readFileSync(paths().serverKey, "utf8"), "server.key v1\n");
    assert.equal(existsSync(p("stage/etcd.service")), false);
    assert.match(calls(), /daemon-reload/);
  });

  it("a file neither staged nor installed fails, naming it", () => {
    rmSync(paths().peerKey);
    const r = run();
    assert.notEqual(r.status, 0);
    assert.match(r.out, /staged file .*stage\/peer\.key is missing and .*peer\.key is not installed: re-copy it/);
  });
});
