/**
 * The review forms of a plan: text for a terminal, Markdown for a pull request, JSON for
 * tools. Changes are listed in rollout order by phase; the same change on many hosts is
 * shown once with the hosts it applies to; multi-line values (scripts, units, configs,
 * bundled files) as unified diffs; secrets only as "changed".
 */
import type { Change, InputChange, Op, OutputChange, Plan } from "./diff";
import { phaseRank } from "./order";
import type { Graph } from "./run";
import { reviewDiff } from "./textdiff";

/** Per-host change groups: one change standing for the same change on several hosts. */
export interface ChangeGroup {
  readonly change: Change;
  /** Hosts with the same change (empty for a change that belongs to no host). */
  readonly hosts: readonly string[];
  /** The changes of the group, `change` first. */
  readonly members: readonly Change[];
}

/** A section of the review: one phase (all node batches form one section). */
export interface Section {
  readonly phase: string;
  readonly groups: readonly ChangeGroup[];
  readonly count: number;
}

const MARK: Readonly<Record<Op, string>> = {
  create: "+ create",
  update: "~ update",
  replace: "+- replace",
  delete: "- delete",
  retain: "- retain",
  "protected-delete": "! delete (protected)",
  "protected-replace": "! replace (protected)",
};

/** Actions, for counting: the op names reviewers see in the summary. */
export const ACTIONS: readonly Op[] = [
  "create",
  "update",
  "replace",
  "delete",
  "retain",
  "protected-delete",
  "protected-replace",
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The inventory host a change belongs to: the longest host name that is a token of its resource name. */
function hostOf(
  change: Change,
  hosts: readonly { name: string; address: string }[],
): { name: string; address: string } | undefined {
  let best: { name: string; address: string } | undefined;
  for (const h of hosts) {
    if (new RegExp(`(^|-)${escapeRe(h.name)}(-|$)`).test(change.name) && (!best || h.name.length > best.name.length))
      best = h;
  }
  return best;
}

/** What a change says, with its host's name and address replaced, so equal changes on two hosts compare equal. */
function signature(change: Change, host: { name: string; address: string } | undefined): string {
  const text = JSON.stringify([change.op, change.type, change.name, change.reasons, change.inputs]);
  if (!host) return text;
  return text
    .replace(new RegExp(`\\b${escapeRe(host.name)}\\b`, "g"), "<host>")
    .replace(new RegExp(`\\b${escapeRe(host.address)}\\b`, "g"), "<address>");
}

const sectionOf = (phase: string) => (phase.startsWith("nodes") ? "nodes" : phase);

/** Section of changes that touch only secret inputs, the same ones everywhere (e.g. a rotated SSH key). */
export const SECRET_ONLY = "secrets only, in every phase";

/** Updates whose every input change is a secret value and that have no other reason. */
const secretOnly = (c: Change) =>
  c.op === "update" && c.inputs.length > 0 && c.inputs.every((i) => i.before === "[secret]" || i.after === "[secret]");

/** The plan's changes as review sections: phases in rollout order, equal per-host changes grouped. */
export function reviewSections(plan: Plan, graph: Graph): Section[] {
  const hosts = graph.meta?.hosts ?? [];
  const sections = new Map<string, { rank: number; groups: Map<string, Change[]>; hosts: Map<string, string[]> }>();
  for (const c of plan.changes) {
    // The same secret-only change on many resources (every SSH step's connection after a
    // key rotation) is one line: what changed is the same, and its value is not shown.
    const uniform = secretOnly(c);
    const name = uniform ? SECRET_ONLY : sectionOf(c.phase);
    const section = sections.get(name) ?? { rank: uniform ? -1 : phaseRank(name), groups: new Map(), hosts: new Map() };
    sections.set(name, section);
    const host = hostOf(c, hosts);
    const sig = uniform ? JSON.stringify(["secret-only", c.inputs.map((i) => i.path)]) : signature(c, host);
    section.groups.set(sig, [...(section.groups.get(sig) ?? []), c]);
    if (host) section.hosts.set(sig, [...(section.hosts.get(sig) ?? []), host.name]);
  }
  return [...sections.entries()]
    .sort(([, a], [, b]) => a.rank - b.rank)
    .map(([phase, s]) => ({
      phase,
      count: [...s.groups.values()].reduce((n, g) => n + g.length, 0),
      groups: [...s.groups.entries()].map(([sig, members]) => ({
        change: members[0],
        hosts: s.hosts.get(sig) ?? [],
        members,
      })),
    }));
}

/** `node-001..node-020` for a run of numbered names, else a list. */
export function hostRange(names: readonly string[]): string {
  if (names.length <= 3) return names.join(", ");
  const m = names.map((n) => /^(.*?)(\d+)$/.exec(n));
  const stems = new Set(m.map((x) => x?.[1]));
  const numbers = m.map((x) => (x ? Number(x[2]) : NaN));
  const consecutive = stems.size === 1 && numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
  return consecutive
    ? `${names[0]}..${names[names.length - 1]}`
    : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}

/** The input changes of a change as review lines (unified diffs for multi-line values). */
export function renderInputs(inputs: readonly InputChange[], indent = "    "): string[] {
  const lines: string[] = [];
  for (const i of inputs) {
    const { before, after } = i;
    if (before === "[secret]" || after === "[secret]") {
      lines.push(`${indent}${i.path}: (secret value changed)`);
      continue;
    }
    const text = (v: unknown) => (typeof v === "string" ? v : undefined);
    const a = text(before) ?? "";
    const b = text(after) ?? "";
    if ((text(before) !== undefined || text(after) !== undefined) && (a.includes("\n") || b.includes("\n"))) {
      lines.push(`${indent}${i.path}:`);
      for (const l of reviewDiff(a, b).split("\n")) lines.push(`${indent}  ${l}`);
      continue;
    }
    const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));
    lines.push(`${indent}${i.path}: ${show(before)} => ${show(after)}`);
  }
  return lines;
}

