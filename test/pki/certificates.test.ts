/**
 * Every certificate the program issues on the prod inventory, checked against an explicit
 * table (issuer, subject, SANs, key usages, extended key usages), then verified as a chain
 * with node:crypto and `openssl verify -purpose`.
 */
import "../../stacks/plan/doubles/reflect-metadata"; // before @peculiar/x509 (tsyringe checks at load)
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { find, ofType } from "../support/graph";
import { requireTool } from "../support/tools";
import { issuedCa, issuedLeaf, type Issued } from "./issued";
import { run } from "../etcd/fixtures";

type CaStem = "cluster-ca" | "etcd-ca" | "front-proxy-ca";
type Eku = "server" | "client";
interface Expected {
  readonly ca: CaStem;
  readonly cn: string;
  readonly o?: string;
  readonly eku: readonly Eku[];
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
}

const etcd = (name: string, address: string): Expected => ({
  ca: "etcd-ca",
  cn: name,
  eku: ["server", "client"],
  dns: [name, "localhost"],
  ip: [address, "127.0.0.1"],
});

/** What the prod inventory's certificates must say (kubeadm's PKI, the list). */
function expectedTable(): Map<string, Expected> {
  const table = new Map<string, Expected>([
    ["etcd-server-etcd-1", etcd("etcd-1", "10.10.1.11")],
    ["etcd-server-etcd-2", etcd("etcd-2", "10.10.1.12")],
    ["etcd-server-etcd-3", etcd("etcd-3", "10.10.1.13")],
    ["etcd-peer-etcd-1", etcd("etcd-1", "10.10.1.11")],
    ["etcd-peer-etcd-2", etcd("etcd-2", "10.10.1.12")],
    ["etcd-peer-etcd-3", etcd("etcd-3", "10.10.1.13")],
    ["etcd-healthcheck-client", { ca: "etcd-ca", cn: "kube-etcd-healthcheck-client", eku: ["client"] }],
    ["apiserver-etcd-client", { ca: "etcd-ca", cn: "kube-apiserver-etcd-client", eku: ["client"] }],
    [
      "apiserver",
      {
        ca: "cluster-ca",
        cn: "kube-apiserver",
        eku: ["server"],
        dns: [
          "kubernetes",
          "kubernetes.default",
          "kubernetes.default.svc",
          "kubernetes.default.svc.cluster.local",
          "localhost",
          "master-1",
          "master-2",
          "k8s-api.example.internal",
        ],
        ip: ["10.10.1.20", "10.68.0.1", "127.0.0.1", "10.10.1.21", "10.10.1.22"],
      },
    ],
    [
      "apiserver-kubelet-client",
      { ca: "cluster-ca", cn: "kube-apiserver-kubelet-client", o: "system:masters", eku: ["client"] },
    ],
    ["front-proxy-client", { ca: "front-proxy-ca", cn: "front-proxy-client", eku: ["client"] }],
    ["controller-manager", { ca: "cluster-ca", cn: "system:kube-controller-manager", eku: ["client"] }],
    ["scheduler", { ca: "cluster-ca", cn: "system:kube-scheduler", eku: ["client"] }],
    ["admin", { ca: "cluster-ca", cn: "kubernetes-admin", o: "system:masters", eku: ["client"] }],
    ["kube-proxy", { ca: "cluster-ca", cn: "system:kube-proxy", eku: ["client"] }],
  ]);
  // Every node runs kubelet: the 20 workers, and the masters (workers.kubeletOnMasters, default on).
  const nodes: [string, string][] = [
    ["master-1", "10.10.1.21"],
    ["master-2", "10.10.1.22"],
    ...Array.from({ length: 20 }, (_, i): [string, string] => [
      `node-${String(i + 1).padStart(3, "0")}`,
      `10.10.2.${101 + i}`,
    ]),
  ];
  for (const [node, address] of nodes) {
    table.set(`kubelet-client-${node}`, {
      ca: "cluster-ca",
      cn: `system:node:${node}`,
      o: "system:nodes",
      eku: ["client"],
    });
    table.set(`kubelet-serving-${node}`, {
      ca: "cluster-ca",
      cn: `system:node:${node}`,
      o: "system:nodes",
      eku: ["server"],
      dns: [node],
      ip: [address],
    });
  }
  return table;
}

const EKU_OID: Record<Eku, string> = { server: "1.3.6.1.5.5.7.3.1", client: "1.3.6.1.5.5.7.3.2" };
const PURPOSE: Record<Eku, string> = { server: "sslserver", client: "sslclient" };

/** Subject fields as node:crypto prints them ("O=...\nCN=..."). */
function subjectOf(cert: Issued): Record<string, string> {
  return Object.fromEntries(cert.cert.subject.split("\n").map((line) => line.split("=", 2) as [string, string]));
}

