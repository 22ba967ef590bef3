/** Stack configs of given sizes for the network and add-on tests, derived from the prod inventory. */
import { load } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";

/** The prod config with its workers replaced by `count` workers spread over zones a, b, c. */
export function configWithWorkers(count: number, zones: readonly string[] = ["a", "b", "c"]): Record<string, unknown> {
  const raw = clone(prodConfig());
  const hosts = (raw.hosts as { roles: string[] }[]).filter((h) => !h.roles.includes("worker"));
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(3, "0");
    hosts.push({
      name: `node-${n}`,
      address: `10.10.${2 + Math.floor((i - 1) / 200)}.${((i - 1) % 200) + 20}`,
      roles: ["worker"],
      hostKey: fakeHostKey(`node-${n}`),
      labels: {
        ...(zones.length ? { "topology.kubernetes.io/zone": zones[(i - 1) % zones.length] } : {}),
        ...(i <= 3 ? { "node-role.kubernetes.io/edge": "true" } : {}),
      },
    } as unknown as { roles: string[] });
  }
  raw.hosts = hosts;
  return raw;
}

/** Loads a raw config, failing the test with the loader's messages when it is invalid. */
export function specOf(raw: unknown): PlatformSpec {
  const result = load(raw);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return result.spec;
}
