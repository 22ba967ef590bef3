/**
 * Runs the program under the provider doubles and records every resource registration as
 * the engine receives it: type, name, parent, inputs (secrets marked), options, and the
 * dependencies (explicit `dependsOn`, those implied by Output inputs, and the parent).
 * The offline plan and the graph tests both read this record.
 */
import * as pulumi from "@pulumi/pulumi";
import "./doubles";
import { platformMocks } from "./mocks";
import { loadOrThrow, type Deployed } from "../contract/load";
import { definePlatform } from "../program";
import { nodeRollout } from "../../components/worker/rollout";
import type { Problem } from "../contract/rules";

/** One registered resource, as the engine would see it. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent?: string;
  /** Explicit and Output-implied dependencies (URNs), parent excluded. */
  readonly dependencies: readonly string[];
  /** Per input property: the URNs its value came from. */
  readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
  /** Inputs; a secret value appears as `{ $secret: value }`, an asset as `{ $asset: text }`. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly deleteBeforeReplace: boolean;
  readonly replaceOnChanges: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  readonly provider?: string;
  readonly deletedWith?: string;
}

/** Facts of the inventory the review tools group changes by (not part of the engine's view). */
export interface GraphMeta {
  /** Inventory hosts: name, address, roles. */
  readonly hosts: readonly { readonly name: string; readonly address: string; readonly roles: readonly string[] }[];
  /** Upgrade batch of every node (host name -> 0-based batch). */
  readonly batches: Readonly<Record<string, number>>;
}

/** The recorded graph of one program run. */
export interface Graph {
  readonly resources: readonly RecordedResource[];
  readonly byUrn: ReadonlyMap<string, RecordedResource>;
  /** Stack outputs, secrets as `{ $secret: value }`. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly warnings: readonly Problem[];
  readonly meta?: GraphMeta;
}

/** Options of a run. */
export interface RunOptions {
  /** Stack name used in URNs (default `prod`). */
  readonly stack?: string;
  /** Where the config came from (a stack file), named in config errors. */
  readonly source?: string;
  /** What is deployed now (the versions the change starts from). */
  readonly deployed?: Deployed;
}

/** The versions a graph deploys (its `versions` stack output), as the next change's starting point. */
export function deployedOf(graph: Graph): Deployed {
  const v = graph.outputs.versions as Deployed | undefined;
  return { kubernetes: v?.kubernetes, etcd: v?.etcd };
}

/** The Pulumi project name (Pulumi.yaml), the second part of every URN. */
export const PROJECT = "k8s-platform";
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URN the engine gives a resource: its type qualified by the whole chain of parent
 * types (`Platform$Host$command:remote:Command`), the root stack's type left out. The
 * SDK's mock monitor keeps only the immediate parent's type, so URNs it makes for nested
 * components differ from the ones `pulumi up --replace` and `pulumi state` take.
 */
export function engineUrn(
  stack: string,
  parent: string | undefined,
  type: string,
  name: string,
  project: string = PROJECT,
): string {
  const parentType = parent ? parent.split("::")[2] : undefined;
  const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG = {
  secret: "1b47061264138c4ac30d75fd1eb44270",
  resource: "5cf8f73096256a8f31e491e813e4eb8e",
  asset: "c44067f5952c0a294b673a41bacd8c17",
  archive: "0def7320c3a5731c473e5ecbe6d01bc7",
};
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Turns the wire form of inputs into the recorded form ({$secret}, {$asset}, {$resource}). */
export function normalizeWire(value: unknown): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map(normalizeWire);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    switch (record[SIG_KEY]) {
      case SIG.secret:
        return { $secret: normalizeWire(record.value) };
      case SIG.resource:
        return { $resource: record.urn };
      case SIG.asset:
        return { $asset: record.text ?? record.path ?? record.uri };
      case SIG.archive:
        return { $archive: record.path ?? record.uri ?? Object.keys((record.assets as object) ?? {}) };
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, normalizeWire(v)]));
  }
  return value;
}

