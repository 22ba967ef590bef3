/**
 * The authorized_keys step of a host: `ssh.authorizedKeys` in a managed block of the login
 * user's authorized_keys, `ssh.revokedKeys` removed wherever they are listed. Pure
 * renderer; the Host registers the step only when either list is set.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAuthorizedKey } from "../../lib/sshPublicKey";
import { withParameters } from "../../lib/shell";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** The checked-in script (see authorized-keys.sh for its parameters). */
export const AUTHORIZED_KEYS_SCRIPT = readFileSync(join(__dirname, "authorized-keys.sh"), "utf8");

/** True when the config asks the platform to manage authorized_keys. */
export function managesAuthorizedKeys(spec: Pick<PlatformSpec, "ssh">): boolean {
  return spec.ssh.authorizedKeys.length > 0 || spec.ssh.revokedKeys.length > 0;
}

/**
 * The script for every host. Keys are lines the loader validated as plain public keys
 * (no options, no shell characters); they travel as quoted parameters, never spliced
 * into commands. `root` and `homeDir` are for tests under a temporary root.
 */
export function renderAuthorizedKeysScript(
  spec: Pick<PlatformSpec, "ssh">,
  test: { root?: string; homeDir?: string } = {},
): string {
  const { authorizedKeys, revokedKeys, user } = spec.ssh;
  for (const line of [...authorizedKeys, ...revokedKeys])
    if (/[\n\r'"`$\\;&|<>]/.test(line)) throw new Error(`not a plain public key line: ${JSON.stringify(line)}`);
  return withParameters(AUTHORIZED_KEYS_SCRIPT, {
    SSH_USER: user,
    AUTHORIZED_KEYS: authorizedKeys.join("\n"),
    REVOKED_BLOBS: revokedKeys.map((l) => parseAuthorizedKey(l).blob).join("\n"),
    ...(test.root !== undefined ? { ROOT: test.root } : {}),
    ...(test.homeDir !== undefined ? { HOME_DIR: test.homeDir } : {}),
  });
}
