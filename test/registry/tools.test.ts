import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "../support/tools";
import { REPO_ROOT } from "../support/config";
import { renderInstallScript, renderKeepalivedConf, renderVipScript, SCRIPTS } from "../../components/registry/render";
import { keepalivedInput, prodSpec } from "./fixtures";

const COMPONENT_DIR = join(REPO_ROOT, "components/registry");

/** A non-loopback interface of this machine (keepalived refuses lo for VRRP). */
function vrrpInterface(): string | undefined {
  const names = existsSync("/sys/class/net")
    ? readdirSync("/sys/class/net")
        .filter((n) => n !== "lo")
        .sort()
    : [];
  return names.includes("eth0") ? "eth0" : names[0];
}

describe("registry: keepalived accepts the rendered VIP config", function () {
  this.timeout(20_000);
  let dir: string;

  before(function () {
    requireTool(this, "keepalived");
    dir = mkdtempSync(join(tmpdir(), "harbor-keepalived-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const test = (file: string) => spawnSync("keepalived", ["-t", "-f", file], { encoding: "utf8", timeout: 10_000 });

  it("keepalived -t passes on both hosts' configs, with the real check script in place", function () {
    const iface = vrrpInterface();
    if (!iface) {
      if (process.env.CI === "true") throw new Error("no non-loopback interface for keepalived -t");
      this.skip();
    }
    const check = join(dir, "check-harbor.sh");
    copyFileSync(join(COMPONENT_DIR, "check-harbor.sh"), check);
    chmodSync(check, 0o755);
    const spec = prodSpec();
    const [first, second] = spec.topology.registry;
    const configs = [
      renderKeepalivedConf(keepalivedInput(spec, iface as string, check)),
      renderKeepalivedConf({
        ...keepalivedInput(spec, iface as string, check),
        host: second,
        peers: [first],
        priority: 140,
      }),
    ];
    configs.forEach((conf, i) => {
      const file = join(dir, `harbor-${i}.conf`);
      writeFileSync(file, conf);
      const run = test(file);
      assert.equal(run.status, 0, `keepalived -t on host ${i}: ${run.stdout}${run.stderr}`);
    });
  });

  it("keepalived -t fails when the check script is missing (the check is real)", function () {
    const iface = vrrpInterface();
    if (!iface) this.skip();
    const file = join(dir, "missing-script.conf");
    writeFileSync(file, renderKeepalivedConf(keepalivedInput(prodSpec(), iface as string, join(dir, "nope.sh"))));
    assert.notEqual(test(file).status, 0);
  });
});

describe("registry: shellcheck on every script", function () {
  this.timeout(60_000);
  before(function () {
    requireTool(this, "shellcheck");
  });

  const shellcheck = (file: string, ...extra: string[]) =>
    spawnSync("shellcheck", ["-s", "bash", "-S", "style", ...extra, file], { encoding: "utf8", timeout: 30_000 });

  for (const name of Object.keys(SCRIPTS)) {
    it(`components/registry/${name} script is clean`, () => {
      const file = join(
        COMPONENT_DIR,
        `${{ check: "check-harbor", api: "harbor-api", seed: "seed-images" }[name] ?? name}.sh`,
      );
      const run = shellcheck(file);
      assert.equal(run.status, 0, run.stdout);
    });
  }

  it("the rendered install and VIP scripts (parameters prepended) are clean", () => {
    const dir = mkdtempSync(join(tmpdir(), "harbor-sc-"));
    try {
      const spec = prodSpec();
      const rendered = {
        "install.sh": renderInstallScript(spec, {
          certPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----",
          caPem: "ca",
        }),
        "vip.sh": renderVipScript(keepalivedInput(spec, "K8S_PLATFORM_IFACE")),
      };
      for (const [name, text] of Object.entries(rendered)) {
        const file = join(dir, name);
        writeFileSync(file, text);
        // SC2016: the embedded files (unit, check script, API script) are literal by design.
        const run = shellcheck(file, "-e", "SC2016");
        assert.equal(run.status, 0, `${name}: ${run.stdout}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the rendered VIP script parses with bash -n", () => {
    const run = spawnSync("bash", ["-n"], {
      input: renderVipScript(keepalivedInput(prodSpec(), "eth0")),
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
  });
});
