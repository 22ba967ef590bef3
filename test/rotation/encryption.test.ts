/**
 * Encryption-at-rest key rotation as docs/operations/encryption-key.md gives it:
 * `apiserver.encryptionKeys` [key1] -> [key1, key2] -> [key2, key1] -> [key2]. The rendered
 * EncryptionConfiguration of every phase is checked against the fields and rules of
 * k8s.io/apiserver v0.35.7 (apis/apiserver/v1/types_encryption.go, validation_encryption.go):
 * the first provider's first key encrypts, every listed key decrypts. Across each edit,
 * an apiserver still on the previous phase reads what an updated one writes and the other
 * way round; the plan of each edit creates, updates, rewrites and (protected) deletes
 * exactly what the procedure says.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { renderEncryptionConfig } from "../../components/control-plane/renderSecurity";
import { renderRewriteSecretsScript } from "../../components/control-plane/encryption";
import { CONTROL_PLANE_FILES } from "../../components/control-plane/paths";
import { load } from "../../stacks/contract/load";
import { detailedExitCode, planChanges } from "../../stacks/plan/diff";
import type { Graph } from "../../stacks/plan/run";
import { bundledFiles } from "../../stacks/plan/textdiff";
import { rotationConfig } from "./fixtures";
import { graphOf } from "./graphs";

const PHASES = [["key1"], ["key1", "key2"], ["key2", "key1"], ["key2"]] as const;
const secret = (byte: number) => Buffer.alloc(32, byte).toString("base64");
const keysOf = (names: readonly string[]) => names.map((name, i) => ({ name, secretBase64: secret(i + 1) }));

type Obj = Record<string, unknown>;
const PROVIDERS = ["aesgcm", "aescbc", "secretbox", "identity", "kms"];

/**
 * Problems of an EncryptionConfiguration by the v1 types (only their json fields) and the
 * validation the apiserver runs: resources and providers non-empty, lower-case unique
 * resource names, exactly one provider type per entry, keys with a name and a base64
 * secret of 32 bytes (secretbox).
 */
function encryptionConfigProblems(doc: Obj): string[] {
  const problems: string[] = [];
  const only = (o: Obj, keys: string[], at: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) problems.push(`${at}.${k}: not a field`);
  };
  only(doc, ["apiVersion", "kind", "resources"], "");
  if (doc.apiVersion !== "apiserver.config.k8s.io/v1") problems.push("apiVersion");
  if (doc.kind !== "EncryptionConfiguration") problems.push("kind");
  const resources = doc.resources as Obj[] | undefined;
  if (!Array.isArray(resources) || resources.length === 0) problems.push("resources: at least one required");
  const seen = new Set<string>();
  (resources ?? []).forEach((r, i) => {
    only(r, ["resources", "providers"], `resources[${i}]`);
    const names = r.resources as string[];
    if (!Array.isArray(names) || names.length === 0) problems.push(`resources[${i}].resources: required`);
    for (const n of names ?? []) {
      if (n !== n.toLowerCase()) problems.push(`resources[${i}]: ${n} has capitals`);
      if (seen.has(n)) problems.push(`resources[${i}]: ${n} twice`);
      seen.add(n);
    }
    const providers = r.providers as Obj[];
    if (!Array.isArray(providers) || providers.length === 0) problems.push(`resources[${i}].providers: required`);
    (providers ?? []).forEach((p, j) => {
      const at = `resources[${i}].providers[${j}]`;
      only(p, PROVIDERS, at);
      if (Object.keys(p).length !== 1) problems.push(`${at}: exactly one provider type`);
      const box = p.secretbox as Obj | undefined;
      if (box) {
        only(box, ["keys"], `${at}.secretbox`);
        const keys = box.keys as Obj[];
        if (!Array.isArray(keys) || keys.length === 0) problems.push(`${at}.secretbox.keys: required`);
        for (const k of keys ?? []) {
          only(k, ["name", "secret"], `${at}.secretbox.keys[]`);
          if (typeof k.name !== "string" || k.name === "" || k.name.includes(":")) problems.push(`${at}: key name`);
          const bytes = Buffer.from(String(k.secret ?? ""), "base64");
          if (bytes.toString("base64") !== k.secret || bytes.length !== 32)
            problems.push(`${at}: ${String(k.name)} secret`);
        }
      }
      if (p.identity !== undefined && (typeof p.identity !== "object" || Object.keys(p.identity as Obj).length > 0))
        problems.push(`${at}.identity: takes no fields`);
    });
  });
  return problems;
}

/** The key that encrypts writes to Secrets and the keys that can decrypt them. */
function keyUse(doc: Obj): { writes: string; reads: string[] } {
  const entry = (doc.resources as Obj[]).find((r) => (r.resources as string[]).includes("secrets")) as Obj;
  const providers = entry.providers as Obj[];
  const reads = providers.flatMap((p) =>
    p.secretbox ? ((p.secretbox as Obj).keys as Obj[]).map((k) => String(k.name)) : p.identity ? ["(identity)"] : [],
  );
  const first = providers[0].secretbox as Obj;
  return { writes: String((first.keys as Obj[])[0].name), reads };
}

/** During a rolling change from `a` to `b`, each side reads what the other writes. */
function rollingSafe(a: readonly string[], b: readonly string[]): boolean {
  const before = keyUse(parse(renderEncryptionConfig(keysOf(a))) as Obj);
  const after = keyUse(parse(renderEncryptionConfig(keysOf(b))) as Obj);
  return before.reads.includes(after.writes) && after.reads.includes(before.writes);
}

