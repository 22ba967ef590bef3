/**
 * SSH user public keys as an authorized_keys line holds them: `<type> <base64> [comment]`,
 * without options (a `command=`/`from=` prefix is refused: the platform writes plain keys
 * only). The base64 blob is SSH wire format whose first string repeats the key type. Also
 * the public half of an SSH private key (PEM or OpenSSH), so a rule can check that the
 * key the program connects with is one the hosts will keep accepting; the private key is
 * never printed, only the public key's SHA256 fingerprint.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";

/** User key types an authorized_keys line may carry. */
export const AUTHORIZED_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** A parsed public key line. */
export interface SshPublicKey {
  readonly type: string;
  /** The base64 blob: what identifies the key (the comment does not). */
  readonly blob: string;
  readonly comment?: string;
}

const LINE = /^([a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})( [A-Za-z0-9@._+:=-]{1,128})?$/;

/** Splits SSH wire format into its length-prefixed strings, or undefined when truncated. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    if (at + 4 > blob.length) return undefined;
    const size = blob.readUInt32BE(at);
    if (at + 4 + size > blob.length) return undefined;
    parts.push(blob.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return parts;
}

/** What is wrong with an authorized key line, or undefined when it is a plain public key. */
export function authorizedKeyProblem(line: string): string | undefined {
  const m = LINE.exec(line);
  if (!m)
    return "must be one OpenSSH public key, '<type> <base64> [comment]' (comment: letters, digits, '@._+:=-', no spaces; no options such as command=)";
  const [, type, b64] = m;
  if (!(AUTHORIZED_KEY_TYPES as readonly string[]).includes(type))
    return `has key type ${type}; use one of ${AUTHORIZED_KEY_TYPES.join(", ")}`;
  const parts = wireStrings(Buffer.from(b64, "base64"));
  if (!parts || parts.length < 2) return "has a truncated key (the base64 blob is not SSH wire format)";
  if (parts[0].toString("latin1") !== type) return `declares ${type} but the key inside is not one`;
  if (type === "ssh-ed25519" && (parts.length !== 2 || parts[1].length !== 32))
    return "has a truncated key (an ed25519 key is 32 bytes)";
  if (type.startsWith("ecdsa-") && parts[1].toString("latin1") !== type.slice("ecdsa-sha2-".length))
    return `has a key whose curve does not match ${type}`;
  return undefined;
}

/** The parts of a valid line (call authorizedKeyProblem first). */
export function parseAuthorizedKey(line: string): SshPublicKey {
  const [type, blob, comment] = line.split(" ");
  return { type, blob, ...(comment ? { comment } : {}) };
}

/** OpenSSH's `SHA256:...` fingerprint of a key blob (what `ssh-keygen -lf` prints). */
export function fingerprintOf(blob: string): string {
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

const sshString = (b: Buffer | string) => {
  const data = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
const mpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const t = b.subarray(i);
  return sshString(t[0] & 0x80 ? Buffer.concat([Buffer.from([0]), t]) : t);
};
const CURVES: Readonly<Record<string, string>> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/**
 * The base64 public key blob of a private key: read from the header of an OpenSSH key
 * (stored there in clear, even when the key is encrypted), derived with node:crypto from
 * an unencrypted PEM key. Undefined when it cannot be read (e.g. an encrypted PEM key).
 */
export function publicBlobOfPrivateKey(privateKey: string): string | undefined {
  const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(privateKey);
  if (openssh) {
    const body = Buffer.from(openssh[1].replace(/\s+/g, ""), "base64");
    const magic = Buffer.from("openssh-key-v1\0");
    if (!body.subarray(0, magic.length).equals(magic)) return undefined;
    // ciphername, kdfname, kdfoptions (strings), key count (uint32), then the public key.
    let at = magic.length;
    const next = (): Buffer | undefined => {
      if (at + 4 > body.length) return undefined;
      const size = body.readUInt32BE(at);
      const value = body.subarray(at + 4, at + 4 + size);
      at += 4 + size;
      return value.length === size ? value : undefined;
    };
    for (let i = 0; i < 3; i++) if (next() === undefined) return undefined;
    at += 4;
    return next()?.toString("base64");
  }
  try {
    const jwk = createPublicKey(createPrivateKey(privateKey)).export({ format: "jwk" });
    const b = (s: string | undefined) => Buffer.from(s ?? "", "base64url");
    if (jwk.kty === "RSA")
      return Buffer.concat([sshString("ssh-rsa"), mpint(b(jwk.e)), mpint(b(jwk.n))]).toString("base64");
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519")
      return Buffer.concat([sshString("ssh-ed25519"), sshString(b(jwk.x))]).toString("base64");
    if (jwk.kty === "EC" && jwk.crv && CURVES[jwk.crv]) {
      const curve = CURVES[jwk.crv];
      const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
      return Buffer.concat([sshString(`ecdsa-sha2-${curve}`), sshString(curve), sshString(point)]).toString("base64");
    }
  } catch {
    return undefined;
  }
  return undefined;
}
