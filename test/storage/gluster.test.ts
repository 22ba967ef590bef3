/**
 * The storage path PVs use, on real glusterds (Debian's glusterfs-server) on 127.1.1.1-8:
 * the rendered volume script builds a 1 x (3 + 1) dispersed volume; the rendered client
 * install script mounts it through its service (the real mount.glusterfs and FUSE client);
 * a continuous writer keeps going while a storage host hangs (within the stated bound,
 * 2 x network.ping-timeout) and a new client still mounts; two lost hosts of the set refuse
 * I/O and never return wrong data; a PV's size is enforced by the quota agent; a client
 * outside auth.allow is refused; the volume grows to 2 x (3 + 1) keeping the first set.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { volfileServers, renderMountInstallScript, renderMountVolumeScript } from "../../components/storage/mount";
import {
  renderProvisionerSetup,
  renderProvisionerTeardown,
  renderQuotaReconcileScript,
} from "../../components/storage/quota";
import { planVolume, renderVolumeScript } from "../../components/storage/render";
import { brickId } from "../../components/storage/layout";
import type { GlusterConfig } from "../../stacks/contract/spec";
import { requireTool } from "../support/tools";
import { GlusterTestCluster, run, sleep, waitFor, type TestHost } from "./cluster";
import { ContinuousWriter, RECORD_BYTES } from "./writer";

/** network.ping-timeout under test; a hung host pauses I/O for up to twice this. */
const PING_TIMEOUT = 5;
/** Test clients ("nodes") are in 127.1.2.0/24; 127.1.3.x is outside the cluster. */
const NODE_NETWORK = "127.1.2.0/24";

function glusterConfig(volume: string, overrides: Partial<GlusterConfig> = {}): GlusterConfig {
  return {
    volume,
    disperse: 4,
    redundancy: 1,
    options: {},
    forceFormat: false,
    // The test bricks sit in the temp dir, on the root filesystem here.
    allowRootBricks: true,
    clientNetworks: [NODE_NETWORK],
    pingTimeout: PING_TIMEOUT,
    enforceCapacity: true,
    provisionerChart: "0.0.37",
    storageClass: { name: "glusterfs", default: true, reclaimPolicy: "Retain" },
    ...overrides,
  };
}

/** SHA-256 of the first `bytes` of a file, read by a child process (a hung FUSE read cannot hang the runner). */
const prefixSha = (path: string, bytes: number) =>
  run("bash", ["-c", 'set -o pipefail; head -c "$1" "$2" | sha256sum', "-", String(bytes), path], {
    timeoutMs: 60_000,
  });
const dropCaches = () => {
  run("sync", [], { timeoutMs: 30_000 });
  writeFileSync("/proc/sys/vm/drop_caches", "3");
};

