import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as onig from "vscode-oniguruma";
import {
  renderFluentBitConfig,
  renderFluentBitValues,
  renderIndexLua,
  renderProjectIsmJob,
} from "../../components/addons/render/logging";
import { appLogInputs, renderCustomParsers, renderProjectIsmPolicy } from "../../components/addons/render/projectLogs";
import { projectLogsSchema, type ProjectLogsConfig } from "../../stacks/contract/schema/addons";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import { specOf } from "../network/fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- chart values are untyped data
type V = Record<string, any>;

/**
 * The spec with `projects[].logs` set. The key joins the project schema as
 * `logs: projectLogsSchema.prefault({})` (stacks/contract/schema/projects.ts); until then the
 * test parses it with the same schema and sets it on the loaded spec.
 */
function withLogs(spec: PlatformSpec, logs: Record<string, unknown>): PlatformSpec {
  return {
    ...spec,
    projects: spec.projects.map((p) =>
      p.name in logs ? { ...p, logs: projectLogsSchema.parse(logs[p.name]) as ProjectLogsConfig } : p,
    ),
  };
}

/** Prod with app log files for search-web and parsers for them. */
function specWithParsers(): PlatformSpec {
  const raw = clone(prodConfig());
  const projects = raw.projects as { name: string; appLogPaths?: string[] }[];
  projects[0].appLogPaths = ["/var/log/projects/search-web/access.log", "/var/log/projects/search-web/app-*.log"];
  return withLogs(specOf(raw), {
    "search-web": {
      retentionDays: 30,
      index: "logs-sw",
      parsers: [
        {
          name: "access",
          format: "regex",
          // Quotes are written \x22 (a multiline rule's fields are quoted); slashes need no escape.
          regex:
            "^(?<remote>[^ ]+) - (?<user>[^ ]+) \\[(?<time>[^\\]]+)\\] \\x22(?<method>[A-Z]+) (?<path>/[^ ]*) [^\\x22]*\\x22 (?<code>\\d{3}) (?<size>\\d+)$",
          timeKey: "time",
          timeFormat: "%d/%b/%Y:%H:%M:%S %z",
          paths: ["/var/log/projects/search-web/access.log"],
        },
        {
          name: "java",
          format: "multiline",
          firstLine: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}",
          // Onigmo's negative lookahead: every line that does not start with a timestamp.
          continuation: "^(?!\\d{4}-\\d{2}-\\d{2} \\d{2}:)",
          paths: ["/var/log/projects/search-web/app-*.log"],
        },
        {
          name: "app",
          format: "regex",
          regex: "^(?<time>\\S+ \\S+) (?<level>[A-Z]+) +(?<logger>\\S+) - (?<message>.*)",
          paths: ["/var/log/projects/search-web/app-*.log"],
        },
      ],
    },
  });
}

/** The sections of a Fluent Bit classic-mode parsers file: name -> key -> values. */
function sections(text: string): { kind: string; entries: [string, string][] }[] {
  const out: { kind: string; entries: [string, string][] }[] = [];
  for (const line of text.split("\n")) {
    const head = /^\[([A-Z_]+)\]$/.exec(line);
    if (head) out.push({ kind: head[1], entries: [] });
    else if (/^\s+\S/.test(line) && out.length > 0) {
      const m = /^\s+(\S+)\s+(.*)$/.exec(line);
      if (m) out[out.length - 1].entries.push([m[1].toLowerCase(), m[2]]);
    }
  }
  return out;
}

/** Fluent Bit's rule value tokenizer (quoted fields; fluent-bit@v5.1.1 flb_slist_split_tokens). */
const ruleTokens = (value: string) => [...value.matchAll(/"([^"]*)"/g)].map((m) => m[1]);

/** What Fluent Bit compiles from a configured pattern: `/pat/` loses its delimiters (src/flb_regex.c). */
const patternOf = (raw: string) =>
  raw.length > 1 && raw.startsWith("/") && raw.endsWith("/") ? raw.slice(1, -1) : raw;

/** Named groups in order: with named groups, Onigmo's Ruby syntax captures only those. */
const groupNames = (pattern: string) => [...pattern.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]);

