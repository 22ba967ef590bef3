/**
 * Stand-in certificates for the load-balancer end-to-end test, made with @peculiar/x509
 * from the PKI's own profiles (subjects, SANs, usages): a cluster CA, the apiserver
 * serving certificate and the admin client certificate, plus the admin kubeconfig.
 */
import "./reflect-polyfill";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { stringify } from "yaml";
import { pkiProfiles, type LeafProfile } from "../../components/pki/profiles";
import type { PlatformSpec } from "../../stacks/spec";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A PEM certificate and key. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function issueCa(commonName: string): Promise<PemPair & { cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    ],
  });
  return { cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

async function issueLeaf(
  ca: { cert: x509.X509Certificate; keys: CryptoKeyPair },
  profile: LeafProfile,
  serial: string,
): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
  const subject = [`CN=${profile.commonName}`, profile.organization ? `O=${profile.organization}` : undefined]
    .filter(Boolean)
    .join(", ");
  const eku = [
    ...(profile.usages.includes("server_auth") ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(profile.usages.includes("client_auth") ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
  const sans = [
    ...profile.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...profile.ipAddresses.map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(eku),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** What the end-to-end test needs. */
export interface LbTestPki {
  readonly caPem: string;
  readonly apiserver: PemPair;
  /** Admin kubeconfig pointing at `spec.endpoints.apiserver` (the VIP). */
  readonly adminKubeconfig: string;
  /** A CA that signed nothing here: clients trusting only it must fail. */
  readonly foreignCaPem: string;
}

/** Issues the certificates the PKI profiles describe for the apiserver and the admin. */
export async function issueLbTestPki(spec: PlatformSpec): Promise<LbTestPki> {
  const leaves = pkiProfiles(spec).leaves;
  const byKind = (kind: LeafProfile["kind"]) => {
    const found = leaves.find((l) => l.kind === kind);
    if (!found) throw new Error(`no ${kind} profile`);
    return found;
  };
  const ca = await issueCa("kubernetes");
  const apiserverProfile = byKind("apiserver");
  if (!apiserverProfile.ipAddresses.includes(spec.apiserver.vip)) throw new Error("apiserver profile lacks the VIP");
  const apiserver = await issueLeaf(ca, apiserverProfile, "02");
  const admin = await issueLeaf(ca, byKind("admin"), "03");
  const foreign = await issueCa("foreign");
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const adminKubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: spec.cluster.name,
        cluster: { server: spec.endpoints.apiserver, "certificate-authority-data": b64(ca.certPem) },
      },
    ],
    users: [
      { name: "admin", user: { "client-certificate-data": b64(admin.certPem), "client-key-data": b64(admin.keyPem) } },
    ],
    contexts: [{ name: "admin", context: { cluster: spec.cluster.name, user: "admin" } }],
    "current-context": "admin",
  });
  return { caPem: ca.certPem, apiserver, adminKubeconfig, foreignCaPem: foreign.certPem };
}
