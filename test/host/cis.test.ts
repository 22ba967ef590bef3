/**
 * The CIS tables against kube-bench's own check definitions (cfg/cis-1.12 master, etcd and
 * node YAML): every check of sections 1, 2 and 4 is in a table with the benchmark's test
 * items, and every automated one passes on every kind of host of the prod inventory and on
 * a host with roles [master, etcd]; breaking what satisfies a check fails that check.
 * The benchmark's check list (ids, automated or not, test items, use_multiple_values) is held
 * as one sha256 over its normalized form (KUBE_BENCH_DIGEST): the tables must hash to it on
 * every run, and wherever kube-bench's YAML is present (KUBE_BENCH_CFG, else ../shared/kube-bench/cfg
 * beside the checkout or /work/shared/kube-bench/cfg, aquasecurity/kube-bench a73ce378 cfg/) the YAML must hash to it too, so
 * the digest cannot drift from upstream and no upstream text enters the project.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { benchHost, CIS_CHECKS, cisScore, hostsByLayout } from "../../components/host/cis";
import {
  evaluateChecks,
  type BenchHost,
  type BenchTestItem,
  type BenchTests,
  type CisCheck,
} from "../../lib/kubeBench";
import { loadOrThrow } from "../../stacks/contract/load";
import { combinedControlPlane } from "../../stacks/plan/generate";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { prodConfig } from "../support/config";

const CFG =
  process.env.KUBE_BENCH_CFG ??
  [resolve(__dirname, "..", "..", "..", "shared", "kube-bench", "cfg"), "/work/shared/kube-bench/cfg"].find((d) =>
    existsSync(d),
  ) ??
  "../shared/kube-bench/cfg";

/**
 * sha256 of the normalized check list of kube-bench a73ce378 cfg/cis-1.12 master.yaml,
 * etcd.yaml and node.yaml, in benchmark order (see `checkList`).
 */
const KUBE_BENCH_DIGEST = "dca019c64119fd67a5bec3363cba273683ab21748c7291fb0bbbc2354a7c838e";

interface ListedCheck {
  id: string;
  automated: boolean;
  multiple: boolean;
  tests: BenchTests | undefined;
}

/** The normalized check list and its digest (stable key order). */
function digest(list: readonly ListedCheck[]): string {
  const canonical = list.map((c) => ({
    id: c.id,
    automated: c.automated,
    multiple: c.multiple,
    tests: c.tests ?? null,
  }));
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}

interface YamlCheck {
  id: string;
  type?: string;
  scored?: boolean;
  use_multiple_values?: boolean;
  tests?: {
    bin_op?: string;
    test_items: {
      flag: string;
      path?: string;
      env?: string;
      set?: boolean;
      compare?: { op: string; value: unknown };
    }[];
  } | null;
}

/**
 * kube-bench's YAML decoder (go-yaml v2) accepts a double-quoted scalar continued on a line
 * indented like its key, which YAML 1.2 (and this parser) refuses; such values are joined
 * onto one line first (they are check titles, which nothing here reads).
 */
