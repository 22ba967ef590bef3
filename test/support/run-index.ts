/**
 * Child-process driver: installs the mock monitor, counts resource registrations, then
 * loads index.ts exactly as `pulumi up` would (config from PULUMI_CONFIG). Prints one JSON
 * line `{ registered, error }`.
 */
import * as pulumi from "@pulumi/pulumi";
import "../../stacks/plan/doubles";
import { platformMocks } from "../../stacks/plan/mocks";

async function main(): Promise<void> {
  let registered = 0;
  const counting: pulumi.runtime.Mocks = {
    newResource: (args) => {
      registered++;
      return platformMocks.newResource(args);
    },
    call: (args) => platformMocks.call(args),
  };
  await pulumi.runtime.setMocks(counting, "k8s-platform", "prod", false);
  let error: string | undefined;
  try {
    require("../../index"); // eslint-disable-line @typescript-eslint/no-require-imports -- load the program as the engine does
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log(JSON.stringify({ registered, error }));
}

void main();
