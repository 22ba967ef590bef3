import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ISM_SCRIPT } from "../../components/addons/render/logging";
import { requireTool } from "../support/tools";

/**
 * The ISM Job's script, run by the real /bin/sh with a stand-in `curl` on PATH that
 * records its arguments and answers like OpenSearch (no network involved).
 */
const FAKE_CURL = `#!/bin/sh
printf '%s\\n' "$*" >> "$LOG"
case "$*" in
  *_cluster/health*) n=$(cat "$DIR/health" 2>/dev/null || echo 0); echo $((n + 1)) > "$DIR/health"; [ "$n" -ge "\${HEALTH_FAILS:-0}" ] ;;
  *"-X PUT"*) echo '{"_id":"logs-retention"}' ;;
  *) if [ -f "$DIR/existing" ]; then cat "$DIR/existing"; else echo '{"status":404}'; fi ;;
esac
`;

describe("add-ons: ISM policy script (real sh, stand-in curl)", function () {
  this.timeout(20000);
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ism-"));
    writeFileSync(join(dir, "curl"), FAKE_CURL);
    chmodSync(join(dir, "curl"), 0o755);
    writeFileSync(join(dir, "apply.sh"), ISM_SCRIPT);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string> = {}) =>
    spawnSync("sh", [join(dir, "apply.sh")], {
      env: {
        PATH: `${dir}:/usr/bin:/bin`,
        DIR: dir,
        LOG: join(dir, "log"),
        OPENSEARCH_URL: "http://logging-master:9200",
        POLICY_ID: "logs-retention",
        RETRY_SECONDS: "0",
        ...env,
      },
      encoding: "utf8",
      timeout: 15000,
    });
  const calls = () => readFileSync(join(dir, "log"), "utf8").trim().split("\n");

  it("is shellcheck-clean", function () {
    requireTool(this, "shellcheck");
    const r = spawnSync("shellcheck", ["-s", "sh", join(dir, "apply.sh")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  });

  it("creates the policy when it does not exist", () => {
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    const put = calls().find((c) => c.includes("-X PUT"));
    assert.ok(put);
    assert.match(put, /http:\/\/logging-master:9200\/_plugins\/_ism\/policies\/logs-retention /);
    assert.doesNotMatch(put, /if_seq_no/);
    assert.match(put, /--data-binary @\/policy\/policy\.json/);
  });

  it("updates an existing policy with its sequence number and primary term", () => {
    writeFileSync(
      join(dir, "existing"),
      '{"_id":"logs-retention","_version":3,"_seq_no":42,"_primary_term":7,"policy":{}}',
    );
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    const put = calls().find((c) => c.includes("-X PUT"));
    assert.match(put ?? "", /policies\/logs-retention\?if_seq_no=42&if_primary_term=7 /);
  });

  it("waits for the cluster to answer before writing", () => {
    const r = run({ HEALTH_FAILS: "2" });
    assert.equal(r.status, 0, r.stderr);
    const log = calls();
    assert.equal(log.filter((c) => c.includes("_cluster/health")).length, 3);
    assert.ok(
      log.findIndex((c) => c.includes("-X PUT")) > log.lastIndexOf(log.filter((c) => c.includes("_cluster/health"))[2]),
    );
  });
});
