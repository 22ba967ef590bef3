/**
 * The example CI job: its script plans a pull request's stack file against the base
 * branch's, on two commits of a temporary git repository, and writes the Markdown review;
 * the GitHub Actions and GitLab CI files parse and run that script.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT, repoFile } from "../support/config";
import { requireTool } from "../support/tools";

const SCRIPT = join(REPO_ROOT, "examples/ci/plan-pr.sh");
const PLAN = `${process.execPath} ${join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs")} ${join(REPO_ROOT, "stacks/plan/cli.ts")}`;

describe("example CI job (examples/ci)", function () {
  this.timeout(600_000);
  let repo: string;
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const planPr = (base: string) =>
    spawnSync("bash", [SCRIPT, base, "Pulumi.prod.yaml", "plan.md"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, PLAN },
    });

  before(function () {
    requireTool(this, "git");
    repo = mkdtempSync(join(tmpdir(), "ci-repo-"));
    git("init", "-q", "-b", "main");
    git("config", "user.email", "ci@example.internal");
    git("config", "user.name", "ci");
    const prod = repoFile("Pulumi.prod.yaml");
    writeFileSync(join(repo, "Pulumi.prod.yaml"), prod);
    git("add", ".");
    git("commit", "-qm", "base");
    writeFileSync(join(repo, "Pulumi.prod.yaml"), prod.replace("kubernetes: 1.35.1", "kubernetes: 1.35.2"));
    git("commit", "-qam", "bump Kubernetes");
  });

  it("plans the PR's stack file against the base commit: Markdown review, exit 4", () => {
    const run = planPr("HEAD~1");
    assert.equal(run.status, 4, run.stderr);
    const md = readFileSync(join(repo, "plan.md"), "utf8");
    assert.match(md, /^### k8s-platform plan: .*Pulumi\.prod\.yaml/m);
    assert.match(md, /\| phase \| update \|/);
    assert.match(md, /<details><summary>control plane: \d+ changes<\/summary>/);
    assert.match(md, /^\s+\+K8S_VERSION=1\.35\.2$/m);
  });

  it("exits 0 when the PR does not change the stack", () => {
    const run = planPr("HEAD");
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(join(repo, "plan.md"), "utf8"), /no changes/);
  });

  it("exits 2 and says so in the review when the PR's stack file is invalid", () => {
    writeFileSync(join(repo, "Pulumi.prod.yaml"), repoFile("Pulumi.prod.yaml").replace("10.10.1.11", "10.10.1.999"));
    const run = planPr("HEAD");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /k8s-platform:hosts\[0\]\.address/);
    assert.match(readFileSync(join(repo, "plan.md"), "utf8"), /plan failed \(exit 2\)/);
    git("checkout", "--", "Pulumi.prod.yaml");
  });

  it("the GitHub Actions and GitLab CI jobs parse and run the script, then post plan.md", () => {
    const gh = parse(repoFile("examples/ci/github-actions.yml")) as { jobs: { plan: { steps: { run?: string }[] } } };
    const steps = gh.jobs.plan.steps.map((s) => s.run ?? "").join("\n");
    assert.match(steps, /bash examples\/ci\/plan-pr\.sh "origin\/\$\{\{ github\.base_ref \}\}"/);
    assert.match(steps, /gh pr comment .* --body-file plan\.md/);
    const gl = parse(repoFile("examples/ci/gitlab-ci.yml")) as { plan: { script: string[] } };
    const script = gl.plan.script.join("\n");
    assert.match(script, /bash examples\/ci\/plan-pr\.sh "origin\/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"/);
    assert.match(script, /merge_requests\/\$CI_MERGE_REQUEST_IID\/notes/);
  });
});
