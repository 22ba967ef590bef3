/** Storage renderers: scripts pass shellcheck, the plan follows the config, k8s objects validate. */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import {
  brickHosts,
  brickMount,
  nfsServer,
  planVolume,
  renderCsiDriverValues,
  renderExampleClaim,
  renderGaneshaConfig,
  renderGaneshaScript,
  renderPrepareScript,
  renderStorageClass,
  renderVolumeScript,
} from "../../components/storage/render";
import { brickId } from "../../components/storage/layout";
import { load } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig, REPO_ROOT } from "../support/config";
import { requireTool } from "../support/tools";

function spec(edit?: (raw: Record<string, unknown>) => void): PlatformSpec {
  const raw = clone(prodConfig());
  edit?.(raw);
  const result = load(raw);
  if (!result.ok) throw new Error(`prod config does not load: ${JSON.stringify(result)}`);
  return result.spec;
}

const gluster = (s: PlatformSpec) => {
  if (!s.storage.glusterfs) throw new Error("prod config has no storage.glusterfs");
  return s.storage.glusterfs;
};

function shellcheck(script: string, name: string): void {
  const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script, encoding: "utf8", cwd: REPO_ROOT });
  assert.equal(r.status, 0, `${name}: shellcheck found problems:\n${r.stdout}${r.stderr}`);
}

