/**
 * kube-bench's test semantics, so the platform's CIS tables evaluate each check the way
 * kube-bench does: a check's test items (flag, config path, set, compare op and value, and
 * the and/or of the items) against what its audit command would print on the host and what
 * its audit_config command would print (the config file). Written from kube-bench's
 * check/test.go and check/check.go (aquasecurity/kube-bench a73ce378): the flag is looked up
 * in the audit output first (`--flag=value`, `flag: value`, a bare `--flag` is "true"),
 * then, when it is not there, the path in the config file; a missing value is "not set".
 */
import { parse } from "yaml";

/** One test item as kube-bench's YAML has it (values as strings: its YAML decoder reads them so). */
export interface BenchTestItem {
  readonly flag: string;
  /** JSONPath into the config file (`{.a.b}`, or `{range .list[:]}{}{','}{end}`). */
  readonly path?: string;
  readonly env?: string;
  /** kube-bench defaults `set` to true. */
  readonly set?: boolean;
  readonly compare?: { readonly op: string; readonly value: string };
}

/** A check's tests. */
export interface BenchTests {
  readonly binOp?: "and" | "or";
  readonly items: readonly BenchTestItem[];
}

/** What the audit commands would print on the host. */
export interface BenchAudit {
  /** The audit command's output (a process command line, `permissions=600`, lines of them). */
  readonly output: string;
  /** The audit_config command's output: the config file (YAML or JSON), or "" when absent. */
  readonly config?: string;
}

type Found = { readonly match: boolean; readonly value: string };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** flagTestItem.findValue: the flag anywhere in the output, its value after `=` or `: `. */
function fromOutput(flag: string, s: string): Found {
  if (s === "" || flag === "" || !s.includes(flag)) return { match: false, value: "" };
  const m = new RegExp(`(${escapeRegExp(flag)})(=|: *)*([^\\s]*) *`).exec(s);
  if (!m) return { match: true, value: "" };
  if (m[3] !== "") return { match: true, value: m[3] };
  return { match: true, value: flag.startsWith("--") ? "true" : m[1] };
}

