/**
 * `npm run bench`: prints the platform's performance figures, section by section. Nothing
 * is asserted: machines here are noisy; compare the figures between commits. Sections can
 * be picked by name: `npm run bench -- plan workers`.
 */
import { benchPlan, PROD } from "./core";
import { benchProjects } from "./projects";
import { benchStorage } from "./storage";
import { benchWorkers } from "./workers";
import { cisControlPlaneScore } from "../components/control-plane";
import { load } from "../stacks/contract/load";

// Pulumi records a stack trace per internal promise; without source maps each costs far less.
process.setSourceMapsEnabled(false);

async function benchCis(): Promise<void> {
  const result = load(PROD);
  if (!result.ok) throw new Error("Pulumi.prod.yaml does not load");
  const score = cisControlPlaneScore(result.spec);
  console.log("\n== CIS Kubernetes Benchmark (cis-1.12), control plane, rendered flags and file modes ==");
  console.log(
    `automated checks passed: ${score.passed}/${score.total}   manual checks met: ${score.manualPassed}/${score.manualTotal}`,
  );
}

const SECTIONS: Record<string, () => Promise<void>> = {
  plan: benchPlan,
  cis: benchCis,
  workers: benchWorkers,
  projects: () => benchProjects(),
  storage: () => benchStorage(),
};

async function main(argv: string[]): Promise<void> {
  const picked = argv.length > 0 ? argv : Object.keys(SECTIONS);
  for (const name of picked) {
    const section = SECTIONS[name];
    if (!section) throw new Error(`unknown bench section "${name}"; choose from ${Object.keys(SECTIONS).join(", ")}`);
    await section();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