function sansOf(cert: Issued): { dns: string[]; ip: string[] } {
  const parts = (cert.cert.subjectAltName ?? "").split(", ").filter(Boolean);
  return {
    dns: parts.filter((p) => p.startsWith("DNS:")).map((p) => p.slice(4)),
    ip: parts.filter((p) => p.startsWith("IP Address:")).map((p) => p.slice(11)),
  };
}

function keyUsageOf(pem: string): number {
  const ext = new x509.X509Certificate(pem).getExtension(x509.KeyUsagesExtension);
  assert.ok(ext, "key usage extension missing");
  assert.equal(ext.critical, true, "key usage must be critical");
  return ext.usages;
}

describe("PKI: every certificate of the prod inventory", function () {
  this.timeout(300_000);
  let graph: Graph;
  let table: Map<string, Expected>;
  let dir: string;
  const cas = new Map<CaStem, Issued>();

  before(async () => {
    graph = await runProgram(prodConfig());
    table = expectedTable();
    for (const stem of ["cluster-ca", "etcd-ca", "front-proxy-ca"] as const) cas.set(stem, issuedCa(graph, stem));
    dir = mkdtempSync(join(tmpdir(), "pki-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("issues exactly the certificates of the table", () => {
    const issued = ofType(graph, "tls:index/locallySignedCert:LocallySignedCert")
      .filter((r) => r.name.startsWith("pki-"))
      .map((r) => r.name.replace(/^pki-(.*)-cert$/, "$1"));
    assert.deepEqual([...issued].sort(), [...table.keys()].sort());
  });

  it("gives each certificate the subject, SANs and usages of the table", () => {
    for (const [stem, want] of table) {
      const cert = issuedLeaf(graph, stem);
      const subject = subjectOf(cert);
      assert.equal(subject.CN, want.cn, `${stem}: CN`);
      assert.equal(subject.O, want.o, `${stem}: O`);
      const sans = sansOf(cert);
      assert.deepEqual([...sans.dns].sort(), [...(want.dns ?? [])].sort(), `${stem}: DNS SANs`);
      assert.deepEqual([...sans.ip].sort(), [...(want.ip ?? [])].sort(), `${stem}: IP SANs`);
      assert.deepEqual(
        [...cert.cert.keyUsage].sort(),
        want.eku.map((e) => EKU_OID[e]).sort(),
        `${stem}: extended key usage`,
      );
      assert.equal(
        keyUsageOf(cert.certPem),
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        `${stem}: key usage`,
      );
      assert.equal(cert.cert.ca, false, `${stem}: must not be a CA`);
    }
  });

  it("makes three distinct self-signed CAs that may sign certificates", () => {
    const keys = new Set<string>();
    for (const [stem, ca] of cas) {
      assert.equal(ca.cert.ca, true, `${stem}: CA flag`);
      assert.ok(ca.cert.verify(ca.cert.publicKey), `${stem}: self-signed`);
      assert.ok(keyUsageOf(ca.certPem) & x509.KeyUsageFlags.keyCertSign, `${stem}: certSign`);
      keys.add(ca.cert.publicKey.export({ type: "spki", format: "der" }).toString("base64"));
    }
    assert.equal(keys.size, 3, "each CA has its own key");
  });

  it("chains every leaf to its own CA and to no other (node:crypto)", () => {
    for (const [stem, want] of table) {
      const cert = issuedLeaf(graph, stem);
      for (const [caStem, ca] of cas) {
        const own = caStem === want.ca;
        assert.equal(cert.cert.verify(ca.cert.publicKey), own, `${stem} signed by ${caStem}?`);
        assert.equal(cert.cert.checkIssued(ca.cert), own, `${stem} issued by ${caStem}?`);
      }
      assert.equal(cert.caPem, cas.get(want.ca)?.certPem, `${stem}: signed with the ${want.ca} the program passed`);
    }
  });

  it("passes `openssl verify -purpose` for exactly its usages, only under its CA", function () {
    requireTool(this, "openssl");
    const caFiles = new Map<CaStem, string>();
    for (const [stem, ca] of cas) {
      caFiles.set(stem, join(dir, `${stem}.crt`));
      writeFileSync(join(dir, `${stem}.crt`), ca.certPem);
    }
    const verify = (caFile: string, leafFile: string, purpose: string) =>
      run("openssl", ["verify", "-CAfile", caFile, "-purpose", purpose, leafFile]);
    for (const [stem, want] of table) {
      const leafFile = join(dir, `${stem}.crt`);
      writeFileSync(leafFile, issuedLeaf(graph, stem).certPem);
      const own = caFiles.get(want.ca) as string;
      for (const eku of ["server", "client"] as const) {
        const r = verify(own, leafFile, PURPOSE[eku]);
        assert.equal(r.status === 0, want.eku.includes(eku), `${stem} as ${eku}: ${r.stdout}${r.stderr}`);
      }
      for (const [caStem, file] of caFiles) {
        if (caStem === want.ca) continue;
        assert.notEqual(
          verify(file, leafFile, PURPOSE[want.eku[0]]).status,
          0,
          `${stem} must not verify under ${caStem}`,
        );
      }
    }
  });

  it("names the VIP, the service IP and the in-cluster DNS name on the apiserver certificate", () => {
    const cert = issuedLeaf(graph, "apiserver").cert;
    assert.equal(cert.checkIP("10.10.1.20"), "10.10.1.20");
    assert.equal(cert.checkIP("10.68.0.1"), "10.68.0.1");
    assert.equal(cert.checkHost("kubernetes.default.svc.cluster.local"), "kubernetes.default.svc.cluster.local");
    assert.equal(cert.checkHost("k8s-api.example.internal"), "k8s-api.example.internal");
    assert.equal(cert.checkHost("evil.example.com"), undefined);
  });

  it("sets validity and early renewal from the pki config", () => {
    for (const r of ofType(graph, "tls:index/locallySignedCert:LocallySignedCert").filter((r) =>
      r.name.startsWith("pki-"),
    )) {
      assert.equal(r.inputs.validityPeriodHours, 24 * 365, r.name);
      assert.equal(r.inputs.earlyRenewalHours, 24 * 30, r.name);
    }
    for (const r of ofType(graph, "tls:index/selfSignedCert:SelfSignedCert").filter((r) => r.name.startsWith("pki-"))) {
      assert.equal(r.inputs.validityPeriodHours, 24 * 3650, r.name);
      assert.equal(r.inputs.isCaCertificate, true, r.name);
    }
    const admin = issuedLeaf(graph, "admin").cert;
    const hours = (Date.parse(admin.validTo) - Date.parse(admin.validFrom)) / 3600_000;
    assert.equal(hours, 24 * 365);
  });

  it("keeps every private key and kubeconfig secret", () => {
    for (const r of ofType(graph, "tls:index/privateKey:PrivateKey")) {
      for (const out of ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"]) {
        assert.ok(r.additionalSecretOutputs.includes(out), `${r.name}: ${out} must be a secret output`);
      }
    }
    const secret = (v: unknown) => v !== null && typeof v === "object" && "$secret" in v;
    for (const r of ofType(graph, "tls:index/certRequest:CertRequest"))
      assert.ok(secret(r.inputs.privateKeyPem), r.name);
    for (const r of ofType(graph, "tls:index/locallySignedCert:LocallySignedCert"))
      assert.ok(secret(r.inputs.caPrivateKeyPem), r.name);
    for (const r of ofType(graph, "tls:index/selfSignedCert:SelfSignedCert"))
      assert.ok(secret(r.inputs.privateKeyPem), r.name);
    for (const r of ofType(graph, "command:remote:CopyToRemote").filter((c) => c.name.endsWith(".key"))) {
      assert.ok(secret(r.inputs.source), `${r.name}: the copied key must be secret`);
    }
    assert.ok(secret(graph.outputs.adminKubeconfig), "the admin kubeconfig output must be secret");
  });

  it("issues the same certificates when the same config runs again in the process", async () => {
    const again = await runProgram(prodConfig());
    for (const stem of ["admin", "apiserver", "etcd-server-etcd-2", "kubelet-client-node-007"]) {
      assert.equal(issuedLeaf(again, stem).certPem, issuedLeaf(graph, stem).certPem, stem);
    }
    assert.deepEqual(
      find(again, "tls:index/certRequest:CertRequest", "pki-admin-csr").inputs,
      find(graph, "tls:index/certRequest:CertRequest", "pki-admin-csr").inputs,
    );
  });

  it("uses the configured key algorithm (RSA-2048)", async () => {
    // A small inventory: RSA key generation is slow, and one of each certificate kind suffices.
    const raw = clone(prodConfig());
    raw.hosts = (raw.hosts as { name: string; roles: string[] }[]).filter(
      (h) => h.roles.includes("etcd") || h.roles.includes("master") || h.name === "node-001",
    );
    delete raw.storage;
    raw.pki = { keyAlgorithm: "RSA-2048" };
    const rsa = await runProgram(raw);
    for (const stem of ["admin", "etcd-peer-etcd-1"]) {
      const details = issuedLeaf(rsa, stem).cert.publicKey.asymmetricKeyDetails;
      assert.equal(issuedLeaf(rsa, stem).cert.publicKey.asymmetricKeyType, "rsa", stem);
      assert.equal(details?.modulusLength, 2048, stem);
    }
    assert.equal(
      issuedLeaf(graph, "admin").cert.publicKey.asymmetricKeyDetails?.namedCurve,
      "prime256v1",
      "default is ECDSA P-256",
    );
  });
});