function joinQuotedLines(text: string): string {
  const out: string[] = [];
  let open: string | undefined;
  const quotes = (l: string) => (l.replace(/\\./g, "").match(/"/g) ?? []).length;
  for (const line of text.split("\n")) {
    if (open !== undefined) {
      open = `${open} ${line.trim()}`;
      if (quotes(line) % 2 === 1) {
        out.push(open);
        open = undefined;
      }
    } else if (/^\s*[a-z_]+: "/.test(line) && quotes(line) % 2 === 1) open = line;
    else out.push(line);
  }
  return out.join("\n");
}

/** The checks of one cis-1.12 file. */
function yamlChecks(file: string): YamlCheck[] {
  const text = joinQuotedLines(readFileSync(join(CFG, "cis-1.12", file), "utf8"));
  const doc = parse(text) as { groups: { checks: YamlCheck[] }[] };
  // An id like 2.1 reads as a number; the checks' ids are strings.
  return doc.groups.flatMap((g) => g.checks).map((c) => ({ ...c, id: String(c.id) }));
}

/** kube-bench's reading of a check's tests (values as strings, as its YAML decoder produces). */
function normalize(tests: YamlCheck["tests"]): BenchTests | undefined {
  if (!tests) return undefined;
  return {
    ...(tests.bin_op ? { binOp: tests.bin_op as "and" | "or" } : {}),
    items: tests.test_items.map((t): BenchTestItem => ({
      flag: t.flag,
      ...(t.path !== undefined ? { path: t.path } : {}),
      ...(t.env !== undefined ? { env: t.env } : {}),
      ...(t.set !== undefined ? { set: t.set } : {}),
      ...(t.compare ? { compare: { op: t.compare.op, value: String(t.compare.value) } } : {}),
    })),
  };
}

const specOf = (raw: Record<string, unknown>): PlatformSpec => loadOrThrow(raw).spec;

describe("CIS cis-1.12 sections 1, 2, 4", () => {
  const prod = specOf(prodConfig());
  const combined = specOf(combinedControlPlane(prodConfig()));

  const ours: ListedCheck[] = CIS_CHECKS.map((c) => ({
    id: c.id,
    automated: c.automated,
    multiple: c.multiple ?? false,
    tests: c.tests,
  }));

  it("the tables list every check of the benchmark once, in order, with its test items (digest)", () => {
    assert.equal(ours.filter((c) => c.automated).length, 65, "47 in section 1, 6 in section 2, 12 in section 4");
    for (const c of CIS_CHECKS) assert.ok(c.satisfiedBy.length > 0, c.id);
    assert.equal(digest(ours), KUBE_BENCH_DIGEST, "the tables differ from kube-bench's cis-1.12 check list");
  });

  it("kube-bench's own YAML gives the same check list, where it is present", function () {
    if (!existsSync(join(CFG, "cis-1.12", "master.yaml"))) {
      console.log(`      kube-bench cfg not at ${CFG} (set KUBE_BENCH_CFG): the digest above stands for it`);
      this.skip();
    }
    const upstream = [...yamlChecks("master.yaml"), ...yamlChecks("etcd.yaml"), ...yamlChecks("node.yaml")];
    const listed: ListedCheck[] = upstream.map((c) => ({
      id: c.id,
      automated: c.scored === true && c.type !== "manual",
      multiple: c.use_multiple_values ?? false,
      tests: normalize(c.tests),
    }));
    // Name the first difference before comparing digests.
    assert.deepEqual(
      ours.map((c) => c.id),
      listed.map((c) => c.id),
      "every check once, in benchmark order",
    );
    for (const [i, c] of listed.entries()) assert.deepEqual(ours[i], c, c.id);
    assert.equal(digest(listed), KUBE_BENCH_DIGEST);
  });

  it("every automated check passes on every kind of host, prod and etcd-on-masters; n/a only where its subject is absent", () => {
    const expectNa: Record<string, string[]> = {
      master: ["1.1.7", "1.1.8", "1.1.11", "1.1.12"],
    };
    for (const spec of [prod, combined]) {
      for (const host of hostsByLayout(spec)) {
        const score = cisScore(spec, host);
        console.log(
          `      ${host.name} [${host.roles.join(", ")}]: automated ${score.passed}/${score.applicable}, manual ${score.manualMet}/${score.manualApplicable}`,
        );
        assert.deepEqual(score.failed, [], host.name);
        const na = evaluateChecks(CIS_CHECKS, benchHost(spec, host))
          .filter((r) => r.automated && r.status === "n/a" && r.id.startsWith("1.") && host.roles.includes("master"))
          .map((r) => r.id);
        const master = host.roles.includes("master");
        assert.deepEqual(na, master && !host.roles.includes("etcd") ? expectNa.master : [], host.name);
      }
    }
    const cp1 = combined.hosts.find((h) => h.name === "cp-1");
    assert.ok(cp1);
    assert.deepEqual(cisScore(combined, cp1), {
      host: "cp-1",
      roles: ["master", "etcd"],
      passed: 65,
      applicable: 65,
      manualMet: 24,
      manualApplicable: 25,
      failed: [],
    });
  });

  it("on a [master, etcd] host everything under /etc/kubernetes/pki is root:root, etcd's keys 0600 among them (1.1.19)", () => {
    const host = benchHost(combined, combined.hosts[0]);
    const pki = host.files.filter((f) => f.path.startsWith("/etc/kubernetes/pki"));
    assert.ok(pki.some((f) => f.path === "/etc/kubernetes/pki/etcd/server.key" && f.mode === "0600"));
    assert.ok(
      pki.some((f) => f.path === "/etc/kubernetes/pki/etcd"),
      "the directory itself is listed",
    );
    assert.deepEqual(
      pki.filter((f) => f.owner !== "root:root").map((f) => f.path),
      [],
    );
    assert.match(host.processes.etcd, /--key-file=\/run\/credentials\/etcd\.service\/server\.key/);
  });

  /** A host state that breaks what satisfies `check` (file mode, owner, a flag, a config value). */
  function violate(check: CisCheck, host: BenchHost): BenchHost {
    const tests = check.tests as BenchTests;
    const item = tests.items[0];
    const perm = item.flag === "permissions";
    if (perm || /:/.test(item.flag) || item.flag === "ownership") {
      // The file(s) the audit stats: the first one its output names.
      const target = host.files.find((f) => {
        const out = check.audit({ ...host, files: host.files.filter((x) => x !== f) })?.output;
        return out !== check.audit(host)?.output;
      });
      assert.ok(target, `${check.id}: no file found to break`);
      return {
        ...host,
        files: host.files.map((f) =>
          f === target ? (perm ? { ...f, mode: "0777" } : { ...f, owner: "nobody:nogroup" }) : f,
        ),
      };
    }
    const compare = tests.items.find((t) => t.compare)?.compare;
    const daemon = Object.keys(host.processes).find(
      (d) =>
        check.audit({ ...host, processes: { [d]: host.processes[d] } }) !== undefined &&
        host.processes[d] === check.audit(host)?.output,
    );
    const bad = (() => {
      if (!compare) return item.set === false ? "x" : undefined; // present -> removed; absent -> set
      switch (compare.op) {
        case "eq":
          return compare.value === "false"
            ? "true"
            : compare.value === "true"
              ? "false"
              : compare.value === "0"
                ? "10255"
                : "0.0.0.0";
        case "noteq":
          return compare.value;
        case "has":
          return compare.value === "127.0.0.1" ? "0.0.0.0:10249" : "AlwaysAdmit";
        case "nothave":
          return compare.value;
        case "gte":
          return String(Number(compare.value) - 1);
        case "bitmask":
          return "777";
        case "valid_elements":
          return "TLS_RSA_WITH_RC4_128_SHA";
        default:
          throw new Error(`${check.id}: no violation for ${compare.op}`);
      }
    })();
    if (item.path && check.audit(host)?.config) {
      const config =
        host.configs.kubelet !== undefined && check.audit(host)?.config === host.configs.kubelet
          ? "kubelet"
          : "kube-proxy";
      const doc = parse(host.configs[config]) as Record<string, unknown>;
      const path = /^\{(?:range )?\.([A-Za-z0-9_.]+)/.exec(item.path)?.[1] as string;
      const keys = path.split(".");
      let node = doc;
      for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
      const last = keys[keys.length - 1];
      if (bad === undefined) delete node[last];
      else if (compare?.op === "valid_elements") node[last] = [bad];
      else node[last] = /^-?\d+$/.test(bad) ? Number(bad) : bad === "true" ? true : bad === "false" ? false : bad;
      return { ...host, configs: { ...host.configs, [config]: stringify(doc) } };
    }
    assert.ok(daemon, `${check.id}: no daemon found`);
    const words = host.processes[daemon].split(" ");
    const current = words.find((w) => w.startsWith(`${item.flag}=`))?.slice(item.flag.length + 1);
    const kept = words.filter((w) => w !== item.flag && !w.startsWith(`${item.flag}=`));
    let value: string | undefined = bad;
    if (compare?.op === "nothave") value = current ? `${current},${compare.value}` : compare.value;
    if (compare?.op === "has")
      value = (current ?? "")
        .split(",")
        .filter((v) => v !== compare.value)
        .join(",");
    if (value !== undefined) kept.push(`${item.flag}=${value}`);
    return { ...host, processes: { ...host.processes, [daemon]: kept.join(" ") } };
  }

  it("each automated check bites: breaking what satisfies it fails that check and no other", () => {
    const host = benchHost(combined, combined.hosts[0]);
    const worker = benchHost(prod, prod.topology.workers[0]);
    for (const check of CIS_CHECKS.filter((c) => c.automated)) {
      const base = check.audit(host) ? host : worker;
      const broken = violate(check, base);
      const failing = evaluateChecks(CIS_CHECKS, broken)
        .filter((r) => r.automated && r.status === "fail")
        .map((r) => r.id);
      assert.deepEqual(failing, [check.id], check.id);
    }
  });
});
