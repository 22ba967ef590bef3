/**
 * A test double of the @pulumi/tls provider for the mock harness: it issues REAL keys and
 * X.509 certificates from exactly the inputs the program passes (subject, SANs, usages, CA
 * flag, validity), signed by the CA key the program passes. Tests then verify chains with
 * openssl and node:crypto and feed the certificates to real etcd.
 *
 * Output property names are the provider's state names. Results are cached by type, name
 * and an input hash, the way provider state makes a second run of the same program see
 * the same certificates.
 */
import "./reflect-metadata";
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
// Synchronous ASN.1 building blocks (dependencies of @peculiar/x509): doubles answer
// synchronously, and x509's own generators are async (WebCrypto).
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  Attribute,
  Certificate,
  Extension,
  Extensions,
  Name,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from "@peculiar/asn1-x509";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import * as x509 from "@peculiar/x509";
import { registerDouble, seedOf, type Double } from "../mocks";

const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const SAN_OID = "2.5.29.17";
const SKI_OID = "2.5.29.14";

type Props = Record<string, unknown>;

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Strips secret wrappers (RPC form and the harness's `{ $secret }` form) so inputs are plain values. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const o = value as Props;
    if (SECRET_SIG_KEY in o && "value" in o) return plain(o.value);
    if (Object.keys(o).length === 1 && "$secret" in o) return plain(o.$secret);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** True when the program passed something only known after a real deployment (preview). */
function hasUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

// ---------------------------------------------------------------------------------------
// keys

/** Signature algorithm identifier and node:crypto digest for a signing key. */
function signatureAlgorithm(key: KeyObject): { id: AlgorithmIdentifier; name: "RSA" | "ECDSA" } {
  if (key.asymmetricKeyType === "rsa")
    return { id: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.11", parameters: null }), name: "RSA" };
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return { id: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }), name: "ECDSA" };
  }
  throw new Error(`tls double: unsupported key type ${key.asymmetricKeyType ?? "?"}`);
}

/** SHA-256 signature (DER-encoded for ECDSA), as X.509 and PKCS#10 carry it. */
const signDer = (data: ArrayBuffer, key: KeyObject) => sign("sha256", Buffer.from(data), key);
const toArrayBuffer = (b: Buffer): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const spkiOf = (key: KeyObject) =>
  AsnConvert.parse(createPublicKey(key).export({ type: "spki", format: "der" }), SubjectPublicKeyInfo);
/** RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits. */
const keyIdOf = (spki: SubjectPublicKeyInfo) =>
  createHash("sha1").update(Buffer.from(spki.subjectPublicKey)).digest("hex");
