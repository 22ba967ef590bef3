/**
 * `npm run bench`: prints the platform's performance figures, section by section. Nothing
 * is asserted: machines here are noisy; compare the figures between commits. Sections can
 * be picked by name: `npm run bench -- plan workers`.
 */
import { benchPlan, PROD } from "./core";
import { benchProjects } from "./projects";
import { benchStorage } from "./storage";
import { benchWorkers } from "./workers";
import { cisScore, hostsByLayout } from "../components/host/cis";
import { combinedControlPlane } from "../stacks/plan/generate";
import { load } from "../stacks/contract/load";

// Pulumi records a stack trace per internal promise; without source maps each costs far less.
process.setSourceMapsEnabled(false);

async function benchCis(): Promise<void> {
  console.log("\n== CIS Kubernetes Benchmark (cis-1.12) sections 1, 2, 4: rendered flags, configs and file modes ==");
  for (const [label, raw] of [
    ["prod", PROD],
    ["etcd on the masters", combinedControlPlane(PROD)],
  ] as const) {
    const result = load(raw);
    if (!result.ok) throw new Error(`${label} does not load`);
    for (const host of hostsByLayout(result.spec)) {
      const s = cisScore(result.spec, host);
      console.log(
        `${label.padEnd(20)} ${s.host.padEnd(9)} [${s.roles.join(", ")}]`.padEnd(52) +
          `automated ${s.passed}/${s.applicable}   manual met ${s.manualMet}/${s.manualApplicable}` +
          (s.failed.length > 0 ? `   FAILED ${s.failed.join(" ")}` : ""),
      );
    }
  }
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