/** Counts per section and action. */
export function countsBySection(sections: readonly Section[]): Map<string, Map<Op, number>> {
  const out = new Map<string, Map<Op, number>>();
  for (const s of sections) {
    const counts = new Map<Op, number>();
    for (const g of s.groups) for (const c of g.members) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
    out.set(s.phase, counts);
  }
  return out;
}

function totals(plan: Plan): Map<Op, number> {
  const t = new Map<Op, number>();
  for (const c of plan.changes) t.set(c.op, (t.get(c.op) ?? 0) + 1);
  return t;
}

/** `3 to create, 65 to update, ...; 600 unchanged` */
export function summaryLine(plan: Plan): string {
  const t = totals(plan);
  const parts = ACTIONS.filter((op) => t.has(op)).map((op) => `${t.get(op)} to ${op.replace("-", " ")}`);
  return `${parts.length > 0 ? parts.join(", ") : "no changes"}; ${plan.unchanged} unchanged`;
}

function groupTitle(g: ChangeGroup): string {
  const c = g.change;
  if (g.members.length > 1 && secretOnly(c) && new Set(g.members.map((m) => m.name)).size > g.hosts.length) {
    const types = new Map<string, number>();
    for (const m of g.members) types.set(m.type, (types.get(m.type) ?? 0) + 1);
    const list = [...types].map(([t, n]) => `${t} x${n}`).join(", ");
    return `${MARK[c.op].padEnd(22)} ${g.members.length} resources (${list}): the same secret inputs changed`;
  }
  const on = g.hosts.length > 1 ? ` on ${hostRange(g.hosts)} (${g.hosts.length} hosts, same change)` : "";
  const name = g.hosts.length > 1 ? c.name.replace(g.hosts[0], "<host>") : c.name;
  const flags = [c.dataBearing && c.op !== "create" && c.op !== "update" ? "DATA" : "", c.keepsOld ? "old kept" : ""]
    .filter(Boolean)
    .map((f) => ` [${f}]`)
    .join("");
  return `${MARK[c.op].padEnd(22)} ${c.type}  ${name}${on}${flags}`;
}

function outputLines(outputs: readonly OutputChange[]): string[] {
  return outputs.map((o) =>
    o.secret
      ? `  ${o.op === "update" ? "~" : o.op === "create" ? "+" : "-"} ${o.name}: (secret value changed)`
      : `  ${o.op === "update" ? "~" : o.op === "create" ? "+" : "-"} ${o.name}: ${JSON.stringify(o.before) ?? "(none)"} => ${JSON.stringify(o.after) ?? "(none)"}`,
  );
}

/** For the nodes: which hosts each upgrade batch holds, in rollout order. */
function batchLine(section: Section): string | undefined {
  if (section.phase !== "nodes") return undefined;
  const byBatch = new Map<string, Set<string>>();
  for (const g of section.groups)
    for (const m of g.members) {
      const batch = /batch (\d+)/.exec(m.phase)?.[1];
      if (!batch) continue;
      const host = m.name.replace(/-node-.*$/, "");
      byBatch.set(batch, (byBatch.get(batch) ?? new Set()).add(host));
    }
  if (byBatch.size < 2) return undefined;
  const parts = [...byBatch]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([b, hosts]) => `${b}: ${hostRange([...hosts])}`);
  return `rollout in upgrade batches (each waits for the previous): ${parts.join("; ")}`;
}