describe("GlusterFS storage path on real glusterd (127.1.1.1-8): volume, native mounts, failover, quota, auth", function () {
  this.timeout(600_000);
  let cluster: GlusterTestCluster;
  const volume = `k8s-data-${randomBytes(3).toString("hex")}`;
  const pv = "pvc-0b0c4c5e-1111-4222-8333-444455556666_search-api_redis-data";
  let writer: ContinuousWriter | undefined;
  let servers: string[] = [];
  let bin = "";
  const mounts = new Map<string, string>();

  const volumeScript = (hostCount: number, overrides: Partial<GlusterConfig> = {}) => {
    const hosts = cluster.hosts.slice(0, hostCount);
    return renderVolumeScript(planVolume(glusterConfig(volume, overrides), hosts, []), {
      glusterdSock: hosts[0].sock,
      logFile: join(cluster.root, "cli.log"),
      waitSeconds: 60,
    });
  };
  const runVolumeScript = (hostCount: number) => {
    const r = cluster.runScript(volumeScript(hostCount));
    assert.equal(r.status, 0, `volume script failed: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const info = () => cluster.gluster("volume", "info", volume);
  const option = (key: string) =>
    cluster
      .gluster("volume", "get", volume, key)
      .split("\n")
      .find((l) => l.startsWith(`${key} `))
      ?.slice(key.length)
      .trim();
  /** Client mount point of a test node. */
  const mountPoint = (node: string) => join(cluster.root, "clients", node, volume);
  /**
   * Entries the self-heal daemons still have to heal, over the volume's bricks: EC marks
   * them in each brick's .glusterfs/indices/xattrop (`volume heal info` needs a glusterd on
   * localhost:24007, which the test cluster does not have).
   */
  const pendingHeals = () =>
    cluster.hosts
      .flatMap((h) => h.bricks)
      .map((b) => join(b, ".glusterfs", "indices", "xattrop"))
      .filter((d) => existsSync(d))
      .reduce((sum, d) => sum + readdirSync(d).filter((e) => !e.startsWith("xattrop-")).length, 0);
  const hostOf = (address: string) => cluster.hosts.find((h) => h.address === address) as TestHost;
  /** The status column of every node in `volume rebalance status`. */
  const rebalanceStates = () =>
    [
      ...cluster
        .gluster("volume", "rebalance", volume, "status")
        .matchAll(/^\s*\S+\s+\d+\s+\S+\s+\d+\s+\d+\s+\d+\s+(.+?)\s+\d+:\d+:\d+\s*$/gm),
    ].map((m) => m[1]);

  before(async function () {
    requireTool(
      this,
      "glusterd",
      "gluster",
      "glusterfs",
      "mount.glusterfs",
      "mountpoint",
      "findmnt",
      "chattr",
      "lsattr",
    );
    if (!existsSync("/dev/fuse")) {
      if (process.env.CI === "true") throw new Error("/dev/fuse is missing; CI must provide FUSE");
      this.skip();
    }
    cluster = new GlusterTestCluster();
    cluster.track(volume);
    const probe = join(cluster.root, "chattr-probe");
    mkdirSync(probe);
    if (run("chattr", ["+i", probe]).status !== 0) {
      cluster.stop();
      if (process.env.CI === "true") throw new Error(`chattr +i does not work on ${cluster.root}'s filesystem`);
      this.skip();
    }
    run("chattr", ["-i", probe]);
    for (let i = 1; i <= 8; i++) cluster.startHost(i);
    await cluster.ready();
    servers = cluster.hosts.slice(0, 3).map((h) => h.address);
    // Stand-in systemctl: remembers enable/start of timers; `start X.service` runs the
    // unit's ExecStart the way systemd would (Type=oneshot: waits, returns its status).
    bin = join(cluster.root, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "systemctl"),
      [
        "#!/bin/sh",
        `state=${cluster.root}/systemd`,
        'mkdir -p "$state"',
        'echo "systemctl $*" >>"$state/calls"',
        'case "$1" in',
        '  is-enabled) [ -f "$state/$3.enabled" ] ;;',
        '  is-active) [ -f "$state/$3.active" ] ;;',
        '  enable) touch "$state/$2.enabled" ;;',
        "  daemon-reload) ;;",
        "  start)",
        '    case "$2" in',
        '      *.service) exec "$(sed -n "s/^ExecStart=//p" "$SYSTEMD_DIR/$2")" ;;',
        '      *) touch "$state/$2.active" ;;',
        "    esac ;;",
        "esac",
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "systemctl"), 0o755);
  });

  after(function () {
    writer?.kill();
    cluster?.stop();
  });

  it("without allowRootBricks, glusterd refuses the root-filesystem bricks (what the prep check anticipates)", function () {
    if (run("stat", ["-c", "%d", "/"]).stdout !== run("stat", ["-c", "%d", cluster.hosts[0].bricks[0]]).stdout) {
      this.skip(); // the temp dir is not on the root filesystem here
    }
    const r = cluster.runScript(volumeScript(4, { allowRootBricks: false }));
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /is being created in the root partition/);
    assert.notEqual(run("gluster", cluster.cliArgs(cluster.hosts[0], ["volume", "info", volume])).status, 0);
  });

  it("creates a 1 x (3 + 1) volume with auth.allow, the ping timeout and directory quota", function () {
    const out = runVolumeScript(4);
    assert.match(out, /changed: volume create/);
    assert.match(out, /changed: volume quota .* enable/);
    const text = info();
    assert.match(text, /^Type: Disperse$/m);
    assert.match(text, /^Number of Bricks: 1 x \(3 \+ 1\) = 4$/m);
    assert.match(text, /^Status: Started$/m);
    const bricks = [...text.matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(
      bricks,
      cluster.hosts.slice(0, 4).map((h) => `${h.address}:${h.bricks[0]}`),
    );
    assert.equal(option("auth.allow"), "127.0.0.1,127.1.1.1,127.1.1.2,127.1.1.3,127.1.1.4,127.1.2.*");
    assert.equal(option("network.ping-timeout"), String(PING_TIMEOUT));
    assert.equal(option("features.quota"), "on");
    assert.equal(option("features.hard-timeout"), "1");
    assert.equal(option("features.soft-timeout"), "5");
  });

  it("re-running the rendered volume script changes nothing", function () {
    const before = info();
    const out = runVolumeScript(4);
    assert.doesNotMatch(out, /changed:/);
    assert.match(out, new RegExp(`volume ${volume} unchanged`));
    assert.equal(info(), before);
  });

  it("the client install script makes the mount point immutable, writes its units and mounts through the service", function () {
    const install = (node: string, mnt: string) => {
      const script = renderMountInstallScript(glusterConfig(volume), node, servers, {
        mountPoint: mnt,
        systemdDir: join(cluster.root, "clients", node, "systemd"),
        mountScriptPath: join(cluster.root, "clients", node, "glusterfs-mount"),
        mountOptions: `log-file=${join(cluster.root, `${node}.log`)}`,
        attemptSeconds: 10,
      });
      return run("bash", ["-s"], {
        input: script,
        timeoutMs: 120_000,
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          SYSTEMD_DIR: join(cluster.root, "clients", node, "systemd"),
        },
      });
    };
    for (const node of ["node-a", "node-b"]) {
      const mnt = mountPoint(node);
      cluster.trackMount(mnt);
      cluster.trackImmutable(mnt);
      mounts.set(node, mnt);
    }
    const a = mountPoint("node-a");
    const r = install("node-a", a);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /made .* immutable/);
    assert.match(r.stdout, /mounted .* \(volume layout from 127\.1\.1\.\d\)/);
    assert.equal(run("findmnt", ["-n", "-o", "FSTYPE", "--mountpoint", a]).stdout.trim(), "fuse.glusterfs");
    const service = readFileSync(
      join(cluster.root, "clients", "node-a", "systemd", `k8s-platform-glusterfs-${volume}.service`),
      "utf8",
    );
    assert.match(service, new RegExp(`^ExecStart=${join(cluster.root, "clients", "node-a", "glusterfs-mount")}$`, "m"));
    const calls = readFileSync(join(cluster.root, "systemd", "calls"), "utf8");
    assert.match(calls, new RegExp(`systemctl enable k8s-platform-glusterfs-${volume}\\.timer`));
    // A re-run finds everything in place: nothing rewritten, the live mount left alone.
    const client = run("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", a]).stdout;
    const again = install("node-a", a);
    assert.equal(again.status, 0, `${again.stdout}${again.stderr}`);
    assert.doesNotMatch(again.stdout, /wrote|made|mounted|enabled/);
    assert.equal(run("findmnt", ["-n", "-o", "SOURCE", "--mountpoint", a]).stdout, client);
    // Files on the local disk under an unmounted mount point stop the install.
    const stale = join(cluster.root, "clients", "node-c", volume);
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "written-while-unmounted"), "x");
    const refused = install("node-c", stale);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /holds files although the volume is not mounted there/);
  });

  it("an unmounted, immutable mount point takes no writes (nothing lands on the local disk)", function () {
    // node-b is installed only in the failover test; its mount point exists and is immutable first.
    const b = mountPoint("node-b");
    mkdirSync(b, { recursive: true });
    assert.equal(run("chattr", ["+i", b]).status, 0);
    const mkdir = run("mkdir", ["-p", join(b, pv)]);
    assert.notEqual(mkdir.status, 0);
    assert.match(mkdir.stderr, /Operation not permitted/);
  });

  it("keeps writing through a hung storage host within 2 x network.ping-timeout; a new client still mounts", async function () {
    const a = mountPoint("node-a");
    mkdirSync(join(a, pv), { recursive: true });
    writer = new ContinuousWriter(join(a, pv, "stream"), cluster.root);
    await waitFor("the writer to start", () => writer!.count >= 10, 30_000);
    // node-b asks this host first for the volume layout: hang exactly that one.
    const hung = hostOf(volfileServers("node-b", servers)[0]);
    const frozen = cluster.freeze(hung);
    const stoppedAt = Date.now();
    const atStop = writer.count;
    try {
      // The bound: a hung host's bricks are dropped within 2 x network.ping-timeout.
      await waitFor(
        `writes to continue within 2 x network.ping-timeout (${PING_TIMEOUT} s) + 20 s`,
        () => writer!.count >= atStop + 10 || writer!.failure !== undefined,
        (2 * PING_TIMEOUT + 20) * 1000,
      );
      assert.equal(writer.failure, undefined, `a write failed with one storage host hung: ${writer.failure}`);
      // A node booting now: its first volfile server hangs, the next one serves.
      const b = mountPoint("node-b");
      const mount = run("bash", ["-s"], {
        input: renderMountVolumeScript(glusterConfig(volume), "node-b", servers, {
          mountPoint: b,
          attemptSeconds: 10,
          mountOptions: `log-file=${join(cluster.root, "node-b.log")}`,
        }),
        timeoutMs: 120_000,
      });
      assert.equal(mount.status, 0, `${mount.stdout}${mount.stderr}`);
      assert.match(mount.stdout, new RegExp(`no usable mount .* from ${hung.address.replace(/\./g, "\\.")}`));
      assert.match(mount.stdout, /mounted .* \(volume layout from /);
      // The new client reads what was written, while the host still hangs.
      const n = writer.count;
      const read = prefixSha(join(b, pv, "stream"), n * RECORD_BYTES);
      assert.equal(read.status, 0, read.stderr);
      assert.equal(read.stdout.split(" ")[0], writer.expectedSha(n));
    } finally {
      cluster.thaw(frozen);
    }
    const gap = writer.longestGapAfter(stoppedAt);
    assert.ok(gap > 0, "the writer finished records after the host hung");
    assert.equal(await writer.stop(), 0, writer.failure);
    // The hung host's bricks rejoin; the self-heal daemons bring them up to date.
    await waitFor("the hung host's brick to be back", () => cluster.brickPids(volume).size === 4, 60_000);
    cluster.gluster("volume", "heal", volume);
    await waitFor("the volume to heal", () => pendingHeals() === 0, 90_000);
    dropCaches();
    const all = prefixSha(join(mountPoint("node-b"), pv, "stream"), writer.count * RECORD_BYTES);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(
      all.stdout.split(" ")[0],
      writer.expectedSha(),
      `stream differs (longest pause ${gap} ms): ${all.stderr}`,
    );
  });

  it("with two storage hosts of the set down, writes are refused and reads never return wrong data", async function () {
    const w = writer as ContinuousWriter;
    const [x, y] = [cluster.hosts[1], cluster.hosts[2]];
    const pids = cluster.brickPids(volume);
    for (const h of [x, y]) process.kill(pids.get(`${h.address}:${h.bricks[0]}`) as number, "SIGKILL");
    await waitFor("two bricks to be reported down", () => cluster.brickPids(volume).size === 2);
    const write = run(
      "dd",
      ["if=/dev/zero", `of=${join(mountPoint("node-a"), pv, "must-fail")}`, "bs=64k", "count=4", "conv=fsync"],
      { timeoutMs: 120_000 },
    );
    assert.notEqual(write.status, 0, "a write succeeded with 2 of 4 bricks");
    assert.match(write.stderr, /Input\/output error|Transport endpoint is not connected|Read-only file system/);
    dropCaches();
    const read = prefixSha(join(mountPoint("node-b"), pv, "stream"), w.count * RECORD_BYTES);
    if (read.status === 0 && !/Input\/output error|not connected/.test(read.stderr)) {
      assert.equal(read.stdout.split(" ")[0], w.expectedSha(), "a read with 2 of 4 bricks returned wrong data");
    }
    await cluster.restartGlusterd(x);
    await cluster.restartGlusterd(y);
    await waitFor("all 4 bricks up", () => cluster.brickPids(volume).size === 4);
    await waitFor(
      "the stream to read back intact",
      () => {
        dropCaches();
        const r = prefixSha(join(mountPoint("node-b"), pv, "stream"), w.count * RECORD_BYTES);
        return r.status === 0 && r.stdout.split(" ")[0] === w.expectedSha();
      },
      90_000,
    );
  });

  it("enforces a PV's size: the helper records it, the quota agent limits it, teardown removes both", async function () {
    const a = mountPoint("node-a");
    const dir = join(a, "pvc-9f3c2a1b-aaaa-4bbb-8ccc-ddddeeeeffff_search-api_kafka-0");
    const limit = 8 * 1024 * 1024;
    const helper = (script: string) =>
      run("sh", ["-s"], { input: script, env: { ...process.env, VOL_DIR: dir, VOL_SIZE_BYTES: String(limit) } });
    const agent = () =>
      cluster.runScript(
        renderQuotaReconcileScript(glusterConfig(volume), {
          glusterdSock: cluster.hosts[0].sock,
          logFile: join(cluster.root, "cli.log"),
          mountPoint: a,
        }),
      );
    assert.equal(helper(renderProvisionerSetup(glusterConfig(volume))).status, 0);
    // What a tenant cannot write (outside every PV) but a broken request looks like: ignored.
    const requests = join(a, ".k8s-platform", "quota", "requested");
    writeFileSync(join(requests, "not-a-pv-dir"), "1024\n");
    writeFileSync(join(requests, "pvc-1_ns_claim"), "1; touch /tmp/owned\n");
    mkdirSync(join(a, "pvc-1_ns_claim"));
    const applied = agent();
    assert.equal(applied.status, 0, `${applied.stdout}${applied.stderr}`);
    assert.match(applied.stdout, new RegExp(`limit /${dir.split("/").pop()} to ${limit} bytes`));
    assert.match(applied.stdout, /ignoring request not-a-pv-dir/);
    assert.match(applied.stdout, /ignoring request pvc-1_ns_claim: size/);
    assert.ok(!existsSync("/tmp/owned"));
    assert.doesNotMatch(agent().stdout, /limit \//, "a second run sets nothing again");
    // The claim's size is what the pod sees, and what it can fill.
    const df = run("df", ["-B1", "--output=size", dir]).stdout.trim().split("\n").pop();
    assert.equal(Number(df), limit);
    // A burst may overrun the size by what it writes within features.soft-timeout (5 s);
    // once the bricks' cached usage is refreshed, writes fail.
    const fill = (name: string) =>
      run("dd", ["if=/dev/zero", `of=${join(dir, name)}`, "bs=1M", "count=32", "conv=fsync"], { timeoutMs: 120_000 });
    const first = fill("fill-1");
    await sleep(6000);
    const second = fill("fill-2");
    assert.notEqual(second.status, 0, `a write past the claim's size succeeded (first burst: ${first.stderr})`);
    assert.match(second.stderr, /Disk quota exceeded/);
    // Teardown (reclaim policy Delete): the directory goes to the trash, the agent removes limit and data.
    const teardown = helper(renderProvisionerTeardown(glusterConfig(volume)));
    assert.equal(teardown.status, 0, teardown.stderr);
    assert.ok(!existsSync(dir));
    const cleaned = agent();
    assert.equal(cleaned.status, 0, `${cleaned.stdout}${cleaned.stderr}`);
    assert.match(cleaned.stdout, /deleted pvc-9f3c2a1b-.* and its limit/);
    assert.ok(!existsSync(join(a, ".k8s-platform", "trash", dir.split("/").pop() as string)));
    const list = run(
      "gluster",
      cluster.cliArgs(cluster.hosts[0], ["volume", "quota", volume, "list", `/${dir.split("/").pop()}`]),
    );
    assert.doesNotMatch(list.stdout, /8\.0MB/);
  });

  it("serves a client inside auth.allow and refuses one outside it", async function () {
    // The client volfile a remote machine receives; the FUSE client binds the given source address.
    const mountFrom = async (name: string, source: string) => {
      const mnt = join(cluster.root, "auth", name);
      mkdirSync(mnt, { recursive: true });
      cluster.trackMount(mnt);
      const r = run("glusterfs", [
        "-f",
        cluster.untrustedVolfile(volume),
        `--xlator-option=*-client-*.transport.socket.source-addr=${source}`,
        `--log-file=${join(cluster.root, `auth-${name}.log`)}`,
        mnt,
      ]);
      assert.equal(r.status, 0, r.stderr);
      await sleep(1000);
      return mnt;
    };
    const node = await mountFrom("node", "127.1.2.7");
    const probe = join(node, "auth-probe");
    assert.equal(run("dd", ["if=/dev/zero", `of=${probe}`, "bs=4k", "count=1", "conv=fsync"]).status, 0);
    const stranger = await mountFrom("stranger", "127.1.3.7");
    const r = run("stat", [join(stranger, "auth-probe")], { timeoutMs: 60_000 });
    assert.notEqual(r.status, 0, "a client outside auth.allow reached the volume");
    assert.match(r.stderr, /Transport endpoint is not connected|Input\/output error/);
    assert.match(readFileSync(join(cluster.root, "auth-stranger.log"), "utf8"), /Authentication failed/);
  });

  it("grows to 2 x (3 + 1) when 4 storage hosts are added, keeping the first set and the data", async function () {
    const w = writer as ContinuousWriter;
    const firstSet = [...info().matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    const out = runVolumeScript(8);
    assert.match(out, /changed: volume add-brick .* \(4 bricks\)/);
    assert.match(out, /changed: volume set .* auth\.allow 127\.0\.0\.1,127\.1\.1\.1,.*127\.1\.1\.8,127\.1\.2\.\*/);
    assert.match(out, /changed: volume rebalance/);
    const text = info();
    assert.match(text, /^Type: Distributed-Disperse$/m);
    assert.match(text, /^Number of Bricks: 2 x \(3 \+ 1\) = 8$/m);
    const bricks = [...text.matchAll(/^Brick\d+: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(bricks.slice(0, 4), firstSet);
    assert.deepEqual(bricks, planVolume(glusterConfig(volume), cluster.hosts, []).sets.flat().map(brickId));
    await waitFor("rebalance to finish", () => rebalanceStates().every((state) => state === "completed"), 120_000);
    dropCaches();
    const r = prefixSha(join(mountPoint("node-b"), pv, "stream"), w.count * RECORD_BYTES);
    assert.equal(r.stdout.split(" ")[0], w.expectedSha(), `stream differs after rebalance: ${r.stderr}`);
    assert.doesNotMatch(runVolumeScript(8), /changed:/);
  });
});
