/**
 * The rendered storage-host prep script on a real block device (a loop device): XFS with
 * 512-byte inodes only on an empty device, an fstab entry by UUID, mounted, brick
 * directories; nothing done on a re-run; a device holding another filesystem is left alone
 * unless forceFormat; bricks on "the root filesystem" (here: the temp dir's) or bricks that
 * are mount points are refused, naming the host and the fix. Package installs and systemctl are recorded by stand-ins (no
 * systemd here); the fstab is a temp file.
 */
import { strict as assert } from "node:assert";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderPrepareScript } from "../../components/storage/render";
import type { GlusterConfig, HostConfig } from "../../stacks/contract/spec";
import { requireTool } from "../support/tools";
import { run } from "./cluster";

const gluster = (forceFormat: boolean, allowRootBricks = false): GlusterConfig => ({
  volume: "k8s-data",
  disperse: 4,
  redundancy: 1,
  options: {},
  forceFormat,
  allowRootBricks,
  pingTimeout: 42,
  enforceCapacity: true,
  provisionerChart: "0.0.37",
  storageClass: { name: "glusterfs", default: true, reclaimPolicy: "Retain" },
});

describe("storage host prep on a loop device", function () {
  this.timeout(120_000);
  let root = "";
  let device = "";
  let mountPoint = "";
  let env: NodeJS.ProcessEnv = {};

  const host = (): HostConfig => ({
    name: "gfs-test",
    address: "127.1.1.1",
    roles: ["storage"],
    labels: {},
    taints: [],
    bricks: [join(mountPoint, "brick1"), join(mountPoint, "brick2")],
    brickDevice: device,
  });
  const prep = (forceFormat = false) => {
    const r = run("bash", ["-s"], { input: renderPrepareScript(gluster(forceFormat), host()), timeoutMs: 60_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const blkid = (tag: string) => run("blkid", ["-o", "value", "-s", tag, device]).stdout.trim();

  before(function () {
    requireTool(this, "losetup", "mkfs.xfs", "mkfs.ext4", "blkid", "xfs_info", "findmnt", "mountpoint");
    root = mkdtempSync(join(tmpdir(), "k8s-platform-brickdev-"));
    const image = join(root, "disk.img");
    writeFileSync(image, "");
    run("truncate", ["-s", "320M", image]);
    const loop = run("losetup", ["-f", "--show", image]);
    if (loop.status !== 0) {
      if (process.env.CI === "true") throw new Error(`no loop device: ${loop.stderr}`);
      this.skip();
    }
    device = loop.stdout.trim();
    mountPoint = join(root, "data", "glusterfs");
    // Stand-ins: systemctl remembers enable/start, apt-get and yum only record.
    const bin = join(root, "bin");
    mkdirSync(bin);
    const state = join(root, "systemd");
    writeFileSync(
      join(bin, "systemctl"),
      `#!/bin/sh\necho "systemctl $*" >>"${root}/calls"\ncase "$1" in\n  is-enabled) [ -f "${state}.enabled" ] ;;\n  is-active) [ -f "${state}.active" ] ;;\n  enable) touch "${state}.enabled" ;;\n  start|restart) touch "${state}.active" ;;\nesac\n`,
    );
    writeFileSync(join(bin, "apt-get"), `#!/bin/sh\necho "apt-get $*" >>"${root}/calls"\n`);
    chmodSync(join(bin, "systemctl"), 0o755);
    chmodSync(join(bin, "apt-get"), 0o755);
    writeFileSync(join(root, "fstab"), "# test fstab\n");
    env = { ...process.env };
    process.env.PATH = `${bin}:${process.env.PATH ?? ""}`;
    process.env.FSTAB = join(root, "fstab");
  });

  after(function () {
    process.env.PATH = env.PATH;
    if (env.FSTAB === undefined) delete process.env.FSTAB;
    else process.env.FSTAB = env.FSTAB;
    if (mountPoint && run("mountpoint", ["-q", mountPoint]).status === 0) run("umount", [mountPoint]);
    if (device) run("losetup", ["-d", device]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("formats the empty device as XFS (512-byte inodes), mounts it by UUID and creates the bricks", function () {
    const r = prep();
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /formatted .* as XFS/);
    assert.equal(blkid("TYPE"), "xfs");
    assert.match(run("xfs_info", [mountPoint]).stdout, /isize=512/);
    const fstab = readFileSync(join(root, "fstab"), "utf8");
    assert.ok(fstab.includes(`UUID=${blkid("UUID")} ${mountPoint} xfs`), fstab);
    assert.equal(run("findmnt", ["-rn", "-o", "SOURCE", mountPoint]).stdout.trim(), device);
    for (const brick of host().bricks) assert.ok(existsSync(brick), brick);
    assert.match(readFileSync(join(root, "calls"), "utf8"), /systemctl enable glusterd/);
  });

  it("changes nothing on a re-run", function () {
    const uuid = blkid("UUID");
    const fstab = readFileSync(join(root, "fstab"), "utf8");
    writeFileSync(join(host().bricks[0], "data"), "kept");
    const r = prep();
    assert.equal(r.status, 0, r.out);
    assert.doesNotMatch(r.out, /formatted|added|mounted|created|enabled|started/);
    assert.equal(blkid("UUID"), uuid);
    assert.equal(readFileSync(join(root, "fstab"), "utf8"), fstab);
    assert.equal(readFileSync(join(host().bricks[0], "data"), "utf8"), "kept");
  });

  it("never formats a device holding another filesystem unless forceFormat", function () {
    run("umount", [mountPoint]);
    writeFileSync(join(root, "fstab"), "# test fstab\n");
    assert.equal(run("mkfs.ext4", ["-q", "-F", device]).status, 0);
    const uuid = blkid("UUID");
    const refused = prep(false);
    assert.notEqual(refused.status, 0);
    assert.match(refused.out, /already holds a ext4 filesystem; not formatting it/);
    assert.equal(blkid("TYPE"), "ext4");
    assert.equal(blkid("UUID"), uuid);
    const forced = prep(true);
    assert.equal(forced.status, 0, forced.out);
    assert.match(forced.out, /formatted .* \(it held ext4; forceFormat is set\)/);
    assert.equal(blkid("TYPE"), "xfs");
    // Once it is ours, forceFormat does not format it again.
    const again = prep(true);
    assert.equal(again.status, 0, again.out);
    assert.doesNotMatch(again.out, /formatted/);
  });

  it("refuses bricks on the root filesystem, naming the host and the fix, unless allowRootBricks", function () {
    // "Root" is the temp dir's filesystem here; the bricks sit on it, no device mounted.
    const plain = (allow: boolean) =>
      run("bash", ["-s"], {
        input: renderPrepareScript(
          gluster(false, allow),
          { ...host(), name: "gfs-root", bricks: [join(root, "rootfs", "brick1")], brickDevice: undefined },
          { rootFs: root },
        ),
        timeoutMs: 60_000,
      });
    const refused = plain(false);
    assert.notEqual(refused.status, 0);
    assert.match(
      refused.stderr,
      /\[storage-prep gfs-root\] brick .*rootfs\/brick1 is on the root filesystem, which GlusterFS refuses without force: set hosts\[\]\.brickDevice for gfs-root, mount a filesystem on .*rootfs, or set storage\.glusterfs\.allowRootBricks: true/,
    );
    assert.ok(!existsSync(join(root, "rootfs")), "nothing created on the root filesystem");
    const allowed = plain(true);
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.ok(existsSync(join(root, "rootfs", "brick1")));
  });

  it("refuses a brick that is itself a mount point", function () {
    if (run("mountpoint", ["-q", mountPoint]).status !== 0) assert.equal(prep(true).status, 0);
    const r = run("bash", ["-s"], {
      input: renderPrepareScript(
        gluster(false),
        { ...host(), bricks: [mountPoint], brickDevice: undefined },
        { rootFs: root },
      ),
      timeoutMs: 60_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /brick .* is itself a mount point; GlusterFS refuses that: use a sub-directory of it/);
  });
});
