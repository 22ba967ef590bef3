import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT } from "../support/config";
import { renderLargeStack } from "../../stacks/plan/large";
import { readStackFile } from "../../stacks/plan/stackfile";
import { diffGraphs } from "../../stacks/plan/diff";
import { fakeHostKey } from "../../stacks/plan/generate";

const plan = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "stacks/plan/cli.ts"), ...args],
    { encoding: "utf8", cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
  );

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths
function stackFile(edit: (raw: Record<string, any>) => void): string {
  const raw = readStackFile(join(REPO_ROOT, "Pulumi.prod.yaml"));
  edit(raw);
  const dir = mkdtempSync(join(tmpdir(), "plan-"));
  const file = join(dir, "Pulumi.test.yaml");
  writeFileSync(
    file,
    stringify({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`k8s-platform:${k}`, v])) }),
  );
  return file;
}

describe("npm run plan", () => {
  it("prints the prod plan with counts and the longest remote chain", () => {
    const out = plan();
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /offline plan: stack "prod"/);
    assert.match(out.stdout, /longest dependency chain of remote steps: \d+/);
    assert.match(out.stdout, /k8s-platform:host:Host\s+37 x/);
  });

  it("exits 2 on an invalid config and lists every problem with its key path", () => {
    const file = stackFile((raw) => {
      raw.hosts[0].address = "10.10.1.999";
      raw.projects[2].quota.memory = "12GB";
    });
    const out = plan("--config", file);
    assert.equal(out.status, 2, out.stdout + out.stderr);
    assert.match(out.stderr, /k8s-platform:hosts\[0\]\.address: must be an IPv4 address/);
    assert.match(
      out.stderr,
      /k8s-platform:projects\[2\]\.quota\.memory: "12GB" is not a Kubernetes quantity \(try 12Gi\)/,
    );
  });

  it("--json lists resources with secrets shown as [secret] only", () => {
    const out = plan("--json");
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as {
      resources: { urn: string; inputs: unknown }[];
      summary: { resources: number };
    };
    assert.equal(doc.resources.length, doc.summary.resources);
    assert.ok(out.stdout.includes('"[secret]"'));
    assert.ok(!out.stdout.includes("PRIVATE KEY"), "no key material in the JSON plan");
    assert.ok(!out.stdout.includes("plan-fake-secret"));
    // Non-secret file contents are readable: the apiserver unit inside master-1's config bundle.
    const bundle = (doc.resources as { urn: string; files?: Record<string, string> }[]).find((r) =>
      r.urn.endsWith("::control-plane-master-1-config"),
    );
    assert.match(bundle?.files?.["/etc/systemd/system/kube-apiserver.service"] ?? "", /--authorization-mode=Node,RBAC/);
  });

  it("--diff shows exactly the added worker", () => {
    const file = stackFile((raw) =>
      raw.hosts.push({ name: "node-021", address: "10.10.2.121", roles: ["worker"], hostKey: fakeHostKey("node-021") }),
    );
    const out = plan("--config", file, "--diff", join(REPO_ROOT, "Pulumi.prod.yaml"));
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.split("\n").filter((l) => /^(\+|~|-|!)/.test(l));
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /node-021/, l);
  });

  it("--diff refuses a Kubernetes jump over a minor against the old config's versions (exit 2, file named)", () => {
    const file = stackFile((raw) => (raw.versions.kubernetes = "1.37.0"));
    const out = plan("--config", file, "--diff", join(REPO_ROOT, "Pulumi.prod.yaml"));
    assert.equal(out.status, 2, out.stdout + out.stderr);
    assert.match(out.stderr, /Pulumi\.test\.yaml/);
    assert.match(out.stderr, /k8s-platform:versions\.kubernetes: 1\.37\.0 skips 1\.36/);
  });

  it("--graph writes a Mermaid picture of the component graph", () => {
    const out = join(mkdtempSync(join(tmpdir(), "plan-")), "g.mmd");
    const run = plan("--graph", out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(out, "utf8"), /^flowchart LR\n/);
  });
});

describe("examples/Pulumi.large.yaml", () => {
  it("is the generated 100-worker, 20-storage, 200-project inventory and plans", () => {
    assert.equal(
      readFileSync(join(REPO_ROOT, "examples/Pulumi.large.yaml"), "utf8"),
      renderLargeStack(readFileSync(join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")),
      "examples/Pulumi.large.yaml is stale: npm run gen:large",
    );
    const raw = readStackFile(join(REPO_ROOT, "examples/Pulumi.large.yaml")) as {
      hosts: { roles: string[] }[];
      projects: unknown[];
    };
    assert.equal(raw.hosts.filter((h) => h.roles.includes("worker")).length, 100);
    assert.equal(raw.hosts.filter((h) => h.roles.includes("storage")).length, 20);
    assert.equal(raw.projects.length, 200);
    const out = plan("--config", join(REPO_ROOT, "examples/Pulumi.large.yaml"));
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /offline plan: stack "large"/);
  });
});

describe("plan diff semantics", () => {
  it("skips ignoreChanges inputs, marks replaceOnChanges as replace, and retained/protected deletes", () => {
    const base = {
      urn: "u",
      type: "t",
      name: "n",
      custom: true,
      dependencies: [] as string[],
      propertyDependencies: {},
      protect: false,
      retainOnDelete: false,
      deleteBeforeReplace: false,
      replaceOnChanges: [] as string[],
      ignoreChanges: [] as string[],
      additionalSecretOutputs: [] as string[],
    };
    const graph = (resources: (typeof base & { inputs: Record<string, unknown> })[]) => ({
      resources,
      byUrn: new Map(resources.map((r) => [r.urn, r])),
      outputs: {},
      warnings: [],
    });
    const before = graph([
      { ...base, urn: "a", inputs: { stdin: "v1", create: "x" }, ignoreChanges: ["stdin"] },
      { ...base, urn: "b", inputs: { triggers: ["1"] }, replaceOnChanges: ["triggers[*]"] },
      { ...base, urn: "c", inputs: {}, retainOnDelete: true },
      { ...base, urn: "d", inputs: {}, protect: true },
      { ...base, urn: "e", inputs: { key: { $secret: "old" } } },
    ]);
    const after = graph([
      { ...base, urn: "a", inputs: { stdin: "v2", create: "x" }, ignoreChanges: ["stdin"] },
      { ...base, urn: "b", inputs: { triggers: ["2"] }, replaceOnChanges: ["triggers[*]"] },
      { ...base, urn: "e", inputs: { key: { $secret: "new" } } },
    ]);
    const changes = diffGraphs(before, after);
    assert.deepEqual(
      changes.map((c) => `${c.op} ${c.urn}`),
      // Rollout order: creates, updates and replacements first, deletes last (dependents first).
      ["replace b", "update e", "protected-delete d", "retain c"],
    );
    assert.deepEqual(
      changes[1].inputs,
      [{ path: "key", before: "[secret]", after: "[secret]" }],
      "secret values never shown",
    );
  });
});
