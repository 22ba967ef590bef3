/**
 * Storage figures on real glusterds (127.1.1.x) with bricks on this machine's disk, through
 * the path PVs use (the rendered mount script: native FUSE client, the client read-ahead):
 *
 * 1. Geometry: the seed's dd test (block size 655k, written with conv=fdatasync, page cache
 *    dropped, read back) on `disperse 3/4/5 redundancy 1` volumes with the project's options.
 * 2. Options, on the prod geometry, in the same run: `defaults` (GlusterFS's own, kernel
 *    read-ahead), `tuned` (storage.glusterfs.options + the client read-ahead) and `tuned +
 *    quota` (what prod runs with enforceCapacity: a limit on the PV's directory). The tuned
 *    options must beat the defaults by 15% on both write and read, or they go.
 * 3. Failover: the pause of a continuous writer when a storage host hangs (bounded by
 *    network.ping-timeout) and when one crashes.
 *
 * Local disk is measured in the same rounds (interleaved, so a shared machine's drift hits
 * every row alike) and every row is printed as a ratio to it, next to the seed's own ratios.
 * Loopback on one disk is not a 10 GbE network. Figures are printed, never asserted.
 * NFS is not measured: the platform exports no NFS any more (and this machine has no
 * kernel NFS client).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMountVolumeScript } from "../components/storage/mount";
import { planVolume, renderVolumeScript } from "../components/storage/render";
import type { GlusterConfig } from "../stacks/contract/spec";
import { prodConfig } from "../test/support/config";
import { load } from "../stacks/contract/load";
import { GlusterTestCluster, must, run, sleep, waitFor } from "../test/storage/cluster";
import { ContinuousWriter } from "../test/storage/writer";

const BLOCK = "655k";
const BLOCK_BYTES = 655 * 1024;
/** The seed's dd figures (MB/s): local disk and three remote storages. */
const SEED = { local: 870, "10GbE": 273, "1GbE": 63.5, "cloud NAS": 37 } as const;
/** Tuned options must beat the defaults by this much on write and read. */
const REQUIRED_GAIN = 0.15;

interface Figures {
  readonly writeMBs: number;
  readonly readMBs: number;
}

/** One volume under test: its cluster, config and mount. */
interface Subject {
  readonly name: string;
  readonly config: GlusterConfig;
  /** Client read-ahead: undefined = the platform's, 0 = the kernel's default. */
  readonly readAheadKb?: number;
  /** dd in a directory with a quota limit (a PV), when quota is on. */
  cluster?: GlusterTestCluster;
  dir?: string;
}

/** Throughput of one dd run, from dd's own byte count and seconds ("N bytes ... copied, T s, ..."). */
function ddRate(args: readonly string[]): number {
  const r = run("dd", args, { timeoutMs: 600_000 });
  if (r.status !== 0) throw new Error(`dd ${args.join(" ")} failed: ${r.stderr}`);
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(r.stderr);
  if (!m) throw new Error(`unexpected dd output: ${r.stderr}`);
  return Number(m[1]) / Number(m[2]) / 1e6;
}

