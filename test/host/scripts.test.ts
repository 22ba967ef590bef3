import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "../../stacks/contract/load";
import { renderPrepScript } from "../../components/host/render";
import { prodConfig, REPO_ROOT } from "../support/config";
import { requireTool } from "../support/tools";

/** Every shell script in the repository (tracked or not, outside node_modules). */
function repoScripts(): string[] {
  const found = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.sh"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  return found.stdout.split("\n").filter((f) => f.endsWith(".sh"));
}

describe("shell scripts", () => {
  it("every .sh in the repo is shellcheck-clean", function () {
    requireTool(this, "shellcheck");
    const scripts = repoScripts();
    assert.ok(scripts.includes("components/host/prep.sh"), "the scan finds the host prep script");
    const result = spawnSync("shellcheck", ["-x", "-S", "style", ...scripts], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it("shellcheck rejects a broken script (the check bites)", function () {
    requireTool(this, "shellcheck");
    const dir = mkdtempSync(join(tmpdir(), "sc-"));
    writeFileSync(join(dir, "bad.sh"), "#!/usr/bin/env bash\nrm -rf $1/*\n");
    assert.notEqual(spawnSync("shellcheck", [join(dir, "bad.sh")]).status, 0);
  });

  it("the rendered host prep script is shellcheck-clean and sets its parameters after strict mode", function () {
    requireTool(this, "shellcheck");
    const result = load(prodConfig());
    assert.ok(result.ok);
    const host = result.spec.hosts[0];
    const script = renderPrepScript(result.spec, host);
    const lines = script.split("\n");
    assert.equal(lines[1], "set -euo pipefail");
    assert.equal(lines[2], "HOST_NAME=etcd-1");
    assert.ok(lines.includes("HOST_TIMEZONE=Asia/Shanghai"));
    assert.ok(
      lines.some((l) =>
        l.startsWith("HOST_YUM_REPOS='centos-baseos|https://mirror.example.internal/centos-stream/$releasever-stream"),
      ),
    );
    // SC2016: yum's $releasever/$basearch are meant literally inside single quotes.
    const check = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2016", "-"], { input: script, encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout);
    assert.equal(spawnSync("bash", ["-n"], { input: script }).status, 0, "bash parses the rendered script");
  });
});
