/**
 * Every systemd unit the platform installs, checked by systemd itself: `systemd-analyze
 * verify` under a root holding the distribution's own units and stand-ins for the binaries
 * the units start (and for docker.service, which Docker's package brings). It reports
 * unknown keys (LoadCredential= included), missing binaries and broken dependencies; any
 * output fails.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { renderApiServerUnit } from "../../components/control-plane/renderApiserver";
import { renderControllerManagerUnit, renderSchedulerUnit } from "../../components/control-plane/renderControllers";
import {
  planEtcd,
  renderBackupService,
  renderBackupTimer,
  renderEtcdFlags,
  renderEtcdUnit,
} from "../../components/etcd/render";
import { renderHarborUnit, renderKeepalivedUnit } from "../../components/registry/render";
import { renderKubeletUnit, renderKubeProxyUnit } from "../../components/worker/render";
import { renderContainerdUnit } from "../../components/worker/renderRuntime";
import { loadOrThrow } from "../../stacks/contract/load";
import { prodConfig } from "../support/config";
import { requireTool } from "../support/tools";

/** The distribution's unit directory (Debian: /usr/lib/systemd/system, via the /lib symlink). */
const SYSTEM_UNITS = ["/usr/lib/systemd/system", "/lib/systemd/system"].find((d) =>
  existsSync(join(d, "sysinit.target")),
);

describe("systemd units (systemd-analyze verify)", function () {
  this.timeout(60_000);
  let root = "";
  const spec = loadOrThrow(prodConfig()).spec;
  const plan = planEtcd(spec);
  const master = spec.topology.masters[0];
  const worker = spec.topology.workers[0];
  const units: Record<string, string> = {
    "kube-apiserver.service": renderApiServerUnit(spec, master),
    "kube-controller-manager.service": renderControllerManagerUnit(spec),
    "kube-scheduler.service": renderSchedulerUnit(),
    "etcd.service": renderEtcdUnit(plan.members[0], renderEtcdFlags(spec, plan, plan.members[0])),
    "etcd-backup.service": renderBackupService(spec),
    "etcd-backup.timer": renderBackupTimer(spec),
    "kubelet.service": renderKubeletUnit({ spec, host: worker, controlPlane: false }),
    "kube-proxy.service": renderKubeProxyUnit(),
    "containerd.service": renderContainerdUnit(),
    "harbor.service": renderHarborUnit(),
    "harbor-keepalived.service": renderKeepalivedUnit(),
  };

  before(function () {
    requireTool(this, "systemd-analyze");
    if (!SYSTEM_UNITS) {
      if (process.env.CI === "true") throw new Error("no systemd unit directory (install systemd)");
      this.skip();
    }
    root = mkdtempSync(join(tmpdir(), "units-"));
    cpSync(SYSTEM_UNITS, join(root, "usr/lib/systemd/system"), { recursive: true, dereference: false });
    // Stand-ins for what the units run, where the installers put it.
    for (const unit of Object.values(units)) {
      for (const m of unit.matchAll(/^Exec\w+=-?(\/\S+)/gm)) {
        const bin = join(root, m[1]);
        if (existsSync(bin)) continue;
        mkdirSync(dirname(bin), { recursive: true });
        writeFileSync(bin, "#!/bin/sh\n");
        chmodSync(bin, 0o755);
      }
    }
    // docker.service comes with Docker's package on the registry hosts.
    writeFileSync(
      join(root, "usr/lib/systemd/system/docker.service"),
      "[Unit]\nDescription=stand-in\n\n[Service]\nExecStart=/usr/bin/dockerd\n",
    );
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    writeFileSync(join(root, "usr/bin/dockerd"), "#!/bin/sh\n");
    chmodSync(join(root, "usr/bin/dockerd"), 0o755);
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    for (const [name, text] of Object.entries(units)) writeFileSync(join(root, "etc/systemd/system", name), text);
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("every rendered unit verifies without a single complaint", () => {
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...Object.keys(units)], {
      encoding: "utf8",
    });
    assert.equal(`${r.stdout}${r.stderr}`.trim(), "");
    assert.equal(r.status, 0);
  });

  it("the check bites: a misspelt key and a missing binary are reported", () => {
    writeFileSync(
      join(root, "etc/systemd/system/broken.service"),
      units["etcd.service"]
        .replace("LoadCredential=server.key", "LoadCredentials=server.key")
        .replace("/usr/local/bin/etcd", "/usr/local/bin/etcd-missing"),
    );
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `--root=${root}`, "broken.service"], {
      encoding: "utf8",
    });
    assert.match(`${r.stdout}${r.stderr}`, /Unknown key 'LoadCredentials'/);
    assert.match(`${r.stdout}${r.stderr}`, /etcd-missing is not executable/);
  });
});
