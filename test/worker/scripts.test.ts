import { strict as assert } from "node:assert";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrThrow } from "../../stacks/contract/load";
import { prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { withParameters } from "../../lib/shell";
import { renderDownloadList } from "../../lib/downloads";
import { nodeDownload, type NodeBinary } from "../../components/worker/downloads";
import {
  NODE_COMPONENTS,
  SCRIPTS,
  renderDrainScript,
  renderFileList,
  renderInstallScript,
  renderPutFilesScript,
  renderUncordonScript,
  type NodeFile,
} from "../../components/worker/files";

const DIR = join(__dirname, "..", "..", "components", "worker");
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function bash(script: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync("bash", ["-s"], {
    input: script,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60000,
  });
}

describe("worker scripts", function () {
  this.timeout(60000);
  const spec = loadOrThrow(prodConfig()).spec;
  const args = { spec, host: spec.topology.workers[0], controlPlane: false };
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "worker-scripts-"));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("pass shellcheck, as checked in and as rendered with parameters", function () {
    requireTool(this, "shellcheck");
    const files = readdirSync(DIR).filter((f) => f.endsWith(".sh"));
    assert.deepEqual(files.sort(), ["drain.sh", "install.sh", "put-files.sh", "uncordon.sh"]);
    const checked = spawnSync("shellcheck", ["-x", ...files], { cwd: DIR, encoding: "utf8" });
    assert.equal(checked.status, 0, checked.stdout);
    const rendered = {
      "install.sh": renderInstallScript(spec, NODE_COMPONENTS, true),
      "put-files.sh": renderPutFilesScript(
        "node-001",
        [{ path: "/etc/x", mode: "0644", owner: "-", content: "x" }],
        true,
      ),
      "drain.sh": renderDrainScript(spec, "node-001", "remove"),
      "uncordon.sh": renderUncordonScript(args),
    };
    for (const [name, text] of Object.entries(rendered)) {
      const file = join(tmp, name);
      writeFileSync(file, text);
      const r = spawnSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" });
      assert.equal(r.status, 0, `${name}: ${r.stdout}`);
    }
  });

  describe("install.sh against a file:// mirror", () => {
    const V = { k8s: "1.35.1", containerd: "2.2.7", runc: "1.3.6", cni: "1.9.1" };
    function mirror(root: string): void {
      const put = (path: string, data: Buffer | string) => {
        mkdirSync(join(root, path, ".."), { recursive: true });
        writeFileSync(join(root, path), data);
      };
      const k8s = `dl.k8s.io/release/v${V.k8s}/bin/linux/amd64`;
      for (const bin of ["kubelet", "kube-proxy", "kubectl"]) {
        const body = `#!/bin/sh\necho ${bin} ${V.k8s}\n`;
        put(`${k8s}/${bin}`, body);
        put(`${k8s}/${bin}.sha256`, `${sha256(body)}\n`); // bare hex, as dl.k8s.io serves it
      }
      const stage = join(root, "..", "stage");
      mkdirSync(join(stage, "bin"), { recursive: true });
      writeFileSync(join(stage, "bin", "containerd"), "#!/bin/sh\necho containerd\n");
      writeFileSync(join(stage, "bin", "ctr"), "#!/bin/sh\necho ctr\n");
      const ctd = `containerd-${V.containerd}-linux-amd64.tar.gz`;
      const ctdPath = `github.com/containerd/containerd/releases/download/v${V.containerd}`;
      mkdirSync(join(root, ctdPath), { recursive: true });
      spawnSync("tar", ["-czf", join(root, ctdPath, ctd), "-C", stage, "bin"]);
      put(`${ctdPath}/${ctd}.sha256sum`, `${sha256(readFileSync(join(root, ctdPath, ctd)))}  ${ctd}\n`);
      const runcPath = `github.com/opencontainers/runc/releases/download/v${V.runc}`;
      put(`${runcPath}/runc.amd64`, "#!/bin/sh\necho runc\n");
      put(
        `${runcPath}/runc.sha256sum`,
        `${sha256("arm")}  runc.arm64\n${sha256("#!/bin/sh\necho runc\n")}  runc.amd64\n${sha256("x")}  runc.tar.xz\n`,
      );
      const cniStage = join(root, "..", "cni-stage");
      mkdirSync(cniStage, { recursive: true });
      writeFileSync(join(cniStage, "loopback"), "#!/bin/sh\n");
      writeFileSync(join(cniStage, "bridge"), "#!/bin/sh\n");
      const cni = `cni-plugins-linux-amd64-v${V.cni}.tgz`;
      const cniPath = `github.com/containernetworking/plugins/releases/download/v${V.cni}`;
      mkdirSync(join(root, cniPath), { recursive: true });
      spawnSync("tar", ["-czf", join(root, cniPath, cni), "-C", cniStage, "."]);
      put(`${cniPath}/${cni}.sha256`, `${sha256(readFileSync(join(root, cniPath, cni)))}  ${cni}\n`);
    }
    const script = (mirrorDir: string, components = NODE_COMPONENTS.join(" ")) =>
      withParameters(SCRIPTS.install, {
        DOWNLOADS: renderDownloadList(
          components.split(" ").map((c) =>
            nodeDownload(
              {
                mirrors: { binaries: `file://${mirrorDir}` },
                versions: { kubernetes: V.k8s, containerd: V.containerd, runc: V.runc, cni: V.cni },
              } as Parameters<typeof nodeDownload>[0],
              c as NodeBinary,
            ),
          ),
        ),
        COMPONENTS: components,
        KUBERNETES_VERSION: V.k8s,
        CONTAINERD_VERSION: V.containerd,
        RUNC_VERSION: V.runc,
        CNI_VERSION: V.cni,
        RESTART: false,
      });

    it("installs every binary verified, records versions, and a re-run fetches nothing", function () {
      requireTool(this, "curl", "sha256sum", "tar");
      const m = join(tmp, "mirror");
      const root = join(tmp, "root");
      mirror(m);
      const first = bash(script(m), { INSTALL_ROOT: root });
      assert.equal(first.status, 0, first.stderr);
      for (const p of [
        "usr/local/bin/kubelet",
        "usr/local/bin/kube-proxy",
        "usr/local/bin/containerd",
        "usr/local/bin/ctr",
        "usr/local/sbin/runc",
        "opt/cni/bin/loopback",
      ]) {
        assert.ok(statSync(join(root, p)).mode & 0o100, `${p} executable`);
      }
      assert.equal(readFileSync(join(root, "var/lib/k8s-platform/versions/kubelet"), "utf8").trim(), V.k8s);
      rmSync(m, { recursive: true, force: true }); // idempotent: the second run must not need the mirror
      const second = bash(script(m), { INSTALL_ROOT: root });
      assert.equal(second.status, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /installed/);
    });

    it("refuses a binary whose checksum differs, or whose checksum line is missing", function () {
      requireTool(this, "curl", "sha256sum", "tar");
      const m = join(tmp, "mirror");
      const root = join(tmp, "root");
      mirror(m);
      writeFileSync(join(m, `dl.k8s.io/release/v${V.k8s}/bin/linux/amd64/kubelet`), "tampered");
      const r = bash(script(m, "kubelet"), { INSTALL_ROOT: root });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /sha256 mismatch for kubelet/);
      assert.equal(existsSync(join(root, "usr/local/bin/kubelet")), false);
      writeFileSync(
        join(m, `github.com/opencontainers/runc/releases/download/v${V.runc}/runc.sha256sum`),
        `${sha256("x")}  runc.arm64\n`,
      );
      const r2 = bash(script(m, "runc"), { INSTALL_ROOT: root });
      assert.notEqual(r2.status, 0);
      assert.match(r2.stderr, /no sha256 for runc.amd64/);
    });
  });

  describe("put-files.sh", () => {
    it("writes files with their modes atomically, and a re-run changes nothing", function () {
      if (process.getuid?.() !== 0) this.skip(); // chown root:root needs root, as on the hosts
      const files: NodeFile[] = [
        { path: join(tmp, "etc/kubernetes/kubelet.conf"), mode: "0600", owner: "-", content: "secret: yes\n" },
        { path: join(tmp, "etc/kubernetes/pki/ca.crt"), mode: "0644", owner: "-", content: "CA\n" },
      ];
      const run = () => bash(renderPutFilesScript("node-001", files, false));
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      assert.equal(statSync(files[0].path).mode & 0o777, 0o600);
      assert.equal(statSync(files[1].path).mode & 0o777, 0o644);
      assert.equal(readFileSync(files[0].path, "utf8"), "secret: yes\n");
      const again = run();
      assert.equal(again.status, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /wrote/);
      chmodSync(files[0].path, 0o644); // drifted mode is repaired
      assert.match(run().stdout, /wrote .*kubelet.conf \(0600\)/);
      assert.equal(statSync(files[0].path).mode & 0o777, 0o600);
      assert.deepEqual(
        readdirSync(join(tmp, "etc/kubernetes")).filter((f) => f.startsWith(".k8s-platform")),
        [],
      );
    });

    it("takes the file list as data: content with shell syntax is written verbatim", function () {
      if (process.getuid?.() !== 0) this.skip();
      const path = join(tmp, "x.conf");
      const content = "$(touch /tmp/pwned-worker-test) `id` 'q' \"d\"\n";
      const r = bash(
        withParameters(SCRIPTS.putFiles, {
          NODE_NAME: "n",
          NODE_FILES: renderFileList([{ path, mode: "0644", owner: "-", content }]),
        }),
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(path, "utf8"), content);
      assert.equal(existsSync("/tmp/pwned-worker-test"), false);
    });
    it("removes retired files (the old node registry credentials) and restarts their daemon", function () {
      if (process.getuid?.() !== 0) this.skip();
      const retired = join(tmp, "etc/containerd/conf.d/50-registry-auth.toml");
      mkdirSync(join(retired, ".."), { recursive: true });
      writeFileSync(retired, "password = 'old'\n");
      const stubs = join(tmp, "stubs");
      mkdirSync(stubs);
      writeFileSync(join(stubs, "systemctl"), `#!/bin/sh\necho "systemctl $*" >>"${join(tmp, "systemctl.log")}"\n`);
      chmodSync(join(stubs, "systemctl"), 0o755);
      const r = bash(
        withParameters(SCRIPTS.putFiles, {
          NODE_NAME: "n",
          NODE_FILES: renderFileList([{ path: join(tmp, "x.conf"), mode: "0644", owner: "-", content: "x" }]),
          NODE_RETIRED: `containerd ${retired}`,
        }),
        { PATH: `${stubs}:${process.env.PATH ?? ""}` },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(existsSync(retired), false);
      assert.match(r.stdout, /removed .*50-registry-auth.toml/);
      assert.match(readFileSync(join(tmp, "systemctl.log"), "utf8"), /is-active --quiet containerd/);
      const again = bash(
        withParameters(SCRIPTS.putFiles, {
          NODE_NAME: "n",
          NODE_FILES: renderFileList([{ path: join(tmp, "x.conf"), mode: "0644", owner: "-", content: "x" }]),
          NODE_RETIRED: `containerd ${retired}`,
        }),
        { PATH: `${stubs}:${process.env.PATH ?? ""}` },
      );
      assert.equal(again.status, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /removed/);
    });
  });

  describe("drain.sh and uncordon.sh with a recording kubectl", () => {
    /** A kubectl double: logs each call; answers from files in its state dir. */
    function fakeKubectl(state: string): string {
      const path = join(state, "kubectl");
      writeFileSync(
        path,
        `#!/usr/bin/env bash
state=${JSON.stringify(state)}
while [ $# -gt 0 ]; do case "$1" in --kubeconfig) shift 2 ;; --request-timeout=*) shift ;; *) break ;; esac; done
echo "$*" >>"$state/calls"
[ -e "$state/api-down" ] && { echo "connection refused" >&2; exit 1; }
case "$1 $2" in
  "get node")
    case "$*" in
      *--ignore-not-found*) [ -e "$state/exists" ] && echo "node/$3" ; exit 0 ;;
      *versions*) cat "$state/stamp" 2>/dev/null; exit 0 ;;
      *drained*) cat "$state/drained" 2>/dev/null; exit 0 ;;
      *admin-labels*) cat "$state/admin-labels" 2>/dev/null; exit 0 ;;
      *taints*) cat "$state/taints" 2>/dev/null; exit 0 ;;
    esac ;;
  "drain "*) exit "$(cat "$state/drain-rc" 2>/dev/null || echo 0)" ;;
esac
exit 0
`,
      );
      chmodSync(path, 0o755);
      return path;
    }
    const calls = (state: string) =>
      existsSync(join(state, "calls")) ? readFileSync(join(state, "calls"), "utf8").trim().split("\n") : [];
    const drain = (
      state: string,
      mode: "remove" | "upgrade",
      stamp = "kubernetes=1.35.1,containerd=2.2.7,runc=1.3.6,cni=1.9.1",
    ) =>
      bash(
        withParameters(SCRIPTS.drain, {
          NODE_NAME: "node-007",
          MODE: mode,
          TIMEOUT_SECONDS: 600,
          KUBECTL: fakeKubectl(state),
          KUBECONFIG_FILE: "/dev/null",
          TARGET_STAMP: stamp,
        }),
      );

    it("remove: cordons, drains with PDB-respecting flags and the timeout, then deletes the Node", () => {
      writeFileSync(join(tmp, "exists"), "");
      const r = drain(tmp, "remove");
      assert.equal(r.status, 0, r.stderr);
      const c = calls(tmp);
      assert.deepEqual(c.slice(1), [
        "cordon node-007",
        "drain node-007 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
        "delete node node-007 --wait=true",
      ]);
    });

    it("remove: a drain that fails stops before deleting the Node", () => {
      writeFileSync(join(tmp, "exists"), "");
      writeFileSync(join(tmp, "drain-rc"), "1");
      const r = drain(tmp, "remove");
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /stays cordoned/);
      assert.ok(!calls(tmp).some((c) => c.startsWith("delete")), calls(tmp).join("; "));
    });

    it("an unreachable API fails the step instead of reading as 'node absent'", () => {
      writeFileSync(join(tmp, "api-down"), "");
      assert.notEqual(drain(tmp, "remove").status, 0);
    });

    it("remove of a node that never registered is a no-op", () => {
      const r = drain(tmp, "remove");
      assert.equal(r.status, 0, r.stderr);
      assert.equal(calls(tmp).length, 1);
    });

    it("upgrade: drains only a node stamped with other versions", () => {
      writeFileSync(join(tmp, "exists"), "");
      writeFileSync(join(tmp, "stamp"), "kubernetes=1.35.1,containerd=2.2.7,runc=1.3.6,cni=1.9.1");
      assert.equal(drain(tmp, "upgrade").status, 0);
      assert.ok(!calls(tmp).some((c) => c.startsWith("drain")), "same versions: no drain");
      rmSync(join(tmp, "calls"));
      assert.equal(drain(tmp, "upgrade", "kubernetes=1.35.2,containerd=2.2.7,runc=1.3.6,cni=1.9.1").status, 0);
      const c = calls(tmp);
      assert.ok(c.includes("annotate node node-007 --overwrite k8s-platform/drained=upgrade"), c.join("; "));
      assert.ok(c.some((x) => x.startsWith("drain node-007")));
      rmSync(join(tmp, "calls"));
      rmSync(join(tmp, "stamp"));
      assert.equal(drain(tmp, "upgrade", "kubernetes=1.35.2,containerd=2.2.7,runc=1.3.6,cni=1.9.1").status, 0);
      assert.ok(!calls(tmp).some((c) => c.startsWith("drain")), "fresh node (no stamp): no drain");
    });

    it("uncordon: reconciles admin labels and taints, uncordons a drained node, stamps versions", () => {
      writeFileSync(join(tmp, "exists"), "");
      writeFileSync(join(tmp, "drained"), "upgrade");
      writeFileSync(join(tmp, "admin-labels"), "node-role.kubernetes.io/old");
      writeFileSync(join(tmp, "taints"), "gone:NoSchedule");
      const r = bash(
        withParameters(SCRIPTS.uncordon, {
          NODE_NAME: "node-001",
          KUBECTL: fakeKubectl(tmp),
          KUBECONFIG_FILE: "/dev/null",
          STAMP: "S1",
          WAIT_SECONDS: 10,
          ADMIN_LABELS: "node-role.kubernetes.io/edge=true",
          TAINTS: "dedicated=search:NoExecute\nquiet:NoSchedule",
        }),
      );
      assert.equal(r.status, 0, r.stderr);
      const c = calls(tmp);
      for (const expected of [
        "label node node-001 node-role.kubernetes.io/old-",
        "label node node-001 --overwrite node-role.kubernetes.io/edge=true",
        "taint node node-001 gone:NoSchedule-",
        "taint node node-001 --overwrite dedicated=search:NoExecute quiet:NoSchedule",
        "wait --for=condition=Ready node/node-001 --timeout=10s",
        "uncordon node-001",
        "annotate node node-001 --overwrite k8s-platform/versions=S1 k8s-platform/admin-labels=node-role.kubernetes.io/edge k8s-platform/taints=dedicated:NoExecute,quiet:NoSchedule",
      ]) {
        assert.ok(c.includes(expected), `missing "${expected}" in\n${c.join("\n")}`);
      }
    });

    it("uncordon: gives up (non-zero) when the node never registers, within its time bound", () => {
      const started = Date.now();
      const r = bash(
        withParameters(SCRIPTS.uncordon, {
          NODE_NAME: "node-404",
          KUBECTL: fakeKubectl(tmp),
          KUBECONFIG_FILE: "/dev/null",
          STAMP: "S",
          WAIT_SECONDS: 1,
        }),
      );
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /did not register/);
      assert.ok(Date.now() - started < 15000);
    });
  });
});