// The protobuf request the SDK sends; typed to the accessors read here.
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getProvider(): string;
  getDeletedwith(): string;
}
interface RegisterResponse {
  getUrn(): string;
}
interface Monitor {
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, cb: (err: unknown, resp?: RegisterResponse) => void): void;
}
interface InternalSettings {
  getMonitor(): Monitor | undefined;
  waitForRPCs(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module, no public typings
const settings = require("@pulumi/pulumi/runtime/settings") as InternalSettings;

function record(req: RegisterRequest, urn: string): RecordedResource {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((value, key) => {
    propertyDependencies[key] = value.getUrnsList();
  });
  const implied = Object.values(propertyDependencies).flat();
  const parent = req.getParent() || undefined;
  return {
    urn,
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent,
    dependencies: [...new Set([...req.getDependenciesList(), ...implied])].filter((d) => d !== parent).sort(),
    propertyDependencies,
    inputs: normalizeWire(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    protect: req.getProtect() ?? false,
    retainOnDelete: req.getRetainondelete() ?? false,
    deleteBeforeReplace: req.getDeletebeforereplace(),
    replaceOnChanges: req.getReplaceonchangesList(),
    ignoreChanges: req.getIgnorechangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    provider: req.getProvider() || undefined,
    deletedWith: req.getDeletedwith() || undefined,
  };
}

async function resolveOutputs(outputs: Record<string, pulumi.Input<unknown>>): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    const output = pulumi.output(value);
    const secret = await pulumi.isSecret(output);
    const plain = await new Promise<unknown>((resolve) => pulumi.unsecret(output).apply((v) => resolve(v)));
    resolved[key] = secret ? { $secret: plain } : plain;
  }
  return resolved;
}

let running = false;

/**
 * What a resource waits for when the engine runs it: its dependencies and, for an object
 * of a first-class provider (every in-cluster object), that provider.
 */
export function executionDependencies(r: RecordedResource): string[] {
  const provider = r.provider?.split("::").slice(0, -1).join("::");
  return provider && !r.dependencies.includes(provider) ? [...r.dependencies, provider] : [...r.dependencies];
}

/** What a run of any Pulumi program under the doubles records. */
export interface RecordedRun {
  /** Every registration, sorted by URN. */
  readonly resources: readonly RecordedResource[];
  /** The program's outputs, resolved (secrets as `{ $secret: value }`). */
  readonly outputs: Readonly<Record<string, unknown>>;
}

/**
 * Runs a Pulumi program (a function registering resources and returning its outputs)
 * under the provider doubles, recording every registration with the engine's URNs. Runs
 * are serialised: the Pulumi runtime is process-global.
 */
export async function recordProgram(
  program: () => Record<string, pulumi.Input<unknown>>,
  options: { readonly project?: string; readonly stack?: string } = {},
): Promise<RecordedRun> {
  if (running) throw new Error("runProgram: a run is already in progress in this process");
  running = true;
  try {
    const stack = options.stack ?? "prod";
    const project = options.project ?? PROJECT;
    await pulumi.runtime.setMocks(platformMocks, project, stack, false);
    const monitor = settings.getMonitor();
    if (!monitor) throw new Error("runProgram: the mock monitor is not installed");
    monitor.newUrn = (parent, type, name) => engineUrn(stack, parent || undefined, type, name, project);
    const resources: RecordedResource[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
      original(req, (err, resp) => {
        if (!err && resp) resources.push(record(req, resp.getUrn()));
        cb(err, resp);
      });
    const outputs = program();
    await settings.waitForRPCs();
    const resolved = await resolveOutputs(outputs);
    await settings.waitForRPCs();
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { resources, outputs: resolved };
  } finally {
    running = false;
  }
}

/**
 * Runs the program on a raw stack config under the doubles. Throws the loader's
 * ConfigError (before anything is registered) when the config is invalid.
 */
export async function runProgram(raw: unknown, options: RunOptions = {}): Promise<Graph> {
  const { spec, warnings } = loadOrThrow(raw, options.source, { deployed: options.deployed });
  if (running) throw new Error("runProgram: a run is already in progress in this process");
  const { resources, outputs } = await recordProgram(() => definePlatform(spec, []), { stack: options.stack });
  const meta: GraphMeta = {
    hosts: spec.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })),
    batches: Object.fromEntries(nodeRollout(spec).map((n) => [n.host.name, n.batch])),
  };
  return { resources, byUrn: new Map(resources.map((r) => [r.urn, r])), outputs, warnings, meta };
}
