/**
 * The rendered volume script against real glusterds (Debian's glusterfs-server): a 4-host
 * dispersed 3+1 volume, a FUSE mount surviving one lost brick and refusing service (not
 * returning wrong data) after a second, an idempotent re-run, and growth to 8 hosts
 * (distributed-dispersed 2 x (3 + 1)) without touching the first set.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { planVolume, renderGaneshaConfig, renderVolumeScript } from "../../components/storage/render";
import { brickId } from "../../components/storage/layout";
import type { GlusterConfig } from "../../stacks/contract/spec";
import { requireTool } from "../support/tools";
import { GlusterTestCluster, run, waitFor } from "./cluster";

const md5 = (path: string) => createHash("md5").update(readFileSync(path)).digest("hex");

function glusterConfig(volume: string): GlusterConfig {
  return {
    volume,
    disperse: 4,
    redundancy: 1,
    options: {
      "disperse.eager-lock": "on",
      "performance.cache-size": "256MB",
      "server.event-threads": "4",
      "client.event-threads": "4",
    },
    forceFormat: false,
    csiDriverNfsChart: "4.13.4",
    storageClass: { name: "glusterfs", default: true, reclaimPolicy: "Retain" },
  };
}

describe("GlusterFS dispersed volume (real glusterd on 127.1.1.1-8)", function () {
  this.timeout(600_000);
  let cluster: GlusterTestCluster;
  const volume = `k8s-data-${randomBytes(3).toString("hex")}`;
  const files = new Map<string, string>();
  let mnt = "";

  const script = (hostCount: number) => {
    const hosts = cluster.hosts.slice(0, hostCount);
    // Bricks live on the root filesystem here, which glusterd only accepts with `force`.
    return renderVolumeScript(planVolume(glusterConfig(volume), hosts), {
      glusterdSock: hosts[0].sock,
      logFile: join(cluster.root, "cli.log"),
      force: true,
      waitSeconds: 60,
    });
  };
  const runScript = (hostCount: number) => {
    const r = cluster.runScript(script(hostCount));
    assert.equal(r.status, 0, `volume script failed: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const info = () => cluster.gluster("volume", "info", volume);
  /** The status column of every node in `volume rebalance status`. */
  const rebalanceStates = () =>
    [
      ...cluster
        .gluster("volume", "rebalance", volume, "status")
        .matchAll(/^\s*\S+\s+\d+\s+\S+\s+\d+\s+\d+\s+\d+\s+(.+?)\s+\d+:\d+:\d+\s*$/gm),
    ].map((m) => m[1]);

  before(async function () {
    requireTool(this, "glusterd", "gluster", "glusterfs", "mountpoint");
    if (!existsSync("/dev/fuse")) {
      if (process.env.CI === "true") throw new Error("/dev/fuse is missing; CI must provide FUSE");
      this.skip();
    }
    cluster = new GlusterTestCluster();
    cluster.track(volume);
    for (let i = 1; i <= 8; i++) cluster.startHost(i);
    await cluster.ready();
  });

  after(function () {
    cluster?.stop();
  });

  it("creates a 1 x (3 + 1) dispersed volume from the rendered script", function () {
    const out = runScript(4);
    assert.match(out, /changed: peer probe 127\.1\.1\.2/);
    assert.match(out, /changed: volume create/);
    const text = info();
    assert.match(text, /^Type: Disperse$/m);
    assert.match(text, /^Number of Bricks: 1 x \(3 \+ 1\) = 4$/m);
    assert.match(text, /^Status: Started$/m);
    assert.match(text, /^performance\.cache-size: 256MB$/m);
    // Bricks in layout order: one per host.
    const bricks = [...text.matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(
      bricks,
      cluster.hosts.slice(0, 4).map((h) => `${h.address}:${h.bricks[0]}`),
    );
  });

  it("re-running the rendered script changes nothing", function () {
    const before = info();
    const out = runScript(4);
    assert.doesNotMatch(out, /changed:/);
    assert.match(out, new RegExp(`volume ${volume} unchanged`));
    assert.equal(info(), before);
  });

  it("NFS-Ganesha parses the rendered export and opens the volume through FSAL_GLUSTER", async function () {
    requireTool(this, "ganesha.nfsd");
    const conf = join(cluster.root, "ganesha.conf");
    const log = join(cluster.root, "ganesha.log");
    // Test-only: listen on the first test host's address, fetch the volume from its glusterd.
    writeFileSync(
      conf,
      renderGaneshaConfig(volume, { bindAddress: cluster.hosts[0].address, glusterHost: cluster.hosts[0].address }),
    );
    const ganesha = spawn(
      "ganesha.nfsd",
      ["-F", "-f", conf, "-L", log, "-p", join(cluster.root, "ganesha.pid"), "-N", "NIV_EVENT"],
      { stdio: "ignore" },
    );
    try {
      const text = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
      await waitFor(
        "Ganesha to export the volume",
        () => /exported at/.test(text()) || /CONFIG :(CRIT|MAJ|FATAL)/.test(text()),
        60_000,
      );
      assert.match(text(), /Configuration file successfully parsed/);
      assert.doesNotMatch(text(), /CONFIG :(CRIT|MAJ|FATAL)/);
      assert.match(text(), new RegExp(`Volume ${volume} exported at`));
    } finally {
      ganesha.kill("SIGKILL");
    }
  });

  it("serves a FUSE mount and keeps data intact with one brick lost", async function () {
    mnt = await cluster.mount(volume);
    for (let i = 0; i < 8; i++) {
      const path = join(mnt, `file-${i}`);
      writeFileSync(path, randomBytes(256 * 1024 + i * 4099));
      files.set(path, md5(path));
    }
    const pids = cluster.brickPids(volume);
    assert.equal(pids.size, 4, `brick pids: ${[...pids.keys()].join(", ")}`);
    process.kill(pids.get(`${cluster.hosts[1].address}:${cluster.hosts[1].bricks[0]}`) as number, "SIGKILL");
    await waitFor("the brick to be reported down", () => cluster.brickPids(volume).size === 3);
    for (const [path, sum] of files) assert.equal(md5(path), sum, `${path} changed after one brick was lost`);
    const extra = join(mnt, "written-degraded");
    const data = randomBytes(300 * 1024);
    writeFileSync(extra, data);
    assert.equal(md5(extra), createHash("md5").update(data).digest("hex"));
    files.set(extra, md5(extra));
  });

  it("refuses I/O rather than returning wrong data with two bricks of the set lost", async function () {
    const pids = cluster.brickPids(volume);
    process.kill(pids.get(`${cluster.hosts[2].address}:${cluster.hosts[2].bricks[0]}`) as number, "SIGKILL");
    await waitFor("the second brick to be reported down", () => cluster.brickPids(volume).size === 2);
    // A write through the existing mount must fail: 2 of 4 bricks cannot hold a 3+1 stripe.
    const w = run("dd", ["if=/dev/zero", `of=${join(mnt, "must-fail")}`, "bs=64k", "count=4", "conv=fsync"], {
      timeoutMs: 60_000,
    });
    assert.notEqual(w.status, 0, "a write succeeded with 2 of 4 bricks");
    assert.match(w.stderr, /Input\/output error|Transport endpoint is not connected|Read-only file system/);
    // Reads through a fresh client (no page or client-side cache): refused, never wrong data.
    const fresh = await cluster.tryMount(volume, "fresh");
    if (fresh === undefined) return;
    for (const path of files.keys()) {
      // A child process, so a hung FUSE call cannot hang the test runner.
      const r = run("md5sum", [join(fresh, basename(path))], { timeoutMs: 60_000 });
      assert.notEqual(r.status, 0, `${path} was readable with 2 of 4 bricks: ${r.stdout}`);
      assert.match(r.stderr, /Input\/output error|Transport endpoint is not connected/);
    }
  });

  it("returns the same data once the storage hosts restart their bricks", async function () {
    await cluster.restartGlusterd(cluster.hosts[1]);
    await cluster.restartGlusterd(cluster.hosts[2]);
    await waitFor("all 4 bricks up", () => cluster.brickPids(volume).size === 4);
    await waitFor(
      "the mount to read again",
      () => run("md5sum", [[...files.keys()][0]], { timeoutMs: 30_000 }).status === 0,
      90_000,
    );
    for (const [path, sum] of files) {
      const r = run("md5sum", [path], { timeoutMs: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.split(" ")[0], sum, `${path} differs after recovery`);
    }
  });

  it("grows to 2 x (3 + 1) when 4 storage hosts are added, keeping the first set", async function () {
    const firstSet = [...info().matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    const out = runScript(8);
    assert.match(out, /changed: volume add-brick .* \(4 bricks\)/);
    assert.match(out, /changed: volume rebalance/);
    const text = info();
    assert.match(text, /^Type: Distributed-Disperse$/m);
    assert.match(text, /^Number of Bricks: 2 x \(3 \+ 1\) = 8$/m);
    const bricks = [...text.matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(bricks.slice(0, 4), firstSet);
    const plan = planVolume(glusterConfig(volume), cluster.hosts);
    assert.deepEqual(bricks, plan.sets.flat().map(brickId));
    await waitFor("rebalance to finish", () => rebalanceStates().every((state) => state === "completed"), 120_000);
    for (const [path, sum] of files) assert.equal(md5(path), sum, `${path} differs after rebalance`);
    const again = runScript(8);
    assert.doesNotMatch(again, /changed:/);
  });
});