/** Drops the page cache so the read is not served from memory; false where that is not permitted. */
function dropCaches(): boolean {
  try {
    run("sync", []);
    writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One dd write (conv=fdatasync) then read of `count` blocks in `dir`. */
function ddOnce(dir: string, count: number): Figures {
  const file = join(dir, "dd-test");
  const writeMBs = ddRate(["if=/dev/zero", `of=${file}`, `bs=${BLOCK}`, `count=${count}`, "conv=fdatasync"]);
  dropCaches();
  const readMBs = ddRate([`if=${file}`, "of=/dev/null", `bs=${BLOCK}`]);
  rmSync(file, { force: true });
  return { writeMBs, readMBs };
}

/** The prod stack's storage.glusterfs (the options the project ships). */
function prodGluster(): GlusterConfig {
  const result = load(prodConfig());
  if (!result.ok || !result.spec.storage.glusterfs) throw new Error("Pulumi.prod.yaml has no valid storage.glusterfs");
  return result.spec.storage.glusterfs;
}

/** Starts a cluster for `subject` on 127.1.1.`first`.., creates its volume and mounts it like a node. */
async function start(subject: Subject, first: number): Promise<void> {
  const cluster = new GlusterTestCluster("k8s-platform-bench-");
  subject.cluster = cluster;
  for (let i = 0; i < subject.config.disperse; i++) cluster.startHost(first + i);
  await cluster.ready();
  cluster.track(subject.config.volume);
  const script = renderVolumeScript(planVolume(subject.config, cluster.hosts, []), {
    glusterdSock: cluster.hosts[0].sock,
    force: true,
    logFile: join(cluster.root, "cli.log"),
  });
  const r = cluster.runScript(script);
  if (r.status !== 0) throw new Error(`volume script failed: ${r.stdout}${r.stderr}`);
  const mnt = join(cluster.root, "mnt");
  mkdirSync(mnt, { recursive: true });
  cluster.trackMount(mnt);
  const mount = run("bash", ["-s"], {
    input: renderMountVolumeScript(
      subject.config,
      "bench-node",
      cluster.hosts.slice(0, 3).map((h) => h.address),
      {
        mountPoint: mnt,
        mountOptions: `log-file=${join(cluster.root, "mount.log")}`,
        readAheadKb: subject.readAheadKb,
      },
    ),
  });
  if (mount.status !== 0) throw new Error(`mount failed: ${mount.stdout}${mount.stderr}`);
  subject.dir = mnt;
  if (subject.config.enforceCapacity) {
    subject.dir = join(mnt, "pvc-bench_ns_claim");
    mkdirSync(subject.dir);
    must(
      "gluster",
      cluster.cliArgs(cluster.hosts[0], [
        "volume",
        "quota",
        subject.config.volume,
        "limit-usage",
        "/pvc-bench_ns_claim",
        "100GB",
      ]),
    );
  }
}

/** Runs interleaved rounds over local disk and the subjects; medians per row. */
function measure(subjects: readonly Subject[], local: string, count: number, rounds: number): Figures[] {
  const dirs = [local, ...subjects.map((s) => s.dir as string)];
  const samples: Figures[][] = dirs.map(() => []);
  for (let round = 0; round < rounds; round++) dirs.forEach((dir, d) => samples[d].push(ddOnce(dir, count)));
  return samples.map((xs) => ({
    writeMBs: median(xs.map((x) => x.writeMBs)),
    readMBs: median(xs.map((x) => x.readMBs)),
  }));
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function printTable(rows: readonly { name: string; figures: Figures }[], local: Figures): void {
  console.log(
    `${"".padEnd(28)}${"write MB/s".padStart(11)}${"read MB/s".padStart(11)}${"write/local".padStart(13)}${"read/local".padStart(12)}`,
  );
  for (const { name, figures } of rows) {
    console.log(
      `${name.padEnd(28)}${figures.writeMBs.toFixed(1).padStart(11)}${figures.readMBs.toFixed(1).padStart(11)}${pct(figures.writeMBs / local.writeMBs).padStart(13)}${pct(figures.readMBs / local.readMBs).padStart(12)}`,
    );
  }
}

/** Phase 1 and 2: geometry rows, then defaults / tuned / tuned + quota on the prod geometry. */
export async function throughput(prod: GlusterConfig, count: number, rounds: number, scratch: string): Promise<void> {
  const base: GlusterConfig = { ...prod, enforceCapacity: false, allowRootBricks: true, clientNetworks: undefined };
  const geometries: Subject[] = [3, 4, 5].map((disperse) => ({
    name: `disperse ${disperse} redundancy 1`,
    config: { ...base, volume: `bench-d${disperse}-${process.pid}`, disperse, redundancy: 1 },
  }));
  const options: Subject[] = [
    { name: "defaults", config: { ...base, volume: `bench-defaults-${process.pid}`, options: {} }, readAheadKb: 0 },
    { name: "tuned", config: { ...base, volume: `bench-tuned-${process.pid}` } },
    // One quota-enabled cluster at a time: quotad's socket is shared by every glusterd here.
    { name: "tuned + quota", config: { ...base, volume: `bench-quota-${process.pid}`, enforceCapacity: true } },
  ];
  const ratios = Object.entries(SEED)
    .map(([k, v]) => `${k} ${v} MB/s (${pct(v / SEED.local)})`)
    .join(", ");
  for (const [title, subjects] of [
    ["geometry (the project's options)", geometries],
    [`options (disperse ${prod.disperse} redundancy ${prod.redundancy})`, options],
  ] as const) {
    const local = join(scratch, "local");
    mkdirSync(local, { recursive: true });
    try {
      let next = 1;
      for (const s of subjects) {
        await start(s, next);
        next += s.config.disperse;
      }
      const [localFigures, ...figures] = measure(subjects, local, count, rounds);
      console.log(`\n-- ${title}`);
      printTable(
        [
          { name: "local disk", figures: localFigures },
          ...subjects.map((s, i) => ({ name: s.name, figures: figures[i] })),
        ],
        localFigures,
      );
      if (subjects === options) {
        const [defaults, tuned] = figures;
        const w = tuned.writeMBs / defaults.writeMBs - 1;
        const r = tuned.readMBs / defaults.readMBs - 1;
        const keep = w >= REQUIRED_GAIN && r >= REQUIRED_GAIN;
        console.log(
          `tuned vs defaults: write ${w >= 0 ? "+" : ""}${pct(w)}, read ${r >= 0 ? "+" : ""}${pct(r)} -> ${keep ? "keep the options" : `below +${pct(REQUIRED_GAIN)} on both: the options go`}`,
        );
      }
    } finally {
      for (const s of subjects) s.cluster?.stop();
      rmSync(local, { recursive: true, force: true });
    }
  }
  console.log(`seed (dd 655k, ratio to its local disk): ${ratios}`);
}

/** Phase 3: the writer's longest pause when one storage host hangs, then when one crashes. */
export async function failover(prod: GlusterConfig, scratch: string): Promise<void> {
  const subject: Subject = {
    name: "failover",
    config: {
      ...prod,
      volume: `bench-failover-${process.pid}`,
      enforceCapacity: false,
      allowRootBricks: true,
      clientNetworks: undefined,
    },
  };
  let writer: ContinuousWriter | undefined;
  try {
    await start(subject, 1);
    const cluster = subject.cluster as GlusterTestCluster;
    writer = new ContinuousWriter(join(subject.dir as string, "stream"), scratch);
    await waitFor("the writer", () => (writer as ContinuousWriter).count > 20, 60_000);
    const pause = async (stop: () => number[], what: string): Promise<void> => {
      const w = writer as ContinuousWriter;
      const at = Date.now();
      const before = w.count;
      const stopped = stop();
      await waitFor(
        `writes after ${what}`,
        () => w.count >= before + 20 || w.failure !== undefined,
        (prod.pingTimeout + 60) * 1000,
      );
      console.log(
        `${what.padEnd(40)} longest pause ${(w.longestGapAfter(at) / 1000).toFixed(1)} s${w.failure ? ` (a write failed: ${w.failure})` : ""}`,
      );
      cluster.thaw(stopped);
    };
    console.log(
      `\n-- failover (network.ping-timeout ${prod.pingTimeout} s, disperse ${prod.disperse} redundancy ${prod.redundancy})`,
    );
    await pause(() => cluster.freeze(cluster.hosts[1]), "one storage host hangs (SIGSTOP)");
    await sleep(5000);
    await pause(() => {
      for (const pid of cluster.hostPids(cluster.hosts[2])) process.kill(pid, "SIGKILL");
      return [];
    }, "one storage host crashes (SIGKILL)");
    await writer.stop();
  } finally {
    writer?.kill();
    subject.cluster?.stop();
  }
}

/** Prints the storage figures. */
export async function benchStorage(opts: { count?: number; rounds?: number } = {}): Promise<void> {
  const count = opts.count ?? Number(process.env.BENCH_STORAGE_BLOCKS ?? 400);
  const rounds = opts.rounds ?? 3;
  const prod = prodGluster();
  console.log(
    `\n== storage: dd bs=${BLOCK} count=${count} (${((count * BLOCK_BYTES) / 1e6).toFixed(0)} MB) conv=fdatasync, median of ${rounds}, through the native FUSE mount`,
  );
  for (const tool of ["glusterd", "gluster", "glusterfs", "mount.glusterfs", "dd"]) {
    if (run("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      console.log(`skipped: ${tool} is not installed`);
      return;
    }
  }
  console.log(
    dropCaches()
      ? "page cache dropped before each read"
      : "page cache NOT dropped (not permitted here): reads may be served from memory",
  );
  const scratch = new GlusterTestCluster("k8s-platform-bench-scratch-");
  try {
    await throughput(prod, count, rounds, scratch.root);
    await failover(prod, scratch.root);
  } finally {
    scratch.stop();
  }
}