/** The plan as text for a terminal. */
export function renderPlanText(plan: Plan, graph: Graph, title: string): string {
  const lines = [title, `plan: ${summaryLine(plan)}`];
  if (plan.changes.some((c) => c.op === "protected-delete" || c.op === "protected-replace"))
    lines.push("!! pulumi up will FAIL: a protected resource would be deleted or replaced (see the ! lines)");
  if (plan.outputs.length > 0) lines.push("outputs:", ...outputLines(plan.outputs));
  for (const s of reviewSections(plan, graph)) {
    lines.push("", `== ${s.phase} (${s.count} change${s.count === 1 ? "" : "s"}) ==`);
    const batches = batchLine(s);
    if (batches) lines.push(batches);
    for (const g of s.groups) {
      lines.push(groupTitle(g));
      for (const r of g.change.reasons) lines.push(`    why: ${r}`);
      lines.push(...renderInputs(g.change.inputs));
    }
  }
  return lines.join("\n");
}

const MAX_BLOCK = 6000;

/** Policy findings as the Markdown review lists them. */
export interface PolicySummary {
  readonly mandatory: readonly string[];
  readonly advisory: readonly string[];
}

/**
 * The plan as Markdown for a pull request: a summary table (changes per phase and action),
 * the policy results, then per phase a collapsible block of grouped changes with diffs.
 * Long diffs are cut per block so the comment stays within a comment's size limit.
 */
export function renderPlanMarkdown(
  plan: Plan,
  graph: Graph,
  title: string,
  policies?: PolicySummary,
  maxChars = 60_000,
): string {
  const sections = reviewSections(plan, graph);
  const counts = countsBySection(sections);
  const used = ACTIONS.filter((op) => plan.changes.some((c) => c.op === op));
  const out: string[] = [`### ${title}`, "", `**${summaryLine(plan)}**`, ""];
  if (plan.changes.some((c) => c.op === "protected-delete" || c.op === "protected-replace"))
    out.push("> [!CAUTION]", "> `pulumi up` will fail: a protected resource would be deleted or replaced.", "");
  const risky = plan.changes.filter((c) => c.dataBearing && !["create", "update"].includes(c.op));
  if (risky.length > 0) {
    out.push("> [!WARNING]", `> ${risky.length} change(s) delete or replace data-bearing resources:`);
    for (const c of risky.slice(0, 20)) out.push(`> - \`${c.op}\` ${c.type} \`${c.name}\``);
    out.push("");
  }
  if (sections.length > 0) {
    out.push(`| phase | ${used.join(" | ")} |`, `|---|${used.map(() => "---:").join("|")}|`);
    for (const s of sections) {
      const c = counts.get(s.phase) ?? new Map();
      out.push(`| ${s.phase} | ${used.map((op) => c.get(op) ?? "").join(" | ")} |`);
    }
    out.push("");
  }
  if (policies) {
    out.push(
      `**Policies:** ${policies.mandatory.length} mandatory violation(s), ${policies.advisory.length} advisory`,
      ...policies.mandatory.map((m) => `- :x: ${m}`),
      ...policies.advisory.slice(0, 20).map((m) => `- :warning: ${m}`),
      "",
    );
  }
  if (plan.outputs.length > 0) out.push("**Stack outputs:**", "```", ...outputLines(plan.outputs), "```", "");
  for (const s of sections) {
    out.push(`<details><summary>${s.phase}: ${s.count} change${s.count === 1 ? "" : "s"}</summary>`, "");
    const batches = batchLine(s);
    if (batches) out.push(batches, "");
    out.push("```diff");
    let block = "";
    for (const g of s.groups) {
      const lines = [groupTitle(g), ...g.change.reasons.map((r) => `    why: ${r}`), ...renderInputs(g.change.inputs)];
      const text = lines.join("\n") + "\n";
      if (block.length + text.length > MAX_BLOCK) {
        block += `... (${s.groups.length} groups in this phase; the rest is in \`npm run plan -- --diff\`)\n`;
        break;
      }
      block += text;
    }
    out.push(block.trimEnd(), "```", "", "</details>", "");
  }
  let text = out.join("\n");
  if (text.length > maxChars) text = `${text.slice(0, maxChars)}\n\n_(cut at ${maxChars} characters)_\n`;
  return text;
}

/** The plan as JSON: every change with its reasons and input changes (secrets as "[secret]"). */
export function planJson(plan: Plan): Record<string, unknown> {
  return {
    summary: Object.fromEntries([...totals(plan)].map(([op, n]) => [op, n])),
    unchanged: plan.unchanged,
    outputs: plan.outputs,
    changes: plan.changes,
  };
}

/** Sort helper for callers that list sections by rollout. */
export const sectionRank = phaseRank;
