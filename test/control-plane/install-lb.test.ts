/**
 * install-lb.sh for real, under a temporary root with a recording systemctl: the real
 * `haproxy -c` and `keepalived -t` validate the staged configs before they replace the
 * live ones, the VIP interface is detected from the host address, and services reload
 * only on change.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderBundle } from "../../components/control-plane/files";
import { LB_FILES } from "../../components/control-plane/paths";
import {
  haproxyConfigFor,
  keepalivedConfigFor,
  renderHaproxyConfig,
  renderKeepalivedConfig,
  SCRIPTS,
} from "../../components/control-plane/render";
import { load } from "../../stacks/contract/load";
import { requireTool } from "../support/tools";
import { generatedPki } from "./harness";
import { loopbackConfig } from "./inventory";

const SCRIPT = join(__dirname, "..", "..", "components", "control-plane", "install-lb.sh");

/** An IPv4 address on a non-loopback interface of this machine, and the interface. */
function hostAddress(): { address: string; iface: string } {
  const out = spawnSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" }).stdout;
  for (const line of out.split("\n")) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
    if (m && m[1] !== "lo") return { iface: m[1], address: m[2] };
  }
  throw new Error("no IPv4 address on a non-loopback interface");
}

describe("install-lb.sh (temporary root, real haproxy -c / keepalived -t, recording systemctl)", function () {
  this.timeout(60_000);
  let dir = "";
  let caPem = "";
  const root = () => join(dir, "root");
  const log = () => join(dir, "systemctl.log");
  const bundlePath = () => join(dir, "stage", "bundle");
  const raw = loopbackConfig() as { apiserver: Record<string, unknown> };
  delete raw.apiserver.interface;
  const loaded = load(raw);
  if (!loaded.ok) throw new Error("loopback config invalid");
  const spec = loaded.spec;

  /** The production bundle, with the paths configs refer to moved under the test root. */
  function bundle(mutateHaproxy: (cfg: string) => string = (c) => c): string {
    const haproxy = renderHaproxyConfig(haproxyConfigFor(spec, { caFile: root() + LB_FILES.apiserverCa }));
    const keepalived = renderKeepalivedConfig({
      ...keepalivedConfigFor(spec, spec.topology.masters[1], "pa55word"),
      checkCommand: `${root()}${LB_FILES.checkScript} http://127.0.0.1:8404/healthz`,
    });
    return renderBundle([
      { path: LB_FILES.apiserverCa, mode: "0644", content: caPem },
      { path: LB_FILES.checkScript, mode: "0755", content: SCRIPTS.checkHaproxy },
      { path: LB_FILES.haproxyConfig, mode: "0644", content: mutateHaproxy(haproxy) },
      { path: LB_FILES.keepalivedConfig, mode: "0600", content: keepalived },
    ]);
  }
  const run = (hostAddressOverride?: string) =>
    spawnSync("bash", [SCRIPT], {
      encoding: "utf8",
      env: {
        ...process.env,
        BUNDLES: bundlePath(),
        HOST_ADDRESS: hostAddressOverride ?? hostAddress().address,
        ROOT: root(),
        PATH: `${join(dir, "stubs")}:${process.env.PATH ?? ""}`,
      },
    });
  const calls = () => readFileSync(log(), "utf8").trim().split("\n").filter(Boolean);

  before(async function () {
    requireTool(this, "haproxy", "keepalived", "ip", "curl");
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true")
        throw new Error("install-lb.sh installs files owned by root: run the tests as root");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "cp-lb-install-"));
    caPem = (await generatedPki()).caPem;
    mkdirSync(join(dir, "stubs"));
    mkdirSync(join(dir, "stage"), { mode: 0o700 });
    writeFileSync(join(dir, "stubs", "systemctl"), `#!/usr/bin/env bash\necho "systemctl $*" >>"${log()}"\n`);
    chmodSync(join(dir, "stubs", "systemctl"), 0o755);
    writeFileSync(log(), "");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs the validated configs with the detected interface; keepalived.conf 0600", () => {
    writeFileSync(bundlePath(), bundle());
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    const conf = readFileSync(root() + LB_FILES.keepalivedConfig, "utf8");
    assert.match(conf, new RegExp(`interface ${hostAddress().iface}\\n`));
    assert.match(conf, new RegExp(`127\\.0\\.0\\.20/24 dev ${hostAddress().iface}\\n`));
    assert.equal((statSync(root() + LB_FILES.keepalivedConfig).mode & 0o777).toString(8), "600");
    assert.equal((statSync(root() + LB_FILES.checkScript).mode & 0o777).toString(8), "755");
    assert.ok(calls().includes("systemctl reload haproxy") && calls().includes("systemctl reload keepalived"));
    assert.ok(calls().includes("systemctl start haproxy keepalived"));
  });

  it("a re-run reloads nothing", () => {
    writeFileSync(log(), "");
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      calls().filter((c) => c.includes("reload")),
      [],
    );
  });

  it("a config haproxy rejects never replaces the live one", () => {
    const before = readFileSync(root() + LB_FILES.haproxyConfig, "utf8");
    writeFileSync(
      bundlePath(),
      bundle((c) => c.replace("balance leastconn", "balance nosuchalgo")),
    );
    writeFileSync(log(), "");
    const r = run();
    assert.notEqual(r.status, 0);
    assert.equal(readFileSync(root() + LB_FILES.haproxyConfig, "utf8"), before);
    assert.deepEqual(calls(), []);
  });

  it("fails, naming the fix, when no interface holds the host address", () => {
    writeFileSync(bundlePath(), bundle());
    const r = run("198.51.100.7");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no interface holds 198\.51\.100\.7; set apiserver\.interface/);
  });
});
