/**
 * The trust points of a recorded graph: every certificate a host presents and every CA
 * bundle a host verifies with, read from what the program hands to the hosts (the master
 * and load-balancer bundles, the etcd copies, the node files, the kubeconfigs, the
 * provider's kubeconfig), so the check sees exactly the PEMs `pulumi up` would install.
 * `trustPairs` says who verifies whom (server certs against clients' CA, client certs
 * against servers' client CA), and `verifyPairs` checks every pair with `openssl verify`.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ETCD_PKI_DIR, KUBECONFIG, PKI } from "../../lib/paths";
import { NODE_PATHS } from "../../components/worker/paths";
import { LB_FILES } from "../../components/control-plane/paths";
import { bundledFiles } from "../../stacks/plan/textdiff";
import type { Graph, RecordedResource } from "../../stacks/plan/run";

/** A certificate presented by someone, or a CA bundle someone verifies with. */
export interface Pem {
  /** Who holds it, e.g. `master-1 apiserver.crt`. */
  readonly where: string;
  readonly pem: string;
}

/** A check: `cert` must verify against `bundle` for `purpose`. */
export interface Pair {
  readonly cert: Pem;
  readonly bundle: Pem;
  readonly purpose: "sslclient" | "sslserver";
}

const unsecret = (v: unknown): unknown =>
  v !== null && typeof v === "object" && "$secret" in v ? unsecret((v as { $secret: unknown }).$secret) : v;

/** Every bundle file (`MODE PATH BASE64` / `OWNER MODE PATH BASE64`) in a resource's inputs, secrets included. */
function filesOf(r: RecordedResource): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (v: unknown): void => {
    const value = unsecret(v);
    if (typeof value === "string") for (const [path, content] of bundledFiles(value)) files.set(path, content);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(r.inputs);
  return files;
}

function named(graph: Graph, name: string): RecordedResource {
  const r = graph.resources.find((x) => x.name === name);
  if (!r) throw new Error(`no resource ${name} in the graph`);
  return r;
}

function file(graph: Graph, resource: string, path: string): string {
  const content = filesOf(named(graph, resource)).get(path);
  if (content === undefined) throw new Error(`${resource} carries no ${path}`);
  return content;
}

