/**
 * k8s-platform: reads the stack config, validates all of it before any resource is
 * registered (an invalid config fails here, listing every problem), then builds the
 * Platform. Every property of the exported object is a stack output.
 */
import * as pulumi from "@pulumi/pulumi";
import { rawConfig } from "./stacks/contract/read";
import { loadOrThrow } from "./stacks/contract/load";
import { definePlatform } from "./stacks/program";

const { spec, warnings } = loadOrThrow(rawConfig(pulumi.runtime.allConfig()));

export = definePlatform(spec, warnings);