describe("encryption-key rotation: add second, move first, rewrite, drop", function () {
  this.timeout(600_000);

  it("every phase renders a valid EncryptionConfiguration: the first key encrypts, all listed keys decrypt", () => {
    for (const names of PHASES) {
      const doc = parse(renderEncryptionConfig(keysOf(names))) as Obj;
      assert.deepEqual(encryptionConfigProblems(doc), [], names.join(","));
      const use = keyUse(doc);
      assert.equal(use.writes, names[0]);
      // identity last: objects stored before encryption was enabled stay readable.
      assert.deepEqual(use.reads, [...names, "(identity)"]);
    }
    // The validator catches what the apiserver refuses.
    const bad = parse(renderEncryptionConfig(keysOf(["key1"]))) as Obj;
    (((bad.resources as Obj[])[0].providers as Obj[])[0].secretbox as { keys: Obj[] }).keys[0].secret =
      secret(1).slice(4);
    assert.notDeepEqual(encryptionConfigProblems(bad), []);
  });

  it("each edit keeps every apiserver able to read what the others write; moving a new key first directly does not", () => {
    for (let i = 0; i + 1 < PHASES.length; i++)
      assert.ok(rollingSafe(PHASES[i], PHASES[i + 1]), PHASES[i + 1].join(","));
    assert.equal(rollingSafe(["key1"], ["key2", "key1"]), false);
    assert.equal(rollingSafe(["key1"], ["key2"]), false);
  });

  it("the loader takes a list of key names, each once", () => {
    const withKeys = (keys: unknown) => rotationConfig((raw) => ((raw.apiserver as Obj).encryptionKeys = keys));
    assert.ok(load(withKeys(["key2", "key1"])).ok);
    const dup = load(withKeys(["key1", "key1"]));
    assert.equal(dup.ok, false);
    if (!dup.ok)
      assert.match(dup.errors.map((e) => `${e.path}: ${e.message}`).join(), /encryptionKeys\[1\]: "key1" is already/);
    for (const bad of [[], ["Key:1"]]) assert.equal(load(withKeys(bad)).ok, false, JSON.stringify(bad));
  });

  describe("through the graph", () => {
    const graphs: Graph[] = [];
    before(async () => {
      for (const names of PHASES)
        graphs.push(await graphOf(rotationConfig((raw) => ((raw.apiserver as Obj).encryptionKeys = [...names]))));
    });

    const unsecret = (v: unknown): unknown =>
      v !== null && typeof v === "object" && "$secret" in v ? unsecret((v as { $secret: unknown }).$secret) : v;
    const installed = (graph: Graph, master: string): Obj => {
      const r = graph.resources.find((x) => x.name === `control-plane-${master}-secrets`);
      const text = unsecret((unsecret(r?.inputs.source) as { $asset: unknown }).$asset) as string;
      return parse(bundledFiles(text).get(CONTROL_PLANE_FILES.encryptionConfig) ?? "") as Obj;
    };

    it("every master gets the phase's keys, in order, each a distinct 32-byte key that stays the same across phases", () => {
      const secretsOf = new Map<string, string>();
      PHASES.forEach((names, i) => {
        for (const m of ["master-1", "master-2"]) {
          const doc = installed(graphs[i], m);
          assert.deepEqual(encryptionConfigProblems(doc), []);
          const keys = ((((doc.resources as Obj[])[0].providers as Obj[])[0].secretbox as Obj).keys as Obj[]).map(
            (k) => [String(k.name), String(k.secret)] as const,
          );
          assert.deepEqual(
            keys.map(([n]) => n),
            [...names],
          );
          for (const [name, value] of keys) {
            assert.equal(secretsOf.get(name) ?? value, value, `${name} kept its value`);
            secretsOf.set(name, value);
          }
        }
      });
      assert.notEqual(secretsOf.get("key1"), secretsOf.get("key2"));
    });

    it("the plans: a new protected key, masters rolled in order, Secrets rewritten when the first key changes, the old key a protected delete", () => {
      const names = (i: number, op: string) =>
        planChanges(graphs[i], graphs[i + 1])
          .changes.filter((c) => c.op === op)
          .map((c) => c.name);
      const add = planChanges(graphs[0], graphs[1]);
      assert.deepEqual(names(0, "create"), ["control-plane-encryption-key-key2"]);
      assert.ok(graphs[1].resources.find((r) => r.name === "control-plane-encryption-key-key2")?.protect);
      assert.ok(!add.changes.some((c) => c.name === "control-plane-rewrite-secrets"), "the first key is unchanged");
      const move = planChanges(graphs[1], graphs[2]).changes;
      const order = move.map((c) => c.name);
      assert.deepEqual(
        move.filter((c) => c.op !== "update"),
        [],
      );
      assert.ok(order.indexOf("control-plane-master-1-install") < order.indexOf("control-plane-master-2-install"));
      assert.ok(order.indexOf("control-plane-master-2-install") < order.indexOf("control-plane-rewrite-secrets"));
      const rewrite = graphs[2].resources.find((r) => r.name === "control-plane-rewrite-secrets");
      assert.match(String(rewrite?.inputs.stdin), /^WRITE_KEY=key2$/m);
      assert.deepEqual(names(2, "protected-delete"), ["control-plane-encryption-key"]);
      assert.equal(detailedExitCode(planChanges(graphs[2], graphs[3])), 5);
      assert.ok(!planChanges(graphs[2], graphs[3]).changes.some((c) => c.name === "control-plane-rewrite-secrets"));
      assert.equal(
        renderRewriteSecretsScript({ apiserver: { encryptionKeys: ["key2"] } } as never),
        rewrite?.inputs.stdin,
      );
    });
  });
});
