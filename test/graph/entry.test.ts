import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { clone, prodConfig, REPO_ROOT } from "../support/config";

/**
 * The environment the Pulumi CLI gives a program: `PULUMI_CONFIG` maps `<ns>:config:<key>`
 * to the value, structured values as JSON text (the SDK's parseConfig turns the keys back
 * into `<ns>:<key>`; allConfig then returns them).
 */
function pulumiConfigEnv(config: Record<string, unknown>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(config).map(([key, value]) => {
        const [ns, ...rest] = key.split(":");
        return [`${ns}:config:${rest.join(":")}`, typeof value === "string" ? value : JSON.stringify(value)];
      }),
    ),
  );
}

/** Runs index.ts under the mock monitor with a stack file's `config:` map, as `pulumi up` would pass it. */
function runIndex(config: Record<string, unknown>): { registered: number; error?: string } {
  const child = spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "test/support/run-index.ts")],
    { encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: pulumiConfigEnv(config) } },
  );
  assert.equal(child.status, 0, child.stderr);
  const last = child.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as { registered: number; error?: string };
}

const namespaced = (raw: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(raw).map(([k, v]) => [`k8s-platform:${k}`, v]));

describe("index.ts (the Pulumi program entry)", function () {
  this.timeout(300_000);

  it("fails on an invalid config before registering any resource, listing every problem", () => {
    const raw = clone(prodConfig()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths
    raw.hosts[0].address = "300.1.1.1";
    raw.projects[0].quota.cpu = "many";
    const result = runIndex(namespaced(raw));
    assert.equal(result.registered, 0, "no resource registered");
    assert.match(result.error ?? "", /k8s-platform:hosts\[0\]\.address: must be an IPv4 address/);
    assert.match(result.error ?? "", /k8s-platform:projects\[0\]\.quota\.cpu: "many" is not a Kubernetes quantity/);
  });

  it("reads a stack file through pulumi's own config path and rejects a misspelt top-level key, like the plan", () => {
    // A stack file as an operator would write it, with `worker:` for `workers:`.
    const text = readFileSync(join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8").replace(
      "  k8s-platform:projects:",
      "  k8s-platform:worker:\n    upgradeBatch: 2\n  k8s-platform:projects:",
    );
    const dir = mkdtempSync(join(tmpdir(), "stack-"));
    const file = join(dir, "Pulumi.typo.yaml");
    writeFileSync(file, text);
    const config = (parse(text) as { config: Record<string, unknown> }).config;
    // The key an operator sets with `pulumi config set --secret` arrives decrypted.
    config["k8s-platform:ssh"] = {
      ...(config["k8s-platform:ssh"] as object),
      privateKey: (prodConfig().ssh as Record<string, unknown>).privateKey,
    };
    const result = runIndex(config);
    assert.equal(result.registered, 0);
    assert.match(result.error ?? "", /k8s-platform:worker: unknown config key \(did you mean "workers"\?\)/);
    // The offline plan refuses the same file with the same message and exit code 2.
    const plan = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "stacks/plan/cli.ts"), "--config", file],
      { encoding: "utf8", cwd: REPO_ROOT },
    );
    assert.equal(plan.status, 2, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /invalid stack config .*Pulumi\.typo\.yaml/);
    assert.match(plan.stderr, /k8s-platform:worker: unknown config key \(did you mean "workers"\?\)/);
  });

  it("registers the platform from a valid config", () => {
    const result = runIndex(namespaced(prodConfig()));
    assert.equal(result.error, undefined);
    assert.ok(result.registered > 37, `registered ${result.registered}`);
  });
});
