/**
 * Reading the certificates the program issued out of a recorded graph. The graph records
 * inputs; the tls double answers a repeated registration (same type, name and inputs) from
 * its state, the way a provider reads its state, so replaying a recorded LocallySignedCert
 * or PrivateKey yields exactly the PEM the run produced.
 */
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tlsDoubles } from "../../stacks/plan/doubles/tls";
import type { Graph } from "../../stacks/plan/run";
import { find } from "../support/graph";

const TLS = {
  key: "tls:index/privateKey:PrivateKey",
  ca: "tls:index/selfSignedCert:SelfSignedCert",
  leaf: "tls:index/locallySignedCert:LocallySignedCert",
} as const;

function replay(graph: Graph, type: string, name: string): Record<string, unknown> {
  const r = find(graph, type, name);
  return tlsDoubles[type]({ type, name, inputs: r.inputs });
}

/** PEMs of one issued certificate: cert and key, plus the issuing CA. */
export interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
  readonly cert: X509Certificate;
}

/** The certificate `pki-<stem>-cert` with its key `pki-<stem>-key` (stem = profile name, e.g. `admin`). */
export function issuedLeaf(graph: Graph, stem: string, pki = "pki"): Issued {
  const cert = replay(graph, TLS.leaf, `${pki}-${stem}-cert`);
  const key = replay(graph, TLS.key, `${pki}-${stem}-key`);
  const certPem = String(cert.certPem);
  return {
    certPem,
    keyPem: String(key.privateKeyPem),
    caPem: String(cert.caCertPem),
    cert: new X509Certificate(certPem),
  };
}

/** A CA certificate `pki-<stem>-cert` (stem e.g. `etcd-ca`). */
export function issuedCa(graph: Graph, stem: string, pki = "pki"): Issued {
  const cert = replay(graph, TLS.ca, `${pki}-${stem}-cert`);
  const key = replay(graph, TLS.key, `${pki}-${stem}-key`);
  const certPem = String(cert.certPem);
  return { certPem, keyPem: String(key.privateKeyPem), caPem: certPem, cert: new X509Certificate(certPem) };
}

/** Writes `<prefix>.crt` and `<prefix>.key` (0600) into dir; returns their paths. */
export function writePair(
  dir: string,
  prefix: string,
  issued: Pick<Issued, "certPem" | "keyPem">,
): { cert: string; key: string } {
  const cert = join(dir, `${prefix}.crt`);
  const key = join(dir, `${prefix}.key`);
  writeFileSync(cert, issued.certPem);
  writeFileSync(key, issued.keyPem, { mode: 0o600 });
  return { cert, key };
}
