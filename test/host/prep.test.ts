/**
 * The rendered host prep script, run for real under a temporary root (HOST_ROOT) with
 * stand-ins for the commands that change a machine: /etc/os-release, /sys/fs/cgroup,
 * /proc/swaps, /proc/modules and /proc/sys are files of the fake host; modprobe, sysctl,
 * swapoff, iptables, yum/apt and systemctl record their calls and act on those files.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostPrepPlan, renderPrepScript } from "../../components/host/render";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { requireTool } from "../support/tools";

const OS = {
  el9: 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n',
  debian12: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
  ubuntu2404: 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n',
  ubuntu2204: 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n',
  fedora: 'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n',
} as const;

/** Stand-ins; each logs "<name> <args>" to $ROOT/calls and acts on the fake host's files. */
const STUBS: Record<string, string> = {
  modprobe: `m=$1
if grep -qx "$m" "$ROOT/unavailable-modules" 2>/dev/null; then echo "modprobe: FATAL: Module $m not found in directory /lib/modules/x" >&2; exit 1; fi
grep -q "^$m " "$ROOT/proc/modules" || echo "$m 16384 0 - Live 0x0" >>"$ROOT/proc/modules"`,
  // sysctl --system: every /etc/sysctl.d/*.conf in name order, as systemd-sysctl does; a
  // key exists only when its module is loaded.
  sysctl: `[ "$1" = --system ] || exit 0
for f in $(ls "$ROOT/etc/sysctl.d/"*.conf 2>/dev/null | sort); do
  while IFS='=' read -r k v; do
    k=\${k// /}; v=\${v# }
    case "$k" in ""|"#"*) continue ;; esac
    case "$k" in net.bridge.*) grep -q "^br_netfilter " "$ROOT/proc/modules" || continue ;; esac
    case "$k" in net.netfilter.*) grep -q "^nf_conntrack " "$ROOT/proc/modules" || continue ;; esac
    p="$ROOT/proc/sys/\${k//.//}"; mkdir -p "$(dirname "$p")"; echo "$v" >"$p"
  done <"$f"
done`,
  swapoff: `[ -e "$ROOT/stuck-swap" ] && exit 0
head -1 "$ROOT/proc/swaps" >"$ROOT/proc/swaps.new"; mv "$ROOT/proc/swaps.new" "$ROOT/proc/swaps"`,
  iptables: `rules="$ROOT/iptables-rules"; touch "$rules"
case "$1" in
  -C) shift; grep -qxF -- "$*" "$rules" ;;
  -I) shift; echo "$*" >>"$rules" ;;
  -D) shift; grep -vxF -- "$*" "$rules" >"$rules.new"; mv "$rules.new" "$rules" ;;
esac`,
  yum: `[ "$2" = info ] && { grep -qx "$3" "$ROOT/available" 2>/dev/null; exit; }; exit 0`,
  "apt-cache": `[ "$1" = madison ] && grep -qx "$2" "$ROOT/available" 2>/dev/null && echo "$2 | 1.0 | http://mirror stable/main amd64 Packages"; exit 0`,
  "apt-get": "exit 0",
  rpm: "exit 1",
  "dpkg-query": "exit 1",
  timedatectl: `[ "$1" = show ] && echo UTC; exit 0`,
  systemctl: `case "$1 $2" in "list-unit-files firewalld.service"|"cat firewalld.service") exit 1 ;; esac; exit 0`,
};

interface FakeHost {
  readonly root: string;
  readonly run: () => { status: number | null; out: string; err: string };
  readonly calls: () => string[];
  readonly file: (path: string) => string;
}

