/**
 * The provider's kubeconfig behind a bastion, with the real client: kubectl 1.35.2 reads the
 * kubeconfig the program gives the Kubernetes provider (prod: `proxy-url:
 * socks5://127.0.0.1:1080`), dials the VIP through a SOCKS5 proxy (here a minimal one on
 * loopback that plays the `ssh -D` tunnel, routing the VIP to a loopback port) and verifies
 * the stand-in apiserver's serving certificate (the program's own, SAN = the VIP) against the
 * cluster CA in the kubeconfig. Without the proxy the VIP is not reachable from here.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { runProgram } from "../../stacks/plan/run";
import { kubectlBinary } from "../support/kubectl";
import { prodConfig } from "../support/config";
import { masterFiles, resourceNamed, unsecret } from "./harness";

/** A SOCKS5 server (no auth, CONNECT only) sending every connection to `target`, recording what was asked. */
function socks5(target: number, asked: string[]): Server {
  return createServer((client: Socket) => {
    client.once("data", (hello) => {
      if (hello[0] !== 5) {
        client.destroy();
        return;
      }
      client.write(Buffer.from([5, 0]));
      client.once("data", (req) => {
        const type = req[3];
        let host = "";
        let offset = 4;
        if (type === 1) {
          host = [...req.subarray(4, 8)].join(".");
          offset = 8;
        } else if (type === 3) {
          host = req.subarray(5, 5 + req[4]).toString();
          offset = 5 + req[4];
        }
        asked.push(`${host}:${req.readUInt16BE(offset)}`);
        const upstream = connect(target, "127.0.0.1", () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, (target >> 8) & 255, target & 255]));
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on("error", () => client.destroy());
      });
    });
  });
}

const listen = (s: Server | HttpsServer, port = 0) =>
  new Promise<number>((resolve) => s.listen(port, "127.0.0.1", () => resolve((s.address() as { port: number }).port)));

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(kubectlBinary(), args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });

describe("the provider's kubeconfig through a SOCKS5 tunnel (real kubectl)", function () {
  this.timeout(600_000);
  const servers: (Server | HttpsServer)[] = [];
  after(() => servers.forEach((s) => s.close()));

  it("reaches the VIP through the proxy and verifies the apiserver's certificate", async () => {
    const prod = await runProgram(prodConfig());
    const files = masterFiles(prod, "master-1");
    const apiserver = createHttpsServer(
      {
        cert: files.get("/etc/kubernetes/pki/apiserver.crt")?.content,
        key: files.get("/etc/kubernetes/pki/apiserver.key")?.content,
      },
      (req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ major: "1", minor: "35", gitVersion: "v1.35.1", path: req.url }));
      },
    );
    servers.push(apiserver);
    const apiPort = await listen(apiserver);
    const asked: string[] = [];
    const proxy = socks5(apiPort, asked);
    servers.push(proxy);
    const proxyPort = await listen(proxy);

    // The provider's kubeconfig, pointed at this test's proxy port instead of 1080.
    const kubeconfig = parse(String(unsecret(resourceNamed(prod, "control-plane-k8s").inputs.kubeconfig))) as {
      clusters: { cluster: Record<string, string> }[];
    };
    assert.equal(kubeconfig.clusters[0].cluster["proxy-url"], "socks5://127.0.0.1:1080");
    kubeconfig.clusters[0].cluster["proxy-url"] = `socks5://127.0.0.1:${proxyPort}`;
    const file = join(mkdtempSync(join(tmpdir(), "proxy-")), "kubeconfig");
    writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });

    const env = { ...process.env, KUBECONFIG: file, HOME: tmpdir(), NO_PROXY: "", HTTPS_PROXY: "" };
    const out = await run(["version", "-o", "json", "--request-timeout=20s"], env);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /"gitVersion": "v1\.35\.1"/);
    assert.deepEqual([...new Set(asked)], ["10.10.1.20:8443"], "kubectl dialled the VIP through the tunnel");

    // A foreign CA in the kubeconfig: the certificate check is real.
    kubeconfig.clusters[0].cluster["certificate-authority-data"] = Buffer.from(
      files.get("/etc/kubernetes/pki/etcd/ca.crt")?.content ?? "",
    ).toString("base64");
    writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });
    const refused = await run(["version", "-o", "json", "--request-timeout=20s"], env);
    assert.match(refused.stderr, /certificate signed by unknown authority|x509/);
  });
});
