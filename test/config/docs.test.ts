import { strict as assert } from "node:assert";
import { configKeys } from "../../stacks/contract/keys";
import { repoFile } from "../support/config";

describe("config documentation", () => {
  it("the README's configuration table documents every config key", () => {
    const readme = repoFile("README.md");
    const table = readme.slice(readme.indexOf("## Configuration reference"));
    assert.ok(table.length > 0, "README has a Configuration reference section");
    const documented = new Set([...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const missing = configKeys()
      .map((k) => k.path)
      .filter((p) => !documented.has(p));
    assert.deepEqual(missing, [], `undocumented keys: ${missing.join(", ")}`);
  });

  it("lists nested keys of arrays and objects", () => {
    const paths = configKeys().map((k) => k.path);
    for (const p of [
      "hosts[].roles",
      "projects[].members[].role",
      "network.calico.routeReflectors",
      "storage.glusterfs.storageClass.reclaimPolicy",
    ]) {
      assert.ok(paths.includes(p), p);
    }
  });
});
