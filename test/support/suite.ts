/**
 * The test files of one cost class, for `npm run test:unit|test:graph|test:integration`:
 * integration tests drive real programs (they call requireTool or spawn a real binary),
 * graph tests run the whole program under the mock harness, unit tests do neither. The
 * class is read from each file, so a new test lands in the right suite by itself.
 * Usage: tsx test/support/suite.ts unit|graph|integration  (prints the file paths)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** Every *.test.ts under test/. */
function testFiles(dir = join(ROOT, "test")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

/** The cost class of a test file. */
export function costClass(text: string): "unit" | "graph" | "integration" {
  if (/requireTool\(|kubectlBinary\(|spawn(Sync)?\(\s*["'](bash|git|npm|openssl|shellcheck)/.test(text))
    return "integration";
  if (/runProgram\(|recordProgram\(|loopbackGraph\(|runIndex\(|prodGraph\(|graphOf\(|plan\(/.test(text)) return "graph";
  return "unit";
}

if (require.main === module) {
  const wanted = process.argv[2];
  if (!["unit", "graph", "integration"].includes(wanted ?? "")) {
    console.error("usage: tsx test/support/suite.ts unit|graph|integration");
    process.exit(2);
  }
  const files = testFiles().filter((f) => costClass(readFileSync(f, "utf8")) === wanted);
  console.log(files.map((f) => relative(ROOT, f)).join("\n"));
}
