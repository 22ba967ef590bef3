/** Rules of the GlusterFS volume: geometry, storage hosts and their bricks. */
import { duplicates, hostsWith } from "./util";
import { defineRule } from "./types";

export const glusterfs = defineRule(["hosts", "storage"], (config, out, warnings) => {
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
