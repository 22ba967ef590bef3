/** `npm run bench`: prints the platform's performance figures, section by section. */
import { benchPlan } from "./core";

async function main(): Promise<void> {
  await benchPlan();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
