/** etcd renderers: membership plan, flags, units, scripts (shellcheck, the checksum step on a file:// mirror). */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import {
  ETCD_PATHS,
  SCRIPTS,
  planEtcd,
  renderBackupService,
  renderBackupTimer,
  renderEtcdFlags,
  renderEtcdUnit,
  renderHealthScript,
  renderInstallScript,
  renderMemberAddScript,
  renderSnapshotScript,
  renderStartScript,
} from "../../components/etcd/render";
import { clone, prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { grownEtcdConfig, run } from "./fixtures";

const prodSpec = (): PlatformSpec => loadOrThrow(prodConfig()).spec;
const flagMap = (flags: readonly string[]) =>
  new Map(flags.map((f) => /^--([a-z0-9-]+)=(.*)$/.exec(f)?.slice(1, 3) as [string, string]));

describe("etcd membership plan", () => {
  it("bootstraps every etcd host of a new cluster together", () => {
    const plan = planEtcd(prodSpec());
    assert.equal(plan.token, "prod-etcd");
    assert.deepEqual(
      plan.members.map((m) => [m.name, m.state, m.initialCluster.map((c) => c.name).join(",")]),
      [
        ["etcd-1", "new", "etcd-1,etcd-2,etcd-3"],
        ["etcd-2", "new", "etcd-1,etcd-2,etcd-3"],
        ["etcd-3", "new", "etcd-1,etcd-2,etcd-3"],
      ],
    );
  });

  it("joins hosts missing from etcd.initialMembers one at a time, leaving the bootstrap flags unchanged", () => {
    const spec = loadOrThrow(grownEtcdConfig()).spec;
    const plan = planEtcd(spec);
    assert.deepEqual(
      plan.members.map((m) => [m.name, m.state, m.initialCluster.map((c) => c.name).join(",")]),
      [
        ["etcd-1", "new", "etcd-1,etcd-2,etcd-3"],
        ["etcd-2", "new", "etcd-1,etcd-2,etcd-3"],
        ["etcd-3", "new", "etcd-1,etcd-2,etcd-3"],
        ["etcd-4", "existing", "etcd-1,etcd-2,etcd-3,etcd-4"],
        ["etcd-5", "existing", "etcd-1,etcd-2,etcd-3,etcd-4,etcd-5"],
      ],
    );
    const before = planEtcd(prodSpec());
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(
        renderEtcdFlags(spec, plan, plan.members[i]),
        renderEtcdFlags(prodSpec(), before, before.members[i]),
      );
    }
    const joining = flagMap(renderEtcdFlags(spec, plan, plan.members[3]));
    assert.equal(joining.get("initial-cluster-state"), "existing");
    assert.equal(
      joining.get("initial-cluster"),
      "etcd-1=https://10.10.1.11:2380,etcd-2=https://10.10.1.12:2380,etcd-3=https://10.10.1.13:2380,etcd-4=https://10.10.1.14:2380",
    );
  });

  it("the loader names the key when etcd.initialMembers lists a host that is not an etcd host", () => {
    const raw = clone(grownEtcdConfig());
    raw.etcd.initialMembers = ["etcd-1", "master-1"];
    const result = load(raw);
    assert.ok(!result.ok, "the loader refuses it, so planEtcd never sees it");
    assert.deepEqual(
      result.errors.map((e) => e.path),
      ["etcd.initialMembers[1]"],
    );
    assert.match(result.errors[0].message, /"master-1" is not a host with role "etcd"/);
  });
});

