/**
 * End to end on loopback: real haproxy with the rendered config in front of two stand-in
 * HTTPS apiservers that present the apiserver serving certificate; a client using the
 * admin kubeconfig verifies the VIP against the certificate's SANs. Then one apiserver
 * stops: haproxy's /readyz checks mark it down and requests through the VIP keep working.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { haproxyConfigFor, renderHaproxyConfig } from "../../components/control-plane/renderHaproxy";
import { ANONYMOUS_PATHS } from "../../components/control-plane/renderSecurity";
import { requireTool } from "../support/tools";
import { generatedPki, type GeneratedPki } from "./harness";
import { loopbackSpec } from "./inventory";

const CHECK_SCRIPT = join(__dirname, "..", "..", "components", "control-plane", "check-haproxy.sh");

/** TLS material of a kubeconfig's first cluster and user. */
interface KubeconfigTls {
  readonly server: URL;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function readKubeconfig(text: string): KubeconfigTls {
  const doc = parse(text) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const d = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
  return {
    server: new URL(doc.clusters[0].cluster.server),
    ca: d(doc.clusters[0].cluster["certificate-authority-data"]),
    cert: d(doc.users[0].user["client-certificate-data"]),
    key: d(doc.users[0].user["client-key-data"]),
  };
}

/** A stand-in apiserver: anonymous only on the health paths, client certs of the cluster CA elsewhere. */
class StandInApiserver {
  private readonly server: https.Server;
  private readonly sockets = new Set<net.Socket>();
  served = 0;

  constructor(
    readonly name: string,
    readonly address: string,
    pki: GeneratedPki,
  ) {
    this.server = https.createServer(
      {
        cert: pki.apiserver.certPem,
        key: pki.apiserver.keyPem,
        ca: [pki.caPem],
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        this.served += 1;
        const path = (req.url ?? "/").split("?")[0];
        const tls = req.socket as import("node:tls").TLSSocket;
        if ((ANONYMOUS_PATHS as readonly string[]).includes(path)) {
          res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        } else if (tls.authorized) {
          const subject = tls.getPeerCertificate().subject;
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ server: this.name, user: subject.CN, group: subject.O }));
        } else {
          res.writeHead(401).end();
        }
      },
    );
    this.server.on("connection", (s: net.Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, this.address, () => resolve());
    });
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

