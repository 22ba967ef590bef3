/**
 * The source design's dd test (block size 655k, written with conv=fdatasync, then read
 * back) on a FUSE-mounted dispersed 3+1 volume next to the local disk, for GlusterFS
 * defaults and for the project's volume options, side by side. The volume runs on real
 * glusterds on 127.1.1.1-8 with bricks on this machine's disk, so the ratio measures the
 * Gluster stack (FUSE, erasure coding, RPC over loopback), not a 10 GbE network: the
 * source measured ~30% of local disk on 10 GbE. Figures are printed, never asserted.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planVolume, renderVolumeScript } from "../components/storage/render";
import type { GlusterConfig } from "../stacks/contract/spec";
import { prodConfig } from "../test/support/config";
import { load } from "../stacks/contract/load";
import { GlusterTestCluster, run } from "../test/storage/cluster";

const BLOCK = "655k";
const BLOCK_BYTES = 655 * 1024;

interface Profile {
  readonly name: string;
  readonly options: Record<string, string>;
}

interface Figures {
  readonly writeMBs: number;
  readonly readMBs: number;
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

/** Prints the dd figures for each option profile next to local disk. */
export async function benchStorage(opts: { count?: number; rounds?: number } = {}): Promise<void> {
  const count = opts.count ?? Number(process.env.BENCH_STORAGE_BLOCKS ?? 400);
  const rounds = opts.rounds ?? 3;
  const prod = prodGluster();
  // Two pools fit the eight test addresses: defaults on 127.1.1.1-4, the prod options on
  // 127.1.1.5-8. Rounds interleave local disk and both volumes so drift of a shared
  // machine's disk hits all three alike.
  const profiles: Profile[] = [
    { name: "gluster defaults", options: {} },
    { name: "Pulumi.prod.yaml options", options: prod.options },
  ];
  console.log(
    `\n== storage: dd bs=${BLOCK} count=${count} (${((count * BLOCK_BYTES) / 1e6).toFixed(0)} MB) conv=fdatasync, median of ${rounds}`,
  );
  for (const tool of ["glusterd", "gluster", "glusterfs", "dd"]) {
    if (run("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      console.log(`skipped: ${tool} is not installed`);
      return;
    }
  }
  const local = new GlusterTestCluster("k8s-platform-bench-local-");
  const clusters = profiles.map(() => new GlusterTestCluster("k8s-platform-bench-"));
  try {
    const cacheNote = dropCaches()
      ? "page cache dropped before each read"
      : "page cache NOT dropped (not permitted here): reads may be served from memory";
    const mounts: string[] = [];
    for (const [p, profile] of profiles.entries()) {
      const cluster = clusters[p];
      for (let i = 1; i <= 4; i++) cluster.startHost(p * 4 + i);
      await cluster.ready();
      const volume = `bench-${p}-${process.pid}`;
      cluster.track(volume);
      const config: GlusterConfig = { ...prod, volume, options: profile.options };
      const script = renderVolumeScript(planVolume(config, cluster.hosts), {
        glusterdSock: cluster.hosts[0].sock,
        force: true,
        logFile: join(cluster.root, "cli.log"),
      });
      const r = cluster.runScript(script);
      if (r.status !== 0) throw new Error(`volume script failed: ${r.stdout}${r.stderr}`);
      mounts.push(await cluster.mount(volume));
    }
    const dirs = [local.root, ...mounts];
    const samples: Figures[][] = dirs.map(() => []);
    for (let round = 0; round < rounds; round++) dirs.forEach((dir, d) => samples[d].push(ddOnce(dir, count)));
    const medians = samples.map((xs) => ({
      writeMBs: median(xs.map((x) => x.writeMBs)),
      readMBs: median(xs.map((x) => x.readMBs)),
    }));
    const localFigures = medians[0];
    const rows = [
      { name: "local disk", figures: localFigures },
      ...profiles.map((p, i) => ({ name: p.name, figures: medians[i + 1] })),
    ];
    console.log(cacheNote);
    console.log(
      `${"".padEnd(32)}${"write MB/s".padStart(12)}${"read MB/s".padStart(12)}${"write/local".padStart(13)}${"read/local".padStart(12)}`,
    );
    for (const { name, figures } of rows) {
      const w = figures.writeMBs / localFigures.writeMBs;
      const rd = figures.readMBs / localFigures.readMBs;
      console.log(
        `${name.padEnd(32)}${figures.writeMBs.toFixed(1).padStart(12)}${figures.readMBs.toFixed(1).padStart(12)}${`${(w * 100).toFixed(0)}%`.padStart(13)}${`${(rd * 100).toFixed(0)}%`.padStart(12)}`,
      );
    }
    const score = (f: Figures) => f.writeMBs + f.readMBs;
    const winner = rows.slice(1).reduce((best, row) => (score(row.figures) > score(best.figures) ? row : best));
    console.log(
      `fastest (write + read): ${winner.name}; the source measured 273 MB/s on 10 GbE = ~30% of its 870 MB/s local disk`,
    );
  } finally {
    for (const cluster of clusters) cluster.stop();
    local.stop();
  }
}
