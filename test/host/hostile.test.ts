/**
 * Untrusted text in the sections the hosts are built from (cluster, ssh, hosts, versions,
 * mirrors, workers): every string of a config that sets each of their free-text fields
 * (taints, labels, bricks, devices, host keys, apt and yum sources, the bastion) is
 * replaced, one at a time, by a value with a newline and by shell syntax; the loader must
 * refuse each, naming that key. The repository-wide version of this test walks the prod
 * inventory only, which leaves several of these fields unset.
 */
import { strict as assert } from "node:assert";
import { formatPath, load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Path = (string | number)[];

function stringLeaves(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((v, i) => stringLeaves(v, [...path, i], out));
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], out);
  else if (typeof value === "string") out.push(path);
  return out;
}

function withValue(config: Record<string, unknown>, path: Path, value: string): Record<string, unknown> {
  const copy = clone(config);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

const HOSTILE = ["a\nb", "$(touch /tmp/pwned)", "`id`", "a; rm -rf /", "x' y", 'x" y'];
const SECTIONS = ["cluster", "ssh", "hosts", "versions", "mirrors", "workers"];

/** Prod with every optional free-text field of the host sections set. */
function fullConfig(): Record<string, unknown> {
  const raw = clone(prodConfig()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths
  raw.ssh.user = "ops";
  raw.hosts[5].taints = [{ key: "dedicated", value: "search", effect: "NoSchedule" }];
  raw.hosts.find((h: { name: string }) => h.name === "gfs-01").brickDevice = "/dev/sdb";
  raw.mirrors.packages.apt = [
    "deb [signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror.example.internal/debian bookworm main",
    { line: "deb https://mirror.example.internal/docker/debian bookworm stable", provides: ["docker"] },
  ];
  raw.mirrors.packages.yum[0].gpgkey = "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-centosofficial";
  raw.workers = { upgradeBatch: "10%", systemReserved: { cpu: "500m", memory: "1Gi" } };
  return raw;
}

describe("hostile text in the host sections", () => {
  const full = fullConfig();
  const leaves = stringLeaves(full).filter((p) => SECTIONS.includes(String(p[0])));

  it("the full config loads and walks every kind of free-text field", () => {
    const result = load(full);
    assert.ok(result.ok, result.ok ? "" : result.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    const keys = new Set(leaves.map((p) => formatPath(p).replace(/\[\d+\]/g, "[]")));
    for (const k of [
      "hosts[].taints[].key",
      "hosts[].taints[].value",
      "hosts[].labels.topology.kubernetes.io/zone",
      "hosts[].bricks[]",
      "hosts[].brickDevice",
      "hosts[].hostKey",
      "ssh.bastion.hostKey",
      "mirrors.packages.apt[]",
      "mirrors.packages.apt[].line",
      "mirrors.packages.yum[].gpgkey",
      "mirrors.packages.yum[].provides[]",
      "workers.upgradeBatch",
      "workers.systemReserved.cpu",
    ])
      assert.ok(keys.has(k), k);
  });

  for (const hostile of HOSTILE) {
    it(`refuses ${JSON.stringify(hostile)} in every string of the host sections, naming the key`, () => {
      const accepted: string[] = [];
      for (const path of leaves) {
        const key = formatPath(path);
        if (key === "ssh.privateKey") continue;
        const result = load(withValue(full, path, hostile));
        if (result.ok) accepted.push(key);
        else if (
          !result.errors.some((e) => e.path === key || key.startsWith(`${e.path}.`) || key.startsWith(`${e.path}[`))
        )
          accepted.push(`${key} (refused, but the error names ${result.errors.map((e) => e.path).join(", ")})`);
      }
      assert.deepEqual(accepted, []);
    });
  }
});
