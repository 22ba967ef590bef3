/**
 * The project access key end to end (issue 20.6), with the real kubectl 1.35.2: the
 * example script (examples/access-key/exec.sh) writes its kubeconfig with kubectl and runs
 * `kubectl exec` / `kubectl auth can-i` against a stand-in apiserver whose every decision
 * is the project's rendered RBAC (components/project/authorize.ts). The same key is
 * answered "yes" and runs the command in its own project, and is refused in every other.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pod } from "kubernetes-models/v1";
import { parse } from "yaml";
import { renderAdmissionPolicies } from "../../components/project/admission";
import { authorize, serviceAccountPrincipal, type RbacObjects } from "../../components/project/authorize";
import { renderNamespace } from "../../components/project/render";
import { renderAccessKey, renderRoleBindings, renderRoles } from "../../components/project/renderRbac";
import { kubectlBinary } from "../support/kubectl";
import { REPO_ROOT } from "../support/config";
import { requireTool } from "../support/tools";
import { admit } from "./admission";
import { startApiServer, type ApiServer } from "./apiserver";
import { prodSpec, projectFacts } from "./fixtures";

const SCRIPT = join(REPO_ROOT, "examples", "access-key", "exec.sh");
const TOKEN = "search-api-access-key-token-4f1c"; // what the token controller would have issued

const spec = prodSpec();
const rbac: RbacObjects = {
  roles: spec.projects.flatMap((p) => [...renderRoles(p), ...(p.accessKey ? [renderAccessKey(p).role] : [])]),
  bindings: spec.projects.flatMap((p) => [
    ...renderRoleBindings(p),
    ...(p.accessKey ? [renderAccessKey(p).roleBinding] : []),
  ]),
};

describe("the project access key end to end (examples/access-key, real kubectl)", function () {
  this.timeout(120_000);
  let dir: string;
  let api: ApiServer;

  before(async function () {
    requireTool(this, "openssl", "python3");
    dir = mkdtempSync(join(tmpdir(), "access-key-"));
    const cert = join(dir, "apiserver.crt");
    const key = join(dir, "apiserver.key");
    const r = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-subj",
        "/CN=kube-apiserver",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-days",
        "1",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    // The Secret project-access-key-token as a pod mounts it: token, ca.crt, namespace.
    mkdirSync(join(dir, "key"));
    writeFileSync(join(dir, "key", "token"), TOKEN, { mode: 0o600 });
    writeFileSync(join(dir, "key", "ca.crt"), readFileSync(cert));
    writeFileSync(join(dir, "key", "namespace"), "search-api");
    api = await startApiServer({
      cert: readFileSync(cert, "utf8"),
      key: readFileSync(key, "utf8"),
      tokens: new Map([[TOKEN, serviceAccountPrincipal("search-api", "project-access-key")]]),
      decide: (principal, a) =>
        authorize(rbac, principal, {
          verb: a.verb,
          resource: a.resource,
          apiGroup: "",
          namespace: a.namespace,
          name: a.name,
        }),
    });
  });

  after(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs exec.sh as a caller pod would, with the real kubectl (async: the stand-in runs in this process). */
  async function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const { spawn } = await import("node:child_process");
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      KEY_DIR: join(dir, "key"),
      APISERVER: api.url,
      KUBECTL: kubectlBinary(),
    };
    return new Promise((resolve) => {
      const child = spawn("bash", [SCRIPT, ...args], { env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  it("is shellcheck-clean bash", function () {
    requireTool(this, "shellcheck");
    const check = spawnSync("shellcheck", [SCRIPT], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stdout);
    assert.equal(spawnSync("bash", ["-n", SCRIPT]).status, 0);
  });

  it("execs into a pod of its own project: the command runs, authenticated by the key's token", async () => {
    const out = await run("search-api-7d9f-abcde", "--", "hostname", "-f");
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, "ran in search-api/search-api-7d9f-abcde: hostname -f\n");
    const exec = api.requests.find((r) => r.path.endsWith("/exec"));
    assert.ok(exec, "kubectl sent the exec request");
    assert.equal(exec.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(exec.query.getAll("command"), ["hostname", "-f"]);
  });

  it("answers yes for its own project and no for every other one (kubectl auth can-i)", async () => {
    assert.equal((await run("--check", "search-api")).stdout, "yes\n");
    for (const other of spec.projects.filter((p) => p.name !== "search-api")) {
      const out = await run("--check", other.name);
      assert.equal(out.stdout, "no\n", `${other.name}: ${out.stderr}`);
      assert.equal(out.status, 0);
    }
  });

  it("is refused an exec in another project (Forbidden)", async () => {
    const out = await run("-n", "news-feed", "web-1", "--", "cat", "/etc/secret");
    assert.notEqual(out.status, 0);
    assert.match(out.stderr, /Forbidden/);
    assert.ok(
      !api.requests.some((r) => r.path.startsWith("/api/v1/namespaces/news-feed/pods/web-1/exec")),
      "never reached exec",
    );
  });

  it("never puts the token on a command line and leaves no kubeconfig behind", async () => {
    // The script's kubectl calls, as a wrapper sees them.
    const wrapper = join(dir, "kubectl-wrapper");
    const log = join(dir, "argv.log");
    writeFileSync(wrapper, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec '${kubectlBinary()}' "$@"\n`, {
      mode: 0o755,
    });
    const { spawn } = await import("node:child_process");
    const tmp = mkdtempSync(join(dir, "tmp-"));
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      TMPDIR: tmp,
      KEY_DIR: join(dir, "key"),
      APISERVER: api.url,
      KUBECTL: wrapper,
    };
    const status = await new Promise<number | null>((resolve) =>
      spawn("bash", [SCRIPT, "--check", "search-api"], { env }).on("close", resolve),
    );
    assert.equal(status, 0);
    const argv = readFileSync(log, "utf8");
    assert.match(argv, /tokenFile/);
    assert.ok(!argv.includes(TOKEN), argv);
    assert.deepEqual(spawnSync("ls", ["-A", tmp], { encoding: "utf8" }).stdout, "", "kubeconfig removed on exit");
  });

  it("refuses a bad KEY_DIR or APISERVER before anything runs", () => {
    const base = { PATH: process.env.PATH ?? "", KEY_DIR: join(dir, "key") };
    for (const env of [
      { ...base, APISERVER: "http://127.0.0.1:1" },
      { ...base, APISERVER: "https://evil\nserver: x" },
      { ...base, KEY_DIR: "key; rm -rf /", APISERVER: "https://127.0.0.1:1" },
    ]) {
      const r = spawnSync("bash", [SCRIPT, "--check", "x"], { env, encoding: "utf8" });
      assert.equal(r.status, 2, r.stderr);
    }
  });

  it("the caller pod is a valid Pod the project's admission policies admit", () => {
    const pod = parse(readFileSync(join(REPO_ROOT, "examples", "access-key", "caller.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    new Pod(pod as never).validate();
    const api = spec.projects.find((p) => p.name === "search-api");
    assert.ok(api?.accessKey, "search-api has an access key in prod");
    const verdict = admit(
      renderAdmissionPolicies(),
      renderNamespace(api, projectFacts(spec)),
      {
        operation: "CREATE",
        group: "",
        version: "v1",
        kind: "Pod",
        resource: "pods",
        namespace: "search-api",
        name: "caller",
        object: pod,
        user: { username: "zhao.liu", groups: [] },
      },
      () => false,
    );
    assert.ok(verdict.allowed, JSON.stringify(verdict.denials));
    const volumes = (pod.spec as { volumes: { secret?: { secretName: string } }[] }).volumes;
    assert.ok(volumes.some((v) => v.secret?.secretName === renderAccessKey(api).tokenSecret.metadata.name));
  });
});
