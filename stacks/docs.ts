/**
 * `npm run docs`: regenerates docs/configuration.md from the config contract. A test
 * fails when the committed file differs, so the reference never drifts from the schema.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { referenceGaps, renderConfigurationReference } from "./contract/reference";

const gaps = referenceGaps();
if (gaps.undocumented.length > 0 || gaps.stale.length > 0) {
  console.error(
    [
      ...gaps.undocumented.map((p) => `no description for config key ${p} (add it to stacks/contract/descriptions.ts)`),
      ...gaps.stale.map((p) => `stacks/contract/descriptions.ts describes ${p}, which is not a config key`),
    ].join("\n"),
  );
  process.exitCode = 2;
} else {
  const out = join(__dirname, "..", "docs", "configuration.md");
  writeFileSync(out, renderConfigurationReference());
  console.log(`wrote ${out}`);
}