function get(url: URL, tls: { ca: string; cert?: string; key?: string }, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "GET",
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        agent: false,
        timeout: 3000,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** `show stat` over the runtime API: server name -> status (UP, DOWN, ...). */
function serverStates(socketPath: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let out = "";
    sock.on("connect", () => sock.write("show stat\n"));
    sock.on("data", (d) => (out += d.toString()));
    sock.on("error", reject);
    sock.on("end", () => {
      const states = new Map<string, string>();
      for (const line of out.split("\n")) {
        const cols = line.split(",");
        if (cols[0] === "k8s-apiserver" && cols[1] !== "FRONTEND" && cols[1] !== "BACKEND" && cols.length > 17)
          states.set(cols[1], cols[17]);
      }
      resolve(states);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, timeoutMs: number, test: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await test().catch(() => false)) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe("apiserver load balancer end to end (real haproxy, loopback)", function () {
  this.timeout(90_000);
  const spec = loopbackSpec();
  let dir = "";
  let haproxy: ChildProcess | undefined;
  let haproxyLog = "";
  let pki: GeneratedPki;
  let kube: KubeconfigTls;
  const apiservers: StandInApiserver[] = [];
  const socket = () => join(dir, "admin.sock");
  const monitorUrl = () => `http://${spec.apiserver.vip}:8404/healthz`;

  before(async function () {
    requireTool(this, "haproxy", "curl");
    dir = mkdtempSync(join(tmpdir(), "cp-lb-"));
    pki = await generatedPki();
    kube = readKubeconfig(pki.adminKubeconfig);
    writeFileSync(join(dir, "ca.crt"), pki.caPem);
    for (const m of spec.topology.masters) {
      const s = new StandInApiserver(m.name, m.address, pki);
      await s.listen(6443);
      apiservers.push(s);
    }
    // The production config, with only what a test process cannot have swapped: it binds the
    // VIP itself (production binds any address), runs unprivileged, keeps its files in `dir`.
    const config = renderHaproxyConfig(
      haproxyConfigFor(spec, {
        bindAddress: spec.apiserver.vip,
        monitorAddress: spec.apiserver.vip,
        caFile: join(dir, "ca.crt"),
        statsSocket: socket(),
        chroot: undefined,
        user: undefined,
      }),
    );
    writeFileSync(join(dir, "haproxy.cfg"), config);
    const check = spawnSync("haproxy", ["-c", "-f", join(dir, "haproxy.cfg")], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
    haproxy = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.stdout?.on("data", (d: Buffer) => (haproxyLog += d.toString()));
    haproxy.stderr?.on("data", (d: Buffer) => (haproxyLog += d.toString()));
    const ms = await waitFor("both apiservers UP", 20_000, async () => {
      const states = await serverStates(socket());
      return spec.topology.masters.every((m) => states.get(m.name) === "UP");
    }).catch((e: Error) => {
      throw new Error(`${e.message}; haproxy log:\n${haproxyLog}`);
    });
    console.log(`      haproxy up, both backends UP after ${ms} ms`);
  });

  after(async () => {
    if (haproxy && haproxy.exitCode === null) {
      haproxy.kill("SIGTERM");
      await new Promise((r) => haproxy?.once("exit", r));
    }
    await Promise.all(apiservers.map((s) => s.stop().catch(() => undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the admin kubeconfig reaches the apiservers through the VIP and verifies the VIP SAN", async () => {
    assert.equal(kube.server.hostname, spec.apiserver.vip);
    assert.equal(kube.server.port, String(spec.apiserver.port));
    const ready = await get(kube.server, kube, "/readyz");
    assert.equal(ready.status, 200);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const who = await get(kube.server, kube, "/api");
      assert.equal(who.status, 200, who.body);
      const body = JSON.parse(who.body) as { server: string; user: string; group: string };
      assert.equal(body.user, "kubernetes-admin");
      assert.equal(body.group, "system:masters");
      seen.add(body.server);
    }
    assert.deepEqual([...seen].sort(), ["master-1", "master-2"], "haproxy balances over both apiservers");
  });

  it("a client trusting another CA, or without a client cert, is refused", async () => {
    await assert.rejects(
      get(kube.server, { ca: pki.foreignCaPem }, "/readyz"),
      /self.signed|unable to verify|certificate/i,
    );
    const anonymous = await get(kube.server, { ca: kube.ca }, "/api");
    assert.equal(anonymous.status, 401);
  });

  it("the keepalived check script passes while haproxy has a ready backend", () => {
    const run = spawnSync("bash", [CHECK_SCRIPT, monitorUrl()], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  });

  it("stopping one apiserver: haproxy marks it down and no request through the VIP fails", async () => {
    const victim = apiservers[1];
    const stoppedAt = Date.now();
    await victim.stop();
    const detectMs = await waitFor(
      `${victim.name} DOWN`,
      15_000,
      async () => (await serverStates(socket())).get(victim.name) === "DOWN",
    );
    const total = 200;
    let failures = 0;
    const byServer = new Map<string, number>();
    const loopStart = Date.now();
    for (let i = 0; i < total; i++) {
      try {
        const r = await get(kube.server, kube, "/api");
        if (r.status !== 200) failures += 1;
        else {
          const server = (JSON.parse(r.body) as { server: string }).server;
          byServer.set(server, (byServer.get(server) ?? 0) + 1);
        }
      } catch {
        failures += 1;
      }
      await sleep(20);
    }
    const loopMs = Date.now() - loopStart;
    console.log(
      `      ${victim.name} stopped; marked DOWN after ${detectMs} ms (inter 2000/fastinter 500 ms, fall 2); ` +
        `then ${total} requests over ${loopMs} ms: ${failures} failed, served by ${JSON.stringify(Object.fromEntries(byServer))}`,
    );
    assert.equal(failures, 0);
    assert.deepEqual([...byServer.keys()], ["master-1"]);
    assert.ok(Date.now() - stoppedAt < 30_000);
  });

  it("with no ready apiserver the monitor fails, so keepalived's check fails and the VIP moves", async () => {
    await apiservers[0].stop();
    await waitFor("master-1 DOWN", 15_000, async () => (await serverStates(socket())).get("master-1") === "DOWN");
    const run = spawnSync("bash", [CHECK_SCRIPT, monitorUrl()], { encoding: "utf8" });
    assert.notEqual(run.status, 0, "check script must fail when no backend is ready");
    assert.match(haproxyLog, /master-2 is DOWN/);
  });
});
