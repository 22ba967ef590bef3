/**
 * A real 3-member etcd cluster on 127.0.0.11-13, started with the flags the renderer
 * produces for a test inventory (whose etcd hosts are those addresses) and the
 * certificates the program issued (read back from the mock run through the tls double).
 * Only the file layout (a temp dir) and the local listeners differ from production, both
 * through renderer options.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { loadOrThrow } from "../../stacks/contract/load";
import {
  planEtcd,
  renderEtcdFlags,
  renderHealthScript,
  renderSnapshotScript,
  type EtcdPaths,
  type EtcdPlan,
  type PlannedMember,
} from "../../components/etcd/render";
import { requireTool, hasTool } from "../support/tools";
import { issuedCa, issuedLeaf, writePair } from "../pki/issued";
import {
  ETCD_TEST_ADDRESSES,
  loopbackEtcdConfig,
  run,
  startDaemon,
  stopDaemon,
  waitFor,
  type Daemon,
} from "./fixtures";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { find } from "../support/graph";

describe("etcd cluster: rendered flags + issued certificates on real etcd", function () {
  this.timeout(180_000);
  let dir: string;
  let graph: Graph;
  let spec: PlatformSpec;
  let plan: EtcdPlan;
  const daemons = new Map<string, Daemon>();
  const memberPaths = new Map<string, EtcdPaths>();
  let caFile: string;
  let apiserverClient: { cert: string; key: string };
  let foreignClient: { cert: string; key: string };
  let healthcheckClient: { cert: string; key: string };
  let endpoints: string;

  /** etcdctl against `eps`; `client: null` sends no client certificate. */
  const etcdctl = (
    args: readonly string[],
    client: { cert: string; key: string } | null = apiserverClient,
    eps = endpoints,
  ) =>
    run(
      "etcdctl",
      [
        `--endpoints=${eps}`,
        `--cacert=${caFile}`,
        ...(client ? [`--cert=${client.cert}`, `--key=${client.key}`] : []),
        "--command-timeout=5s",
        ...args,
      ],
      { ETCDCTL_API: "3" },
    );

  const start = (member: PlannedMember, paths = memberPaths.get(member.name) as EtcdPaths, p = plan) => {
    const flags = renderEtcdFlags(spec, p, member, { paths, localListeners: false, systemdCredentials: false });
    daemons.set(member.name, startDaemon(member.name, "etcd", flags));
  };
  const logs = () => [...daemons.values()].map((d) => `--- ${d.name}\n${d.log.slice(-3000)}`).join("\n");

  before(async function () {
    requireTool(this, "etcd", "etcdctl", "openssl");
    dir = mkdtempSync(join(tmpdir(), "etcd-cluster-"));
    const raw = loopbackEtcdConfig();
    spec = loadOrThrow(raw).spec;
    graph = await runProgram(raw);
    plan = planEtcd(spec);
    assert.deepEqual(
      plan.members.map((m) => m.address),
      ETCD_TEST_ADDRESSES,
    );

    const etcdCa = issuedCa(graph, "etcd-ca");
    caFile = join(dir, "etcd-ca.crt");
    writeFileSync(caFile, etcdCa.certPem);
    apiserverClient = writePair(dir, "apiserver-etcd-client", issuedLeaf(graph, "apiserver-etcd-client"));
    // A perfectly valid client certificate, but from the Kubernetes cluster CA.
    foreignClient = writePair(dir, "admin", issuedLeaf(graph, "admin"));
    healthcheckClient = writePair(dir, "healthcheck-client", issuedLeaf(graph, "etcd-healthcheck-client"));

    for (const m of plan.members) {
      const server = writePair(dir, `${m.name}-server`, issuedLeaf(graph, `etcd-server-${m.name}`));
      const peer = writePair(dir, `${m.name}-peer`, issuedLeaf(graph, `etcd-peer-${m.name}`));
      // The certificates the program copies to the member are the ones read back here.
      const copied = find(graph, "command:remote:CopyToRemote", `etcd-${m.name}-server.crt`).inputs.source;
      assert.equal(
        JSON.stringify(copied).includes(
          JSON.stringify(issuedLeaf(graph, `etcd-server-${m.name}`).certPem).slice(1, 60),
        ),
        true,
      );
      memberPaths.set(m.name, {
        dataDir: join(dir, `${m.name}.data`),
        caCert: caFile,
        serverCert: server.cert,
        serverKey: server.key,
        peerCert: peer.cert,
        peerKey: peer.key,
        clientCert: healthcheckClient.cert,
        clientKey: healthcheckClient.key,
        binDir: "/usr/bin",
      });
    }
    endpoints = plan.members.map((m) => `https://${m.address}:2379`).join(",");
    for (const m of plan.members) start(m);
    await waitFor(
      "the cluster to become healthy",
      () => etcdctl(["endpoint", "health", "--cluster"]).status === 0,
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
  });

  after(async () => {
    await Promise.all([...daemons.values()].map((d) => stopDaemon(d)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes `endpoint health --cluster` with the apiserver-etcd-client certificate", () => {
    const r = etcdctl(["endpoint", "health", "--cluster"]);
    assert.equal(r.status, 0, r.stderr);
    const healthy = `${r.stdout}${r.stderr}`.split("\n").filter((l) => / is healthy/.test(l));
    assert.deepEqual(healthy.map((l) => /https:\/\/([\d.]+):2379/.exec(l)?.[1]).sort(), ETCD_TEST_ADDRESSES);
    const members = etcdctl(["member", "list", "--write-out=simple"]);
    assert.equal(members.status, 0, members.stderr);
    for (const m of plan.members)
      assert.match(members.stdout, new RegExp(`started, ${m.name}, https://${m.address.replace(/\./g, "\\.")}:2380`));
  });

  it("round-trips a put and a get", () => {
    assert.equal(etcdctl(["put", "/platform/probe", "hello"]).status, 0);
    const r = etcdctl(["get", "/platform/probe", "--print-value-only"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "hello");
  });

  /** Runs a rendered script with bash, bounded. */
  const bash = (script: string, timeoutMs = 60_000) => {
    const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", timeout: timeoutMs });
    return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
  };

  it("passes the rendered health gate (health.sh with the healthcheck client certificate)", () => {
    const first = plan.members[0];
    const r = bash(
      renderHealthScript({ paths: memberPaths.get(first.name), endpoint: `https://${first.address}:2379` }, 3),
    );
    assert.equal(r.status, 0, r.out);
    assert.equal((r.out.match(/ is healthy/g) ?? []).length, 3, r.out);
  });

  it("writes snapshots with snapshot.sh and keeps only `retain` of them", () => {
    const first = plan.members[0];
    const backups = join(dir, "backups");
    const backupSpec = { etcd: { ...spec.etcd, backup: { ...spec.etcd.backup, dir: backups, retain: 2 } } };
    const options = { paths: memberPaths.get(first.name), endpoint: `https://${first.address}:2379` };
    for (const label of ["t1", "t2", "t3"]) {
      const r = bash(renderSnapshotScript(backupSpec, label, options));
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /saved /);
    }
    const kept = readdirSync(backups).sort();
    assert.equal(kept.length, 2, kept.join(" "));
    assert.ok(
      kept.every((f) => /^etcd-\d{8}T\d{6}Z-t[23]\.db$/.test(f)),
      kept.join(" "),
    );
    for (const f of kept) assert.equal(statSync(join(backups, f)).mode & 0o777, 0o600, f);

    // Before etcd has data (a first deployment) there is nothing to save, and that is not an error.
    const fresh = { ...options, paths: { ...(options.paths as EtcdPaths), dataDir: join(dir, "no-data-yet") } };
    const r = bash(renderSnapshotScript(backupSpec, "pre-change", fresh));
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /nothing to snapshot/);
  });

  it("serves /metrics and /health on the metrics listener without a client certificate, and nothing else", async () => {
    for (const m of plan.members) {
      const base = `http://${m.address}:2381`;
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200, `${m.name} /metrics`);
      const body = await metrics.text();
      assert.match(body, /^etcd_server_has_leader 1$/m, `${m.name} exposes etcd metrics`);
      const health = await fetch(`${base}/health`);
      assert.equal(health.status, 200, `${m.name} /health`);
      assert.match(await health.text(), /"health":\s*"true"/);
      // The listener is metrics and health only: no key-value API behind it.
      const kv = await fetch(`${base}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "AA==" }) });
      assert.equal(kv.status, 404, `${m.name} must not serve the v3 API on the metrics port`);
    }
  });

  it("refuses a client certificate signed by the cluster CA (not the etcd CA)", () => {
    const r = etcdctl(["get", "/platform/probe", "--print-value-only"], foreignClient);
    assert.notEqual(r.status, 0, `a cluster-CA client was let in: ${r.stdout}`);
    assert.doesNotMatch(r.stdout, /hello/);
  });

  it("refuses a client without a certificate", () => {
    const r = etcdctl(["get", "/platform/probe", "--print-value-only"], null);
    assert.notEqual(r.status, 0, `a client without a certificate was let in: ${r.stdout}`);
    assert.doesNotMatch(r.stdout, /hello/);
  });

  it("keeps accepting writes with the leader down, and the member rejoins on restart", async () => {
    // Kill the leader: the hardest single failure (an election must happen first).
    const status = etcdctl(["endpoint", "status", "--cluster", "--write-out=json"]);
    assert.equal(status.status, 0, status.stderr);
    type EndpointStatus = { Endpoint: string; Status: { header: { member_id: number }; leader: number } };
    const statuses = JSON.parse(status.stdout) as EndpointStatus[];
    const leader = statuses.find((e) => e.Status.header.member_id === e.Status.leader);
    assert.ok(leader, status.stdout);
    const victim = plan.members.find((m) => leader.Endpoint === `https://${m.address}:2379`) as PlannedMember;
    assert.ok(victim, `leader ${leader.Endpoint} is not a planned member`);
    await stopDaemon(daemons.get(victim.name));

    const survivors = plan.members
      .filter((m) => m !== victim)
      .map((m) => `https://${m.address}:2379`)
      .join(",");
    let lastError = "";
    await waitFor(
      "a write to the two surviving members",
      () => {
        const put = etcdctl(["put", "/platform/while-down", "still-writable"], apiserverClient, survivors);
        lastError = put.stderr;
        return put.status === 0;
      },
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${lastError}`);
    });
    assert.notEqual(
      etcdctl(["endpoint", "health", "--cluster"], apiserverClient, survivors).status,
      0,
      "health --cluster must notice the dead member",
    );

    start(victim);
    const own = `https://${victim.address}:2379`;
    await waitFor(
      "the restarted member to rejoin",
      () => etcdctl(["endpoint", "health", "--cluster"]).status === 0,
      60_000,
    );
    // A serializable read answers from the member's own copy: it caught up on the write it missed.
    await waitFor(
      "the rejoined member to hold the write it missed",
      () =>
        etcdctl(
          ["get", "/platform/while-down", "--print-value-only", "--consistency=s"],
          apiserverClient,
          own,
        ).stdout.trim() === "still-writable",
      30_000,
    );
  });

  it("restores a snapshot into a fresh data dir with the data back", async () => {
    const snapshot = join(dir, "backup.db");
    const first = plan.members[0];
    const save = etcdctl(["snapshot", "save", snapshot], apiserverClient, `https://${first.address}:2379`);
    assert.equal(save.status, 0, save.stderr);
    assert.ok(existsSync(snapshot));

    // Restore as a one-member cluster of the first member, on a fresh data dir.
    await Promise.all([...daemons.values()].map((d) => stopDaemon(d)));
    const restored: PlannedMember = { ...first, initialCluster: [first] };
    const paths = { ...(memberPaths.get(first.name) as EtcdPaths), dataDir: join(dir, "restored.data") };
    const restoreArgs = [
      "snapshot",
      "restore",
      snapshot,
      `--name=${first.name}`,
      `--initial-cluster=${first.name}=https://${first.address}:2380`,
      `--initial-cluster-token=${plan.token}`,
      `--initial-advertise-peer-urls=https://${first.address}:2380`,
      `--data-dir=${paths.dataDir}`,
    ];
    // etcd 3.6 removed `etcdctl snapshot restore` in favour of etcdutl; 3.4 only has etcdctl.
    const r = hasTool("etcdutl") ? run("etcdutl", restoreArgs) : run("etcdctl", restoreArgs, { ETCDCTL_API: "3" });
    assert.equal(r.status, 0, r.stderr);

    start(restored, paths, { ...plan, members: [restored] });
    const own = `https://${first.address}:2379`;
    await waitFor(
      "the restored member to serve",
      () => etcdctl(["endpoint", "health"], apiserverClient, own).status === 0,
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${logs()}`);
    });
    const probe = etcdctl(["get", "/platform/probe", "--print-value-only"], apiserverClient, own);
    assert.equal(probe.stdout.trim(), "hello", probe.stderr);
    const missed = etcdctl(["get", "/platform/while-down", "--print-value-only"], apiserverClient, own);
    assert.equal(missed.stdout.trim(), "still-writable", missed.stderr);
  });
});
