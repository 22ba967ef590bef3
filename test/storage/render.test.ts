/** Storage renderers: scripts pass shellcheck, the plan follows the config, k8s objects validate. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import {
  PROVISIONER,
  renderExampleClaim,
  renderProvisionerValues,
  renderStorageClass,
} from "../../components/storage/kube";
import { brickId } from "../../components/storage/layout";
import {
  mountPath,
  renderMountInstallScript,
  renderMountService,
  renderMountVolumeScript,
  volfileServers,
} from "../../components/storage/mount";
import {
  renderProvisionerSetup,
  renderProvisionerTeardown,
  renderQuotaAgentScript,
  renderQuotaReconcileScript,
} from "../../components/storage/quota";
import {
  authAllow,
  authPattern,
  brickMount,
  planSpecVolume,
  renderPrepareScript,
  renderVolumeScript,
} from "../../components/storage/render";
import { load } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig, REPO_ROOT } from "../support/config";
import { requireTool } from "../support/tools";

type Raw = Record<string, unknown> & { storage: { glusterfs: Record<string, unknown> } };

function spec(edit?: (raw: Raw) => void): PlatformSpec {
  const raw = clone(prodConfig()) as Raw;
  edit?.(raw);
  const result = load(raw);
  if (!result.ok) throw new Error(`config does not load: ${JSON.stringify(result)}`);
  return result.spec;
}

const gluster = (s: PlatformSpec) => {
  if (!s.storage.glusterfs) throw new Error("prod config has no storage.glusterfs");
  return s.storage.glusterfs;
};

/** `exclude`: SC2016 for install scripts, whose parameters hold whole scripts as literal ('...') text. */
function shellcheck(script: string, name: string, shell = "bash", exclude: string[] = []): void {
  const args = ["-s", shell, ...exclude.map((e) => `--exclude=${e}`), "-"];
  const r = spawnSync("shellcheck", args, { input: script, encoding: "utf8", cwd: REPO_ROOT });
  assert.equal(r.status, 0, `${name}: shellcheck found problems:\n${r.stdout}${r.stderr}`);
}

/** The value a rendered bash script assigns to NAME (single-quoted or bare). */
function param(script: string, name: string): string | undefined {
  const m = new RegExp(`^${name}=(?:'((?:[^']|'\\\\'')*)'|(\\S*))$`, "m").exec(script);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2];
}