describe("storage renderers", function () {
  describe("volume plan", function () {
    it("probes every other storage host from the first and lays out the prod bricks in 5 sets", function () {
      const s = spec();
      const plan = planVolume(gluster(s), brickHosts(s.topology.storage));
      assert.deepEqual(
        plan.peers,
        s.topology.storage.slice(1).map((h) => h.address),
      );
      assert.equal(plan.sets.length, 5);
      assert.equal(plan.volume, "k8s-data");
      assert.deepEqual(
        plan.options.map(([k]) => k),
        [...plan.options.map(([k]) => k)].sort(),
      );
    });

    it("renders the volume script with the geometry, the sets one per line and the options", function () {
      const s = spec();
      const plan = planVolume(gluster(s), brickHosts(s.topology.storage));
      const script = renderVolumeScript(plan);
      assert.match(script, /^VOLUME=k8s-data$/m);
      assert.match(script, /^DISPERSE=4$/m);
      assert.match(script, /^REDUNDANCY=1$/m);
      assert.match(script, /^FORCE=0$/m);
      const sets = /^BRICK_SETS='([^']*)'$/m.exec(script)?.[1].split("\n") ?? [];
      assert.deepEqual(
        sets,
        plan.sets.map((set) => set.map(brickId).join(" ")),
      );
      assert.match(script, /disperse\.eager-lock=on/);
      assert.match(script, /volume create "\$VOLUME" disperse "\$DISPERSE" redundancy "\$REDUNDANCY" transport tcp/);
      assert.ok(script.startsWith("#!/usr/bin/env bash\nset -euo pipefail\n"));
    });

    it("is deterministic (same config, same script)", function () {
      const a = spec();
      const b = spec();
      assert.equal(
        renderVolumeScript(planVolume(gluster(a), brickHosts(a.topology.storage))),
        renderVolumeScript(planVolume(gluster(b), brickHosts(b.topology.storage))),
      );
    });
  });

  describe("host preparation", function () {
    it("formats nothing without brickDevice, and mounts the device on the bricks' common parent", function () {
      const s = spec();
      const host = s.topology.storage[0];
      const plain = renderPrepareScript(gluster(s), host);
      assert.match(plain, /^BRICK_DEVICE=''$/m);
      assert.match(plain, /^PACKAGES='glusterfs-server xfsprogs nfs-ganesha nfs-ganesha-gluster'$/m);
      const withDevice = renderPrepareScript(gluster(s), { ...host, brickDevice: "/dev/sdb" });
      assert.match(withDevice, /^BRICK_DEVICE=\/dev\/sdb$/m);
      assert.match(withDevice, /^BRICK_MOUNT=\/data\/glusterfs$/m);
      assert.match(withDevice, /^FORCE_FORMAT=0$/m);
      assert.match(withDevice, /mkfs\.xfs -q -i size=512/);
      assert.match(withDevice, /blkid -o value -s TYPE/);
    });

    it("refuses a brickDevice whose bricks share no parent", function () {
      const s = spec();
      assert.throws(
        () =>
          renderPrepareScript(gluster(s), {
            ...s.topology.storage[0],
            bricks: ["/a/b1", "/b/b2"],
            brickDevice: "/dev/sdb",
          }),
        /share no parent/,
      );
      assert.equal(brickMount(["/data/glusterfs/brick1"]), "/data/glusterfs");
      assert.equal(brickMount(["/srv/a/brick1", "/srv/b/brick2"]), "/srv");
    });
  });

  describe("NFS-Ganesha export", function () {
    it("exports the volume over NFSv4 through FSAL_GLUSTER", function () {
      const conf = renderGaneshaConfig("k8s-data");
      assert.match(conf, /Name = GLUSTER;/);
      assert.match(conf, /Volume = "k8s-data";/);
      assert.match(conf, /Pseudo = "\/k8s-data";/);
      assert.match(conf, /Squash = No_Root_Squash;/);
      assert.equal((conf.match(/{/g) ?? []).length, (conf.match(/}/g) ?? []).length, "balanced blocks");
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
      shellcheck(renderVolumeScript(planVolume(g, brickHosts(s.topology.storage))), "volume script");
      shellcheck(
        renderVolumeScript(planVolume(g, brickHosts(s.topology.storage)), {
          glusterdSock: "/tmp/x y/gd.sock",
          force: true,
        }),
        "volume script (test target)",
      );
      for (const host of s.topology.storage.slice(0, 2))
        shellcheck(renderPrepareScript(g, host), `prepare ${host.name}`);
      shellcheck(renderGaneshaScript(s.topology.storage[0], g.volume), "ganesha");
      for (const file of ["volume.sh", "prepare-host.sh", "ganesha.sh"]) {
        const r = spawnSync("shellcheck", [`components/storage/${file}`], { encoding: "utf8", cwd: REPO_ROOT });
        assert.equal(r.status, 0, `${file}: ${r.stdout}`);
      }
    });
  });

  describe("Kubernetes objects", function () {
    it("the StorageClass validates and follows the config (Retain by default, default-class annotation)", function () {
      const s = spec();
      const obj = renderStorageClass(gluster(s), nfsServer(s));
      new StorageClass(obj as unknown as ConstructorParameters<typeof StorageClass>[0]).validate();
      assert.equal(obj.metadata.name, "glusterfs");
      assert.equal(obj.reclaimPolicy, "Retain");
      assert.equal(obj.provisioner, "nfs.csi.k8s.io");
      assert.equal(obj.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
      assert.deepEqual(obj.parameters, {
        server: s.topology.storage[0].address,
        share: "/k8s-data",
        subDir: "${pvc.metadata.namespace}/${pvc.metadata.name}-${pv.metadata.name}",
      });
    });

    it("a non-default class with Delete, and storage.glusterfs.nfsServer as the server", function () {
      const s = spec((raw) => {
        const storage = raw.storage as { glusterfs: { storageClass: Record<string, unknown> } };
        storage.glusterfs.storageClass = { name: "gluster-scratch", default: false, reclaimPolicy: "Delete" };
        (storage.glusterfs as Record<string, unknown>).nfsServer = "nfs.storage.example.internal";
      });
      const obj = renderStorageClass(gluster(s), nfsServer(s));
      new StorageClass(obj as unknown as ConstructorParameters<typeof StorageClass>[0]).validate();
      assert.equal(obj.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "false");
      assert.equal(obj.reclaimPolicy, "Delete");
      assert.equal((obj.parameters as Record<string, string>).server, "nfs.storage.example.internal");
    });

    it("an invalid StorageClass is caught by the schema check (the check can fail)", function () {
      const s = spec();
      const bad = { ...renderStorageClass(gluster(s), nfsServer(s)), reclaimPolicy: 7 };
      assert.throws(() => new StorageClass(bad as unknown as ConstructorParameters<typeof StorageClass>[0]).validate());
    });

    it("the example claim of the README validates", function () {
      const claim = renderExampleClaim("search-api", "redis-data", "glusterfs", "20Gi");
      new PersistentVolumeClaim(claim as unknown as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
    });

    it("pulls every csi-driver-nfs image from the private registry", function () {
      const values = renderCsiDriverValues(spec()) as {
        image: { baseRepo: string; nfs: { repository: string } };
        storageClass: { create: boolean };
      };
      assert.equal(values.image.baseRepo, "reg.example.internal/platform");
      assert.equal(values.image.nfs.repository, "reg.example.internal/platform/sig-storage/nfsplugin");
      assert.equal(values.storageClass.create, false);
    });
  });
});
