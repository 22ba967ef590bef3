/**
 * Rules of the rotation settings: CA generations and phases, encryption key names, and
 * the SSH keys the platform authorizes or revokes on the hosts (docs/operations/rotate-*.md,
 * encryption-key.md).
 */
import { fingerprintOf, parseAuthorizedKey, publicBlobOfPrivateKey } from "../../../lib/sshPublicKey";
import { duplicates } from "./util";
import { defineRule } from "./types";

/** `switch` trusts generation - 1 beside the new one, so there must be one. */
export const caRotation = defineRule(["pki"], (config, out) => {
  const { caGeneration, caRotation: phase } = config.pki;
  if (phase === "switch" && caGeneration < 2)
    out.push({
      path: "pki.caRotation",
      message: `is switch but pki.caGeneration is ${caGeneration}: switch signs with the raised generation and trusts the one before it; raise pki.caGeneration by one together with switch (docs/operations/rotate-ca.md)`,
    });
});

/** Key names are unique: the apiserver picks the decrypting key by the name stored with the object. */
export const encryptionKeys = defineRule(["apiserver"], (config, out) => {
  duplicates(
    config.apiserver.encryptionKeys,
    (k) => k,
    (k, i, first) =>
      out.push({
        path: `apiserver.encryptionKeys[${i}]`,
        message: `"${k}" is already apiserver.encryptionKeys[${first}]; every key needs its own name`,
      }),
  );
});

/**
 * Authorized and revoked keys: each key once, never both, and never revoke the key the
 * program connects with (the hosts would refuse it from that step on).
 */
export const sshKeys = defineRule(["ssh"], (config, out, warnings) => {
  const { authorizedKeys, revokedKeys, privateKey } = config.ssh;
  const blob = (line: string) => parseAuthorizedKey(line).blob;
  for (const [key, list] of [
    ["authorizedKeys", authorizedKeys],
    ["revokedKeys", revokedKeys],
  ] as const) {
    duplicates(list, blob, (_line, i, first) =>
      out.push({ path: `ssh.${key}[${i}]`, message: `is the same key as ssh.${key}[${first}]` }),
    );
  }
  const authorized = new Set(authorizedKeys.map(blob));
  revokedKeys.forEach((line, i) => {
    if (authorized.has(blob(line)))
      out.push({
        path: `ssh.revokedKeys[${i}]`,
        message: `${fingerprintOf(blob(line))} is also in ssh.authorizedKeys; a key is either kept or revoked`,
      });
  });
  const own = privateKey ? publicBlobOfPrivateKey(privateKey) : undefined;
  if (own === undefined) return;
  const i = revokedKeys.findIndex((line) => blob(line) === own);
  if (i >= 0)
    out.push({
      path: `ssh.revokedKeys[${i}]`,
      message: `${fingerprintOf(own)} is the public half of ssh.privateKey: revoking it locks the program out of every host; switch ssh.privateKey to the new key first (docs/operations/rotate-ssh-key.md)`,
    });
  if (authorizedKeys.length > 0 && !authorized.has(own))
    warnings.push({
      path: "ssh.authorizedKeys",
      message: `does not list ${fingerprintOf(own)}, the public half of ssh.privateKey: the hosts must authorize it some other way, or the program cannot log in`,
    });
});
