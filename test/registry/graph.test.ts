import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";

const REGISTRY = "k8s-platform:registry:Registry";
const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

/** The plain value of a recorded input, whether or not it is marked secret. */
function plain(value: unknown): unknown {
  return value !== null && typeof value === "object" && "$secret" in value
    ? (value as { $secret: unknown }).$secret
    : value;
}
const isSecret = (value: unknown) => value !== null && typeof value === "object" && "$secret" in value;

/** Every string in `value` that is not under a `$secret` marker. */
function publicStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => publicStrings(v, out));
  else if (value !== null && typeof value === "object" && !("$secret" in value))
    Object.values(value).forEach((v) => publicStrings(v, out));
  return out;
}

describe("registry: graph on the prod inventory", function () {
  this.timeout(120_000);
  let graph: Graph;
  let registry: RecordedResource[];
  const named = (suffix: string) => registry.filter((r) => r.name.endsWith(suffix));
  const one = (name: string) => {
    const found = registry.find((r) => r.name === name);
    assert.ok(found, `no resource ${name}`);
    return found;
  };

  before(async () => {
    graph = await runProgram(prodConfig());
    const component = graph.resources.filter((r) => r.type === REGISTRY);
    assert.equal(component.length, 1, "one Registry component");
    registry = graph.resources.filter((r) => r.parent === component[0].urn);
  });

  it("installs Harbor twice, once on each registry host, after the host's prep", () => {
    const installs = named("-install").filter((r) => r.type === COMMAND);
    assert.deepEqual(installs.map((r) => r.name).sort(), ["registry-harbor-1-install", "registry-harbor-2-install"]);
    for (const install of installs) {
      const host = install.name.includes("harbor-1") ? "10.10.4.11" : "10.10.4.12";
      assert.equal((plain(install.inputs.connection) as { host: string }).host, host);
      const dir = one(install.name.replace("-install", "-config-dir"));
      assert.ok(
        dir.dependencies.some((d) =>
          d.endsWith(`::${install.name.includes("harbor-1") ? "harbor-1" : "harbor-2"}-prep`),
        ),
        "config dir waits for the host prep",
      );
      assert.ok(install.dependencies.includes(one(install.name.replace("-install", "-harbor-yml")).urn));
    }
  });

  it("rolls: the second install waits for the first, so a change restarts one Harbor at a time", () => {
    assert.ok(one("registry-harbor-2-install").dependencies.includes(one("registry-harbor-1-install").urn));
    assert.ok(!one("registry-harbor-1-install").dependencies.includes(one("registry-harbor-2-install").urn));
  });

  it("holds one VIP: both hosts run keepalived for the same address, unicast to each other", () => {
    const vips = named("-vip").filter((r) => r.type === COMMAND);
    assert.equal(vips.length, 2);
    const addresses = new Set(
      vips.flatMap((v) =>
        [...String(plain(v.inputs.stdin)).matchAll(/(\d+\.\d+\.\d+\.\d+)\/(\d+) dev/g)].map((m) => m[1]),
      ),
    );
    assert.deepEqual([...addresses], ["10.10.4.10"]);
    for (const vip of vips) {
      const install = one(vip.name.replace("-vip", "-install"));
      assert.ok(vip.dependencies.includes(install.urn), `${vip.name} waits for its Harbor`);
    }
  });

  it("orders replication after both Harbor instances, one push-based rule per direction", () => {
    const installs = named("-install").map((r) => r.urn);
    const replications = registry.filter((r) => r.name.includes("-replicate-to-"));
    assert.deepEqual(replications.map((r) => r.name).sort(), [
      "registry-harbor-1-replicate-to-harbor-2",
      "registry-harbor-2-replicate-to-harbor-1",
    ]);
    for (const r of replications) {
      for (const install of installs) assert.ok(r.dependencies.includes(install), `${r.name} after ${install}`);
      assert.match(String(r.inputs.create), /harbor-api\.sh replication$/);
    }
  });

  it("gives every project with registry: true a Harbor project + robot on each instance", () => {
    const projects = (prodConfig()["projects"] as { name: string }[]).map((p) => p.name);
    for (const project of projects) {
      for (const host of ["harbor-1", "harbor-2"]) {
        const cmd = one(`registry-${host}-project-${project}`);
        assert.match(
          String(cmd.inputs.create),
          new RegExp(
            `PROJECT=${project} ROBOT=puller ROBOT_PUSH=false PROJECT_PUBLIC=false bash .*harbor-api\\.sh project$`,
          ),
        );
        assert.ok(cmd.dependencies.includes(one(`registry-${host}-install`).urn));
        assert.ok(cmd.dependencies.includes(one(`registry-robot-${project}`).urn), "uses the project's robot secret");
      }
    }
  });

  it("keeps passwords, keys and robot secrets secret, and never in a public input", () => {
    const yml = one("registry-harbor-1-harbor-yml");
    assert.ok(isSecret(yml.inputs.source), "harbor.yml is a secret asset");
    const doc = parse(String((plain(yml.inputs.source) as { $asset: string }).$asset)) as Record<string, unknown>;
    const adminPassword = String(doc.harbor_admin_password);
    const dbPassword = String((doc.database as { password: string }).password);
    assert.ok(adminPassword.length >= 32 && dbPassword.length >= 32);
    assert.ok(isSecret(one("registry-harbor-1-tls-key").inputs.source), "TLS key is a secret asset");
    const robotSecrets: string[] = [];
    for (const cmd of registry.filter((r) => r.name.includes("-project-") || r.name.includes("-replicate-to-"))) {
      assert.ok(isSecret(cmd.inputs.stdin), `${cmd.name} stdin is secret`);
      const [admin, second] = String(plain(cmd.inputs.stdin)).split("\n");
      assert.equal(admin, adminPassword, "the same admin password on both instances");
      if (cmd.name.includes("-project-")) robotSecrets.push(second);
    }
    assert.equal(
      new Set(robotSecrets).size,
      robotSecrets.length / 2,
      "one robot secret per project, shared by both instances",
    );
    const exposed = graph.resources.flatMap((r) => publicStrings(r.inputs));
    for (const secret of [adminPassword, dbPassword, ...robotSecrets]) {
      assert.ok(!exposed.some((s) => s.includes(secret)), "a secret appears in a public input");
    }
    assert.ok(isSecret(graph.outputs.registryAdminPassword), "the admin password output is secret");
  });

  it("serves a certificate signed by the cluster CA for the registry name, VIP and both hosts", () => {
    const install = one("registry-harbor-1-install");
    const stdin = String(plain(install.inputs.stdin));
    const pems = [...stdin.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map((m) => m[0]);
    assert.equal(pems.length, 2, "serving cert and CA travel inline (public)");
    const [serving, ca] = pems.map((p) => new X509Certificate(p));
    assert.ok(serving.verify(ca.publicKey), "serving cert verifies against the CA");
    assert.equal(ca.ca, true);
    for (const san of [
      "DNS:reg.example.internal",
      "IP Address:10.10.4.10",
      "IP Address:10.10.4.11",
      "IP Address:10.10.4.12",
    ]) {
      assert.ok(serving.subjectAltName?.includes(san), `SAN ${san} in ${serving.subjectAltName}`);
    }
    const signer = one("registry-serving-cert");
    assert.ok(
      signer.propertyDependencies.caPrivateKeyPem?.some((u) => u.includes("pki")),
      "signed with the Pki's cluster CA",
    );
  });
});

describe("registry: graph variants", function () {
  this.timeout(120_000);

  it("builds nothing of the registry when no host has the registry role", async () => {
    const raw = clone(prodConfig());
    raw.hosts = (raw.hosts as { roles: string[] }[]).filter((h) => !h.roles.includes("registry"));
    delete (raw.registry as Record<string, unknown>).vip;
    const graph = await runProgram(raw);
    assert.deepEqual(
      graph.resources.filter((r) => r.type === REGISTRY || r.name.startsWith("registry-")).map((r) => r.name),
      [],
    );
    assert.equal(graph.outputs.registryAdminPassword, undefined);
  });

  it("skips projects with registry: false, grants push with registry.robotPush, and makes the images project public", async () => {
    const raw = clone(prodConfig());
    (raw.projects as { name: string; registry?: boolean }[]).find((p) => p.name === "news-feed")!.registry = false;
    (raw.registry as Record<string, unknown>).robotPush = true;
    (raw.mirrors as Record<string, unknown>).images = "reg.example.internal/platform";
    const graph = await runProgram(raw);
    const names = graph.resources.map((r) => r.name);
    assert.ok(!names.some((n) => n.includes("project-news-feed") || n === "registry-robot-news-feed"));
    const cmd = graph.resources.find((r) => r.name === "registry-harbor-1-project-search-web");
    assert.match(String(cmd?.inputs.create), /ROBOT_PUSH=true PROJECT_PUBLIC=false/);
    // harbor.yml and the TLS key per host, and the image seeding step's push credentials.
    assert.equal(graph.resources.filter((r) => r.type === COPY && r.name.startsWith("registry-")).length, 5);
    for (const host of ["harbor-1", "harbor-2"]) {
      const images = graph.resources.find((r) => r.name === `registry-${host}-project-platform`);
      assert.match(
        String(images?.inputs.create),
        /PROJECT=platform ROBOT=pusher ROBOT_PUSH=true PROJECT_PUBLIC=true bash/,
      );
      assert.ok(isSecret(images?.inputs.stdin));
    }
    assert.ok(names.includes("registry-pusher-platform"));
  });

  it("runs a single Harbor without VIP or replication when there is one registry host", async () => {
    const raw = clone(prodConfig());
    raw.hosts = (raw.hosts as { name: string }[]).filter((h) => h.name !== "harbor-2");
    delete (raw.registry as Record<string, unknown>).vip;
    const graph = await runProgram(raw);
    const names = graph.resources.filter((r) => r.name.startsWith("registry-")).map((r) => r.name);
    assert.deepEqual(
      names.filter((n) => n.endsWith("-install")),
      ["registry-harbor-1-install"],
    );
    assert.deepEqual(
      names.filter((n) => n.endsWith("-vip") || n.includes("-replicate-to-")),
      [],
    );
    assert.ok(names.includes("registry-harbor-1-project-search-web"));
  });
});