describe("etcd flags", () => {
  const spec = prodSpec();
  const plan = planEtcd(spec);
  const flags = renderEtcdFlags(spec, plan, plan.members[1]);
  const f = flagMap(flags);

  it("serves peers and clients on the member address, clients also on 127.0.0.1, plain-http metrics on both", () => {
    assert.equal(f.get("name"), "etcd-2");
    assert.equal(f.get("listen-peer-urls"), "https://10.10.1.12:2380");
    assert.equal(f.get("initial-advertise-peer-urls"), "https://10.10.1.12:2380");
    assert.equal(f.get("listen-client-urls"), "https://10.10.1.12:2379,https://127.0.0.1:2379");
    assert.equal(f.get("advertise-client-urls"), "https://10.10.1.12:2379");
    assert.equal(f.get("listen-metrics-urls"), "http://10.10.1.12:2381,http://127.0.0.1:2381");
    assert.equal(
      f.get("initial-cluster"),
      "etcd-1=https://10.10.1.11:2380,etcd-2=https://10.10.1.12:2380,etcd-3=https://10.10.1.13:2380",
    );
    assert.equal(f.get("initial-cluster-state"), "new");
    assert.equal(f.get("initial-cluster-token"), "prod-etcd");
  });

  it("requires client certificates from the etcd CA on both ports and never falls back to auto TLS", () => {
    assert.equal(f.get("client-cert-auth"), "true");
    assert.equal(f.get("peer-client-cert-auth"), "true");
    assert.equal(f.get("trusted-ca-file"), "/etc/kubernetes/pki/etcd/ca.crt");
    assert.equal(f.get("peer-trusted-ca-file"), "/etc/kubernetes/pki/etcd/ca.crt");
    assert.equal(f.get("cert-file"), "/etc/kubernetes/pki/etcd/server.crt");
    // The keys come from the unit's systemd credentials (LoadCredential=), root-only on disk.
    assert.equal(f.get("key-file"), "%d/server.key");
    assert.equal(f.get("peer-cert-file"), "/etc/kubernetes/pki/etcd/peer.crt");
    assert.equal(f.get("peer-key-file"), "%d/peer.key");
    assert.equal(f.get("auto-tls"), "false");
    assert.equal(f.get("peer-auto-tls"), "false");
    for (const [name, value] of f)
      if (name.endsWith("-urls") && name !== "listen-metrics-urls") assert.doesNotMatch(value, /http:\/\//, name);
  });

  it("takes timeouts and quota from config", () => {
    const raw = clone(prodConfig());
    raw.etcd = { heartbeatIntervalMs: 250, electionTimeoutMs: 2500, quotaBackendBytes: 4 * 1024 ** 3 };
    const custom = loadOrThrow(raw).spec;
    const g = flagMap(renderEtcdFlags(custom, planEtcd(custom), planEtcd(custom).members[0]));
    assert.equal(g.get("heartbeat-interval"), "250");
    assert.equal(g.get("election-timeout"), "2500");
    assert.equal(g.get("quota-backend-bytes"), String(4 * 1024 ** 3));
    assert.equal(f.get("quota-backend-bytes"), String(8 * 1024 ** 3), "default 8 GiB");
  });

  it("renders each flag once and no experimental or removed flag", () => {
    assert.equal(f.size, flags.length);
    for (const name of f.keys())
      assert.doesNotMatch(name, /^(experimental-|enable-v2|logger|log-package-levels)/, name);
  });

  it("uses only flags the installed etcd binary knows (Debian etcd 3.4 here; 3.6 in production)", function () {
    requireTool(this, "etcd");
    const help = run("etcd", ["--help"]);
    const text = `${help.stdout}${help.stderr}`;
    for (const name of f.keys()) assert.match(text, new RegExp(`--${name}\\b`), `etcd --help has no --${name}`);
  });

  it("drops the 127.0.0.1 listeners when several members share a machine (tests)", () => {
    const g = flagMap(renderEtcdFlags(spec, plan, plan.members[1], { localListeners: false }));
    assert.equal(g.get("listen-client-urls"), "https://10.10.1.12:2379");
    assert.equal(g.get("listen-metrics-urls"), "http://10.10.1.12:2381");
  });
});

describe("etcd units", () => {
  const spec = prodSpec();
  const plan = planEtcd(spec);
  const member = plan.members[0];
  const flags = renderEtcdFlags(spec, plan, member);

  it("runs etcd as the etcd user with every flag, notify-type, restarting on failure", () => {
    const unit = renderEtcdUnit(member, flags);
    assert.match(unit, /^Type=notify$/m);
    assert.match(unit, /^User=etcd$/m);
    assert.match(unit, /^LoadCredential=server\.key:\/etc\/kubernetes\/pki\/etcd\/server\.key$/m);
    assert.match(unit, /^LoadCredential=peer\.key:\/etc\/kubernetes\/pki\/etcd\/peer\.key$/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/etcd \\$/m);
    const execLines = unit.split("\n").filter((l) => l.startsWith("  --"));
    assert.deepEqual(
      execLines.map((l) => l.trim().replace(/ \\$/, "")),
      flags,
    );
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
  });

  it("schedules backups from etcd.backup with the snapshot script and its parameters", () => {
    const timer = renderBackupTimer(spec);
    assert.match(timer, /^OnCalendar=\*-\*-\* 00\/6:00:00$/m);
    assert.match(timer, /^Persistent=true$/m);
    const service = renderBackupService(spec);
    assert.match(service, /^Type=oneshot$/m);
    assert.match(service, /^Environment=ETCD_BACKUP_DIR=\/var\/backups\/etcd$/m);
    assert.match(service, /^Environment=ETCD_BACKUP_RETAIN=28$/m);
    assert.match(service, /^Environment=ETCD_CERT=\/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.crt$/m);
    assert.match(service, /^ExecStart=\/usr\/local\/lib\/k8s-platform\/etcd-snapshot\.sh scheduled$/m);
  });
});

describe("etcd scripts", () => {
  const spec = prodSpec();
  const plan = planEtcd(loadOrThrow(grownEtcdConfig()).spec);
  const rendered: Record<string, string> = {
    install: renderInstallScript(spec),
    start: renderStartScript(plan.members[0]),
    startJoining: renderStartScript(plan.members[3]),
    health: renderHealthScript(),
    snapshot: renderSnapshotScript(spec),
    memberAdd: renderMemberAddScript(plan.members[3]),
  };

  it("are shellcheck-clean as checked in and as rendered", function () {
    requireTool(this, "shellcheck");
    for (const [name, text] of [...Object.entries(SCRIPTS), ...Object.entries(rendered)]) {
      const checked = spawnSync("shellcheck", ["-s", "bash", "-"], { input: text, encoding: "utf8", timeout: 30_000 });
      assert.equal(checked.status, 0, `${name}: ${checked.stdout}`);
    }
  });

  it("download the configured release from the mirror's GitHub layout", () => {
    assert.match(rendered.install, /^ETCD_VERSION=3\.6\.14$/m);
    assert.match(
      rendered.install,
      /^ETCD_TARBALL_URL=https:\/\/mirror\.example\.internal\/releases\/github\.com\/etcd-io\/etcd\/releases\/download\/v3\.6\.14\/etcd-v3\.6\.14-linux-amd64\.tar\.gz$/m,
    );
    assert.match(
      rendered.install,
      /^ETCD_SUMS_URL=https:\/\/mirror\.example\.internal\/releases\/github\.com\/etcd-io\/etcd\/releases\/download\/v3\.6\.14\/SHA256SUMS$/m,
    );
    assert.match(rendered.install, /^fetch_etcd\(\) \{$/m);
  });

  it("register a joining member with its peer URL", () => {
    assert.match(rendered.memberAdd, /^ETCD_MEMBER=etcd-4$/m);
    assert.match(rendered.memberAdd, /^ETCD_PEER_URL=https:\/\/10\.10\.1\.14:2380$/m);
    assert.match(rendered.startJoining, /^ETCD_JOIN_STATE=existing$/m);
    assert.match(rendered.start, /^ETCD_JOIN_STATE=new$/m);
  });

  it("embed no secret material", () => {
    for (const [name, text] of Object.entries(rendered))
      assert.doesNotMatch(text, /PRIVATE KEY|plan-fake-secret/, name);
    assert.equal(ETCD_PATHS.serverKey, "/etc/kubernetes/pki/etcd/server.key");
  });
});

describe("fetch.sh: the checksum step against a file:// mirror", function () {
  const version = "9.9.9";
  let dir: string;
  let releaseDir: string;
  let tarball: string;

  before(function () {
    requireTool(this, "curl", "tar", "sha256sum");
    dir = mkdtempSync(join(tmpdir(), "etcd-fetch-"));
    releaseDir = join(dir, "mirror", "github.com", "etcd-io", "etcd", "releases", "download", `v${version}`);
    mkdirSync(releaseDir, { recursive: true });
    const content = join(dir, `etcd-v${version}-linux-amd64`);
    mkdirSync(content);
    writeFileSync(join(content, "etcd"), "#!/bin/sh\necho fake etcd\n", { mode: 0o755 });
    writeFileSync(join(content, "etcdctl"), "#!/bin/sh\n", { mode: 0o755 });
    tarball = `etcd-v${version}-linux-amd64.tar.gz`;
    const tar = run("tar", ["-czf", join(releaseDir, tarball), "-C", dir, `etcd-v${version}-linux-amd64`]);
    assert.equal(tar.status, 0, tar.stderr);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fetch = (sums: string) => {
    writeFileSync(join(releaseDir, "SHA256SUMS"), sums);
    const out = mkdtempSync(join(dir, "out-"));
    const r = run("bash", [join(__dirname, "../../components/etcd/fetch.sh")], {
      ETCD_VERSION: version,
      ETCD_TARBALL_URL: `file://${releaseDir}/${tarball}`,
      ETCD_SUMS_URL: `file://${releaseDir}/SHA256SUMS`,
      ETCD_ARCH: "amd64",
      ETCD_FETCH_DIR: out,
    });
    return { ...r, out };
  };
  const digest = () =>
    createHash("sha256")
      .update(readFileSync(join(releaseDir, tarball)))
      .digest("hex");

  it("unpacks a tarball whose SHA256SUMS line matches", () => {
    const r = fetch(`${"0".repeat(64)}  etcd-v${version}-darwin-amd64.zip\n${digest()}  ${tarball}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(r.out, `etcd-v${version}-linux-amd64`, "etcd")));
  });

  it("refuses when SHA256SUMS has no line for the tarball", () => {
    const r = fetch(`${"0".repeat(64)}  etcd-v${version}-linux-arm64.tar.gz\n`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /has no line for etcd-v9\.9\.9-linux-amd64\.tar\.gz/);
    assert.ok(!existsSync(join(r.out, `etcd-v${version}-linux-amd64`)));
  });

  it("refuses a tarball whose checksum differs", () => {
    const r = fetch(`${"a".repeat(64)}  ${tarball}\n`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /checksum mismatch/);
    assert.ok(!existsSync(join(r.out, `etcd-v${version}-linux-amd64`)));
  });
});
