/** Rules of the GlusterFS volume: geometry, storage hosts and their bricks, who may mount it. */
import { cidrContains, parseCidr, parseIpv4 } from "../../../lib/ipv4";
import { BRICK_PATH, brickMount, MANAGED_GLUSTER_OPTIONS } from "../schema/storage";
import { duplicates, hostsWith } from "./util";
import { defineRule } from "./types";

export const glusterfs = defineRule(["hosts", "storage", "workers"], (config, out, warnings) => {
  const gluster = config.storage.glusterfs;
  const storage = hostsWith(config, "storage");
  config.hosts.forEach((h, i) => {
    if (h.bricks.length > 0 && !h.roles.includes("storage"))
      out.push({ path: `hosts[${i}].bricks`, message: 'bricks are only used on hosts with role "storage"' });
  });
  if (!gluster) {
    if (storage.length > 0)
      warnings.push({
        path: "storage.glusterfs",
        message: "storage hosts are listed but no GlusterFS volume is configured; they get no storage role",
      });
    return;
  }
  for (const key of Object.keys(gluster.options)) {
    const owner = MANAGED_GLUSTER_OPTIONS[key];
    if (owner)
      out.push({
        path: `storage.glusterfs.options.${key}`,
        message: `is set by the platform from ${owner}; set that instead`,
      });
  }
  if (gluster.allowRootBricks)
    warnings.push({
      path: "storage.glusterfs.allowRootBricks",
      message: "bricks may sit on the root filesystem: a full volume then fills the hosts' root filesystems",
    });
  clientNetworks(config, gluster.clientNetworks, out);
  const { disperse, redundancy } = gluster;
  if (disperse < 3)
    out.push({
      path: "storage.glusterfs.disperse",
      message: `${disperse} is too small; a dispersed volume needs at least 3 bricks per set`,
    });
  if (redundancy < 1) out.push({ path: "storage.glusterfs.redundancy", message: `${redundancy} must be at least 1` });
  if (2 * redundancy >= disperse)
    out.push({
      path: "storage.glusterfs.redundancy",
      message: `${redundancy} is too high for disperse ${disperse}; GlusterFS needs 2 x redundancy < disperse`,
    });
  if (storage.length === 0) {
    out.push({ path: "hosts", message: 'storage.glusterfs needs hosts with role "storage"' });
    return;
  }
  storage.forEach(({ host, index }) => {
    if (host.bricks.length === 0)
      out.push({
        path: `hosts[${index}].bricks`,
        message: `storage host ${host.name} needs at least one brick directory`,
      });
    duplicates(
      host.bricks,
      (b) => b,
      (b, j) => out.push({ path: `hosts[${index}].bricks[${j}]`, message: `${b} is listed twice` }),
    );
    host.bricks.forEach((b, j) => {
      if (!BRICK_PATH.test(b))
        out.push({
          path: `hosts[${index}].bricks[${j}]`,
          message: `${JSON.stringify(b)} must be an absolute path of letters, digits and . _ - (no '.' or '..' segments)`,
        });
    });
    if (host.brickDevice && host.bricks.length > 0 && brickMount(host.bricks) === "/")
      out.push({
        path: `hosts[${index}].brickDevice`,
        message: `the bricks of ${host.name} (${host.bricks.join(", ")}) share no parent directory to mount ${host.brickDevice} on; put them under one directory such as /data/glusterfs`,
      });
  });
  const withBricks = storage.filter(({ host }) => host.bricks.length > 0);
  if (disperse >= 3 && withBricks.length < disperse) {
    out.push({
      path: "storage.glusterfs.disperse",
      message: `needs at least ${disperse} storage hosts with bricks (one brick per host in each disperse set); the inventory has ${withBricks.length}`,
    });
    return;
  }
  const total = withBricks.reduce((sum, { host }) => sum + host.bricks.length, 0);
  if (disperse >= 3 && total % disperse !== 0) {
    out.push({
      path: "storage.glusterfs.disperse",
      message: `the storage hosts hold ${total} bricks; a (distributed-)dispersed volume needs a multiple of ${disperse}`,
    });
  } else if (disperse >= 3) {
    const sets = total / disperse;
    withBricks.forEach(({ host, index }) => {
      if (host.bricks.length > sets)
        out.push({
          path: `hosts[${index}].bricks`,
          message: `${host.name} holds ${host.bricks.length} bricks but the volume has ${sets} disperse set(s); two bricks of one set would share a host`,
        });
    });
  }
  const data = disperse - redundancy;
  if (data > 0 && (data & (data - 1)) !== 0) {
    warnings.push({
      path: "storage.glusterfs",
      message: `disperse - redundancy = ${data} is not a power of two; GlusterFS works but performs best with 2, 4, 8 ... data bricks`,
    });
  }
});

/** Every host that mounts the volume (kubelet hosts) must lie in the configured client networks. */
function clientNetworks(
  config: {
    hosts: readonly { name: string; address: string; roles: readonly string[] }[];
    workers: { kubeletOnMasters: boolean };
  },
  networks: readonly string[] | undefined,
  out: { path: string; message: string }[],
): void {
  if (!networks) return;
  const parsed = networks.map((n) => parseCidr(n.includes("/") ? n : `${n}/32`));
  if (parsed.some((p) => p === undefined)) return;
  config.hosts.forEach((h, i) => {
    const mounts = h.roles.includes("worker") || (h.roles.includes("master") && config.workers.kubeletOnMasters);
    const address = parseIpv4(h.address);
    if (!mounts || address === undefined) return;
    if (!parsed.some((p) => p !== undefined && cidrContains(p, address)))
      out.push({
        path: `hosts[${i}].address`,
        message: `${h.name} (${h.address}) runs kubelet and mounts the GlusterFS volume but lies outside storage.glusterfs.clientNetworks (${networks.join(", ")})`,
      });
  });
}
