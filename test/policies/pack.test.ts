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
import { checkGraph, graphView, MANDATORY_VIOLATION_EXIT, runPolicies } from "../../policies/offline";
import { DEFAULT_RULE_CONFIG, evaluate, levelOf, RULES, type Finding } from "../../policies/rules";
import { projectNamespaces } from "../../policies/rules/projects";
import { apiserverHosts, apiserverVip, etcdMembers } from "../../policies/rules/stack";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { clone, prodConfig, REPO_ROOT } from "../support/config";
import { deployment } from "./fixtures";

const plan = (...args: string[]) =>
  spawnSync(
    process.execPath,
    [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), join(REPO_ROOT, "stacks/plan/cli.ts"), ...args],
    { encoding: "utf8", cwd: REPO_ROOT },
  );

/** A copy of the graph with some resources edited, dropped or added. */
function editGraph(
  graph: Graph,
  edit: (resources: RecordedResource[]) => RecordedResource[],
  outputs = graph.outputs,
): Graph {
  const resources = edit(clone(graph.resources) as RecordedResource[]);
  return { ...graph, resources, byUrn: new Map(resources.map((r) => [r.urn, r])), outputs };
}

function named(resources: RecordedResource[], pattern: RegExp): RecordedResource {
  const r = resources.find((x) => pattern.test(x.name));
  if (!r) throw new Error(`no resource named like ${pattern} in the prod graph`);
  return r;
}

/** Rewrites one base64 file of a bundle ("MODE PATH B64" lines) inside a text. */
function editBundledFile(text: string, path: string, edit: (content: string) => string): string {
  let hit = false;
  const out = text
    .split("\n")
    .map((line) => {
      const m = /^(.*0[0-7]{3} )(\S+) ([A-Za-z0-9+/=]+)(['"]?)$/.exec(line);
      if (!m || m[2] !== path) return line;
      hit = true;
      return `${m[1]}${m[2]} ${Buffer.from(edit(Buffer.from(m[3], "base64").toString("utf8"))).toString("base64")}${m[4]}`;
    })
    .join("\n");
  assert.ok(hit, `no bundled ${path}`);
  return out;
}

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
    const urns: Record<string, string> = {};
    const bad = editGraph(
      prod,
      (rs) => {
        // etcd: member etcd-1 without client cert auth; etcd-3's unit gone (2 members).
        const unit = named(rs, /^etcd-etcd-1-etcd\.service$/);
        const source = unit.inputs.source as { $asset: string };
        assert.match(source.$asset, /--client-cert-auth=true/);
        (unit.inputs as Record<string, unknown>).source = {
          $asset: source.$asset.replace("--client-cert-auth=true", "--client-cert-auth=false"),
        };
        urns["etcd-cert-auth"] = unit.urn;
        urns["etcd-quorum"] = unit.urn;
        const withoutEtcd3 = rs.filter((r) => r.name !== "etcd-etcd-3-etcd.service");
        // apiserver on master-1 with AlwaysAllow, inside its secret install bundle.
        const bundle = named(withoutEtcd3, /control-plane-master-1-bundle$/);
        const [key, value] = Object.entries(bundle.inputs).find(([, v]) =>
          JSON.stringify(v).includes("kube-apiserver.service"),
        ) as [string, unknown];
        const stdin = (value as { $secret: unknown }).$secret;
        const text = typeof stdin === "string" ? stdin : (stdin as { $asset: string }).$asset;
        const edited = editBundledFile(text, "/etc/systemd/system/kube-apiserver.service", (unitText) =>
          unitText.replace("--authorization-mode=Node,RBAC", "--authorization-mode=AlwaysAllow"),
        );
        (bundle.inputs as Record<string, unknown>)[key] = {
          $secret: typeof stdin === "string" ? edited : { $asset: edited },
        };
        urns["control-plane-flags"] = bundle.urn;
        // The search-web project loses its quota.
        const quota = named(withoutEtcd3, /^search-web-quota$/);
        urns["project-isolation"] = (
          withoutEtcd3.find(
            (r) => r.type === "kubernetes:core/v1:Namespace" && /search-web/.test(r.name),
          ) as RecordedResource
        ).urn;
        // etcd-1's server key copied without the secret mark.
        const keyCopy = named(withoutEtcd3, /^etcd-etcd-1-server\.key$/);
        const keySource = keyCopy.inputs.source as { $secret: unknown };
        assert.ok("$secret" in keySource, "the key copy is a secret in the prod graph");
        (keyCopy.inputs as Record<string, unknown>).source = keySource.$secret;
        urns["secrets-not-plaintext"] = keyCopy.urn;
        // A privileged Docker Hub workload in search-web.
        const d = deployment("search-web", "miner", (_p, c) => {
          c.image = "docker.io/library/miner:2";
          (c.securityContext as Record<string, unknown>).privileged = true;
        });
        const workload: RecordedResource = {
          ...clone(quota),
          urn: d.urn,
          type: d.type,
          name: d.name,
          inputs: d.props,
          dependencies: [],
        };
        urns["workload-no-privileged"] = d.urn;
        urns["workload-image-registry"] = d.urn;
        return [...withoutEtcd3.filter((r) => r !== quota), workload];
      },
      {
        ...prod.outputs,
        adminKubeconfig: {
          $secret: String((prod.outputs.adminKubeconfig as { $secret: string }).$secret).replace(
            "https://10.10.1.20:8443",
            "https://10.10.1.21:6443",
          ),
        },
      },
    );
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
    const users = [
      "offline.ts",
      "engine.ts",
      ...readdirSync(join(REPO_ROOT, "policies/rules")).map((f) => `rules/${f}`),
    ].filter((f) => readFileSync(join(REPO_ROOT, "policies", f), "utf8").includes("@pulumi/policy"));
    assert.deepEqual(users, []);
    const index = readFileSync(join(REPO_ROOT, "policies/index.ts"), "utf8");
    assert.match(index, /new PolicyPack\("k8s-platform", \{ policies: RULES\.map\(register\) \}\)/);
  });
});
