/**
 * Host: one inventory host. Owns its SSH connection and the baseline OS preparation every
 * other component on the host waits for.
 */
import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { managesAuthorizedKeys, renderAuthorizedKeysScript } from "./authorizedKeys";
import { asRoot, connectionSettings, renderPrepScript } from "./render";

/** Arguments of a Host. */
export interface HostArgs {
  /** The inventory entry (`hosts[]` in the stack config). */
  readonly host: HostConfig;
  /** The platform spec (ssh settings, time, package mirrors). */
  readonly spec: PlatformSpec;
  /** SSH private key; a Pulumi secret. */
  readonly privateKey: pulumi.Input<string>;
}

/** What other components need of a host: where it is, how to reach it, when it is prepared. */
export interface HostRef {
  readonly name: string;
  readonly address: string;
  /** SSH connection for `remote.Command` / `remote.CopyToRemote` (secret: holds the key). */
  readonly connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  /** The baseline preparation; depend on it before installing anything on the host. */
  readonly ready: pulumi.Resource;
  /**
   * The id of the baseline preparation. It changes only when the prep step is replaced,
   * i.e. the machine was rebuilt (`pulumi up --replace <prep URN>`): every step that puts
   * files or services on the host lists it in its `triggers`, so a new machine with the
   * same name and address gets all of them again.
   */
  readonly provisioned: pulumi.Input<string>;
}

/**
 * An inventory host: SSH connection (with bastion, pinned host key and dial limits so an
 * unreachable host fails in minutes) and the idempotent baseline prep, re-run only when
 * the rendered script changes.
 */
export class Host extends pulumi.ComponentResource implements HostRef {
  readonly name: string;
  readonly address: string;
  readonly connection: pulumi.Output<types.input.remote.ConnectionArgs>;
  readonly ready: remote.Command;
  readonly provisioned: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:host:Host", name, {}, opts);
    const { host, spec } = args;
    this.name = host.name;
    this.address = host.address;
    const settings = connectionSettings(spec, host);
    this.connection = pulumi.secret(
      pulumi.output(args.privateKey).apply((privateKey) => ({
        ...settings,
        privateKey,
        ...(settings.proxy ? { proxy: { ...settings.proxy, privateKey } } : {}),
      })),
    );
    this.ready = new remote.Command(
      `${name}-prep`,
      {
        connection: this.connection,
        create: asRoot(spec),
        stdin: renderPrepScript(spec, host),
        addPreviousOutputInEnv: false,
      },
      { parent: this },
    );
    this.provisioned = this.ready.id;
    // ssh.authorizedKeys / revokedKeys (docs/operations/rotate-ssh-key.md): an edit re-runs
    // it in place (stdin), a rebuilt machine gets it again (triggers); no delete command.
    if (managesAuthorizedKeys(spec))
      new remote.Command(
        `${name}-authorized-keys`,
        {
          connection: this.connection,
          create: asRoot(spec),
          stdin: renderAuthorizedKeysScript(spec),
          triggers: [this.ready.id],
          addPreviousOutputInEnv: false,
        },
        { parent: this, dependsOn: [this.ready] },
      );
    this.registerOutputs({ address: this.address, ready: this.ready.id });
  }
}