describe("add-ons: per-project logs (projects[].logs)", () => {
  before(async () => {
    const wasm = readFileSync(join(require.resolve("vscode-oniguruma"), "..", "onig.wasm"));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  });

  /** Runs a pattern with Oniguruma; returns the named captures, or undefined without a match. */
  function match(pattern: string, line: string): Record<string, string> | undefined {
    const scanner = new onig.OnigScanner([pattern]);
    const text = new onig.OnigString(line);
    const m = scanner.findNextMatchSync(text, 0);
    text.dispose();
    scanner.dispose();
    if (!m) return undefined;
    const names = groupNames(pattern);
    return Object.fromEntries(
      names.map((n, i) => [n, line.slice(m.captureIndices[i + 1].start, m.captureIndices[i + 1].end)]),
    );
  }

  it("refuses parsers Fluent Bit or the chart would misread, naming the key", () => {
    const bad = projectLogsSchema.safeParse({
      index: "search",
      parsers: [
        { name: "a", format: "regex", regex: 'x"y' },
        { name: "b", format: "regex", regex: "{{ .Release.Name }}(?<a>.)" },
        { name: "c", format: "regex", regex: "^no groups$" },
        { name: "a", format: "multiline", firstLine: "^a\nb", continuation: "/x/" },
      ],
    });
    assert.equal(bad.success, false);
    const issues = bad.success ? [] : bad.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    for (const expected of [
      /^index: .*must be an index name prefix starting with logs-/,
      /^parsers\.0\.regex: must not contain a double quote/,
      /^parsers\.1\.regex: must not contain '\{\{'/,
      /^parsers\.2\.regex: needs at least one named group/,
      /^parsers\.3\.firstLine: must be one line/,
      /^parsers\.3\.continuation: is the bare pattern/,
      /^parsers\.3\.name: "a" is used twice/,
    ])
      assert.ok(
        issues.some((i) => expected.test(i)),
        `${expected} in\n${issues.join("\n")}`,
      );
  });

  it("renders the parsers so Onigmo's syntax reads the regex parser's named groups from sample lines", () => {
    const parsers = sections(renderCustomParsers(specWithParsers()));
    const access = parsers.find((s) => s.entries.some(([k, v]) => k === "name" && v === "search-web.access"));
    assert.ok(access, renderCustomParsers(specWithParsers()));
    const regex = patternOf(access.entries.find(([k]) => k === "regex")?.[1] ?? "");
    assert.deepEqual(match(regex, '10.1.2.3 - alice [07/Mar/2026:10:11:12 +0800] "GET /search?q=a HTTP/1.1" 200 512'), {
      remote: "10.1.2.3",
      user: "alice",
      time: "07/Mar/2026:10:11:12 +0800",
      method: "GET",
      path: "/search?q=a",
      code: "200",
      size: "512",
    });
    assert.equal(match(regex, "not an access log line"), undefined);
    assert.deepEqual(Object.fromEntries(access.entries.filter(([k]) => k.startsWith("time_"))), {
      time_key: "time",
      time_format: "%d/%b/%Y:%H:%M:%S %z",
      time_keep: "On",
    });
    const app = parsers.find((s) => s.entries.some(([k, v]) => k === "name" && v === "search-web.app"));
    const appRegex = patternOf(app?.entries.find(([k]) => k === "regex")?.[1] ?? "");
    assert.deepEqual(match(appRegex, "2026-03-07 10:11:12 ERROR  c.e.Search - query failed"), {
      time: "2026-03-07 10:11:12",
      level: "ERROR",
      logger: "c.e.Search",
      message: "query failed",
    });
  });

  it("joins a stack trace into one record with the multiline parser's rules", () => {
    const parsers = sections(renderCustomParsers(specWithParsers()));
    const java = parsers.find((s) => s.kind === "MULTILINE_PARSER");
    assert.ok(java);
    assert.deepEqual(
      java.entries.find(([k]) => k === "name"),
      ["name", "search-web.java"],
    );
    const rules = java.entries.filter(([k]) => k === "rule").map(([, v]) => ruleTokens(v));
    assert.deepEqual(
      rules.map((r) => [r[0], r[2]]),
      [
        ["start_state", "cont"],
        ["cont", "cont"],
      ],
    );
    // Fluent Bit's regex state machine: a start_state match opens a record, `cont` matches extend it.
    const [start, cont] = rules.map((r) => patternOf(r[1]));
    const lines = [
      "2026-03-07 10:11:12 ERROR c.e.Search - query failed",
      "java.lang.IllegalStateException: index closed",
      "    at c.e.Search.run(Search.java:42)",
      "Caused by: java.io.IOException: broken pipe",
      "    ... 12 more",
      "2026-03-07 10:11:13 INFO  c.e.Search - recovered",
    ];
    const records: string[][] = [];
    let open = false;
    for (const line of lines) {
      if (match(start, line)) {
        records.push([line]);
        open = true;
      } else if (open && match(cont, line)) records[records.length - 1].push(line);
      else {
        records.push([line]);
        open = false;
      }
    }
    assert.deepEqual(
      records.map((r) => r.length),
      [5, 1],
      "the exception, at, Caused by and ... lines join the line with the timestamp",
    );
  });

  it("tails each log path with its own parsers, indexed under the project's prefix", () => {
    const spec = specWithParsers();
    assert.deepEqual(
      appLogInputs(spec).filter((i) => i.project === "search-web"),
      [
        {
          project: "search-web",
          path: "/var/log/projects/search-web/access.log",
          tag: "app.search-web.0.*",
          index: "logs-sw.app",
          parser: "search-web.access",
        },
        {
          project: "search-web",
          path: "/var/log/projects/search-web/app-*.log",
          tag: "app.search-web.1.*",
          index: "logs-sw.app",
          multiline: "search-web.java",
          parser: "search-web.app",
        },
      ],
    );
    const config = renderFluentBitConfig(spec);
    assert.match(config.service, /Parsers_File\s+\/fluent-bit\/etc\/conf\/custom_parsers\.conf/);
    assert.match(
      config.inputs,
      /Path\s+\/var\/log\/projects\/search-web\/app-\*\.log\n\s+Tag\s+app\.search-web\.1\.\*\n(.*\n){2}\s+multiline\.parser\s+search-web\.java/,
    );
    assert.match(
      config.filters,
      /Name\s+parser\n\s+Match\s+app\.search-web\.0\.\*\n\s+Key_Name\s+log\n\s+Parser\s+search-web\.access/,
    );
    assert.match(config.filters, /Match\s+app\.search-web\.\*\n\s+Set\s+logs_index logs-sw\.app/);
    const values = renderFluentBitValues(spec) as V;
    assert.equal(values.config.customParsers, renderCustomParsers(spec), "the chart writes it to custom_parsers.conf");
  });

  it("routes container logs to the project's prefix in the Lua filter (run by a real Lua)", function () {
    requireTool(this, "lua5.4");
    const lua = renderIndexLua(specWithParsers());
    const probe = [
      lua,
      'for _, ns in ipairs({"search-web", "search-api", "kube-system"}) do',
      '  local _, _, r = set_index("kube.x", 0, { kubernetes = { namespace_name = ns } })',
      "  print(ns .. '=' .. r.logs_index)",
      "end",
      'local _, _, r = set_index("kube.x", 0, {})',
      "print('none=' .. r.logs_index)",
    ].join("\n");
    const r = spawnSync("lua5.4", ["-"], { input: probe, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "search-web=logs-sw",
      "search-api=logs-search-api",
      "kube-system=logs-kube-system",
      "none=logs-unknown",
    ]);
  });

  it("gives each project its own ISM policy: its retention, its patterns, the longer prefix winning", () => {
    const spec = specWithParsers();
    const [web, api] = spec.projects;
    const policy = (p: typeof web) => renderProjectIsmPolicy(spec, p).policy as V;
    assert.equal(policy(web).policy.states[0].transitions[0].conditions.min_index_age, "30d", "the project's own");
    assert.equal(policy(api).policy.states[0].transitions[0].conditions.min_index_age, "14d", "the global default");
    assert.deepEqual(policy(web).policy.ism_template, [
      { index_patterns: ["logs-sw-*", "logs-sw.app-*"], priority: 107 },
    ]);
    assert.deepEqual(policy(api).policy.ism_template[0].index_patterns, ["logs-search-api-*", "logs-search-api.app-*"]);
    assert.ok(policy(api).policy.ism_template[0].priority > 100, "above the platform-wide logs-* policy");
    const [configMap, job] = renderProjectIsmJob(spec, web);
    assert.match(configMap.metadata.name, /^ism-search-web-[0-9a-f]{8}$/);
    assert.equal(job.metadata.name, configMap.metadata.name);
    assert.ok(job.metadata.name.length <= 63);
  });

  it("changes only that project's objects when its retention changes", () => {
    const before = specWithParsers();
    const after = withLogs(before, {
      "search-web": { ...(before.projects[0] as unknown as { logs: object }).logs, retentionDays: 7 },
    });
    const objects = (spec: PlatformSpec) =>
      new Map(
        spec.projects
          .flatMap((p) => renderProjectIsmJob(spec, p))
          .map((o) => [`${o.kind}/${o.metadata.name}`, JSON.stringify(o)]),
      );
    const a = objects(before);
    const b = objects(after);
    const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
    assert.ok(changed.length > 0);
    for (const k of changed) assert.match(k, /ism-search-web-/, k);
    assert.deepEqual(renderFluentBitValues(after), renderFluentBitValues(before), "Fluent Bit does not see retention");
  });
});
