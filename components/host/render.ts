/**
 * Pure renderers of the Host component: the SSH connection settings and the parameterised
 * baseline-prep script for one inventory host.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withParameters } from "../../lib/shell";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";

/** The checked-in prep script body (see prep.sh). */
export const PREP_SCRIPT = readFileSync(join(__dirname, "prep.sh"), "utf8");

/** SSH connection settings without the private key (which the component adds as a secret). */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly dialErrorLimit: number;
  readonly perDialTimeout: number;
  readonly hostKey?: string;
  readonly proxy?: { readonly host: string; readonly port: number; readonly user: string; readonly hostKey?: string };
}

/**
 * Connection settings for a host: inventory address, ssh defaults, optional bastion, and the
 * pinned host keys of the host and of the bastion hop (pulumi-command checks the bastion's
 * key only when the proxy carries one; without a key it accepts any).
 */
export function connectionSettings(spec: Pick<PlatformSpec, "ssh">, host: HostConfig): ConnectionSettings {
  const { ssh } = spec;
  return {
    host: host.address,
    port: ssh.port,
    user: ssh.user,
    dialErrorLimit: ssh.dialErrorLimit,
    perDialTimeout: ssh.perDialTimeout,
    ...(host.hostKey ? { hostKey: host.hostKey } : {}),
    ...(ssh.bastion
      ? {
          proxy: {
            host: ssh.bastion.host,
            port: ssh.bastion.port,
            user: ssh.bastion.user,
            ...(ssh.bastion.hostKey ? { hostKey: ssh.bastion.hostKey } : {}),
          },
        }
      : {}),
  };
}

/** Runs a script from stdin as root: directly when logged in as root, else through sudo. */
export function asRoot(spec: Pick<PlatformSpec, "ssh">, command = "bash -s"): string {
  return spec.ssh.user === "root" ? command : `sudo -n ${command}`;
}

/** The baseline-prep script for one host, its parameters set from the spec. */
export function renderPrepScript(spec: PlatformSpec, host: HostConfig): string {
  const { mirrors, cluster } = spec;
  return withParameters(PREP_SCRIPT, {
    HOST_NAME: host.name,
    HOST_TIMEZONE: cluster.timezone,
    HOST_NTP_SERVERS: cluster.ntpServers.join(" "),
    HOST_YUM_REPOS: mirrors.packages.yum.map((r) => `${r.id}|${r.baseurl}|${r.gpgkey ?? ""}`).join("\n"),
    HOST_APT_SOURCES: mirrors.packages.apt.join("\n"),
  });
}
