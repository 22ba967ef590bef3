/**
 * The pack is self-contained: a copy of policies/ alone, outside the repository, installs
 * its own dependencies (`npm ci` from its lock file) and starts the way
 * `pulumi preview --policy-pack` starts it: the SDK's run-policy-pack from the pack's own
 * node_modules, which compiles index.ts with the pack's TypeScript and ts-node (type-checked).
 * The analyzer it serves then names every rule.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { RULES } from "../../policies/rules";
import { REPO_ROOT } from "../support/config";

describe("policy pack from a copy outside the repository", function () {
  this.timeout(600_000);
  let dir: string;
  let pack: ChildProcess | undefined;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), "policy-pack-"));
    cpSync(join(REPO_ROOT, "policies"), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, NODE_ENV: "production" },
    });
    assert.equal(install.status, 0, `npm ci in the copied pack failed:\n${install.stdout}${install.stderr}`);
  });

  after(() => {
    if (pack && pack.exitCode === null) pack.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("compiles with its own TypeScript, serves the analyzer and registers every rule", async () => {
    // `<engine address> <program>`, as the language host runs a policy pack.
    const child = spawn(
      process.execPath,
      [join(dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."],
      {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    pack = child;
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`no port within 300s: ${out}${err}`)), 300_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the pack exited (${code}):\n${out}${err}`));
      });
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const names = await new Promise<string[]>((resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (e, info) =>
          e ? reject(e) : resolve(info.getPoliciesList().map((p) => p.getName())),
        ),
      );
      assert.deepEqual(names.sort(), RULES.map((r) => r.name).sort());
    } finally {
      client.close();
    }
  });
});
