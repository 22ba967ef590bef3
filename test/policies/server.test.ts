/**
 * The pack as the Pulumi engine runs it: policies/index.ts started as its own process (the
 * policy SDK's gRPC analyzer server), fed the prod graph over the analyzer protocol the
 * CLI uses (secrets and assets in wire form, as the engine sends them). This checks the
 * registration, the SDK's deserialisation (secrets unwrapped, assets, the unknown-checking
 * proxy) and the rules together, without the Pulumi CLI.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeDiagnostic,
  AnalyzeRequest,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { graphView } from "../../stacks/plan/policies";
import { RULES } from "../../policies/rules";
import type { PolicyResource } from "../../policies/rules/types";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { prodConfig, REPO_ROOT } from "../support/config";
import { brokenProd, editGraph } from "./broken";

// The engine's wire signatures (sdk/go/common/resource/sig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Recorded values back to the wire form the engine sends analyzers. */
function toWire(value: unknown): unknown {
  if (value === "[unknown]") return UNKNOWN_STRING;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("$secret" in record) return { [SIG_KEY]: SECRET_SIG, value: toWire(record.$secret) };
    if ("$asset" in record) return { [SIG_KEY]: ASSET_SIG, text: record.$asset };
    if ("$resource" in record) return record.$resource;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

const props = (r: PolicyResource) => Struct.fromJavaScript(toWire(r.props) as Record<string, never>);

function analyzerResource(r: PolicyResource): AnalyzerResource {
  return new AnalyzerResource()
    .setType(r.type)
    .setUrn(r.urn)
    .setName(r.name)
    .setProperties(props(r))
    .setOptions(new AnalyzerResourceOptions());
}

/** A diagnostic in plain form. */
interface Diagnostic {
  readonly policy: string;
  readonly urn: string;
  readonly message: string;
  readonly mandatory: boolean;
}

const plainDiagnostic = (d: AnalyzeDiagnostic, urn = d.getUrn()): Diagnostic => ({
  policy: d.getPolicyname(),
  urn,
  message: d.getMessage(),
  mandatory: d.getEnforcementlevel() === EnforcementLevel.MANDATORY,
});

describe("policy pack under the analyzer protocol", function () {
  this.timeout(600_000);
  let pack: ChildProcess | undefined;
  let client: AnalyzerClient;
  let prod: Graph;

  before(async () => {
    prod = await runProgram(prodConfig());
    // The engine starts the pack in its folder (PolicyPack reads ./package.json) and reads the port from stdout.
    const child = spawn(process.execPath, [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), "index.ts"], {
      cwd: join(REPO_ROOT, "policies"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    pack = child;
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`the pack printed no port within 120s: ${out}${err}`)), 120_000);
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the pack exited (${code}): ${out}${err}`));
      });
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (pack && pack.exitCode === null) pack.kill("SIGTERM");
  });

  const analyzeStack = (resources: readonly PolicyResource[]) =>
    new Promise<Diagnostic[]>((resolve, reject) =>
      client.analyzeStack(new AnalyzeStackRequest().setResourcesList(resources.map(analyzerResource)), (err, resp) =>
        err ? reject(err) : resolve(resp.getDiagnosticsList().map((d) => plainDiagnostic(d))),
      ),
    );

  const analyze = (r: PolicyResource) =>
    new Promise<Diagnostic[]>((resolve, reject) =>
      client.analyze(
        new AnalyzeRequest()
          .setType(r.type)
          .setUrn(r.urn)
          .setName(r.name)
          .setProperties(props(r))
          .setOptions(new AnalyzerResourceOptions()),
        (err, resp) => (err ? reject(err) : resolve(resp.getDiagnosticsList().map((d) => plainDiagnostic(d, r.urn)))),
      ),
    );

  /** Every diagnostic of a preview: resource policies on each resource, then the stack policies. */
  async function preview(graph: Graph): Promise<Diagnostic[]> {
    const { resources } = graphView(graph);
    const perResource: Diagnostic[] = [];
    for (let i = 0; i < resources.length; i += 50) {
      for (const ds of await Promise.all(resources.slice(i, i + 50).map(analyze))) perResource.push(...ds);
    }
    return [...perResource, ...(await analyzeStack(resources))];
  }

  it("registers every rule with its level and config schema", async () => {
    const info = await new Promise<import("@pulumi/pulumi/proto/analyzer_pb").AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (err, resp) => (err ? reject(err) : resolve(resp))),
    );
    assert.equal(info.getName(), "k8s-platform");
    const policies = new Map(info.getPoliciesList().map((p) => [p.getName(), p]));
    assert.deepEqual([...policies.keys()].sort(), RULES.map((r) => r.name).sort());
    for (const rule of RULES) {
      const p = policies.get(rule.name);
      assert.equal(
        p?.getEnforcementlevel(),
        rule.level === "mandatory" ? EnforcementLevel.MANDATORY : EnforcementLevel.ADVISORY,
        rule.name,
      );
    }
    const schema = policies.get("workload-image-registry")?.getConfigschema()?.getProperties()?.toJavaScript();
    assert.ok(schema && "allowedRegistries" in schema, "the allow-list is policy config");
  });

  it("reports no mandatory violation on the prod stack", async () => {
    const found = await preview(prod);
    assert.deepEqual(
      found.filter((d) => d.mandatory).map((d) => `${d.policy}: ${d.message}`),
      [],
    );
    assert.deepEqual(
      found.filter((d) => /can't run/.test(d.message)),
      [],
    );
  });

  it("reports the broken stack's violations on the same resources as offline", async () => {
    const { graph, urns } = brokenProd(prod);
    const found = (await preview(graph)).filter((d) => d.mandatory);
    // Inside the engine secrets arrive unwrapped (pulumi/pulumi-policy#241): a key copied
    // without the secret mark is only caught offline, where marks are visible.
    const expected = Object.entries(urns).filter(([policy]) => policy !== "secrets-not-plaintext");
    for (const [policy, urn] of expected) {
      assert.deepEqual(
        found.filter((d) => d.policy === policy).map((d) => d.urn),
        [urn],
        `${policy}: ${found.map((d) => `${d.policy} ${d.urn}: ${d.message}`).join("\n")}`,
      );
    }
    const policies = new Set(found.map((d) => d.policy));
    assert.deepEqual([...policies].sort(), [...expected.map(([p]) => p), "apiserver-behind-vip"].sort());
  });

  it("does not conclude from values still unknown at preview", async () => {
    // A first preview: certificates (and so the control-plane bundles) are not computed yet.
    const unknownBundles = editGraph(prod, (rs) =>
      rs.map((r) =>
        /control-plane-master-\d+-bundle$/.test(r.name) ? { ...r, inputs: { ...r.inputs, stdin: "[unknown]" } } : r,
      ),
    );
    const found = await preview(unknownBundles);
    assert.deepEqual(
      found.filter((d) => d.mandatory || /can't run/.test(d.message)).map((d) => `${d.policy}: ${d.message}`),
      [],
    );
  });
});
