/**
 * k8s-platform: reads the stack config, validates all of it before any resource is
 * registered (an invalid config fails here, listing every problem), then builds the
 * Platform. Every property of the exported object is a stack output.
 */
import { readStackConfig } from "./stacks/config";
import { loadOrThrow } from "./stacks/load";
import { definePlatform } from "./stacks/program";

const { spec, warnings } = loadOrThrow(readStackConfig());

export = definePlatform(spec, warnings);