const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  ).join("\n")}\n-----END ${label}-----\n`;
const derOf = (pemText: string) => Buffer.from(pemText.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");

const sshString = (b: Buffer | string) => {
  const data = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
/** SSH mpint: big-endian, a leading zero byte when the top bit is set. */
const sshMpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};
const b64u = (s: string | undefined) => Buffer.from(s ?? "", "base64url");

/** The OpenSSH public key blob and the private fields of the openssh-key-v1 format. */
function sshParts(key: KeyObject): { type: string; pub: Buffer; priv: Buffer } {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "RSA") {
    const pub = Buffer.concat([sshString("ssh-rsa"), sshMpint(b64u(jwk.e)), sshMpint(b64u(jwk.n))]);
    const priv = Buffer.concat([
      sshString("ssh-rsa"),
      sshMpint(b64u(jwk.n)),
      sshMpint(b64u(jwk.e)),
      sshMpint(b64u(jwk.d)),
      sshMpint(b64u(jwk.qi)),
      sshMpint(b64u(jwk.p)),
      sshMpint(b64u(jwk.q)),
    ]);
    return { type: "ssh-rsa", pub, priv };
  }
  const point = Buffer.concat([Buffer.from([4]), b64u(jwk.x), b64u(jwk.y)]);
  const type = "ecdsa-sha2-nistp256";
  const pub = Buffer.concat([sshString(type), sshString("nistp256"), sshString(point)]);
  const priv = Buffer.concat([sshString(type), sshString("nistp256"), sshString(point), sshMpint(b64u(jwk.d))]);
  return { type, pub, priv };
}

function opensshPrivateKey(pub: Buffer, privFields: Buffer): string {
  const check = createHash("sha256").update(pub).digest().subarray(0, 4);
  let section = Buffer.concat([check, check, privFields, sshString("")]);
  const pad: number[] = [];
  for (let i = 1; (section.length + pad.length) % 8 !== 0; i++) pad.push(i);
  section = Buffer.concat([section, Buffer.from(pad)]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    count,
    sshString(pub),
    sshString(section),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function newPrivateKey(inputs: Props): Props {
  const algorithm = str(inputs.algorithm) ?? "RSA";
  let priv: KeyObject;
  let legacyPem: string;
  if (algorithm === "RSA") {
    const bits = typeof inputs.rsaBits === "number" ? inputs.rsaBits : 2048;
    priv = generateKeyPairSync("rsa", { modulusLength: bits }).privateKey;
    legacyPem = priv.export({ type: "pkcs1", format: "pem" }) as string;
  } else if (algorithm === "ECDSA") {
    const curve = str(inputs.ecdsaCurve) ?? "P224";
    if (curve !== "P256") throw new Error(`tls double: ecdsaCurve ${curve} is not supported (the platform uses P256)`);
    priv = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    legacyPem = priv.export({ type: "sec1", format: "pem" }) as string;
  } else {
    throw new Error(`tls double: algorithm ${algorithm} is not supported`);
  }
  const pub = createPublicKey(priv);
  const ssh = sshParts(priv);
  const md5 = createHash("md5").update(ssh.pub).digest("hex").match(/../g)?.join(":") ?? "";
  const sha256 = `SHA256:${createHash("sha256").update(ssh.pub).digest("base64").replace(/=+$/, "")}`;
  return {
    ...inputs,
    algorithm,
    ecdsaCurve: str(inputs.ecdsaCurve) ?? "P224",
    rsaBits: typeof inputs.rsaBits === "number" ? inputs.rsaBits : 2048,
    privateKeyPem: legacyPem,
    privateKeyPemPkcs8: priv.export({ type: "pkcs8", format: "pem" }) as string,
    privateKeyOpenssh: opensshPrivateKey(ssh.pub, ssh.priv),
    publicKeyPem: pub.export({ type: "spki", format: "pem" }) as string,
    publicKeyOpenssh: `${ssh.type} ${ssh.pub.toString("base64")}\n`,
    publicKeyFingerprintMd5: md5,
    publicKeyFingerprintSha256: sha256,
  };
}

// ---------------------------------------------------------------------------------------
// names, extensions, certificates

/** The subject as the provider builds it (Go pkix.Name order: C, O, OU, L, ST, street, postal code, serial, CN). */
function jsonName(subject: unknown): x509.JsonName {
  const s = (subject ?? {}) as Props;
  const rdns: x509.JsonName = [];
  const add = (type: string, v: unknown) => {
    const values = typeof v === "string" ? [v] : strs(v);
    for (const value of values) if (value !== "") rdns.push({ [type]: [value] });
  };
  add("C", s.country);
  add("O", s.organization);
  add("OU", s.organizationalUnit);
  add("L", s.locality);
  add("ST", s.province);
  add("2.5.4.9", s.streetAddresses);
  add("2.5.4.17", s.postalCode);
  add("2.5.4.5", s.serialNumber);
  add("CN", s.commonName);
  add("E", s.emailAddress);
  return rdns;
}

function sanExtension(inputs: Props): x509.SubjectAlternativeNameExtension | undefined {
  const names: x509.JsonGeneralNames = [
    ...strs(inputs.dnsNames).map((value) => ({ type: "dns" as const, value })),
    ...strs(inputs.ipAddresses).map((value) => ({ type: "ip" as const, value })),
    ...strs(inputs.uris).map((value) => ({ type: "url" as const, value })),
  ];
  return names.length > 0 ? new x509.SubjectAlternativeNameExtension(names) : undefined;
}

const KEY_USAGE: Record<string, x509.KeyUsageFlags> = {
  digital_signature: x509.KeyUsageFlags.digitalSignature,
  content_commitment: x509.KeyUsageFlags.nonRepudiation,
  key_encipherment: x509.KeyUsageFlags.keyEncipherment,
  data_encipherment: x509.KeyUsageFlags.dataEncipherment,
  key_agreement: x509.KeyUsageFlags.keyAgreement,
  cert_signing: x509.KeyUsageFlags.keyCertSign,
  crl_signing: x509.KeyUsageFlags.cRLSign,
  encipher_only: x509.KeyUsageFlags.encipherOnly,
  decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const EXT_KEY_USAGE: Record<string, string> = {
  server_auth: x509.ExtendedKeyUsage.serverAuth,
  client_auth: x509.ExtendedKeyUsage.clientAuth,
  code_signing: x509.ExtendedKeyUsage.codeSigning,
  email_protection: x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  ocsp_signing: x509.ExtendedKeyUsage.ocspSigning,
  any_extended: "2.5.29.37.0",
};

/** Key usage, EKU and basic constraints as the provider sets them (KU and BC critical, like Go's x509). */
function usageExtensions(allowedUses: string[], isCa: boolean): x509.Extension[] {
  let ku = 0;
  const eku: string[] = [];
  for (const use of allowedUses) {
    if (use in KEY_USAGE) ku |= KEY_USAGE[use];
    else if (use in EXT_KEY_USAGE) eku.push(EXT_KEY_USAGE[use]);
    else throw new Error(`tls double: allowedUses value "${use}" is not one the provider accepts`);
  }
  const exts: x509.Extension[] = [new x509.BasicConstraintsExtension(isCa, undefined, true)];
  if (ku !== 0) exts.push(new x509.KeyUsagesExtension(ku, true));
  if (eku.length > 0) exts.push(new x509.ExtendedKeyUsageExtension(eku, false));
  return exts;
}

const asnExtension = (ext: x509.Extension) => AsnConvert.parse(ext.rawData, Extension);
const asnName = (name: x509.JsonName) => AsnConvert.parse(new x509.Name(name).toArrayBuffer(), Name);

function serialNumber(): ArrayBuffer {
  // Positive 128-bit serial (the provider draws a random 128-bit number too).
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return toArrayBuffer(bytes);
}

interface IssueArgs {
  readonly subject: Name;
  readonly issuer: Name;
  readonly spki: SubjectPublicKeyInfo;
  readonly signingKey: KeyObject;
  readonly extensions: Extension[];
  readonly validityHours: number;
}

/** Builds, signs and DER-encodes an X.509 v3 certificate. */
function issue(a: IssueArgs): { pem: string; notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + a.validityHours * 3600_000);
  const alg = signatureAlgorithm(a.signingKey).id;
  const tbs = new TBSCertificate({
    version: 2,
    serialNumber: serialNumber(),
    signature: alg,
    issuer: a.issuer,
    validity: new Validity({ notBefore, notAfter }),
    subject: a.subject,
    subjectPublicKeyInfo: a.spki,
    extensions: new Extensions(a.extensions),
  });
  const signature = signDer(AsnConvert.serialize(tbs), a.signingKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: alg,
    signatureValue: toArrayBuffer(signature),
  });
  return { pem: pem("CERTIFICATE", AsnConvert.serialize(cert)), notBefore, notAfter };
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function certState(inputs: Props, cert: { pem: string; notBefore: Date; notAfter: Date }): Props {
  const early = typeof inputs.earlyRenewalHours === "number" ? inputs.earlyRenewalHours : 0;
  return {
    ...inputs,
    certPem: cert.pem,
    validityStartTime: rfc3339(cert.notBefore),
    validityEndTime: rfc3339(cert.notAfter),
    earlyRenewalHours: early,
    isCaCertificate: inputs.isCaCertificate === true,
    setSubjectKeyId: inputs.setSubjectKeyId === true,
    readyForRenewal: cert.notAfter.getTime() - early * 3600_000 <= Date.now(),
  };
}

const hoursOf = (inputs: Props) => (typeof inputs.validityPeriodHours === "number" ? inputs.validityPeriodHours : 0);

function newSelfSignedCert(inputs: Props): Props {
  const keyPem = str(inputs.privateKeyPem);
  if (!keyPem) throw new Error("tls double: SelfSignedCert needs privateKeyPem");
  const key = createPrivateKey(keyPem);
  const spki = spkiOf(key);
  const isCa = inputs.isCaCertificate === true;
  const extensions = usageExtensions(strs(inputs.allowedUses), isCa).map(asnExtension);
  const san = sanExtension(inputs);
  if (san) extensions.push(asnExtension(san));
  // Go's x509 generates a subject key id for every CA; the provider adds it on request otherwise.
  if (isCa || inputs.setSubjectKeyId === true)
    extensions.push(asnExtension(new x509.SubjectKeyIdentifierExtension(keyIdOf(spki))));
  const name = asnName(jsonName(inputs.subject));
  const cert = issue({
    subject: name,
    issuer: name,
    spki,
    signingKey: key,
    extensions,
    validityHours: hoursOf(inputs),
  });
  return { ...certState(inputs, cert), keyAlgorithm: signatureAlgorithm(key).name };
}

function newCertRequest(inputs: Props): Props {
  const keyPem = str(inputs.privateKeyPem);
  if (!keyPem) throw new Error("tls double: CertRequest needs privateKeyPem");
  const key = createPrivateKey(keyPem);
  const san = sanExtension(inputs);
  const attributes = new Attributes(
    san
      ? [
          new Attribute({
            type: EXTENSION_REQUEST,
            values: [AsnConvert.serialize(new Extensions([asnExtension(san)]))],
          }),
        ]
      : [],
  );
  const info = new CertificationRequestInfo({
    version: 0,
    subject: asnName(jsonName(inputs.subject)),
    subjectPKInfo: spkiOf(key),
    attributes,
  });
  const alg = signatureAlgorithm(key);
  const csr = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: alg.id,
    signature: toArrayBuffer(signDer(AsnConvert.serialize(info), key)),
  });
  return { ...inputs, keyAlgorithm: alg.name, certRequestPem: pem("CERTIFICATE REQUEST", AsnConvert.serialize(csr)) };
}

function newLocallySignedCert(inputs: Props): Props {
  const csrPem = str(inputs.certRequestPem);
  const caCertPem = str(inputs.caCertPem);
  const caKeyPem = str(inputs.caPrivateKeyPem);
  if (!csrPem || !caCertPem || !caKeyPem)
    throw new Error("tls double: LocallySignedCert needs certRequestPem, caCertPem and caPrivateKeyPem");
  const csr = AsnConvert.parse(derOf(csrPem), CertificationRequest);
  const info = csr.certificationRequestInfo;
  const csrKey = createPublicKey({
    key: Buffer.from(AsnConvert.serialize(info.subjectPKInfo)),
    format: "der",
    type: "spki",
  });
  if (!verify("sha256", Buffer.from(AsnConvert.serialize(info)), csrKey, Buffer.from(csr.signature))) {
    throw new Error("tls double: the certificate request's signature does not verify");
  }
  const caKey = createPrivateKey(caKeyPem);
  if (!new X509Certificate(caCertPem).checkPrivateKey(caKey))
    throw new Error("tls double: caPrivateKeyPem does not belong to caCertPem");
  const caCert = AsnConvert.parse(derOf(caCertPem), Certificate);

  const isCa = inputs.isCaCertificate === true;
  const extensions = usageExtensions(strs(inputs.allowedUses), isCa).map(asnExtension);
  // The provider copies the request's SANs (not its other extensions) into the certificate.
  for (const attr of info.attributes) {
    if (attr.type !== EXTENSION_REQUEST) continue;
    for (const value of attr.values) {
      for (const ext of AsnConvert.parse(value, Extensions)) if (ext.extnID === SAN_OID) extensions.push(ext);
    }
  }
  const caSki = caCert.tbsCertificate.extensions?.find((e) => e.extnID === SKI_OID);
  if (caSki) {
    const keyId = Buffer.from(AsnConvert.parse(caSki.extnValue.buffer, SubjectKeyIdentifier).buffer).toString("hex");
    extensions.push(asnExtension(new x509.AuthorityKeyIdentifierExtension(keyId)));
  }
  if (isCa || inputs.setSubjectKeyId === true)
    extensions.push(asnExtension(new x509.SubjectKeyIdentifierExtension(keyIdOf(info.subjectPKInfo))));
  const cert = issue({
    subject: info.subject,
    issuer: caCert.tbsCertificate.subject,
    spki: info.subjectPKInfo,
    signingKey: caKey,
    extensions,
    validityHours: hoursOf(inputs),
  });
  return { ...certState(inputs, cert), caKeyAlgorithm: signatureAlgorithm(caKey).name };
}

// ---------------------------------------------------------------------------------------
// handlers

const cache = new Map<string, Props>();

/** Wraps a state builder: plain inputs, unknown-aware, cached per type + name + inputs. */
function handler(build: (inputs: Props) => Props): Double {
  return (args) => {
    const inputs = plain(args.inputs ?? {}) as Props;
    if (hasUnknown(inputs)) return {};
    const key = seedOf({ ...args, inputs });
    let state = cache.get(key);
    if (!state) {
      state = build(inputs);
      cache.set(key, state);
    }
    return state;
  };
}

/** The tls doubles by type token. */
export const tlsDoubles: Readonly<Record<string, Double>> = {
  "tls:index/privateKey:PrivateKey": handler(newPrivateKey),
  "tls:index/selfSignedCert:SelfSignedCert": handler(newSelfSignedCert),
  "tls:index/certRequest:CertRequest": handler(newCertRequest),
  "tls:index/locallySignedCert:LocallySignedCert": handler(newLocallySignedCert),
};

for (const [type, double] of Object.entries(tlsDoubles)) registerDouble(type, double);
