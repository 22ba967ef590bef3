/**
 * The artifact manifest: `npm run artifacts -- [--config FILE] [--json | --mirror-script]`.
 * Reads the stack file through the same path as `npm run plan` (stackfile -> loader) and
 * prints every binary, image, chart and OS package the rollout fetches (text for people,
 * JSON for tools), or the mirror script that fills a bundle with them on a connected machine.
 * Exit codes: 0 ok, 1 error, 2 invalid config (the file is named).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, formatProblems, loadOrThrow } from "../contract/load";
import { fakeSecrets, readStackFile } from "../plan/stackfile";
import { artifactManifest } from "./manifest";
import { renderMirrorScript } from "./mirror";
import { renderManifestText } from "./text";

const USAGE = "usage: npm run artifacts -- [--config Pulumi.<stack>.yaml] [--json | --mirror-script]";

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string", default: join(__dirname, "..", "..", "Pulumi.prod.yaml") },
      json: { type: "boolean", default: false },
      "mirror-script": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.json && values["mirror-script"]) throw new Error("--json and --mirror-script exclude each other");
  const file = values.config as string;
  const { spec } = loadOrThrow(fakeSecrets(readStackFile(file)), file);
  const manifest = artifactManifest(spec);
  if (values["mirror-script"]) process.stdout.write(renderMirrorScript(manifest));
  else if (values.json) console.log(JSON.stringify(manifest, null, 2));
  else process.stdout.write(renderManifestText(manifest, `k8s-platform artifacts: ${file}`));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(formatProblems(err.problems, err.source));
    process.exitCode = 2;
  } else {
    console.error(err instanceof Error ? err.message : err);
    console.error(USAGE);
    process.exitCode = 1;
  }
}
