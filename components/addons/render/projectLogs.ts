/**
 * Per-project logs (`projects[].logs`): each project's index name prefix, retention and the
 * parsers of its application log files, rendered into Fluent Bit's config (parsers file,
 * one tail input per log path, parser filters) and one OpenSearch index state management
 * policy per project. Everything here is local to its project: changing one project's
 * retention changes only that project's policy objects.
 *
 * Fluent Bit facts (fluent/fluent-bit@v5.1.1): regexes compile with Onigmo in Ruby syntax
 * (src/flb_regex.c); a classic-mode `[MULTILINE_PARSER]` takes `rule "<from>" "/<regex>/"
 * "<to>"` lines whose first rule starts in `start_state` (src/flb_parser.c,
 * src/multiline/flb_ml_rule.c); the fluent-bit chart writes `config.customParsers` to
 * /fluent-bit/etc/conf/custom_parsers.conf (fluent/helm-charts@fluent-bit-0.58.1:
 * charts/fluent-bit/templates/configmap.yaml).
 */
import type { LogParserConfig, ProjectLogsConfig } from "../../../stacks/contract/schema/addons";
import type { PlatformSpec, ProjectConfig } from "../../../stacks/contract/spec";

/** Where the chart mounts the custom parsers file. */
export const CUSTOM_PARSERS_FILE = "/fluent-bit/etc/conf/custom_parsers.conf";

/**
 * The project's `logs` settings. `logs` joins the project schema as
 * `logs: projectLogsSchema.prefault({})`; until then every project has the defaults.
 */
export function projectLogs(project: ProjectConfig): ProjectLogsConfig {
  return project.logs;
}

/** The project's index name prefix: container logs go to `<prefix>-YYYY.MM.DD`. */
export function indexPrefix(project: ProjectConfig): string {
  return projectLogs(project).index ?? `logs-${project.name}`;
}

/**
 * The prefix of the project's application-log indices, `<prefix>.app`: a project name has
 * no dots, so no other project's container logs can land in them.
 */
export function appIndexPrefix(project: ProjectConfig): string {
  return `${indexPrefix(project)}.app`;
}

/** Days the project's indices are kept. */
export function retentionDays(spec: PlatformSpec, project: ProjectConfig): number {
  return projectLogs(project).retentionDays ?? spec.addons.logging.retentionDays;
}

/** A parser's name in Fluent Bit's global parser namespace (`<project>.<parser>`: names have no dots). */
export function fluentParserName(project: ProjectConfig, parser: Pick<LogParserConfig, "name">): string {
  return `${project.name}.${parser.name}`;
}

const applies = (parser: LogParserConfig, path: string) => !parser.paths || parser.paths.includes(path);

/** One tail input: a log path of a project with the parsers that apply to it. */
export interface AppLogInput {
  readonly project: string;
  readonly path: string;
  /** `app.<project>.<n>.*`: the filters of this input match it. */
  readonly tag: string;
  /** The record field Fluent Bit's output reads the index prefix from gets this value. */
  readonly index: string;
  /** The multiline parser joining its lines, if any (the first that applies). */
  readonly multiline?: string;
  /** The parser structuring each record, if any (the first json/regex parser that applies). */
  readonly parser?: string;
}

/** Every project's application log inputs, in config order. */
export function appLogInputs(spec: PlatformSpec): AppLogInput[] {
  return spec.projects.flatMap((project) =>
    project.appLogPaths.map((path, n) => {
      const parsers = projectLogs(project).parsers.filter((p) => applies(p, path));
      const multiline = parsers.find((p) => p.format === "multiline");
      const structured = parsers.find((p) => p.format !== "multiline");
      return {
        project: project.name,
        path,
        tag: `app.${project.name}.${n}.*`,
        index: appIndexPrefix(project),
        ...(multiline ? { multiline: fluentParserName(project, multiline) } : {}),
        ...(structured ? { parser: fluentParserName(project, structured) } : {}),
      };
    }),
  );
}

function parserSection(name: string, parser: LogParserConfig): string[] {
  if (parser.format === "multiline")
    return [
      "[MULTILINE_PARSER]",
      `    name          ${name}`,
      "    type          regex",
      "    flush_timeout 1000",
      `    rule          "start_state" "/${parser.firstLine}/" "cont"`,
      `    rule          "cont"        "/${parser.continuation}/" "cont"`,
      "",
    ];
  return [
    "[PARSER]",
    `    Name        ${name}`,
    `    Format      ${parser.format}`,
    ...(parser.format === "regex" ? [`    Regex       ${parser.regex}`] : []),
    ...(parser.timeKey ? [`    Time_Key    ${parser.timeKey}`] : []),
    ...(parser.timeFormat ? [`    Time_Format ${parser.timeFormat}`] : []),
    ...(parser.timeKey ? ["    Time_Keep   On"] : []),
    "",
  ];
}

/** The custom parsers file (the chart's `config.customParsers`): every project's parsers. */
export function renderCustomParsers(spec: PlatformSpec): string {
  const lines = ["# Rendered by k8s-platform: projects[].logs.parsers, named <project>.<parser>.", ""];
  for (const project of spec.projects)
    for (const parser of projectLogs(project).parsers)
      lines.push(...parserSection(fluentParserName(project, parser), parser));
  return lines.join("\n");
}

/** Projects whose container logs go to a prefix other than the default `logs-<project>`. */
export function customIndexPrefixes(spec: PlatformSpec): { project: string; prefix: string }[] {
  return spec.projects
    .filter((p) => projectLogs(p).index !== undefined)
    .map((p) => ({ project: p.name, prefix: indexPrefix(p) }));
}

/** One project's index state management policy. */
export interface ProjectIsmPolicy {
  readonly project: string;
  readonly policyId: string;
  readonly policy: Record<string, unknown>;
}

/**
 * The project's ISM policy: its indices (container and application logs) are deleted
 * `retentionDays` after creation. Templates of longer prefixes get higher priorities, so an
 * index matching two projects' patterns (`logs-search-*` and `logs-search-web-*`) takes the
 * more specific one; the platform-wide `logs-*` policy has the lowest (100).
 */
export function renderProjectIsmPolicy(spec: PlatformSpec, project: ProjectConfig): ProjectIsmPolicy {
  const days = retentionDays(spec, project);
  const prefix = indexPrefix(project);
  return {
    project: project.name,
    policyId: `logs-project-${project.name}`,
    policy: {
      policy: {
        description: `Delete the log indices of project ${project.name} after ${days} days (projects[].logs.retentionDays)`,
        default_state: "hot",
        states: [
          {
            name: "hot",
            actions: [],
            transitions: [{ state_name: "delete", conditions: { min_index_age: `${days}d` } }],
          },
          { name: "delete", actions: [{ delete: {} }], transitions: [] },
        ],
        ism_template: [{ index_patterns: [`${prefix}-*`, `${prefix}.app-*`], priority: 100 + prefix.length }],
      },
    },
  };
}
