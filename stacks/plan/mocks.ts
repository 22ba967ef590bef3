/**
 * The provider doubles the offline plan and the tests run the program against. The Pulumi
 * engine and provider plugins cannot run here, so each double answers a resource
 * registration the way its provider would: with the provider's output property names,
 * deterministic values (same URN and inputs -> same outputs, as provider state would),
 * and real content where tests rely on it (e.g. real X.509 from the tls double).
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** What a double receives: the SDK's mock arguments. */
export type DoubleArgs = pulumi.runtime.MockResourceArgs;
/** What a double returns: the provider's outputs for the resource. */
export type DoubleState = Record<string, unknown>;
/** A provider double for one resource type. */
export type Double = (args: DoubleArgs) => DoubleState;

const doubles = new Map<string, Double>();

/** Registers the double for a resource type token (e.g. `tls:index/privateKey:PrivateKey`). */
export function registerDouble(type: string, double: Double): void {
  doubles.set(type, double);
}

/** A stable hex digest of the URN and inputs: the seed of every deterministic output. */
export function seedOf(args: DoubleArgs, extra = ""): string {
  return createHash("sha256")
    .update(`${args.type}\0${args.name}\0${stableJson(args.inputs)}\0${extra}`)
    .digest("hex");
}

/** JSON with sorted object keys, so equal inputs hash equally. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Strips the SDK's secret wrappers: doubles compute on plain values, as providers do. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** The mocks object handed to `pulumi.runtime.setMocks`. */
export const platformMocks: pulumi.runtime.Mocks = {
  newResource(args) {
    const double = doubles.get(args.type);
    const state = double ? double({ ...args, inputs: unwrapSecrets(args.inputs) as Record<string, unknown> }) : {};
    // Providers echo their inputs into state (secret inputs stay secret, as the engine
    // keeps them); outputs computed by the double win.
    return { id: `${args.name}-id`, state: { ...args.inputs, ...state } };
  },
  call(args) {
    return args.inputs;
  },
};
