/**
 * The whole pack: over the prod graph from the mock harness (zero mandatory violations),
 * over a deliberately broken copy of it (exactly the expected findings), through
 * `npm run plan -- --policies`, and the pack's wiring (config, levels, assets, no server
 * started by importing the rules).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { neutralProps } from "../../policies/engine";
import {
  checkGraph,
  graphView,
  MANDATORY_VIOLATION_EXIT,
  readPackConfig,
  runPolicies,
} from "../../stacks/plan/policies";
import { DEFAULT_RULE_CONFIG, evaluate, levelOf, RULES, type Finding } from "../../policies/rules";
import { INGRESS_DOMAINS_ANNOTATION, PROJECT_LABEL, projectNamespaces } from "../../policies/rules/projects";
import * as names from "../../components/project/names";
import { apiserverHosts, apiserverVip, etcdMembers } from "../../policies/rules/stack";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { prodConfig, REPO_ROOT } from "../support/config";
import { brokenProd, editGraph } from "./broken";

const plan = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "stacks/plan/cli.ts"), ...args],
    { encoding: "utf8", cwd: REPO_ROOT },
  );

const mandatory = (findings: Finding[]) => findings.filter((f) => f.level === "mandatory");

describe("policy pack", function () {
  this.timeout(600_000);
  let prod: Graph;

  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("reports zero mandatory violations on the prod graph", () => {
    const findings = checkGraph(prod);
    assert.deepEqual(
      mandatory(findings).map((f) => f.message),
      [],
    );
  });

  it("sees the prod cluster it checks (members, masters, VIP, projects)", () => {
    // Guards against a vacuous pass: the rules must find what they count.
    const view = graphView(prod);
    assert.deepEqual([...etcdMembers(view).keys()].sort(), ["etcd-1", "etcd-2", "etcd-3"]);
    const masters = apiserverHosts(view);
    assert.deepEqual([...masters.keys()].sort(), ["10.10.1.21", "10.10.1.22"]);
    assert.equal(apiserverVip(view, new Set(masters.keys())), "10.10.1.20");
    assert.deepEqual([...projectNamespaces(view, DEFAULT_RULE_CONFIG).keys()].sort(), [
      "ads-platform",
      "data-pipeline",
      "news-feed",
      "search-api",
      "search-web",
    ]);
    const single = editGraph(prod, (rs) => rs.filter((r) => !/master-2/.test(r.name)));
    assert.ok(
      checkGraph(single).some((f) => f.policy === "control-plane-ha"),
      "dropping master-2's resources is noticed",
    );
  });

  it("reports exactly the expected violations on a deliberately broken prod graph", () => {
    const { graph: bad, urns } = brokenProd(prod);
    const found = mandatory(checkGraph(bad));
    const byPolicy = new Map<string, Finding[]>();
    for (const f of found) byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);
    const expected = [...Object.keys(urns), "apiserver-behind-vip"].sort();
    assert.deepEqual([...byPolicy.keys()].sort(), expected, found.map((f) => `${f.policy}: ${f.message}`).join("\n"));
    for (const [policy, urn] of Object.entries(urns)) {
      assert.deepEqual(
        byPolicy.get(policy)?.map((f) => f.urn),
        [urn],
        `${policy}: ${byPolicy
          .get(policy)
          ?.map((f) => f.message)
          .join("\n")}`,
      );
    }
    const vip = byPolicy.get("apiserver-behind-vip") ?? [];
    assert.equal(vip.length, 1);
    assert.match(
      vip[0].message,
      /pulumi:pulumi:Stack .*adminKubeconfig uses apiserver https:\/\/10\.10\.1\.21:6443, not the VIP/,
    );
    assert.equal(runPolicies(bad, { print: () => undefined }), MANDATORY_VIOLATION_EXIT);
    assert.equal(runPolicies(prod, { print: () => undefined }), 0);
  });

  it("npm run plan -- --policies: 0 on prod, 3 with a mandatory violation, JSON on request", () => {
    const ok = plan("--policies");
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`policies: ${RULES.length} rules, 0 mandatory`));
    const dir = mkdtempSync(join(tmpdir(), "policies-"));
    const config = join(dir, "policy-config.json");
    writeFileSync(
      config,
      JSON.stringify({ "apiserver-behind-vip": { apiserverEndpoint: "https://k8s-api.example.internal:8443" } }),
    );
    const bad = plan("--policies", "--policy-config", config, "--json");
    assert.equal(bad.status, 3, bad.stdout + bad.stderr);
    const doc = JSON.parse(bad.stdout) as { findings: Finding[] };
    assert.ok(doc.findings.length > 0);
    for (const f of doc.findings) {
      assert.equal(f.policy, "apiserver-behind-vip");
      assert.match(
        f.message,
        /uses apiserver https:\/\/10\.10\.1\.20:8443, not the VIP\. Fix: use https:\/\/k8s-api\.example\.internal:8443/,
      );
    }
    assert.ok(!bad.stdout.includes("PRIVATE KEY"), "findings never print secret values");
  });

  it("the documented example policy config loads and keeps prod clean", () => {
    const config = readPackConfig(join(REPO_ROOT, "policies/policy-config.example.json"));
    const tag = RULES.find((r) => r.name === "workload-image-tag");
    assert.ok(tag);
    assert.equal(levelOf(tag, config), "mandatory");
    assert.deepEqual(mandatory(checkGraph(prod, config)), []);
  });

  it("levels and properties come from the policy config", () => {
    const etcd = RULES.find((r) => r.name === "etcd-quorum");
    assert.ok(etcd);
    assert.equal(levelOf(etcd), "mandatory");
    assert.equal(levelOf(etcd, { all: "advisory" }), "advisory");
    assert.equal(levelOf(etcd, { all: "advisory", "etcd-quorum": { enforcementLevel: "mandatory" } }), "mandatory");
    const empty = { resources: [], secretsMarked: true };
    assert.deepEqual(
      evaluate(empty, {}).map((f) => [f.policy, f.level]),
      [
        ["control-plane-ha", "mandatory"],
        ["etcd-quorum", "mandatory"],
      ],
    );
    assert.deepEqual(
      evaluate(empty, { all: "advisory", "etcd-quorum": "disabled" }).map((f) => [f.policy, f.level]),
      [["control-plane-ha", "advisory"]],
    );
  });

  it("reads the labels and annotations the Project component writes", () => {
    assert.equal(PROJECT_LABEL, names.PROJECT_LABEL);
    assert.equal(INGRESS_DOMAINS_ANNOTATION, names.INGRESS_DOMAINS_ANNOTATION);
  });

  it("every rule has a unique name, a description, a fix and a level", () => {
    assert.equal(new Set(RULES.map((r) => r.name)).size, RULES.length);
    for (const r of RULES) {
      assert.match(r.name, /^[a-z0-9-]+$/);
      assert.ok(r.description.length > 10 && r.fix.length > 10, r.name);
      assert.ok(["mandatory", "advisory"].includes(r.level), r.name);
    }
  });

  it("the pack turns engine assets into the rules' shape", async () => {
    const props = {
      source: new pulumi.asset.StringAsset("ExecStart=/usr/local/bin/etcd --name=a --data-dir=/d"),
      list: [1, { a: "b" }],
    };
    assert.deepEqual(await neutralProps(props), {
      source: { $asset: "ExecStart=/usr/local/bin/etcd --name=a --data-dir=/d" },
      list: [1, { a: "b" }],
    });
  });

  it("importing the rules starts no policy server: only policies/index.ts uses @pulumi/policy", () => {
    const loaded = Object.keys(require.cache).filter((k) => k.includes(join("@pulumi", "policy")));
    assert.deepEqual(loaded, []);
    const users = ["engine.ts", ...readdirSync(join(REPO_ROOT, "policies/rules")).map((f) => `rules/${f}`)].filter(
      (f) => readFileSync(join(REPO_ROOT, "policies", f), "utf8").match(/(from|require\()\s*"@pulumi\/policy/) !== null,
    );
    assert.deepEqual(users, []);
    const index = readFileSync(join(REPO_ROOT, "policies/index.ts"), "utf8");
    assert.match(index, /new PolicyPack\("k8s-platform", \{ policies: RULES\.map\(register\) \}\)/);
  });
});