/** The text a CopyToRemote copies. */
function copied(graph: Graph, resource: string): string {
  const source = unsecret(named(graph, resource).inputs.source) as { $asset?: unknown } | undefined;
  const text = unsecret(source?.$asset);
  if (typeof text !== "string") throw new Error(`${resource} copies no text`);
  return text;
}

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** CA data and client certificate of a kubeconfig. */
function kubeconfig(text: string): { ca: string; cert: string } {
  const doc = parse(text) as {
    clusters: { cluster: { "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string } }[];
  };
  return {
    ca: b64(doc.clusters[0].cluster["certificate-authority-data"]),
    cert: b64(doc.users[0].user["client-certificate-data"]),
  };
}

/** The trust points of one graph. */
export interface TrustPoints {
  readonly masters: readonly string[];
  readonly etcd: readonly string[];
  readonly nodes: readonly string[];
  /** Path -> content of each master's bundles, each etcd member's copies, each node's files. */
  readonly files: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Kubeconfigs by holder (`master-1 admin.conf`, `node-001 kubelet.conf`, `provider`). */
  readonly kubeconfigs: ReadonlyMap<string, { ca: string; cert: string }>;
}

/** Reads the trust points of a graph. */
export function trustPoints(graph: Graph): TrustPoints {
  const hosts = graph.meta?.hosts ?? [];
  const masters = hosts.filter((h) => h.roles.includes("master")).map((h) => h.name);
  const etcd = hosts.filter((h) => h.roles.includes("etcd")).map((h) => h.name);
  const nodes = graph.resources.filter((r) => r.name.endsWith("-node-configure")).map((r) => r.name.slice(0, -15));
  const files = new Map<string, Map<string, string>>();
  const kubeconfigs = new Map<string, { ca: string; cert: string }>();
  for (const m of masters) {
    const f = new Map<string, string>();
    for (const path of [
      PKI.clusterCaCert,
      PKI.clusterCaSignerCert,
      PKI.frontProxyCaCert,
      PKI.etcdCaCert,
      PKI.apiserverCert,
      PKI.apiserverKubeletClientCert,
      PKI.apiserverEtcdClientCert,
      PKI.frontProxyClientCert,
    ])
      f.set(path, file(graph, `control-plane-${m}-config`, path));
    f.set(LB_FILES.apiserverCa, file(graph, `control-plane-lb-${m}-config`, LB_FILES.apiserverCa));
    files.set(m, f);
    for (const conf of [KUBECONFIG.admin, KUBECONFIG.controllerManager, KUBECONFIG.scheduler])
      kubeconfigs.set(`${m} ${conf}`, kubeconfig(file(graph, `control-plane-${m}-secrets`, conf)));
  }
  for (const e of etcd) {
    const f = files.get(e) ?? new Map<string, string>();
    for (const name of ["ca.crt", "server.crt", "peer.crt", "healthcheck-client.crt"])
      f.set(`${ETCD_PKI_DIR}/${name}`, copied(graph, `etcd-${e}-${name}`));
    files.set(e, f);
  }
  for (const n of nodes) {
    const f = files.get(n) ?? new Map<string, string>();
    for (const path of [NODE_PATHS.clusterCaCert, NODE_PATHS.kubeletServingCert])
      f.set(path, file(graph, `${n}-node-configure`, path));
    files.set(n, f);
    for (const conf of [NODE_PATHS.kubeletKubeconfig, NODE_PATHS.kubeProxyKubeconfig])
      kubeconfigs.set(`${n} ${conf}`, kubeconfig(file(graph, `${n}-node-credentials`, conf)));
  }
  const provider = graph.resources.find((r) => r.type === "pulumi:providers:kubernetes");
  if (provider) kubeconfigs.set("provider", kubeconfig(String(unsecret(provider.inputs.kubeconfig))));
  return { masters, etcd, nodes, files, kubeconfigs };
}

const at = (t: TrustPoints, host: string, path: string): Pem => {
  const pem = t.files.get(host)?.get(path);
  if (pem === undefined) throw new Error(`${host} has no ${path}`);
  return { where: `${host} ${path}`, pem };
};

/**
 * Who verifies whom, with the presenting side from `clients` and the verifying side from
 * `servers` (two phases of a rollout: any host may still run the earlier one).
 * - apiserver serving cert: every kubeconfig's CA, haproxy's check CA, the masters' ca.crt
 * - every kubeconfig's client cert: every apiserver's --client-ca-file (ca.crt)
 * - apiserver-kubelet-client: every kubelet's clientCAFile; kubelet serving: --kubelet-certificate-authority
 * - etcd server certs: the apiservers' --etcd-cafile and every member's --trusted-ca-file
 * - etcd peer, healthcheck and apiserver-etcd-client certs: every member's trusted CA
 * - front-proxy-client: every apiserver's --requestheader-client-ca-file
 */
export function trustPairs(clients: TrustPoints, servers: TrustPoints): Pair[] {
  const pairs: Pair[] = [];
  const add = (cert: Pem, bundle: Pem, purpose: Pair["purpose"]) => pairs.push({ cert, bundle, purpose });
  const kubeconfigCas = [...servers.kubeconfigs].map(([where, k]) => ({ where: `${where} CA data`, pem: k.ca }));
  for (const m of clients.masters) {
    const serving = at(clients, m, PKI.apiserverCert);
    for (const ca of kubeconfigCas) add(serving, ca, "sslserver");
    for (const s of servers.masters) {
      add(serving, at(servers, s, LB_FILES.apiserverCa), "sslserver");
      add(serving, at(servers, s, PKI.clusterCaCert), "sslserver");
      add(at(clients, m, PKI.frontProxyClientCert), at(servers, s, PKI.frontProxyCaCert), "sslclient");
    }
    for (const n of servers.nodes)
      add(at(clients, m, PKI.apiserverKubeletClientCert), at(servers, n, NODE_PATHS.clusterCaCert), "sslclient");
    for (const e of servers.etcd)
      add(at(clients, m, PKI.apiserverEtcdClientCert), at(servers, e, `${ETCD_PKI_DIR}/ca.crt`), "sslclient");
  }
  for (const [where, k] of clients.kubeconfigs)
    for (const s of servers.masters)
      add({ where: `${where} client cert`, pem: k.cert }, at(servers, s, PKI.clusterCaCert), "sslclient");
  for (const n of clients.nodes)
    for (const s of servers.masters)
      add(at(clients, n, NODE_PATHS.kubeletServingCert), at(servers, s, PKI.clusterCaCert), "sslserver");
  for (const e of clients.etcd) {
    const server = at(clients, e, `${ETCD_PKI_DIR}/server.crt`);
    for (const s of servers.masters) add(server, at(servers, s, PKI.etcdCaCert), "sslserver");
    for (const other of servers.etcd) {
      const ca = at(servers, other, `${ETCD_PKI_DIR}/ca.crt`);
      add(server, ca, "sslserver");
      add(at(clients, e, `${ETCD_PKI_DIR}/peer.crt`), ca, "sslserver");
      add(at(clients, e, `${ETCD_PKI_DIR}/peer.crt`), ca, "sslclient");
      add(at(clients, e, `${ETCD_PKI_DIR}/healthcheck-client.crt`), ca, "sslclient");
    }
  }
  return pairs;
}

/** The pairs that fail `openssl verify -CAfile <bundle> -purpose <purpose>`, with openssl's reason. */
export function verifyPairs(pairs: readonly Pair[]): { pair: Pair; reason: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "trust-"));
  try {
    // One openssl run per (bundle content, purpose), with every distinct certificate checked against it.
    const groups = new Map<string, { bundle: string; purpose: string; certs: Map<string, Pair[]> }>();
    for (const p of pairs) {
      const key = `${p.purpose}\0${p.bundle.pem}`;
      const g = groups.get(key) ?? { bundle: p.bundle.pem, purpose: p.purpose, certs: new Map() };
      g.certs.set(p.cert.pem, [...(g.certs.get(p.cert.pem) ?? []), p]);
      groups.set(key, g);
    }
    const failures: { pair: Pair; reason: string }[] = [];
    let i = 0;
    for (const g of groups.values()) {
      const bundle = join(dir, `bundle-${i++}.pem`);
      writeFileSync(bundle, g.bundle);
      const certFiles = [...g.certs.keys()].map((pem, j) => {
        const path = join(dir, `cert-${i}-${j}.pem`);
        writeFileSync(path, pem);
        return { path, pem };
      });
      const run = spawnSync(
        "openssl",
        ["verify", "-CAfile", bundle, "-purpose", g.purpose, ...certFiles.map((c) => c.path)],
        {
          encoding: "utf8",
        },
      );
      if (run.error) throw run.error;
      const out = `${run.stdout}\n${run.stderr}`;
      for (const c of certFiles) {
        if (new RegExp(`^${c.path}: OK$`, "m").test(out)) continue;
        const reason =
          out
            .split("\n")
            .filter((l) => l.includes(c.path) || /^error/.test(l))
            .join("; ") || out.trim();
        for (const pair of g.certs.get(c.pem) ?? []) failures.push({ pair, reason });
      }
    }
    return failures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Subjects (CN) of the certificates in a PEM bundle, in order. */
export function bundleSubjects(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => /CN=([^\n,]+)/.exec(new X509Certificate(b).subject)?.[1] ?? "?");
}

/** The issuer CN of a certificate. */
export function issuerOf(pem: string): string {
  return /CN=([^\n,]+)/.exec(new X509Certificate(pem).issuer)?.[1] ?? "?";
}
