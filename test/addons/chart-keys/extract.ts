/**
 * Records the key paths of a chart's values.yaml, for the values-key test (chart-keys.test.ts).
 * Run it on the pinned chart's own file when a chart version changes, e.g.
 *   helm show values traefik --repo <mirror> --version 41.3.0 > /tmp/values.yaml
 *   npx tsx test/addons/chart-keys/extract.ts traefik 41.3.0 \
 *     traefik/traefik-helm-chart@v41.3.0:traefik/values.yaml /tmp/values.yaml > test/addons/chart-keys/traefik-41.3.0.json
 * Every mapping key becomes a dotted path; an empty mapping (`nodeSelector: {}`) is a free-form
 * map whose children any value may set. Lists are leaves: the chart takes them whole.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The recorded keys of one chart version. */
export interface ChartKeys {
  readonly chart: string;
  readonly version: string;
  /** Where the values file was read: `owner/repo@tag:path`. */
  readonly source: string;
  /** Every key path of values.yaml. */
  readonly keys: readonly string[];
  /** Paths whose value is an empty map: free-form maps. */
  readonly openMaps: readonly string[];
}

/** Key paths and free-form maps of a parsed values document. */
export function keyPaths(doc: unknown): { keys: string[]; openMaps: string[] } {
  const keys: string[] = [];
  const openMaps: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && path !== "") openMaps.push(path);
    for (const [k, v] of entries) {
      const child = path === "" ? k : `${path}.${k}`;
      keys.push(child);
      walk(v, child);
    }
  };
  walk(doc, "");
  return { keys: [...new Set(keys)].sort(), openMaps: [...new Set(openMaps)].sort() };
}

if (require.main === module) {
  const [chart, version, source, file] = process.argv.slice(2);
  if (!chart || !version || !source || !file) {
    process.stderr.write("usage: extract.ts <chart> <version> <owner/repo@tag:path> <values.yaml>\n");
    process.exit(2);
  }
  const record: ChartKeys = { chart, version, source, ...keyPaths(parse(readFileSync(file, "utf8"))) };
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
}
