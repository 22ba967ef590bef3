/**
 * SSH host keys as pulumi-command pins them: one OpenSSH public key, `<type> <base64>`
 * (an authorized_keys line without options or comment). The base64 blob is SSH wire
 * format: a length-prefixed key type that must repeat the declared one, then the key.
 */

/** Host key types that can be pinned. */
export const PINNABLE_HOST_KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
] as const;

/** What is wrong with a host key line, or undefined when it can be pinned. */
export function hostKeyProblem(line: string): string | undefined {
  const m = /^([a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
  if (!m)
    return "must be one OpenSSH public host key, '<type> <base64>' without a comment (e.g. 'ssh-ed25519 AAAA...')";
  const [, type, b64] = m;
  if (type === "ssh-rsa")
    return "is an ssh-rsa key: pinning it makes the SSH client (pulumi-command) offer only the SHA-1 'ssh-rsa' signature, which OpenSSH 8.8 and later refuse; pin the host's ed25519 key instead (ssh-keyscan -t ed25519 <address>)";
  if (!(PINNABLE_HOST_KEY_TYPES as readonly string[]).includes(type))
    return `has key type ${type}; pin one of ${PINNABLE_HOST_KEY_TYPES.join(", ")}`;
  const blob = Buffer.from(b64, "base64");
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    if (at + 4 > blob.length) return "has a truncated key (the base64 blob is not SSH wire format)";
    const size = blob.readUInt32BE(at);
    if (at + 4 + size > blob.length) return "has a truncated key (the base64 blob is not SSH wire format)";
    parts.push(blob.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  if (parts[0]?.toString("latin1") !== type) return `declares ${type} but the key inside is not one`;
  if (type === "ssh-ed25519" && (parts.length !== 2 || parts[1].length !== 32))
    return "has a truncated key (an ed25519 key is 32 bytes)";
  if (
    type.startsWith("ecdsa-") &&
    (parts.length !== 3 || parts[1].toString("latin1") !== type.slice("ecdsa-sha2-".length))
  )
    return `has a key whose curve does not match ${type}`;
  return undefined;
}
