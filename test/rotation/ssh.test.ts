/**
 * SSH key rotation as docs/operations/rotate-ssh-key.md gives it: authorize the new key
 * beside the old (ssh.authorizedKeys), switch ssh.privateKey, revoke the old key. The
 * authorized_keys script runs under a temporary root with real bash; the loader refuses
 * what is not a plain public key and a revocation of the key in use; through the graph,
 * each edit touches only the authorized-keys steps, and the switch updates (never
 * replaces) every remote step: pulumi-command v1.2.1 diffs `connection` as an updatable
 * input and re-runs `create` with the new one (provider/pkg/provider/remote, infer Diff).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderAuthorizedKeysScript } from "../../components/host/authorizedKeys";
import { publicBlobOfPrivateKey } from "../../lib/sshPublicKey";
import { load } from "../../stacks/contract/load";
import { planChanges } from "../../stacks/plan/diff";
import type { Graph } from "../../stacks/plan/run";
import { rotationConfig } from "./fixtures";
import { graphOf } from "./graphs";

type Obj = Record<string, unknown>;

function sshKey(comment: string): { privateKey: string; line: string; blob: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const blob = publicBlobOfPrivateKey(pem) as string;
  return { privateKey: pem, line: `ssh-ed25519 ${blob} ${comment}`, blob };
}
const OLD = sshKey("old@ops");
const NEW = sshKey("new@ops");

const withSsh = (ssh: Obj) => rotationConfig((raw) => (raw.ssh = { ...(raw.ssh as Obj), ...ssh }));
const PHASES = [
  { privateKey: OLD.privateKey },
  { privateKey: OLD.privateKey, authorizedKeys: [OLD.line, NEW.line] },
  { privateKey: NEW.privateKey, authorizedKeys: [OLD.line, NEW.line] },
  { privateKey: NEW.privateKey, authorizedKeys: [NEW.line], revokedKeys: [OLD.line] },
];

describe("SSH key rotation: authorize the new key, switch, revoke the old", function () {
  this.timeout(600_000);

  it("the authorized_keys script keeps other lines, owns its block, removes revoked keys anywhere, and is idempotent", () => {
    const root = mkdtempSync(join(tmpdir(), "authkeys-"));
    try {
      const home = "/home/ops";
      const file = join(root, home, ".ssh", "authorized_keys");
      mkdirSync(join(root, home, ".ssh"), { recursive: true });
      const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE7Fl0z/RVSicVM42gDwb6KCkTeRGLRqnFhZScTqm25j backup@site";
      writeFileSync(file, `${other}\n${OLD.line}\nfrom="10.0.0.1" ${OLD.line}\n`);
      const run = (ssh: Obj) => {
        const spec = load(withSsh(ssh));
        assert.ok(spec.ok, JSON.stringify(!spec.ok && spec.errors));
        const script = renderAuthorizedKeysScript(spec.spec, { root, homeDir: home });
        const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      };
      assert.match(run(PHASES[1]), /updated/);
      const added = readFileSync(file, "utf8");
      assert.ok(added.startsWith(`${other}\n${OLD.line}\n`), added);
      assert.ok(
        added.endsWith(
          `# BEGIN k8s-platform managed keys (ssh.authorizedKeys)\n${OLD.line}\n${NEW.line}\n# END k8s-platform managed keys\n`,
        ),
        added,
      );
      assert.match(run(PHASES[1]), /unchanged/);
      assert.equal(readFileSync(file, "utf8"), added);
      run(PHASES[3]);
      const revoked = readFileSync(file, "utf8");
      assert.ok(!revoked.includes(OLD.blob), revoked);
      assert.ok(revoked.includes(other) && revoked.includes(NEW.line));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(join(root, home, ".ssh")).mode & 0o777, 0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("the script is shellcheck-clean", function () {
    const r = spawnSync("shellcheck", ["components/host/authorized-keys.sh"], { encoding: "utf8" });
    if (r.error && process.env.CI !== "true") this.skip();
    assert.equal(r.status, 0, r.stdout);
  });

  it("the loader takes only plain public keys and refuses to revoke the key in use", () => {
    const problems = (ssh: Obj) => {
      const r = load(withSsh(ssh));
      return r.ok ? "" : r.errors.map((e) => `${e.path}: ${e.message}`).join("\n");
    };
    assert.equal(problems(PHASES[3]), "");
    for (const bad of [
      `command="sh" ${NEW.line}`,
      `${NEW.line}\nssh-ed25519 AAAA`,
      `ssh-ed25519 ${NEW.blob} $(reboot)`,
      `ssh-dss ${NEW.blob}`,
      `ssh-rsa ${NEW.blob}`,
    ])
      assert.match(problems({ authorizedKeys: [bad] }), /ssh\.authorizedKeys\[0\]: /, bad);
    assert.match(
      problems({ privateKey: OLD.privateKey, revokedKeys: [OLD.line] }),
      /ssh\.revokedKeys\[0\]: SHA256:\S+ is the public half of ssh\.privateKey/,
    );
    assert.match(problems({ authorizedKeys: [NEW.line], revokedKeys: [NEW.line] }), /is also in ssh\.authorizedKeys/);
    assert.ok(!problems({ privateKey: OLD.privateKey, revokedKeys: [OLD.line] }).includes("PRIVATE"));
  });

  describe("through the graph", () => {
    const graphs: Graph[] = [];
    before(async () => {
      for (const ssh of PHASES) graphs.push(await graphOf(withSsh(ssh)));
    });
    const hosts = () => (graphs[0].meta?.hosts ?? []).map((h) => `${h.name}-authorized-keys`).sort();

    it("authorizing the new key adds one authorized-keys step per host and changes nothing else", () => {
      const plan = planChanges(graphs[0], graphs[1]);
      assert.deepEqual(
        plan.changes.map((c) => `${c.op} ${c.name}`).sort(),
        hosts().map((h) => `create ${h}`),
      );
    });

    it("switching ssh.privateKey updates every remote step in place: nothing is replaced, created or deleted", () => {
      const plan = planChanges(graphs[1], graphs[2]);
      const remote = graphs[2].resources.filter((r) => r.type.startsWith("command:remote:"));
      assert.deepEqual(
        plan.changes.filter((c) => c.op !== "update").map((c) => c.name),
        [],
      );
      assert.deepEqual(plan.changes.map((c) => c.name).sort(), remote.map((r) => r.name).sort());
      for (const c of plan.changes)
        assert.deepEqual(
          c.inputs.map((i) => i.path),
          ["connection"],
          c.name,
        );
    });

    it("revoking the old key re-runs only the authorized-keys steps", () => {
      const plan = planChanges(graphs[2], graphs[3]);
      assert.deepEqual(
        plan.changes.map((c) => `${c.op} ${c.name}`).sort(),
        hosts().map((h) => `update ${h}`),
      );
    });
  });
});
