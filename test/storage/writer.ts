/**
 * A continuous writer for failover tests and the bench: a bash loop appending fixed-size
 * records to one file with `dd ... conv=fdatasync` (each record is on the volume before
 * the next starts), reporting each finished record with a timestamp. Record i is block
 * (i mod blocks) of a random source file on the local disk, so the expected content of
 * the first n records is known without keeping it in memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const RECORD_BYTES = 128 * 1024;

const LOOP = `set -u
i=0
while [ -e "$RUN" ]; do
  if ! dd if="$SOURCE" of="$TARGET" bs=${RECORD_BYTES} skip=$((i % BLOCKS)) count=1 oflag=append conv=notrunc,fdatasync status=none; then
    echo "failed $i"
    exit 1
  fi
  echo "$i $(date +%s%N)"
  i=$((i + 1))
done
echo done
`;

export class ContinuousWriter {
  /** Completion time (ms since the epoch) of each record, in order. */
  readonly done: number[] = [];
  private readonly source: string;
  private readonly runFlag: string;
  private readonly child: ChildProcess;
  private output = "";
  private exited: Promise<number | null>;

  /** Starts writing to `target`; `scratch` is a local directory for the source and flag files. */
  constructor(
    readonly target: string,
    scratch: string,
    private readonly blocks = 64,
  ) {
    this.source = join(scratch, "writer-source");
    this.runFlag = join(scratch, "writer-run");
    writeFileSync(this.source, randomBytes(RECORD_BYTES * blocks));
    writeFileSync(this.runFlag, "");
    this.child = spawn("bash", ["-c", LOOP], {
      env: { ...process.env, RUN: this.runFlag, SOURCE: this.source, TARGET: target, BLOCKS: String(blocks) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => {
      this.output += chunk;
      const lines = this.output.split("\n");
      this.output = lines.pop() ?? "";
      for (const line of lines) {
        const m = /^(\d+) (\d+)$/.exec(line);
        if (m) this.done.push(Number(BigInt(m[2]) / 1_000_000n));
        else if (line.startsWith("failed")) this.failure = line;
      }
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Set when a write failed (the loop then exits). */
  failure?: string;

  /** Records written so far. */
  get count(): number {
    return this.done.length;
  }

  /** Asks the loop to finish its current record and stop; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (existsSync(this.runFlag)) rmSync(this.runFlag);
    return this.exited;
  }

  /** Kills the loop (cleanup after a failed test). */
  kill(): void {
    if (existsSync(this.runFlag)) rmSync(this.runFlag);
    this.child.kill("SIGKILL");
  }

  /** SHA-256 of the first `records` records as written. */
  expectedSha(records = this.count): string {
    const hash = createHash("sha256");
    const fd = openSync(this.source, "r");
    try {
      const buf = Buffer.alloc(RECORD_BYTES);
      for (let i = 0; i < records; i++) {
        readSync(fd, buf, 0, RECORD_BYTES, (i % this.blocks) * RECORD_BYTES);
        hash.update(buf);
      }
    } finally {
      closeSync(fd);
    }
    return hash.digest("hex");
  }

  /** The longest gap (ms) between two consecutive records finishing after `since` (ms). */
  longestGapAfter(since: number): number {
    let longest = 0;
    for (let i = 1; i < this.done.length; i++) {
      if (this.done[i] < since) continue;
      longest = Math.max(longest, this.done[i] - Math.max(this.done[i - 1], since));
    }
    return longest;
  }
}
