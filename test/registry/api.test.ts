import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarborStandIn, type RecordedCall } from "./harbor-standin";
import { requireTool } from "../support/tools";
import { renderApiStdin } from "../../components/registry/render";
import { REPO_ROOT } from "../support/config";

const SCRIPT = join(REPO_ROOT, "components/registry/harbor-api.sh");
const CHECK = join(REPO_ROOT, "components/registry/check-harbor.sh");
const ADMIN = "Adm1nStandInPassw0rd";

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs harbor-api.sh as the component does: parameters in the environment, secrets on stdin. */
function runScript(action: string, env: Record<string, string>, stdin: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "bash",
      [SCRIPT, action],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

const strip = (calls: readonly RecordedCall[]) => calls.map((c) => `${c.method} ${c.path}`);

describe("registry: Harbor API script against a stand-in Harbor on 127.0.4.1", function () {
  this.timeout(60_000);
  let dir: string;
  let harbor: HarborStandIn;
  let url: string;
  let ca: string;

  before(async function () {
    requireTool(this, "bash", "curl", "jq", "openssl");
    dir = mkdtempSync(join(tmpdir(), "harbor-standin-"));
    ca = join(dir, "tls.crt");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=harbor-standin",
        "-addext",
        "subjectAltName=IP:127.0.4.1,DNS:reg.example.internal",
        "-keyout",
        join(dir, "tls.key"),
        "-out",
        ca,
      ],
      { stdio: "ignore" },
    );
    harbor = new HarborStandIn(
      { cert: readFileSync(ca, "utf8"), key: readFileSync(join(dir, "tls.key"), "utf8") },
      ADMIN,
    );
    url = await harbor.start();
  });

  after(async () => {
    await harbor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    harbor.calls.length = 0;
  });

  describe("replication", () => {
    const env = () => ({ HARBOR_URL: url, HARBOR_CA: ca, PEER_NAME: "harbor-2", PEER_URL: "https://10.10.4.12" });

    it("creates the peer endpoint, a push-based event-triggered policy and its first run", async () => {
      const run = await runScript("replication", env(), renderApiStdin(ADMIN, "PeerAdm1nPassw0rd"));
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(strip(harbor.calls), [
        "GET /api/v2.0/registries?q=name%3Dharbor-2",
        "POST /api/v2.0/registries",
        "GET /api/v2.0/registries?q=name%3Dharbor-2",
        "GET /api/v2.0/replication/policies?q=name%3Dreplicate-to-harbor-2",
        "POST /api/v2.0/replication/policies",
        "GET /api/v2.0/replication/policies?q=name%3Dreplicate-to-harbor-2",
        "POST /api/v2.0/replication/executions",
      ]);
      assert.deepEqual(harbor.calls[1].body, {
        name: "harbor-2",
        type: "harbor",
        url: "https://10.10.4.12",
        insecure: false,
        description: "Peer Harbor instance (k8s-platform active/standby)",
        credential: { type: "basic", access_key: "admin", access_secret: "PeerAdm1nPassw0rd" },
      });
      const registryId = harbor.state.registries[0].id;
      assert.deepEqual(harbor.calls[4].body, {
        name: "replicate-to-harbor-2",
        description: "Push every artifact to the peer instance (k8s-platform)",
        dest_registry: { id: registryId },
        dest_namespace: "",
        trigger: { type: "event_based" },
        filters: [],
        replicate_deletion: true,
        override: true,
        enabled: true,
      });
      assert.deepEqual(harbor.calls[6].body, { policy_id: harbor.state.policies[0].id });
    });

    it("a second run only looks up: no duplicate endpoint, policy or run", async () => {
      const run = await runScript("replication", env(), renderApiStdin(ADMIN, "PeerAdm1nPassw0rd"));
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(strip(harbor.calls), [
        "GET /api/v2.0/registries?q=name%3Dharbor-2",
        "GET /api/v2.0/replication/policies?q=name%3Dreplicate-to-harbor-2",
      ]);
      assert.equal(harbor.state.registries.length, 1);
      assert.equal(harbor.state.policies.length, 1);
      assert.equal(harbor.state.executions.length, 1);
    });
  });

  describe("project + robot account", () => {
    const env = (project: string, push = false) => ({
      HARBOR_URL: url,
      HARBOR_CA: ca,
      PROJECT: project,
      ROBOT: "puller",
      ROBOT_PUSH: String(push),
    });

    it("creates the project and a pull-only robot with the platform's secret; prints the login name", async () => {
      const run = await runScript("project", env("search-web"), renderApiStdin(ADMIN, "R0botSecretSearchWeb"));
      assert.equal(run.code, 0, run.stderr);
      const project = () => harbor.state.projects.find((p) => p.name === "search-web");
      assert.deepEqual(strip(harbor.calls), [
        "HEAD /api/v2.0/projects?project_name=search-web",
        "POST /api/v2.0/projects",
        "GET /api/v2.0/projects/search-web",
        `GET /api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${project()?.id}&page_size=100`,
        "POST /api/v2.0/robots",
        `PATCH /api/v2.0/robots/${harbor.state.robots.find((r) => r.name === "robot$search-web+puller")?.id}`,
      ]);
      // Harbor generates a secret on create; the PATCH sets the platform's on the first run.
      assert.equal(
        harbor.state.robots.find((r) => r.name === "robot$search-web+puller")?.secret,
        "R0botSecretSearchWeb",
      );
      assert.deepEqual(harbor.calls[1].body, { project_name: "search-web", metadata: { public: "false" } });
      assert.deepEqual(harbor.calls[4].body, {
        name: "puller",
        description: "Robot account of the search-web project (k8s-platform)",
        secret: "R0botSecretSearchWeb",
        level: "project",
        disable: false,
        duration: -1,
        permissions: [
          { kind: "project", namespace: "search-web", access: [{ resource: "repository", action: "pull" }] },
        ],
      });
      assert.deepEqual(JSON.parse(run.stdout), { project: "search-web", username: "robot$search-web+puller" });
    });

    it("a second run creates nothing and re-asserts the robot secret", async () => {
      const run = await runScript("project", env("search-web"), renderApiStdin(ADMIN, "R0botSecretSearchWeb"));
      assert.equal(run.code, 0, run.stderr);
      const robot = harbor.state.robots.find((r) => r.name === "robot$search-web+puller");
      assert.deepEqual(strip(harbor.calls), [
        "HEAD /api/v2.0/projects?project_name=search-web",
        "GET /api/v2.0/projects/search-web",
        `GET /api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D${robot?.project_id}&page_size=100`,
        `PATCH /api/v2.0/robots/${robot?.id}`,
      ]);
      assert.deepEqual(harbor.calls[3].body, { secret: "R0botSecretSearchWeb" });
      assert.equal(harbor.state.projects.filter((p) => p.name === "search-web").length, 1);
      assert.equal(harbor.state.robots.filter((r) => r.name === "robot$search-web+puller").length, 1);
      assert.deepEqual(JSON.parse(run.stdout), { project: "search-web", username: "robot$search-web+puller" });
    });

    it("grants push too when asked", async () => {
      const run = await runScript("project", env("ads-platform", true), renderApiStdin(ADMIN, "R0botSecretAds"));
      assert.equal(run.code, 0, run.stderr);
      const created = harbor.calls.find((c) => c.method === "POST" && c.path === "/api/v2.0/robots");
      const body = created?.body as { permissions: { access: unknown[] }[] };
      assert.deepEqual(body.permissions[0].access, [
        { resource: "repository", action: "pull" },
        { resource: "repository", action: "push" },
      ]);
    });

    it("creates a public project when asked (the platform's images: anonymous pulls)", async () => {
      const run = await runScript(
        "project",
        { ...env("platform", true), ROBOT: "pusher", PROJECT_PUBLIC: "true" },
        renderApiStdin(ADMIN, "R0botPusher"),
      );
      assert.equal(run.code, 0, run.stderr);
      const created = harbor.calls.find((c) => c.method === "POST" && c.path === "/api/v2.0/projects");
      assert.deepEqual(created?.body, { project_name: "platform", metadata: { public: "true" } });
      assert.deepEqual(JSON.parse(run.stdout), { project: "platform", username: "robot$platform+pusher" });
    });

    it("fails (non-zero, nothing created) with a wrong admin password", async () => {
      const run = await runScript("project", env("news-feed"), renderApiStdin("WrongPassw0rd", "R0botSecretNews"));
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /HTTP 401/);
      assert.equal(
        harbor.state.projects.some((p) => p.name === "news-feed"),
        false,
      );
    });

    it("refuses to run without the secrets on stdin", async () => {
      const run = await runScript("project", env("news-feed"), "");
      assert.notEqual(run.code, 0);
      assert.deepEqual(harbor.calls, []);
    });
  });

  describe("keepalived health check", () => {
    const check = (port: string, ca_: string) =>
      new Promise<number>((resolve) => {
        execFile(
          "bash",
          [CHECK, "reg.example.internal", port],
          { env: { PATH: process.env.PATH ?? "", HARBOR_CA: ca_, HARBOR_CHECK_ADDRESS: "127.0.4.1" }, timeout: 20_000 },
          (err) => resolve(err ? (typeof err.code === "number" ? err.code : 1) : 0),
        );
      });
    const port = () => new URL(url).port;

    it("passes while Harbor reports healthy, over TLS verified for the registry name", async () => {
      harbor.health = "healthy";
      assert.equal(await check(port(), ca), 0);
      assert.deepEqual(strip(harbor.calls), ["GET /api/v2.0/health"]);
    });

    it("fails when Harbor reports unhealthy (keepalived then releases the VIP)", async () => {
      harbor.health = "unhealthy";
      try {
        assert.notEqual(await check(port(), ca), 0);
      } finally {
        harbor.health = "healthy";
      }
    });

    it("fails against a certificate the registry CA did not sign", async () => {
      const other = join(dir, "other-ca.crt");
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=other-ca",
          "-keyout",
          join(dir, "other-ca.key"),
          "-out",
          other,
        ],
        { stdio: "ignore" },
      );
      assert.equal(await check(port(), ca), 0, "sanity: the right CA passes");
      assert.notEqual(await check(port(), other), 0);
    });

    it("fails when nothing listens", async () => {
      assert.notEqual(await check("1", ca), 0);
    });
  });
});