describe("storage renderers", function () {
  describe("volume plan", function () {
    it("probes every other storage host from the first and lays out the prod bricks in 4 sets of 4 + 1", function () {
      const s = spec();
      const plan = planSpecVolume(s);
      assert.deepEqual(
        plan.peers,
        s.topology.storage.slice(1).map((h) => h.address),
      );
      assert.equal(plan.sets.length, 4);
      assert.ok(plan.sets.every((set) => set.length === 5));
      assert.equal(plan.volume, "k8s-data");
      assert.deepEqual(
        plan.options.map(([k]) => k),
        [...plan.options.map(([k]) => k)].sort(),
      );
    });

    it("manages auth.allow, the ping timeout and the quota options", function () {
      const s = spec();
      const options = new Map(planSpecVolume(s).options);
      assert.equal(
        options.get("auth.allow"),
        ["127.0.0.1", ...s.topology.storage.map((h) => h.address), "10.10.1.*", "10.10.2.*"].join(","),
      );
      assert.equal(options.get("network.ping-timeout"), String(gluster(s).pingTimeout));
      assert.equal(options.get("features.hard-timeout"), "1");
      assert.equal(options.get("features.soft-timeout"), "5");
      assert.equal(options.get("features.quota-deem-statfs"), "on");
      const plain = planSpecVolume(
        spec((raw) => {
          raw.storage.glusterfs.enforceCapacity = false;
          delete raw.storage.glusterfs.clientNetworks;
        }),
      );
      assert.equal(plain.quota, false);
      assert.ok(!plain.options.some(([k]) => k.startsWith("features.")));
      // Without clientNetworks: every kubelet host by address.
      const allow = new Map(plain.options).get("auth.allow") ?? "";
      for (const node of s.topology.nodes) assert.ok(allow.split(",").includes(node.address), node.name);
    });

    it("renders whole-octet networks as auth.allow patterns (GlusterFS's CIDR match is wrong for other prefixes)", function () {
      assert.equal(authPattern("10.10.2.0/24"), "10.10.2.*");
      assert.equal(authPattern("10.10.0.0/16"), "10.10.*");
      assert.equal(authPattern("10.0.0.0/8"), "10.*");
      assert.equal(authPattern("10.10.2.7/32"), "10.10.2.7");
      assert.equal(authPattern("10.10.2.7"), "10.10.2.7");
      assert.equal(
        authAllow({ clientNetworks: ["10.10.2.0/24"] }, ["10.10.3.11", "10.10.3.11"], []),
        "127.0.0.1,10.10.3.11,10.10.2.*",
      );
    });

    it("renders the volume script with the geometry, the sets one per line, the options and quota", function () {
      const s = spec();
      const plan = planSpecVolume(s);
      const script = renderVolumeScript(plan);
      assert.equal(param(script, "VOLUME"), "k8s-data");
      assert.equal(param(script, "DISPERSE"), String(gluster(s).disperse));
      assert.equal(param(script, "QUOTA"), "1");
      assert.equal(param(script, "FORCE"), "0");
      assert.deepEqual(
        param(script, "BRICK_SETS")?.split("\n"),
        plan.sets.map((set) => set.map(brickId).join(" ")),
      );
      assert.match(param(script, "OPTIONS") ?? "", /^auth\.allow=127\.0\.0\.1,/m);
      assert.match(script, /volume create "\$VOLUME" disperse "\$DISPERSE" redundancy "\$REDUNDANCY" transport tcp/);
      assert.ok(script.startsWith("#!/usr/bin/env bash\nset -euo pipefail\n"));
      const forced = renderVolumeScript(planSpecVolume(spec((raw) => (raw.storage.glusterfs.allowRootBricks = true))));
      assert.equal(param(forced, "FORCE"), "1");
    });

    it("is deterministic (same config, same script)", function () {
      assert.equal(renderVolumeScript(planSpecVolume(spec())), renderVolumeScript(planSpecVolume(spec())));
    });
  });

  describe("host preparation", function () {
    it("formats nothing without brickDevice, mounts the device on the bricks' common parent, checks root bricks", function () {
      const s = spec();
      const host = s.topology.storage[0];
      const plain = renderPrepareScript(gluster(s), host);
      assert.equal(param(plain, "BRICK_DEVICE"), "");
      assert.equal(param(plain, "PACKAGES"), "glusterfs-server xfsprogs");
      assert.equal(param(plain, "ALLOW_ROOT_BRICKS"), "0");
      assert.equal(param(plain, "ROOT_FS"), "/");
      const withDevice = renderPrepareScript(gluster(s), { ...host, brickDevice: "/dev/sdb" });
      assert.equal(param(withDevice, "BRICK_DEVICE"), "/dev/sdb");
      assert.equal(param(withDevice, "BRICK_MOUNT"), "/data/glusterfs");
      assert.match(withDevice, /mkfs\.xfs -q -i size=512/);
      assert.match(withDevice, /is on the root filesystem, which GlusterFS refuses without force/);
    });

    it("computes the brick mount: the deepest common parent", function () {
      assert.equal(brickMount(["/data/glusterfs/brick1"]), "/data/glusterfs");
      assert.equal(brickMount(["/data/glusterfs/brick1", "/data/glusterfs/brick2"]), "/data/glusterfs");
      assert.equal(brickMount(["/srv/a/brick1", "/srv/b/brick2"]), "/srv");
      assert.equal(brickMount(["/a/b1", "/b/b2"]), "/");
    });
  });

  describe("client mounts", function () {
    it("every kubelet host mounts at the provisioner's shared path, asking the storage hosts in a per-host order", function () {
      const storage = ["10.10.3.11", "10.10.3.12", "10.10.3.13"];
      const orders = ["node-001", "node-002", "node-003", "node-004", "node-005", "node-006"].map((n) =>
        volfileServers(n, storage),
      );
      for (const order of orders) assert.deepEqual([...order].sort(), storage);
      assert.ok(new Set(orders.map((o) => o[0])).size > 1, "clients spread over the storage hosts");
      assert.deepEqual(volfileServers("node-001", storage), volfileServers("node-001", storage));
      const script = renderMountVolumeScript({ volume: "k8s-data" }, "node-001", storage);
      assert.equal(param(script, "MOUNT"), mountPath("k8s-data"));
      assert.equal(param(script, "SERVERS"), volfileServers("node-001", storage).join(" "));
      assert.match(
        renderMountService("k8s-data", 3),
        /^ExecStart=\/usr\/local\/libexec\/k8s-platform\/glusterfs-mount-k8s-data$/m,
      );
    });
  });

  describe("capacity", function () {
    it("helper scripts record sizes only with enforceCapacity; the agent removes itself without it", function () {
      const on = { volume: "k8s-data", enforceCapacity: true };
      const off = { volume: "k8s-data", enforceCapacity: false };
      assert.match(renderProvisionerSetup(on), /^set -eu\nQUOTA=1$/m);
      assert.match(renderProvisionerSetup(off), /^set -eu\nQUOTA=0$/m);
      assert.match(renderProvisionerTeardown(on), /^QUOTA=1$/m);
      assert.equal(param(renderQuotaAgentScript(on, "gfs-01"), "ENFORCE"), "1");
      assert.equal(param(renderQuotaAgentScript(off, "gfs-01"), "ENFORCE"), "0");
    });
  });

  describe("scripts pass shellcheck", function () {
    before(function () {
      requireTool(this, "shellcheck");
    });
    it("the checked-in scripts and every rendered script", function () {
      const s = spec((raw) => {
        const hosts = raw.hosts as { roles: string[]; brickDevice?: string }[];
        const storage = hosts.find((h) => h.roles.includes("storage"));
        if (storage) storage.brickDevice = "/dev/sdb";
      });
      const g = gluster(s);
      const servers = s.topology.storage.slice(0, 3).map((h) => h.address);
      shellcheck(renderVolumeScript(planSpecVolume(s)), "volume script");
      shellcheck(
        renderVolumeScript(planSpecVolume(s), { glusterdSock: "/tmp/x y/gd.sock", force: true }),
        "volume script (test target)",
      );
      for (const host of s.topology.storage.slice(0, 2))
        shellcheck(renderPrepareScript(g, host), `prepare ${host.name}`);
      shellcheck(renderMountInstallScript(g, "node-001", servers), "mount install", "bash", ["SC2016"]);
      shellcheck(renderMountVolumeScript(g, "node-001", servers), "mount volume");
      shellcheck(renderQuotaAgentScript(g, "gfs-01"), "quota agent", "bash", ["SC2016"]);
      shellcheck(renderQuotaReconcileScript(g), "quota reconcile");
      shellcheck(renderProvisionerSetup(g), "provisioner setup", "sh");
      shellcheck(renderProvisionerTeardown(g), "provisioner teardown", "sh");
      const dir = join(REPO_ROOT, "components", "storage");
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".sh"))) {
        const shell = file.startsWith("provisioner-") ? "sh" : "bash";
        const r = spawnSync("shellcheck", ["-s", shell, join(dir, file)], { encoding: "utf8" });
        assert.equal(r.status, 0, `${file}: ${r.stdout}`);
      }
    });
  });

  describe("Kubernetes objects", function () {
    it("the StorageClass validates and follows the config (Retain by default, default-class annotation)", function () {
      const obj = renderStorageClass(gluster(spec()));
      new StorageClass(obj as unknown as ConstructorParameters<typeof StorageClass>[0]).validate();
      assert.equal(obj.metadata.name, "glusterfs");
      assert.equal(obj.reclaimPolicy, "Retain");
      assert.equal(obj.provisioner, PROVISIONER.name);
      assert.equal(obj.volumeBindingMode, "Immediate");
      assert.equal(obj.allowVolumeExpansion, false);
      assert.equal(obj.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
      assert.equal(obj.mountOptions, undefined, "the node's mount carries the options");
    });

    it("a non-default class with Delete", function () {
      const s = spec((raw) => {
        raw.storage.glusterfs.storageClass = { name: "gluster-scratch", default: false, reclaimPolicy: "Delete" };
      });
      const obj = renderStorageClass(gluster(s));
      new StorageClass(obj as unknown as ConstructorParameters<typeof StorageClass>[0]).validate();
      assert.equal(obj.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "false");
      assert.equal(obj.reclaimPolicy, "Delete");
    });

    it("an invalid StorageClass is caught by the schema check (the check can fail)", function () {
      const bad = { ...renderStorageClass(gluster(spec())), reclaimPolicy: 7 };
      assert.throws(() => new StorageClass(bad as unknown as ConstructorParameters<typeof StorageClass>[0]).validate());
    });

    it("the docs' example claim validates", function () {
      const claim = renderExampleClaim("search-api", "redis-data", "glusterfs", "20Gi");
      new PersistentVolumeClaim(claim as unknown as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
    });

    it("the provisioner runs on the shared mount with both images from the private registry", function () {
      const s = spec();
      const values = renderProvisionerValues(s, gluster(s)) as {
        image: { repository: string; tag: string };
        helperImage: { repository: string; tag: string };
        storageClass: { create: boolean; provisionerName: string };
        nodePathMap: unknown[];
        sharedFileSystemPath: string;
        replicaCount: number;
        configmap: { setup: string; teardown: string };
      };
      assert.equal(values.image.repository, "reg.example.internal/platform/rancher/local-path-provisioner");
      assert.equal(values.image.tag, `v${gluster(s).provisionerChart}`);
      assert.equal(values.helperImage.repository, "reg.example.internal/platform/library/busybox");
      assert.match(values.helperImage.tag, /^\d+\.\d+\.\d+$/, "a pinned tag, not latest");
      assert.deepEqual(values.storageClass, { create: false, provisionerName: PROVISIONER.name });
      assert.deepEqual(values.nodePathMap, []);
      assert.equal(values.sharedFileSystemPath, mountPath("k8s-data"));
      assert.equal(values.replicaCount, 1, "no leader election upstream");
      assert.equal(values.configmap.setup, renderProvisionerSetup(gluster(s)));
    });
  });
});
