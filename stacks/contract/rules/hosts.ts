/** Rules over the inventory and SSH: unique names and addresses, role counts, credentials. */
import { duplicates, hostsWith } from "./util";
import { defineRule } from "./types";

export const ssh = defineRule(["ssh"], (config, out) => {
  if (config.ssh.privateKey === undefined) {
    out.push({
      path: "ssh.privateKey",
      message: 'is required: set it with `pulumi config set --secret --path ssh.privateKey -- "$(cat key)"`',
    });
  }
});

/**
 * Every SSH connection pins the host key it expects, or the config says plainly that it
 * does not: without a pinned key, any machine answering on a host's address gets the
 * session (and the root commands and secrets it carries).
 */
export const hostKeys = defineRule(["ssh", "hosts"], (config, out, warnings) => {
  const fix =
    "pin it: ssh-keyscan -t ed25519 <address> | cut -d' ' -f2- (check the fingerprint out of band), or set ssh.verifyHostKeys: false to accept any key";
  if (!config.ssh.verifyHostKeys) {
    warnings.push({
      path: "ssh.verifyHostKeys",
      message:
        "is false: SSH host keys are not verified, so any machine answering on a host's address receives the root session and the secrets it carries; pin hosts[].hostKey and ssh.bastion.hostKey",
    });
    return;
  }
  config.hosts.forEach((h, i) => {
    if (h.hostKey === undefined)
      out.push({ path: `hosts[${i}].hostKey`, message: `is required for host "${h.name}" (${h.address}): ${fix}` });
  });
  if (config.ssh.bastion && config.ssh.bastion.hostKey === undefined)
    out.push({
      path: "ssh.bastion.hostKey",
      message: `is required for the bastion ${config.ssh.bastion.host}: ${fix}`,
    });
});

export const uniqueHosts = defineRule(["hosts"], (config, out) => {
  duplicates(
    config.hosts,
    (h) => h.name,
    (h, i, first) =>
      out.push({
        path: `hosts[${i}].name`,
        message: `"${h.name}" is already used by hosts[${first}]; host names must be unique`,
      }),
  );
  duplicates(
    config.hosts,
    (h) => h.address,
    (h, i, first) =>
      out.push({
        path: `hosts[${i}].address`,
        message: `${h.address} is already used by hosts[${first}]; addresses must be unique`,
      }),
  );
  config.hosts.forEach((h, i) =>
    duplicates(
      h.roles,
      (r) => r,
      (r) => out.push({ path: `hosts[${i}].roles`, message: `role "${r}" is listed twice` }),
    ),
  );
});

export const roleCounts = defineRule(["hosts"], (config, out) => {
  for (const role of ["etcd", "master", "worker"] as const) {
    if (hostsWith(config, role).length === 0)
      out.push({ path: "hosts", message: `needs at least one host with role "${role}"` });
  }
  const etcd = hostsWith(config, "etcd").length;
  if (etcd > 0 && (etcd < 3 || etcd % 2 === 0)) {
    out.push({
      path: "hosts",
      message: `has ${etcd} etcd host(s); etcd needs an odd number, at least 3 (3 or 5), to keep quorum through a failure`,
    });
  }
  const masters = hostsWith(config, "master").length;
  if (masters === 1)
    out.push({ path: "hosts", message: "has 1 master; a highly available control plane needs at least 2 masters" });
});
