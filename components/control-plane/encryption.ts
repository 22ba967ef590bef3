/**
 * The encryption-at-rest keys (one protected RandomBytes per name of
 * `apiserver.encryptionKeys`) and the step that rewrites every Secret after the encrypting
 * key changed, so no Secret is left under a key that a later edit drops.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { remote } from "@pulumi/command";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KUBECONFIG } from "../../lib/paths";
import { withParameters } from "../../lib/shell";
import type { PlatformSpec } from "../../stacks/contract/spec";
import type { HostRef } from "../host";
import { asRoot } from "../host/render";

/** The checked-in rewrite script (see rewrite-secrets.sh for its parameters). */
export const REWRITE_SECRETS_SCRIPT = readFileSync(join(__dirname, "rewrite-secrets.sh"), "utf8");

/** Resource name of a key: the first key of the platform ("key1") keeps the original name. */
export function encryptionKeyResourceName(component: string, keyName: string): string {
  return keyName === "key1" ? `${component}-encryption-key` : `${component}-encryption-key-${keyName}`;
}

/** One 32-byte key per configured name, in config order; protected (losing one loses data). */
export function encryptionKeyResources(
  component: string,
  spec: Pick<PlatformSpec, "apiserver">,
  opts: pulumi.CustomResourceOptions,
): random.RandomBytes[] {
  return spec.apiserver.encryptionKeys.map(
    (keyName) =>
      new random.RandomBytes(encryptionKeyResourceName(component, keyName), { length: 32 }, { ...opts, protect: true }),
  );
}

/** The rewrite script for the current encrypting key (stdin of the step: a new key re-runs it). */
export function renderRewriteSecretsScript(spec: Pick<PlatformSpec, "apiserver">): string {
  return withParameters(REWRITE_SECRETS_SCRIPT, {
    ADMIN_KUBECONFIG: KUBECONFIG.admin,
    WRITE_KEY: spec.apiserver.encryptionKeys[0],
    TRIES: 3,
  });
}

/**
 * Rewrites every Secret once all apiservers run the current EncryptionConfiguration (after
 * `after`, the control plane's gate). Its stdin names only the encrypting key, so it runs
 * on the first rollout and again exactly when a different key is moved first.
 */
export function secretsRewrite(
  name: string,
  spec: PlatformSpec,
  host: HostRef,
  after: readonly pulumi.Resource[],
  parent: pulumi.Resource,
): remote.Command {
  return new remote.Command(
    name,
    {
      connection: host.connection,
      create: asRoot(spec),
      stdin: renderRewriteSecretsScript(spec),
      addPreviousOutputInEnv: false,
    },
    { parent, dependsOn: [...after], customTimeouts: { create: "30m", update: "30m" } },
  );
}
