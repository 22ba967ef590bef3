/**
 * The rendered load-balancer configs and the scripts, checked by the real programs:
 * `haproxy -c`, `keepalived -t` (each also shown a broken config, to prove the check bites)
 * and shellcheck.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DETECT_INTERFACE,
  haproxyConfigFor,
  keepalivedConfigFor,
  renderHaproxyConfig,
  renderKeepalivedConfig,
} from "../../components/control-plane/render";
import { load } from "../../stacks/contract/load";
import { prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { generatedPki } from "./harness";
import { loopbackSpec } from "./inventory";

const COMPONENT = join(__dirname, "..", "..", "components", "control-plane");

function run(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { encoding: "utf8" });
}

/** A real non-loopback interface: keepalived refuses VRRP on `lo` even in config-test mode. */
function realInterface(): string {
  const found = readdirSync("/sys/class/net").find((i) => i !== "lo");
  if (!found) throw new Error("no network interface besides lo");
  return found;
}

describe("control plane configs under the real tools", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cp-tools-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("haproxy -c", () => {
    let caFile = "";
    before(async function () {
      requireTool(this, "haproxy");
      caFile = join(dir, "ca.crt");
      writeFileSync(caFile, (await generatedPki()).caPem);
    });
    const check = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return run("haproxy", ["-c", "-f", path]);
    };

    for (const [label, specOf] of [
      [
        "prod inventory",
        () => {
          const r = load(prodConfig());
          if (!r.ok) throw new Error("prod config invalid");
          return r.spec;
        },
      ],
      ["loopback inventory", loopbackSpec],
    ] as const) {
      it(`accepts the rendered haproxy.cfg (${label})`, () => {
        // Exactly the production config (chroot, user haproxy, runtime socket) except the CA
        // path: haproxy loads the CA while checking, so it must exist here.
        const cfg = renderHaproxyConfig(haproxyConfigFor(specOf(), { caFile }));
        const r = check(`haproxy-${label.split(" ")[0]}.cfg`, cfg);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });
    }

    it("rejects a broken haproxy.cfg (the check bites)", () => {
      const cfg = renderHaproxyConfig(
        haproxyConfigFor(loopbackSpec(), { caFile, statsSocket: undefined, chroot: undefined, user: undefined }),
      );
      const r = check("broken.cfg", cfg.replace("http-check expect status 200", "http-check expect sta 200"));
      assert.notEqual(r.status, 0);
      assert.match(r.stdout + r.stderr, /ALERT/);
    });
  });

  describe("keepalived -t", () => {
    before(function () {
      requireTool(this, "keepalived");
    });
    const spec = loopbackSpec();
    // The installed check script path becomes the repository's (root-owned, not world-writable,
    // as enable_script_security demands).
    const render = (master: number, unicast: boolean, password?: string) => {
      const base = keepalivedConfigFor(spec, spec.topology.masters[master], password);
      return renderKeepalivedConfig({
        ...base,
        interface: realInterface(),
        unicast: unicast ? { src: spec.topology.masters[master].address, peers: ["127.0.0.21"] } : undefined,
        checkCommand: `${join(COMPONENT, "check-haproxy.sh")} http://127.0.0.20:8404/healthz`,
      });
    };
    const test = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return run("keepalived", ["-t", "-f", path]);
    };

    it("accepts the rendered keepalived.conf for MASTER and BACKUP, multicast and unicast", () => {
      for (const [file, text] of [
        ["k-master.conf", render(0, false, "pa55word")],
        ["k-backup.conf", render(1, false, "pa55word")],
        ["k-unicast.conf", render(1, true)],
      ]) {
        const r = test(file, text);
        assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
      }
    });

    it("rejects a broken keepalived.conf (the check bites)", () => {
      const good = render(1, false);
      for (const [file, text] of [
        ["bad-vrid.conf", good.replace(/virtual_router_id \d+/, "virtual_router_id 300")],
        ["bad-iface.conf", good.replaceAll(realInterface(), "nosuchif0")],
        ["placeholder.conf", good.replaceAll(realInterface(), DETECT_INTERFACE)],
      ]) {
        const r = test(file, text);
        assert.notEqual(r.status, 0, `${file} should be rejected`);
      }
    });
  });

  describe("shellcheck", () => {
    before(function () {
      requireTool(this, "shellcheck");
    });
    for (const script of ["check-haproxy.sh", "install-control-plane.sh", "install-lb.sh", "gate.sh"]) {
      it(`${script} is shellcheck-clean and strict`, () => {
        const r = run("shellcheck", ["-x", join(COMPONENT, script)]);
        assert.equal(r.status, 0, r.stdout);
        assert.match(
          spawnSync("grep", ["-c", "^set -euo pipefail$", join(COMPONENT, script)], { encoding: "utf8" }).stdout,
          /^1/,
        );
      });
    }
  });
});
