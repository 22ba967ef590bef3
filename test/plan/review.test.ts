/**
 * Change review on real config edits: what the plan says `pulumi up` will do, with the
 * engine's verdicts, in rollout order, as line diffs, with the CI exit codes.
 */
import { strict as assert } from "node:assert";
import { detailedExitCode, EXIT, planChanges, type Plan } from "../../stacks/plan/diff";
import { renderPlanMarkdown, renderPlanText, reviewSections, SECRET_ONLY } from "../../stacks/plan/review";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { clone, prodConfig, REPO_ROOT } from "../support/config";
import { editGraph } from "../policies/broken";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths

const PRIVATE_KEY = (text: string) =>
  `-----BEGIN OPENSSH PRIVATE KEY-----\n${Buffer.from(text).toString("base64")}\n-----END OPENSSH PRIVATE KEY-----`;

async function edited(edit: (raw: Raw) => void): Promise<Graph> {
  const raw = clone(prodConfig()) as Raw;
  edit(raw);
  return runProgram(raw);
}

const ops = (plan: Plan) => plan.changes.map((c) => `${c.op} ${c.name}`);

describe("change review (offline plan diff)", function () {
  this.timeout(900_000);
  let prod: Graph;

  before(async () => {
    prod = await runProgram(prodConfig());
  });

  it("no change: nothing to do, exit 0", () => {
    const plan = planChanges(prod, prod);
    assert.deepEqual(plan.changes, []);
    assert.equal(plan.unchanged, prod.resources.length);
    assert.equal(detailedExitCode(plan), EXIT.noChanges);
    assert.match(renderPlanText(plan, prod, "t"), /plan: no changes; \d+ unchanged/);
  });

  describe("a Kubernetes version bump", () => {
    let plan: Plan;
    let text: string;
    before(async () => {
      const bumped = await edited((r) => (r.versions.kubernetes = "1.35.2"));
      plan = planChanges(prod, bumped);
      text = renderPlanText(plan, bumped, "bump");
    });

    it("shows the new version as a + line of the scripts that install it, not cut", () => {
      assert.match(text, /^\s+-K8S_VERSION=1\.35\.1$/m);
      assert.match(text, /^\s+\+K8S_VERSION=1\.35\.2$/m);
      assert.match(text, /^\s+\+KUBERNETES_VERSION=1\.35\.2$/m);
    });

    it("lists the changes in rollout order: the etcd snapshot, the masters one by one, then the nodes", () => {
      const at = (name: string) => plan.changes.findIndex((c) => c.name === name);
      assert.ok(at("etcd-pre-change-snapshot") >= 0);
      assert.ok(at("etcd-pre-change-snapshot") < at("control-plane-master-1-install"));
      assert.ok(at("control-plane-master-1-install") < at("control-plane-master-2-install"));
      assert.ok(at("control-plane-master-2-install") < at("control-plane-ready"));
      assert.ok(at("control-plane-ready") < at("node-001-node-upgrade"));
      const phases = reviewSections(plan, prod).map((s) => s.phase);
      assert.deepEqual(
        phases.filter((p) => ["etcd", "control plane", "nodes"].includes(p)),
        ["etcd", "control plane", "nodes"],
      );
    });

    it("every command re-runs in place (update), none is replaced; exit 4", () => {
      assert.ok(plan.changes.length > 0);
      assert.deepEqual(
        plan.changes.filter((c) => c.op !== "update").map((c) => `${c.op} ${c.name}`),
        [],
      );
      assert.equal(detailedExitCode(plan), EXIT.changes);
    });

    it("groups the same change on every node into one entry with the host range", () => {
      assert.match(text, /<host>-node-upgrade on node-001\.\.node-020 \(20 hosts, same change\)/);
      assert.match(text, /rollout in upgrade batches \(each waits for the previous\): 1: /);
    });
  });

  it("one apiserver flag changed in the unit: the config bundle shows the file and the line", async () => {
    const after = editGraph(prod, (rs) =>
      rs.map((r) => {
        if (r.name !== "control-plane-master-1-config") return r;
        const text = (r.inputs.source as { $asset: string }).$asset;
        const lines = text.split("\n").map((line) => {
          const [mode, path, b64] = line.split(" ");
          if (path !== "/etc/systemd/system/kube-apiserver.service") return line;
          const unit = Buffer.from(b64, "base64").toString("utf8").replace("--profiling=false", "--profiling=true");
          return `${mode} ${path} ${Buffer.from(unit).toString("base64")}`;
        });
        return { ...r, inputs: { ...r.inputs, source: { $asset: lines.join("\n") } } };
      }),
    );
    const plan = planChanges(prod, after);
    assert.deepEqual(ops(plan), ["update control-plane-master-1-config"]);
    const text = renderPlanText(plan, after, "flag");
    assert.match(text, /~~~ \/etc\/systemd\/system\/kube-apiserver\.service/);
    assert.match(text, /^\s+-.*--profiling=false/m);
    assert.match(text, /^\s+\+.*--profiling=true/m);
  });

  it("adding a worker creates only that worker's resources", async () => {
    const added = await edited((r) =>
      r.hosts.push({ name: "node-021", address: "10.10.2.121", roles: ["worker"], labels: {} }),
    );
    const plan = planChanges(prod, added);
    assert.ok(plan.changes.length > 0);
    for (const c of plan.changes) assert.ok(c.op === "create" && /node-021/.test(c.name), `${c.op} ${c.name}`);
    assert.equal(detailedExitCode(plan), EXIT.changes);
  });

  it("removing a project retains its namespace (data-bearing: exit 5); adding it back creates it", async () => {
    const without = await edited((r) => (r.projects = r.projects.filter((p: Raw) => p.name !== "news-feed")));
    const removal = planChanges(prod, without);
    const ns = removal.changes.find((c) => c.type === "kubernetes:core/v1:Namespace");
    assert.equal(ns?.op, "retain");
    assert.ok(ns?.dataBearing);
    for (const c of removal.changes) assert.match(c.name, /news-feed/, `${c.op} ${c.name}`);
    assert.equal(detailedExitCode(removal), EXIT.dataLoss);
    const back = planChanges(without, prod);
    for (const c of back.changes) assert.equal(c.op, "create", `${c.op} ${c.name}`);
  });

  it("rotating the SSH key changes every remote step's connection: one grouped line", async () => {
    const a = await edited((r) => (r.ssh.privateKey = PRIVATE_KEY("old key")));
    const b = await edited((r) => (r.ssh.privateKey = PRIVATE_KEY("new key")));
    const plan = planChanges(a, b);
    const remote = b.resources.filter((r) => r.type.startsWith("command:remote:")).length;
    assert.equal(plan.changes.length, remote, "exactly the remote steps change");
    for (const c of plan.changes)
      assert.deepEqual(
        c.inputs.map((i) => i.path),
        ["connection"],
        c.name,
      );
    const sections = reviewSections(plan, b);
    assert.deepEqual(
      sections.map((s) => `${s.phase}: ${s.groups.length}`),
      [`${SECRET_ONLY}: 1`],
    );
    const text = renderPlanText(plan, b, "rotate");
    assert.match(
      text,
      new RegExp(`${remote} resources \\(command:remote:Command x\\d+, command:remote:CopyToRemote x\\d+\\)`),
    );
    assert.doesNotMatch(text, /old key|new key|b2xkIGtleQ|bmV3IGtleQ/, "no key material");
  });

  it("removing the GlusterFS volume is a protected delete: pulumi up would fail, exit 5", async () => {
    const without = await edited((r) => delete r.storage.glusterfs);
    const plan = planChanges(prod, without);
    const volume = plan.changes.find((c) => c.name === "storage-volume-k8s-data");
    assert.equal(volume?.op, "protected-delete");
    assert.equal(detailedExitCode(plan), EXIT.dataLoss);
    assert.match(renderPlanText(plan, without, "t"), /pulumi up will FAIL/);
    assert.match(renderPlanMarkdown(plan, without, "t"), /\[!CAUTION\]/);
  });

  it("a certificate inside its renewal window is replaced; what holds it updates in place", () => {
    const issued = new Date(Date.now() - 340 * 24 * 3600_000); // 1 year validity, 30 days early
    const plan = planChanges(prod, prod, { certsIssued: issued });
    const cert = plan.changes.find((c) => c.name === "pki-etcd-server-etcd-1-cert");
    assert.equal(cert?.op, "replace");
    assert.match(cert?.reasons.join() ?? "", /inside its renewal window/);
    // CAs (10 years) are not due; members re-copy their files in place.
    assert.equal(
      plan.changes.find((c) => c.name === "pki-etcd-ca-cert"),
      undefined,
    );
    assert.equal(plan.changes.find((c) => c.name === "etcd-etcd-1-server.crt")?.op, "update");
    assert.equal(plan.changes.find((c) => c.name === "etcd-etcd-1-install")?.op, "update");
    // Never re-issued: outside the window.
    assert.deepEqual(planChanges(prod, prod, { certsIssued: new Date() }).changes, []);
  });

  it("re-issuing the admin certificate updates the Kubernetes provider; no in-cluster object is replaced", () => {
    const admin = prod.resources.find((r) => r.name === "pki-admin-cert");
    assert.ok(admin);
    const plan = planChanges(prod, prod, { replace: [admin.urn] });
    assert.equal(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.op, "update");
    const replaced = plan.changes.filter((c) => c.op === "replace").map((c) => c.name);
    assert.deepEqual(replaced, ["pki-admin-cert"]);
  });

  it("without clusterIdentifier a new CA would replace the provider and with it every in-cluster object", () => {
    const noId = editGraph(prod, (rs) =>
      rs.map((r) =>
        r.type === "pulumi:providers:kubernetes"
          ? { ...r, inputs: Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "clusterIdentifier")) }
          : r,
      ),
    );
    const ca = noId.resources.find((r) => r.name === "pki-cluster-ca-cert");
    assert.ok(ca);
    // The provider's kubeconfig changes (new CA) in the after graph.
    const after = editGraph(noId, (rs) =>
      rs.map((r) =>
        r.type === "pulumi:providers:kubernetes"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                kubeconfig: { $secret: "apiVersion: v1\nclusters: [{name: prod, cluster: {server: x}}]" },
              },
            }
          : r,
      ),
    );
    const plan = planChanges(noId, after);
    assert.equal(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.op, "replace");
    const inCluster = after.resources.filter((r) => r.provider?.includes("pulumi:providers:kubernetes"));
    assert.ok(inCluster.length > 50);
    for (const r of inCluster) assert.match(plan.changes.find((c) => c.urn === r.urn)?.op ?? "none", /replace/, r.name);
    // With clusterIdentifier (the program's graph) the same kubeconfig change is an update.
    const withId = editGraph(prod, (rs) =>
      rs.map((r) =>
        r.type === "pulumi:providers:kubernetes"
          ? {
              ...r,
              inputs: {
                ...r.inputs,
                kubeconfig: { $secret: "apiVersion: v1\nclusters: [{name: prod, cluster: {server: x}}]" },
              },
            }
          : r,
      ),
    );
    assert.deepEqual(ops(planChanges(prod, withId)), ["update control-plane-k8s"]);
  });

  it("--replace of a rebuilt host's prep re-runs exactly that host's steps; survivors are not restarted", () => {
    const prep = prod.resources.find((r) => r.name === "etcd-3-prep");
    assert.ok(prep);
    const plan = planChanges(prod, prod, { replace: [prep.urn] });
    const touched = plan.changes.map((c) => `${c.op} ${c.name}`);
    for (const step of ["stage", "install", "start", "server.key", "etcd.service"])
      assert.ok(touched.includes(`replace etcd-etcd-3-${step}`), `etcd-3 ${step} re-runs: ${touched.join(", ")}`);
    for (const c of plan.changes) {
      assert.doesNotMatch(c.name, /etcd-etcd-[12]-|etcd-[12]-prep/, `a survivor is touched: ${c.op} ${c.name}`);
      if (c.op === "replace") assert.match(c.name, /etcd-3/, c.name);
    }
    assert.deepEqual(
      plan.changes.filter((c) => c.op === "update").map((c) => c.name),
      ["etcd-health"],
      "the health gate re-checks in place",
    );
    // A rebuilt worker: its install, files, services and labels, nothing that drains or stops.
    const node = prod.resources.find((r) => r.name === "node-007-prep");
    assert.ok(node);
    const rebuilt = planChanges(prod, prod, { replace: [node.urn] }).changes.map((c) => `${c.op} ${c.name}`);
    for (const step of ["install", "credentials", "configure", "ready"])
      assert.ok(rebuilt.includes(`replace node-007-node-${step}`), rebuilt.join(", "));
    for (const c of rebuilt) assert.doesNotMatch(c, /retire|stop|drain/);
  });

  it("every URN the docs tell an operator to paste is one the plan prints (npm run plan -- --urns)", () => {
    const docs = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? docs(p) : n.endsWith(".md") ? [p] : [];
      });
    const urns = new Set(prod.resources.map((r) => r.urn));
    const quoted = [join(REPO_ROOT, "README.md"), ...docs(join(REPO_ROOT, "docs"))].flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/urn:pulumi:[^\s'"`<>]+/g)].map((m) => ({ file: f, urn: m[0] })),
    );
    assert.ok(quoted.length >= 3, `${quoted.length} URNs quoted in the docs`);
    for (const { file, urn } of quoted) assert.ok(urns.has(urn), `${file}: ${urn} is not a URN of the prod stack`);
  });

  it("stack outputs that change are listed; secret ones only as changed", async () => {
    const moved = await edited((r) => (r.apiserver.port = 9443));
    const plan = planChanges(prod, moved);
    const names = plan.outputs.map((o) => o.name);
    assert.ok(names.includes("apiserverEndpoint"));
    const kubeconfig = plan.outputs.find((o) => o.name === "adminKubeconfig");
    assert.equal(kubeconfig?.secret, true);
    assert.equal(kubeconfig?.after, undefined);
  });
});
