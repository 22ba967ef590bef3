import { strict as assert } from "node:assert";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { configKeys } from "../../stacks/contract/keys";
import { referenceGaps, renderConfigurationReference } from "../../stacks/contract/reference";
import { REPO_ROOT, repoFile } from "../support/config";

/** Every Markdown file of the repository outside node_modules. */
function markdownFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

describe("documentation", () => {
  it("docs/configuration.md is what `npm run docs` generates (types and defaults from the schema)", () => {
    assert.equal(repoFile("docs/configuration.md"), renderConfigurationReference(), "run `npm run docs` and commit");
  });

  it("describes every config key and nothing else", () => {
    assert.deepEqual(referenceGaps(), { undocumented: [], stale: [] });
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

  it("links only to files inside the repository, and every linked file exists", () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = repoFile(relative(REPO_ROOT, file));
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split("#")[0];
        if (target === "" || /^[a-z]+:/.test(target)) continue; // anchors and URLs
        const path = resolve(dirname(file), target);
        const rel = relative(REPO_ROOT, path);
        if (rel.startsWith("..")) broken.push(`${relative(REPO_ROOT, file)}: ${m[1]} leaves the repository`);
        else if (!existsSync(path)) broken.push(`${relative(REPO_ROOT, file)}: ${m[1]} does not exist`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
