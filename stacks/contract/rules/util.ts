/** Helpers the rules share. */
import type { HostConfig, PlatformConfig, Role } from "../schema";

/** Hosts with a role, with their index in `hosts` (for key paths). */
export const hostsWith = (config: Pick<PlatformConfig, "hosts">, role: Role): { host: HostConfig; index: number }[] =>
  config.hosts.map((host, index) => ({ host, index })).filter(({ host }) => host.roles.includes(role));

/** Calls `report` for every item whose key an earlier item already had. */
export function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  report: (item: T, index: number, first: number) => void,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else report(item, index, first);
  });
}
