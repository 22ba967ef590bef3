import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { clone, prodConfig, REPO_ROOT } from "../support/config";

/** Runs index.ts under the mock monitor with `raw` as the stack config. */
function runIndex(raw: Record<string, unknown>): { registered: number; error?: string } {
  const config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`k8s-platform:${k}`, JSON.stringify(v)]));
  const child = spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "test/support/run-index.ts")],
    {
      encoding: "utf8",
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config) },
    },
  );
  assert.equal(child.status, 0, child.stderr);
  const last = child.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as { registered: number; error?: string };
}

describe("index.ts (the Pulumi program entry)", () => {
  it("fails on an invalid config before registering any resource, listing every problem", () => {
    const raw = clone(prodConfig()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths
    raw.hosts[0].address = "300.1.1.1";
    raw.projects[0].quota.cpu = "many";
    const result = runIndex(raw);
    assert.equal(result.registered, 0, "no resource registered");
    assert.match(result.error ?? "", /k8s-platform:hosts\[0\]\.address: must be an IPv4 address/);
    assert.match(result.error ?? "", /k8s-platform:projects\[0\]\.quota\.cpu: "many" is not a Kubernetes quantity/);
  });

  it("registers the platform from a valid config", () => {
    const result = runIndex(prodConfig());
    assert.equal(result.error, undefined);
    assert.ok(result.registered > 37, `registered ${result.registered}`);
  });
});
