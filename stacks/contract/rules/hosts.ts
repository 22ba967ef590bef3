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
