/**
 * The program, shared by index.ts (the real `pulumi up`) and the offline plan/tests:
 * spec in, the Platform and its stack outputs out.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "./contract/rules";
import { Platform } from "./platform";
import type { PlatformSpec } from "./contract/spec";

/** Builds the platform graph; returns the stack outputs. */
export function definePlatform(
  spec: PlatformSpec,
  warnings: readonly Problem[] = [],
): Record<string, pulumi.Input<unknown>> {
  for (const w of warnings) void pulumi.log.warn(`k8s-platform:${w.path}: ${w.message}`);
  const platform = new Platform(spec.cluster.name, { spec });
  return platform.outputs;
}
