/**
 * Config text is untrusted: it ends up in shell, YAML, INI, TOML and systemd files. Every
 * string the inventory holds is replaced, one at a time, by a value with a newline and by
 * shell syntax; the loader must refuse each, naming that key.
 */
import { strict as assert } from "node:assert";
import { formatPath, load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Path = (string | number)[];

/** Paths of every string leaf of a config. */
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

/**
 * Values that may hold shell syntax on one line: parser regexes, passwords (they reach hosts only as escaped
 * file content, never a command line) and Kubernetes user and group names (they reach only
 * RBAC subjects through the API). The SSH key has lines and reaches no host file.
 */
const SECRET = (p: string) =>
  p === "ssh.privateKey" ||
  // Fluent Bit parser regexes and time formats: rendered into its parsers file (escaped),
  // never into a shell; they need '$', quotes and ';'. Newlines are still refused.
  /^projects\[\d+\]\.logs\.parsers\[\d+\]\.(regex|firstLine|continuation|timeFormat)$/.test(p) ||
  /(^registry|\.pullSecrets\[\d+\])\.password$/.test(p) ||
  /^projects\[\d+\]\.members\[\d+\]\.(user|group)$/.test(p);
/** Label values may be empty (valid in Kubernetes); the mutations below are never empty. */
const HOSTILE = ["a\nb", "$(touch /tmp/pwned)", "`id`", "a; rm -rf /", "x' y", 'x" y'];

describe("hostile config text", () => {
  const prod = prodConfig();
  const leaves = stringLeaves(prod);

  it("the prod inventory has the free-text fields this test walks", () => {
    assert.ok(leaves.length > 200, `${leaves.length} string leaves`);
  });

  for (const hostile of HOSTILE) {
    it(`refuses ${JSON.stringify(hostile)} in every non-secret string, naming the key`, () => {
      const accepted: string[] = [];
      for (const path of leaves) {
        const key = formatPath(path);
        if (SECRET(key) && hostile !== "a\nb") continue;
        if (key === "ssh.privateKey") continue;
        const result = load(withValue(prod, path, hostile));
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