describe("host prep script under a fake root", function () {
  this.timeout(60_000);
  let dir = "";
  const prod = loadOrThrow(prodConfig()).spec;
  const hostOf = (spec: PlatformSpec, name: string) => {
    const h = spec.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  };

  before(function () {
    requireTool(this, "bash");
    dir = mkdtempSync(join(tmpdir(), "host-prep-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  /** A fresh fake host running `os`, the rendered prep of `name` in `spec`, and `available` packages. */
  function fakeHost(
    name: string,
    os: keyof typeof OS,
    options: { spec?: PlatformSpec; available?: string[]; cgroup?: "v2" | "v1"; swap?: boolean } = {},
  ): FakeHost {
    const root = join(dir, `host${n++}`);
    const stubs = join(root, "stubs");
    const put = (path: string, content: string) => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    };
    put("etc/os-release", OS[os]);
    put("etc/fstab", "UUID=1 / xfs defaults 0 0\n/dev/sda2 none swap defaults 0 0\n");
    if ((options.cgroup ?? "v2") === "v2")
      put("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    else mkdirSync(join(root, "sys/fs/cgroup/memory"), { recursive: true });
    put(
      "proc/swaps",
      `Filename\tType\tSize\tUsed\tPriority\n${options.swap === false ? "" : "/dev/sda2 partition 8388604 0 -2\n"}`,
    );
    put("proc/modules", "");
    put("etc/sysctl.d/.keep", "");
    put("available", `${(options.available ?? []).join("\n")}\n`);
    mkdirSync(stubs, { recursive: true });
    for (const [tool, body] of Object.entries(STUBS)) {
      writeFileSync(
        join(stubs, tool),
        `#!/usr/bin/env bash\nROOT=${JSON.stringify(root)}\necho "${tool} $*" >>"$ROOT/calls"\n${body}\n`,
      );
      chmodSync(join(stubs, tool), 0o755);
    }
    const script = renderPrepScript(options.spec ?? prod, hostOf(options.spec ?? prod, name));
    return {
      root,
      run: () => {
        const r = spawnSync("bash", ["-s"], {
          input: script,
          encoding: "utf8",
          env: { ...process.env, HOST_ROOT: root, PATH: `${stubs}:${process.env.PATH ?? ""}` },
        });
        return { status: r.status, out: r.stdout, err: r.stderr };
      },
      calls: () =>
        existsSync(join(root, "calls")) ? readFileSync(join(root, "calls"), "utf8").trim().split("\n") : [],
      file: (path) => readFileSync(join(root, path), "utf8"),
    };
  }

  const debianSpec = (apt: unknown[]) => {
    const raw = clone(prodConfig()) as { mirrors: { packages: Record<string, unknown> } };
    raw.mirrors.packages = { apt };
    return loadOrThrow(raw).spec;
  };

  it("a node (EL 9): checks pass, node modules and sysctls applied and read back, forwarding on, policies ACCEPT before the one flush", () => {
    const h = fakeHost("node-001", "el9");
    const r = h.run();
    assert.equal(r.status, 0, r.err + r.out);
    assert.match(r.out, /OS: Rocky Linux 9\.4 \(Blue Onyx\) \(el9\), roles: worker/);
    // Only the repositories providing the OS: no Storage SIG, no Docker on a worker.
    const repo = h.file("etc/yum.repos.d/k8s-platform.repo");
    assert.deepEqual(
      [...repo.matchAll(/^\[(.+)\]$/gm)].map((m) => m[1]),
      ["centos-baseos", "centos-appstream", "epel"],
    );
    assert.match(
      repo,
      /gpgcheck=1\ngpgkey=https:\/\/mirror\.example\.internal\/keys\/RPM-GPG-KEY-centosofficial-SHA256/,
    );
    assert.doesNotMatch(repo, /gpgcheck=0/);
    assert.deepEqual(
      h
        .file("proc/modules")
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[0]),
      ["overlay", "br_netfilter", "nf_conntrack", "ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_sh"],
    );
    assert.equal(h.file("proc/sys/net/ipv4/ip_forward").trim(), "1");
    assert.equal(h.file("proc/sys/net/bridge/bridge-nf-call-iptables").trim(), "1");
    assert.equal(h.file("proc/swaps").trim().split("\n").length, 1, "swap off");
    assert.match(h.file("etc/fstab"), /^# disabled by k8s-platform: \/dev\/sda2 none swap/m);
    const calls = h.calls();
    assert.ok(calls.includes("systemctl mask swap.target"));
    assert.ok(
      calls.some((c) => /^yum -q -y install chrony iptables curl tar ipvsadm ipset conntrack-tools socat$/.test(c)),
    );
    const iptables = calls.filter((c) => c.startsWith("iptables"));
    const firstFlush = iptables.findIndex((c) => c.includes(" -F"));
    assert.deepEqual(iptables.slice(0, firstFlush), [
      "iptables -P INPUT ACCEPT",
      "iptables -P OUTPUT ACCEPT",
      "iptables -P FORWARD ACCEPT",
    ]);
    assert.equal(h.file("iptables-rules").trim(), "FORWARD -s 0.0.0.0/0 -j ACCEPT");
    assert.ok(existsSync(join(h.root, "etc/systemd/system/k8s-platform-forward.service")));

    // A re-run changes nothing: no file written, no flush, no second FORWARD rule.
    writeFileSync(join(h.root, "calls"), "");
    const again = h.run();
    assert.equal(again.status, 0, again.err);
    assert.doesNotMatch(again.out, /wrote|flushed/);
    assert.ok(!h.calls().some((c) => / -F| -I | makecache|sysctl --system/.test(c)), h.calls().join("\n"));
    assert.equal(h.file("iptables-rules").trim(), "FORWARD -s 0.0.0.0/0 -j ACCEPT");
  });

  it("masters are nodes by default; etcd, storage and registry hosts route no pod traffic", () => {
    assert.equal(hostPrepPlan(prod, hostOf(prod, "master-1")).routesPods, true);
    for (const name of ["etcd-1", "gfs-01", "harbor-1"]) {
      const plan = hostPrepPlan(prod, hostOf(prod, name));
      assert.equal(plan.routesPods, false, name);
      assert.deepEqual(plan.modules, [], name);
      assert.ok(!("net.ipv4.ip_forward" in plan.sysctls), name);
    }
  });

  it("an etcd host: no forwarding sysctl, no FORWARD policy or rule, no modules, no IPVS tools; and cgroup v1 does not matter", () => {
    const h = fakeHost("etcd-1", "el9", { cgroup: "v1" });
    const r = h.run();
    assert.equal(r.status, 0, r.err);
    assert.doesNotMatch(h.file("etc/sysctl.d/90-k8s-platform.conf"), /ip_forward|bridge|conntrack/);
    assert.equal(existsSync(join(h.root, "proc/sys/net/ipv4/ip_forward")), false);
    const calls = h.calls();
    assert.ok(!calls.some((c) => /FORWARD/.test(c)), calls.filter((c) => c.startsWith("iptables")).join("\n"));
    assert.deepEqual(
      calls.filter((c) => /^iptables -P/.test(c)),
      ["iptables -P INPUT ACCEPT", "iptables -P OUTPUT ACCEPT"],
    );
    assert.ok(!calls.some((c) => c.startsWith("modprobe")));
    assert.ok(calls.includes("yum -q -y install chrony iptables curl tar"));
    assert.equal(existsSync(join(h.root, "etc/systemd/system/k8s-platform-forward.service")), false);
  });

  it("a host prepared by an earlier release loses the FORWARD rule, its unit and the node modules file when it is no node", () => {
    const h = fakeHost("etcd-2", "el9");
    writeFileSync(join(h.root, "iptables-rules"), "FORWARD -s 0.0.0.0/0 -j ACCEPT\n");
    mkdirSync(join(h.root, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(h.root, "etc/systemd/system/k8s-platform-forward.service"), "[Unit]\n");
    mkdirSync(join(h.root, "etc/modules-load.d"), { recursive: true });
    writeFileSync(join(h.root, "etc/modules-load.d/k8s-platform.conf"), "overlay\n");
    const r = h.run();
    assert.equal(r.status, 0, r.err);
    assert.equal(h.file("iptables-rules").trim(), "");
    assert.equal(existsSync(join(h.root, "etc/systemd/system/k8s-platform-forward.service")), false);
    assert.equal(existsSync(join(h.root, "etc/modules-load.d/k8s-platform.conf")), false);
  });

  it("refuses a node without cgroup v2, naming the host and how to switch", () => {
    const r = fakeHost("node-002", "el9", { cgroup: "v1" }).run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.err,
      /\[host-prep node-002\] FAILED: \/sys\/fs\/cgroup is not cgroup v2 \(unified\); kubelet 1\.35 refuses to start on cgroup v1 \(failCgroupV1\)\. Switch the host to cgroup v2: grubby --update-kernel=ALL --args=systemd\.unified_cgroup_hierarchy=1, then reboot/,
    );
    const deb = fakeHost("node-002", "debian12", {
      cgroup: "v1",
      spec: debianSpec(["deb [signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror/debian bookworm main"]),
    }).run();
    assert.match(deb.err, /GRUB_CMDLINE_LINUX in \/etc\/default\/grub and run update-grub/);
  });

  it("refuses an unsupported OS before touching anything", () => {
    for (const os of ["ubuntu2204", "fedora"] as const) {
      const h = fakeHost("node-003", os);
      const r = h.run();
      assert.notEqual(r.status, 0, os);
      assert.match(
        r.err,
        /FAILED: runs (Ubuntu 22\.04\.4 LTS \(ID=ubuntu, VERSION_ID=22\.04\)|Fedora Linux 40 \(ID=fedora, VERSION_ID=40\)); the platform supports EL 9 \(RHEL, CentOS Stream, Rocky Linux, AlmaLinux\), Ubuntu 24\.04 and Debian 12/,
      );
      assert.deepEqual(h.calls(), [], `${os}: nothing ran`);
    }
  });

  it("a storage host (EL 9) writes the Storage SIG too, and fails naming it when the packages are not there", () => {
    const ok = fakeHost("gfs-01", "el9", { available: ["glusterfs-server", "nfs-ganesha", "nfs-ganesha-gluster"] });
    const r = ok.run();
    assert.equal(r.status, 0, r.err);
    const repos = [...ok.file("etc/yum.repos.d/k8s-platform.repo").matchAll(/^\[(.+)\]$/gm)].map((m) => m[1]);
    assert.deepEqual(repos, ["centos-baseos", "centos-appstream", "epel", "centos-gluster11", "centos-nfs-ganesha5"]);
    const missing = fakeHost("gfs-02", "el9", { available: ["glusterfs-server"] }).run();
    assert.notEqual(missing.status, 0);
    assert.match(
      missing.err,
      /\[host-prep gfs-02\] FAILED: GlusterFS server and NFS-Ganesha \(nfs-ganesha nfs-ganesha-gluster\) is in none of this host's repositories; on EL 9 the CentOS Storage SIG provides it .*Add it to mirrors\.packages\.yum with provides: \[storage\]/,
    );
  });

  it("a registry host on Debian 12 needs Docker's repository (Debian has no compose v2)", () => {
    const spec = debianSpec([
      "deb [signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror/debian bookworm main",
      {
        line: "deb [signed-by=/etc/apt/keyrings/docker.asc] https://mirror/docker/debian bookworm stable",
        provides: ["docker"],
      },
    ]);
    const withKeys = (h: FakeHost) => {
      for (const k of ["mirror.gpg", "docker.asc"]) {
        mkdirSync(join(h.root, "etc/apt/keyrings"), { recursive: true });
        writeFileSync(join(h.root, "etc/apt/keyrings", k), "key");
      }
      return h;
    };
    const docker = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-compose-plugin"];
    const ok = withKeys(fakeHost("harbor-1", "debian12", { spec, available: docker }));
    const r = ok.run();
    assert.equal(r.status, 0, r.err);
    assert.match(ok.file("etc/apt/sources.list.d/k8s-platform.list"), /docker\/debian bookworm stable/);
    // A worker of the same stack does not get Docker's repository.
    const worker = withKeys(fakeHost("node-004", "debian12", { spec }));
    assert.equal(worker.run().status, 0);
    assert.doesNotMatch(worker.file("etc/apt/sources.list.d/k8s-platform.list"), /docker/);

    const without = withKeys(fakeHost("harbor-2", "debian12", { spec, available: ["docker.io"] })).run();
    assert.notEqual(without.status, 0);
    assert.match(
      without.err,
      /FAILED: Docker Engine with the compose v2 plugin \(Harbor\) \(docker-ce docker-ce-cli containerd\.io docker-compose-plugin\) is in none of this host's repositories; Debian 12 has no compose v2: Docker's repository provides it .*Add it to mirrors\.packages\.apt with provides: \[docker\]/,
    );
    const unkeyed = fakeHost("harbor-2", "debian12", { spec, available: docker }).run();
    assert.match(
      unkeyed.err,
      /needs its signing key at \/etc\/apt\/keyrings\/mirror\.gpg \(signed-by\), which is missing/,
    );
  });

  it("Ubuntu 24.04 registry hosts may use universe's docker.io and docker-compose-v2", () => {
    const spec = debianSpec(["deb http://mirror/ubuntu noble main universe"]);
    const r = fakeHost("harbor-1", "ubuntu2404", { spec, available: ["docker.io", "docker-compose-v2"] }).run();
    assert.equal(r.status, 0, r.err);
  });

  it("fails naming a kernel module that does not load", () => {
    const h = fakeHost("node-005", "el9");
    writeFileSync(join(h.root, "unavailable-modules"), "ip_vs_wrr\n");
    const r = h.run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.err,
      /\[host-prep node-005\] FAILED: kernel module ip_vs_wrr does not load \(modprobe ip_vs_wrr: modprobe: FATAL: Module ip_vs_wrr not found/,
    );
    // Without IPVS the node needs no IPVS modules.
    const raw = clone(prodConfig()) as { network: Record<string, unknown> };
    raw.network.proxyMode = "nftables";
    assert.deepEqual(hostPrepPlan(loadOrThrow(raw).spec, hostOf(prod, "node-005")).modules, [
      "overlay",
      "br_netfilter",
      "nf_conntrack",
    ]);
  });

  it("fails naming a sysctl another file overrides", () => {
    const h = fakeHost("node-006", "el9");
    writeFileSync(join(h.root, "etc/sysctl.d/99-local.conf"), "net.ipv4.ip_forward = 0\n");
    const r = h.run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.err,
      /FAILED: sysctl net\.ipv4\.ip_forward is '0', not '1', after sysctl --system: a later file in \/etc\/sysctl\.d/,
    );
  });

  it("a live value changed since the last run is applied again, not failed", () => {
    const h = fakeHost("node-007", "el9");
    assert.equal(h.run().status, 0);
    writeFileSync(join(h.root, "proc/sys/vm/swappiness"), "60\n");
    const r = h.run();
    assert.equal(r.status, 0, r.err);
    assert.equal(h.file("proc/sys/vm/swappiness").trim(), "0");
  });

  it("fails when swap stays on after swapoff -a", () => {
    const h = fakeHost("node-008", "el9");
    writeFileSync(join(h.root, "stuck-swap"), "");
    const r = h.run();
    assert.notEqual(r.status, 0);
    assert.match(
      r.err,
      /FAILED: swap is still active on \/dev\/sda2 after swapoff -a; kubelet refuses to start with swap on/,
    );
  });

  it("is shellcheck-clean as rendered for every kind of host", function () {
    requireTool(this, "shellcheck");
    for (const name of ["etcd-1", "master-1", "node-001", "gfs-01", "harbor-1"]) {
      const script = renderPrepScript(prod, hostOf(prod, name));
      // SC2016: yum's $releasever/$basearch are meant literally inside single quotes.
      const check = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2016", "-"], { input: script, encoding: "utf8" });
      assert.equal(check.status, 0, `${name}: ${check.stdout}`);
    }
  });
});
