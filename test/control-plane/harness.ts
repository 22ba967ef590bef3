/**
 * The loopback test stack run through the mock harness (stacks/plan/run.ts), whose tls
 * double issues real X.509: the certificates and kubeconfigs the end-to-end tests use are
 * the ones the program generates, read back from the bundles it copies to the masters.
 */
import { runProgram, type Graph, type RecordedResource } from "../../stacks/plan/run";
import { loopbackConfig } from "./inventory";

let graph: Promise<Graph> | undefined;

/** The recorded graph of the loopback stack (run once per test process). */
export function loopbackGraph(): Promise<Graph> {
  graph ??= runProgram(loopbackConfig(), { stack: "loop" });
  return graph;
}

/** A recorded resource by name; throws naming it when missing. */
export function resourceNamed(g: Graph, name: string): RecordedResource {
  const found = g.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name} in the graph`);
  return found;
}

/** Unwraps `{ $secret: v }`. */
export function unsecret(value: unknown): unknown {
  return value !== null && typeof value === "object" && "$secret" in value
    ? (value as { $secret: unknown }).$secret
    : value;
}

/** A bundle file as the install script would write it. */
export interface BundleFile {
  readonly mode: string;
  readonly content: string;
}

/** Decodes the `MODE PATH BASE64` bundle a CopyToRemote of the graph carries. */
export function bundleFiles(copy: RecordedResource): Map<string, BundleFile> {
  const source = unsecret(copy.inputs.source) as { $asset?: string } | undefined;
  if (typeof source?.$asset !== "string") throw new Error(`${copy.name} carries no text asset`);
  const files = new Map<string, BundleFile>();
  for (const line of source.$asset.trim().split("\n")) {
    const [mode, path, b64] = line.split(" ");
    files.set(path, { mode, content: Buffer.from(b64, "base64").toString("utf8") });
  }
  return files;
}

/** The TLS material the load-balancer tests need, as generated for the loopback stack. */
export interface GeneratedPki {
  readonly caPem: string;
  readonly apiserver: { readonly certPem: string; readonly keyPem: string };
  readonly adminKubeconfig: string;
  /** The etcd CA: a real CA of the platform that must not vouch for the apiserver. */
  readonly foreignCaPem: string;
}

/** Every file a master's two control-plane bundles (reviewable config, secrets) install. */
export function masterFiles(g: Graph, master: string, component = "control-plane"): Map<string, BundleFile> {
  return new Map([
    ...bundleFiles(resourceNamed(g, `${component}-${master}-config`)),
    ...bundleFiles(resourceNamed(g, `${component}-${master}-secrets`)),
  ]);
}

/** Reads the generated certificates and admin kubeconfig from master-1's control-plane bundles. */
export async function generatedPki(): Promise<GeneratedPki> {
  const files = masterFiles(await loopbackGraph(), "master-1");
  const file = (path: string) => {
    const f = files.get(path);
    if (!f) throw new Error(`master-1 bundle lacks ${path}`);
    return f.content;
  };
  return {
    caPem: file("/etc/kubernetes/pki/ca.crt"),
    apiserver: {
      certPem: file("/etc/kubernetes/pki/apiserver.crt"),
      keyPem: file("/etc/kubernetes/pki/apiserver.key"),
    },
    adminKubeconfig: file("/etc/kubernetes/admin.conf"),
    foreignCaPem: file("/etc/kubernetes/pki/etcd/ca.crt"),
  };
}
