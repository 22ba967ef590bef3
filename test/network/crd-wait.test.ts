import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CALICO_PATCHED_CRDS, renderCrdWaitScript } from "../../components/network/render";
import type { RecordedResource } from "../../stacks/plan/run";
import { runProgram } from "../../stacks/plan/run";
import { prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { kubectlBinary } from "../support/kubectl";
import { specOf } from "./fixtures";

const spec = () => specOf(prodConfig());

/** A stand-in apiserver that serves CRDs: each name becomes Established after `after` requests (never if -1). */
function fakeApiserver(
  after: Record<string, number>,
): Promise<{ server: Server; url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const name = (req.url ?? "").split("?")[0].split("/").pop() ?? "";
    const n = (hits.get(name) ?? 0) + 1;
    hits.set(name, n);
    const ready = after[name];
    if (ready === undefined || (ready >= 0 && n <= Math.floor(ready / 2))) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }));
      return;
    }
    const established = ready >= 0 && n > ready;
    const conditions = [
      { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
      ...(established ? [{ type: "Established", status: "True", reason: "InitialNamesAccepted", message: "ok" }] : []),
    ];
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ kind: "CustomResourceDefinition", metadata: { name }, status: { conditions } }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

function run(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-s"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(script);
  });
}

describe("network: Calico objects wait until their CRDs are Established", function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "crd-wait-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const kubeconfig = (url: string) => {
    const file = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{ name: fake, cluster: { server: " + JSON.stringify(url) + " } }]",
        "users: [{ name: admin, user: {} }]",
        "contexts: [{ name: fake, context: { cluster: fake, user: admin } }]",
        "current-context: fake",
        "",
      ].join("\n"),
    );
    return file;
  };

  it("renders a shellcheck-clean script", function () {
    requireTool(this, "shellcheck");
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: renderCrdWaitScript(spec()), encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout);
  });

  it("waits with the real kubectl until every CRD exists and is Established", async function () {
    const felix = CALICO_PATCHED_CRDS[0];
    const api = await fakeApiserver(Object.fromEntries(CALICO_PATCHED_CRDS.map((c) => [c, c === felix ? 4 : 0])));
    try {
      const script = renderCrdWaitScript(spec(), {
        kubeconfig: kubeconfig(api.url),
        kubectl: kubectlBinary(),
        timeoutSeconds: 30,
        intervalSeconds: 0.2,
      });
      const r = await run(script);
      assert.equal(r.code, 0, r.stderr);
      for (const crd of CALICO_PATCHED_CRDS) assert.match(r.stdout, new RegExp(`CRD ${crd} Established`));
      assert.equal(api.hits.get(felix), 5, "missing twice, not yet Established twice, then Established");
    } finally {
      api.server.close();
    }
  });

  it("gives up after the timeout, naming the CRD and where to look", async function () {
    const api = await fakeApiserver({ [CALICO_PATCHED_CRDS[0]]: 0, [CALICO_PATCHED_CRDS[1]]: -1 });
    try {
      const script = renderCrdWaitScript(spec(), {
        kubeconfig: kubeconfig(api.url),
        kubectl: kubectlBinary(),
        timeoutSeconds: 2,
        intervalSeconds: 0.2,
      });
      const r = await run(script);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`CRD ${CALICO_PATCHED_CRDS[1]} is not Established after 2s \\(Calico 3.30.7\\)`),
      );
      assert.match(r.stderr, /kubectl -n tigera-operator logs deploy\/tigera-operator/);
    } finally {
      api.server.close();
    }
  });

  it("runs the wait on the first master after the release, and every Calico object after the wait", async function () {
    this.timeout(300000);
    const g = await runProgram(prodConfig());
    const wait = g.resources.find((r) => r.name === "calico-crds-established") as RecordedResource;
    assert.ok(wait, "the wait step");
    assert.equal(wait.type, "command:remote:Command");
    const connection = wait.inputs.connection as { $secret: { host: string } };
    assert.equal(connection.$secret.host, "10.10.1.21", "master-1");
    assert.equal(wait.inputs.addPreviousOutputInEnv, false);
    assert.equal(wait.inputs.triggers, undefined, "re-runs in place: the Calico version is in stdin");
    assert.match(String(wait.inputs.stdin), /CALICO_VERSION=3\.30\.7/);
    const release = g.resources.find((r) => r.name === "calico-tigera-operator") as RecordedResource;
    assert.ok(wait.dependencies.includes(release.urn));
    const calicoObjects = g.resources.filter((r) => r.type.startsWith("kubernetes:crd.projectcalico.org/"));
    assert.ok(calicoObjects.length >= 2);
    for (const r of calicoObjects) assert.ok(r.dependencies.includes(wait.urn), `${r.name} waits for the CRDs`);
  });
});