/** The subset of client-go JSONPath the CIS checks use: `{.a.b.c}` and `{range .a[:]}{}{','}{end}`. */
function jsonPath(path: string, doc: unknown): string {
  const range = /^\{range \.([A-Za-z0-9_.]+)\[:\]\}\{\}\{'(.)'\}\{end\}$/.exec(path);
  const at = (dotted: string) =>
    dotted
      .split(".")
      .reduce<unknown>(
        (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
        doc,
      );
  if (range) {
    const list = at(range[1]);
    return Array.isArray(list) ? list.map((v) => `${String(v)}${range[2]}`).join("") : "";
  }
  const plain = /^\{\.([A-Za-z0-9_.]+)\}$/.exec(path);
  if (!plain) throw new Error(`JSONPath ${path} is not supported by this evaluator`);
  const value = at(plain[1]);
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** pathTestItem.findValue: the JSONPath in the config file. */
function fromConfig(path: string, config: string): Found {
  const value = jsonPath(path, parse(config) as unknown);
  return { match: value !== "", value };
}

const asNumber = (s: string) => (/^\s*-?\d+\s*$/.test(s) ? Number(s) : NaN);

/** compareOp of check/test.go. */
export function compareOp(op: string, flagValue: string, value: string): boolean {
  const lower = flagValue.toLowerCase();
  switch (op) {
    case "eq":
      return lower === "true" || lower === "false" ? lower === value : flagValue === value;
    case "noteq":
      return lower === "true" || lower === "false" ? lower !== value : flagValue !== value;
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const a = asNumber(flagValue);
      const b = asNumber(value);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return op === "gt" ? a > b : op === "gte" ? a >= b : op === "lt" ? a < b : a <= b;
    }
    case "has":
      return flagValue.includes(value);
    case "nothave":
      return !flagValue.includes(value);
    case "regex":
      return new RegExp(value).test(flagValue);
    case "valid_elements": {
      const split = (s: string) => {
        const clean = s.trim().replace(/,+$/, "");
        return clean === "" ? [] : clean.split(",").map((x) => x.trim());
      };
      const have = split(flagValue);
      const allowed = split(value);
      if (have.length === 0 || allowed.length === 0) return have.length === 0 && allowed.length === 0;
      return have.every((h) => allowed.includes(h));
    }
    case "bitmask": {
      const requested = parseInt(flagValue, 8);
      const max = parseInt(value, 8);
      if (Number.isNaN(requested) || Number.isNaN(max)) return false;
      return (max & requested) === requested;
    }
    default:
      throw new Error(`kube-bench compare op ${op} is not known`);
  }
}

/** testItem.evaluate on one line of output. */
function evaluateItem(item: BenchTestItem, found: Found): boolean {
  const set = item.set ?? true;
  if (!set) return !found.match;
  if (found.match && item.compare) return compareOp(item.compare.op, found.value, item.compare.value);
  return found.match;
}

/** One item over the audit output (or, when its flag is not there, the config), line by line when `multiple`. */
function runItem(item: BenchTestItem, audit: BenchAudit, multiple: boolean): boolean {
  const each = (s: string, find: (line: string) => Found) => {
    const lines = multiple ? s.replace(/[ \n]+$/, "").split("\n") : [s.replace(/[ \n]+$/, "")];
    let result = { pass: false, found: false };
    for (const line of lines) {
      const found = find(line);
      result = { pass: evaluateItem(item, found), found: found.match };
      if (!result.pass) break;
    }
    return result;
  };
  const viaOutput = each(audit.output, (line) => fromOutput(item.flag, line));
  if (!viaOutput.found && item.path && audit.config) {
    return each(audit.config, (text) => fromConfig(item.path as string, text)).pass;
  }
  return viaOutput.pass;
}

/** A check's verdict as kube-bench computes it (PASS true). */
export function benchPasses(tests: BenchTests, audit: BenchAudit, multiple = false): boolean {
  const results = tests.items.map((item) => runItem(item, audit, multiple));
  return tests.binOp === "or" ? results.some(Boolean) : results.every(Boolean);
}

/** A file or directory on a host as the CIS audits see it (stat's mode and owner). */
export interface BenchFile {
  readonly path: string;
  /** Octal mode, e.g. "0600". */
  readonly mode: string;
  /** `user:group`. */
  readonly owner: string;
}

/** What the audits of a host read: its files, its daemons' command lines and config files. */
export interface BenchHost {
  readonly name: string;
  readonly roles: readonly string[];
  /** Every file and directory the platform writes on the host. */
  readonly files: readonly BenchFile[];
  /** Daemon -> its command line, as `ps -ef` shows it (kube-apiserver, etcd, kubelet, ...). */
  readonly processes: Readonly<Record<string, string>>;
  /** Config files the audits read, by name (kubelet, kube-proxy, authentication, encryption). */
  readonly configs: Readonly<Record<string, string>>;
}

/** One CIS benchmark check and where the platform meets it. */
export interface CisCheck {
  readonly id: string;
  /** Short title in our words. */
  readonly title: string;
  /** kube-bench "Automated" (scored) or "Manual". */
  readonly automated: boolean;
  /** What satisfies it here, e.g. `--profiling=false` or `0600 /etc/kubernetes/admin.conf`. */
  readonly satisfiedBy: string;
  /** The benchmark's test items (kube-bench's YAML; a test holds them to it). Absent: a manual check without tests. */
  readonly tests?: BenchTests;
  /** kube-bench's use_multiple_values: every output line must pass. */
  readonly multiple?: boolean;
  /** What the audit commands would print on the host; undefined when the check's subject is not on it. */
  readonly audit: (host: BenchHost) => BenchAudit | undefined;
  /**
   * A manual check met in a way kube-bench's audit does not see (e.g. anonymous auth limited
   * by an AuthenticationConfiguration): our own verdict, explained in satisfiedBy.
   */
  readonly verdict?: (host: BenchHost) => boolean;
}

/** A check's outcome on a host. */
export interface CisResult {
  readonly id: string;
  readonly title: string;
  readonly automated: boolean;
  readonly satisfiedBy: string;
  /** "n/a": the check's subject (e.g. an etcd member) is not on the host. */
  readonly status: "pass" | "fail" | "n/a";
}

/** Evaluates checks on a host: kube-bench's semantics over the audit, or the check's own verdict. */
export function evaluateChecks(checks: readonly CisCheck[], host: BenchHost): CisResult[] {
  return checks.map((c) => {
    const base = { id: c.id, title: c.title, automated: c.automated, satisfiedBy: c.satisfiedBy };
    const audit = c.audit(host);
    if (audit === undefined) return { ...base, status: "n/a" };
    const pass = c.verdict ? c.verdict(host) : c.tests ? benchPasses(c.tests, audit, c.multiple) : false;
    return { ...base, status: pass ? "pass" : "fail" };
  });
}

/** `permissions=<mode>` of a file, as `stat -c permissions=%a` prints it ("" when the file is absent). */
export function statPermissions(host: BenchHost, path: string, withName = false): string {
  const f = host.files.find((x) => x.path === path);
  return f ? `permissions=${parseInt(f.mode, 8).toString(8)}${withName ? ` ${path}` : ""}` : "";
}

/** `user:group` of a file, as `stat -c %U:%G` prints it ("" when absent). */
export function statOwner(host: BenchHost, path: string): string {
  return host.files.find((x) => x.path === path)?.owner ?? "";
}

/** The files (and directories) at or under `dir`, as `find dir` lists them. */
export function findUnder(host: BenchHost, dir: string): BenchFile[] {
  const base = dir.replace(/\/+$/, "");
  return host.files.filter((f) => f.path === base || f.path.startsWith(`${base}/`));
}

/** Test items that check a file's permissions against a mode (bitmask). */
export const permissionsAtMost = (mode: string): BenchTests => ({
  items: [{ flag: "permissions", compare: { op: "bitmask", value: mode } }],
});

/** Test items that look for an owner in stat's output. */
export const ownedBy = (owner: string): BenchTests => ({ items: [{ flag: owner }] });
