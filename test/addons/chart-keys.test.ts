import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ReleaseSpec } from "../../components/addons/render/common";
import { renderIngressRelease } from "../../components/addons/render/ingress";
import { renderLoggingReleases } from "../../components/addons/render/logging";
import { renderMonitoringReleases, renderPrometheusCrdsRelease } from "../../components/addons/render/monitoring";
import { renderTigeraOperatorValues } from "../../components/network/render";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import type { ChartKeys } from "./chart-keys/extract";
import { CHART_CHECKS, type ChartCheck } from "./chart-keys/overlay";
import { fullRaw } from "./fixtures";

const DIR = join(__dirname, "chart-keys");
const readKeys = (file: string): ChartKeys => JSON.parse(readFileSync(join(DIR, `${file}.json`), "utf8")) as ChartKeys;

/** The keys and free-form maps a release's values may use. */
function allowed(check: ChartCheck): { keys: Set<string>; open: string[] } {
  const keys = new Set<string>();
  const open: string[] = [];
  for (const [prefix, file] of Object.entries(check.lists)) {
    const list = readKeys(file);
    const at = (k: string) => (prefix === "" ? k : `${prefix}.${k}`);
    if (prefix !== "") keys.add(prefix);
    for (const k of list.keys) keys.add(at(k));
    for (const k of list.openMaps) open.push(at(k));
  }
  for (const t of check.templateKeys ?? []) keys.add(t.key);
  open.push(...Object.keys(check.openMaps ?? {}));
  return { keys, open };
}

/** Every key path the values set that the chart does not read. */
export function unknownKeys(values: Record<string, unknown>, check: ChartCheck): string[] {
  const { keys, open } = allowed(check);
  const bad: string[] = [];
  const walk = (value: unknown, path: string) => {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = path === "" ? k : `${path}.${k}`;
      if (open.some((o) => p === o || p.startsWith(`${o}.`))) continue;
      if (!keys.has(p)) {
        bad.push(p);
        continue;
      }
      if (v !== null && typeof v === "object" && !Array.isArray(v)) walk(v, p);
    }
  };
  walk(values, "");
  return bad;
}

/** Every release the platform installs for a spec, with the tigera-operator chart. */
function releasesOf(spec: PlatformSpec): ReleaseSpec[] {
  return [
    renderIngressRelease(spec),
    ...renderMonitoringReleases(spec),
    renderPrometheusCrdsRelease(spec),
    ...renderLoggingReleases(spec),
    {
      name: "calico",
      namespace: "tigera-operator",
      chart: "tigera-operator",
      version: `v${spec.versions.calico}`,
      values: renderTigeraOperatorValues(spec),
    },
  ];
}

function variants(): PlatformSpec[] {
  const nginx = fullRaw();
  (nginx.addons as { ingress: Record<string, unknown> }).ingress.controller = "ingress-nginx";
  const nodePort = clone(prodConfig());
  (nodePort.addons as { ingress: Record<string, unknown> }).ingress.exposure = "NodePort";
  return [specOf(prodConfig()), specOf(fullRaw()), specOf(nginx), specOf(nodePort)];
}

describe("add-ons: every values key is one the pinned chart reads", () => {
  it("records the key list of each chart version with the upstream file it came from", () => {
    for (const [chart, versions] of Object.entries(CHART_CHECKS)) {
      for (const [version, check] of Object.entries(versions)) {
        const top = readKeys(check.lists[""]);
        assert.equal(top.chart, chart);
        assert.equal(top.version, version);
        assert.match(top.source, /^[\w.-]+\/[\w.-]+@[\w.-]+:[\w./-]+values\.yaml$/, `${chart} ${version}`);
        assert.ok(top.keys.length > 0 || chart === "prometheus-operator-crds", `${chart} has keys`);
      }
    }
  });

  it("sets only recorded keys (or keys the templates read, or inside free-form maps) in every release", () => {
    let checked = 0;
    for (const spec of variants()) {
      for (const rel of releasesOf(spec)) {
        const check = CHART_CHECKS[rel.chart.split("/").pop() as string]?.[rel.version];
        assert.ok(check, `no recorded keys for ${rel.chart} ${rel.version}: record them (chart-keys/extract.ts)`);
        assert.deepEqual(unknownKeys(rel.values, check), [], `${rel.chart} ${rel.version}`);
        checked++;
      }
    }
    assert.ok(checked >= 30);
  });

  it("catches a key the chart does not read, such as traefik's service.type", () => {
    const check = CHART_CHECKS.traefik["41.3.0"];
    assert.deepEqual(unknownKeys({ service: { enabled: true, type: "NodePort" } }, check), ["service.type"]);
    assert.deepEqual(unknownKeys({ service: { spec: { type: "NodePort" } } }, check), []);
    const kps = CHART_CHECKS["kube-prometheus-stack"]["88.5.3"];
    assert.deepEqual(unknownKeys({ grafana: { sidecar: { imag: {} } } }, kps), ["grafana.sidecar.imag"]);
    assert.deepEqual(unknownKeys({ "prometheus-node-exporter": { image: { sha: "" } } }, kps), [
      "prometheus-node-exporter.image.sha",
    ]);
  });
});
