/**
 * Runbook: add, replace and remove a master (docs/operations/masters.md). The plans of the
 * doc's config edits and `--replace` are checked (what re-renders on the other masters,
 * which delete commands run, that a rebuilt machine never gets one), then carried out with
 * the rendered scripts under a temp root: the staying masters' install-lb.sh with their
 * re-rendered bundle (real `haproxy -c` validates it), the removed master's retire command
 * with a recording systemctl, and a running haproxy reloaded without the removed backend.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { planChanges, type Plan } from "../../stacks/plan/diff";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { LB_FILES } from "../../components/control-plane/paths";
import { RETIRE_MASTER } from "../../components/control-plane";
import { renderBundle } from "../../components/control-plane/files";
import { haproxyConfigFor, renderHaproxyConfig, SCRIPTS } from "../../components/control-plane/render";
import { fakeHostKey } from "../../stacks/plan/generate";
import { diffLines } from "../../stacks/plan/textdiff";
import { clone, prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { bundleFiles, resourceNamed } from "../control-plane/harness";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

const INSTALL_LB = join(__dirname, "..", "..", "components", "control-plane", "install-lb.sh");

/** The prod inventory (two masters) with master-3 appended. */
function threeMasters(): Raw {
  const raw = clone(prodConfig()) as Raw;
  const hosts = raw.hosts as Raw[];
  const at = hosts.findIndex((h) => h.name === "master-2") + 1;
  hosts.splice(at, 0, { name: "master-3", address: "10.10.1.23", roles: ["master"], hostKey: fakeHostKey("master-3") });
  return raw;
}

/** The lines only in `a` (`-line`) and only in `b` (`+line`). */
const textDiff = (a: string, b: string) =>
  diffLines(a.split("\n"), b.split("\n"))
    .filter((l) => l.tag !== " ")
    .map((l) => `${l.tag}${l.text}`);
const ops = (plan: Plan) => plan.changes.map((c) => `${c.op} ${c.name}`);
/** The file at `path` of the LB config bundle one master gets in a graph. */
const lbFile = (g: Graph, master: string, path: string) =>
  bundleFiles(resourceNamed(g, `control-plane-lb-${master}-config`)).get(path)?.content ?? "";
const lbSecret = (g: Graph, master: string, path: string) =>
  bundleFiles(resourceNamed(g, `control-plane-lb-${master}-secrets`)).get(path)?.content ?? "";
/** Commands of a graph that run something when deleted. */
const deleteBearing = (g: Graph): RecordedResource[] =>
  g.resources.filter((r) => r.type === "command:remote:Command" && typeof r.inputs.delete === "string");

describe("runbook: add, replace and remove a master", function () {
  this.timeout(300_000);
  let two: Graph;
  let three: Graph;

  before(async () => {
    two = await runProgram(prodConfig());
    three = await runProgram(threeMasters());
  });

  describe("the plans", () => {
    it("remove master-3: the others' haproxy drops exactly its backend, keepalived its peer; its services stop last", () => {
      const plan = planChanges(three, two);
      for (const m of ["master-1", "master-2"]) {
        const change = plan.changes.find((c) => c.name === `control-plane-lb-${m}-config`);
        assert.equal(change?.op, "update", `${m}'s balancer config re-copies in place`);
        assert.deepEqual(textDiff(lbFile(three, m, LB_FILES.haproxyConfig), lbFile(two, m, LB_FILES.haproxyConfig)), [
          "-  server master-3 10.10.1.23:6443",
        ]);
        const keepalived = textDiff(
          lbSecret(three, m, LB_FILES.keepalivedConfig),
          lbSecret(two, m, LB_FILES.keepalivedConfig),
        );
        // With unicast VRRP the peer list loses master-3; with multicast nothing changes.
        assert.ok(
          keepalived.every((l) => /^-\s+10\.10\.1\.23$/.test(l)),
          `keepalived loses the master-3 peer, nothing else: ${keepalived.join(" | ")}`,
        );
        assert.equal(plan.changes.find((c) => c.name === `control-plane-lb-${m}-install`)?.op, "update");
      }
      // Deleted resources that run a delete command: the master's retire (and its kubelet's, as a node).
      const running = plan.changes
        .filter((c) => c.op === "delete" && deleteBearing(three).some((r) => r.urn === c.urn))
        .map((c) => c.name);
      assert.ok(running.includes("control-plane-master-3-retire"), running.join(", "));
      assert.ok(
        running.every((n) => /master-3/.test(n)),
        `only master-3's delete commands run: ${running.join(", ")}`,
      );
      // The engine deletes at the end: after the staying balancers took the new config.
      const at = (name: string) => ops(plan).findIndex((s) => s.endsWith(` ${name}`));
      for (const m of ["master-1", "master-2"])
        assert.ok(at(`control-plane-lb-${m}-install`) < at("control-plane-master-3-retire"));
      const retire = resourceNamed(three, "control-plane-master-3-retire");
      assert.equal(retire.inputs.delete, `sh -c '${RETIRE_MASTER}'`);
      assert.equal(retire.inputs.create, undefined, "nothing runs when it is created");
      assert.equal(retire.inputs.triggers, undefined, "no triggers: never replaced");
      assert.ok(
        plan.changes.every((c) => !/master-[12]/.test(c.name) || c.op === "update"),
        "the others only update",
      );
    });

    it("add master-3: every balancer gets its backend and peer; nothing is deleted or replaced", () => {
      const plan = planChanges(two, three);
      for (const m of ["master-1", "master-2"])
        assert.deepEqual(textDiff(lbFile(two, m, LB_FILES.haproxyConfig), lbFile(three, m, LB_FILES.haproxyConfig)), [
          "+  server master-3 10.10.1.23:6443",
        ]);
      assert.equal(
        lbFile(three, "master-3", LB_FILES.haproxyConfig),
        lbFile(three, "master-1", LB_FILES.haproxyConfig),
      );
      for (const name of [
        "control-plane-master-3-install",
        "control-plane-lb-master-3-install",
        "control-plane-master-3-retire",
      ])
        assert.ok(ops(plan).includes(`create ${name}`), name);
      const replacedOrDeleted = plan.changes.filter(
        (c) => (c.op === "replace" || c.op === "delete") && c.type.startsWith("command:"),
      );
      assert.deepEqual(
        replacedOrDeleted.map((c) => c.name),
        [],
      );
    });

    it("replace (rebuild) master-2 under its name: its steps re-run; no delete command runs anywhere", () => {
      const prep = resourceNamed(two, "master-2-prep");
      const plan = planChanges(two, two, { replace: [prep.urn] });
      const names = ops(plan);
      for (const step of ["control-plane-master-2-install", "control-plane-lb-master-2-install"])
        assert.ok(names.includes(`replace ${step}`), `${step}: ${names.join(", ")}`);
      // A replace runs the old resource's delete at the end: no replaced command may carry one.
      const withDelete = new Set(deleteBearing(two).map((r) => r.urn));
      const replaced = plan.changes.filter((c) => c.op === "replace" && withDelete.has(c.urn)).map((c) => c.name);
      assert.deepEqual(replaced, [], "a replaced step with a delete command would run it on the new machine");
      assert.ok(!names.some((n) => /retire/.test(n)), names.join(", "));
      for (const r of deleteBearing(two))
        assert.equal(r.inputs.triggers, undefined, `${r.name} has a delete command and must carry no triggers`);
    });
  });

  describe("removal with the rendered scripts (temp root, real haproxy)", () => {
    let dir = "";
    let spec3: PlatformSpec;
    let spec2: PlatformSpec;
    let haproxy: ChildProcess | undefined;
    const log = () => join(dir, "systemctl.log");
    const calls = () => readFileSync(log(), "utf8").split("\n").filter(Boolean);

    before(function () {
      requireTool(this, "haproxy", "keepalived", "ip", "curl");
      if (process.getuid?.() !== 0) {
        if (process.env.CI === "true")
          throw new Error("install-lb.sh installs files owned by root: run the tests as root");
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), "runbook-masters-"));
      spec3 = loadOrThrow(threeMasters()).spec;
      spec2 = loadOrThrow(prodConfig()).spec;
      mkdirSync(join(dir, "stubs"));
      writeFileSync(join(dir, "stubs/systemctl"), `#!/usr/bin/env bash\necho "$*" >>${JSON.stringify(log())}\n`);
      chmodSync(join(dir, "stubs/systemctl"), 0o755);
      writeFileSync(log(), "");
    });
    after(() => {
      haproxy?.kill("SIGKILL");
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const env = () => ({ ...process.env, PATH: `${join(dir, "stubs")}:${process.env.PATH ?? ""}` });

    it("a staying master's install-lb.sh validates and installs the config without master-3, and reloads haproxy", () => {
      const root = join(dir, "master-1");
      const ca = String(
        (bundleFiles(resourceNamed(two, "control-plane-lb-master-1-config")).get(LB_FILES.apiserverCa) ?? {}).content,
      );
      // The production bundle of each spec, with the CA haproxy loads moved under the root.
      const stage = (spec: PlatformSpec) => {
        mkdirSync(join(root, "stage"), { recursive: true, mode: 0o700 });
        const cfg = renderHaproxyConfig(haproxyConfigFor(spec, { caFile: root + LB_FILES.apiserverCa }));
        writeFileSync(
          join(root, "stage/config"),
          renderBundle([
            { path: LB_FILES.apiserverCa, mode: "0644", content: ca },
            { path: LB_FILES.checkScript, mode: "0755", content: SCRIPTS.checkHaproxy },
            { path: LB_FILES.haproxyConfig, mode: "0644", content: cfg },
          ]),
        );
      };
      const run = () =>
        spawnSync("bash", [INSTALL_LB], {
          encoding: "utf8",
          env: { ...env(), BUNDLES: join(root, "stage/config"), HOST_ADDRESS: "10.10.1.21", ROOT: root },
        });
      stage(spec3);
      let r = run();
      assert.equal(r.status, 0, r.stderr);
      assert.match(readFileSync(root + LB_FILES.haproxyConfig, "utf8"), /server master-3 /);
      writeFileSync(log(), "");
      stage(spec2);
      r = run();
      assert.equal(r.status, 0, r.stderr);
      const installed = readFileSync(root + LB_FILES.haproxyConfig, "utf8");
      assert.doesNotMatch(installed, /master-3/);
      assert.match(installed, /server master-1 10\.10\.1\.21:6443\n {2}server master-2 10\.10\.1\.22:6443\n/);
      assert.ok(calls().includes("reload haproxy"), calls().join("; "));
      // What the graph copies to master-1 is this rendering with the production CA path.
      assert.equal(lbFile(two, "master-1", LB_FILES.haproxyConfig), renderHaproxyConfig(haproxyConfigFor(spec2)));
      const check = spawnSync("haproxy", ["-c", "-f", root + LB_FILES.haproxyConfig], { encoding: "utf8" });
      assert.equal(check.status, 0, check.stderr);
    });

    it("the removed master's retire command stops and disables its balancer, then its control plane", () => {
      writeFileSync(log(), "");
      const retire = String(resourceNamed(three, "control-plane-master-3-retire").inputs.delete);
      const r = spawnSync("bash", ["-c", retire], { encoding: "utf8", env: env() });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(calls(), [
        "disable --now keepalived haproxy",
        "disable --now kube-scheduler kube-controller-manager kube-apiserver",
      ]);
    });

    it("a running haproxy, reloaded with the staying master's new config, serves without the master-3 backend", async () => {
      const sock = join(dir, "admin.sock");
      const cfgFile = join(dir, "haproxy.cfg");
      const caFile = join(dir, "ca.crt");
      writeFileSync(
        caFile,
        String(bundleFiles(resourceNamed(two, "control-plane-lb-master-1-config")).get(LB_FILES.apiserverCa)?.content),
      );
      // The rendered config, unprivileged on loopback: its own port, socket and CA path.
      const render = (spec: PlatformSpec) =>
        renderHaproxyConfig(
          haproxyConfigFor(spec, {
            bindAddress: "127.0.0.51",
            port: 18443,
            monitorAddress: "127.0.0.51",
            monitorPort: 18404,
            caFile,
            statsSocket: sock,
            chroot: undefined,
            user: undefined,
          }),
        );
      writeFileSync(cfgFile, render(spec3));
      haproxy = spawn("haproxy", ["-W", "-db", "-f", cfgFile], { stdio: ["ignore", "pipe", "pipe"] });
      let haproxyLog = "";
      haproxy.stdout?.on("data", (d: Buffer) => (haproxyLog += d.toString("utf8")));
      haproxy.stderr?.on("data", (d: Buffer) => (haproxyLog += d.toString("utf8")));
      const servers = async (): Promise<string[]> => {
        for (let i = 0; i < 100; i++) {
          const out = await statsCommand(sock, "show servers state k8s-apiserver\n").catch(() => "");
          const names = out
            .split("\n")
            .filter((l) => /^\d+ k8s-apiserver /.test(l))
            .map((l) => l.split(" ")[3]);
          if (names.length > 0) return names;
          await new Promise((res) => setTimeout(res, 100));
        }
        throw new Error("haproxy's stats socket does not answer");
      };
      assert.deepEqual(await servers(), ["master-1", "master-2", "master-3"]);
      writeFileSync(cfgFile, render(spec2));
      haproxy.kill("SIGUSR2"); // master-worker reload: the new worker reads the new config
      let after: string[] = [];
      for (let i = 0; i < 100; i++) {
        after = await servers().catch(() => []);
        if (after.length === 2) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.deepEqual(after, ["master-1", "master-2"], haproxyLog.slice(-3000));
      assert.equal(haproxy.exitCode, null, "haproxy kept running through the reload");
    });
  });
});

/** Sends one command to haproxy's runtime API socket and returns the answer. */
function statsCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket);
    let out = "";
    c.on("data", (d) => (out += d.toString("utf8")));
    c.on("end", () => resolve(out));
    c.on("error", reject);
    c.write(command);
  });
}
