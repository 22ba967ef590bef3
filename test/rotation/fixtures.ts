/** Stack configs for the rotation tests: the prod inventory, trimmed so each run is quick. */
import { clone, prodConfig } from "../support/config";

type Raw = Record<string, unknown>;

/**
 * Prod with three workers (the edge nodes), its etcd, masters, storage and registry hosts:
 * every kind of trust point is there, at a fraction of the run time.
 */
export function rotationConfig(edit: (raw: Raw) => void = () => undefined): Raw {
  const raw = clone(prodConfig());
  const hosts = raw.hosts as { name: string; roles: string[] }[];
  raw.hosts = hosts.filter((h) => !h.roles.includes("worker") || ["node-001", "node-002", "node-003"].includes(h.name));
  edit(raw);
  return raw;
}

/** The `pki` section with these settings merged in. */
export function withPki(pki: Raw): Raw {
  return rotationConfig((raw) => {
    raw.pki = { ...((raw.pki as Raw | undefined) ?? {}), ...pki };
  });
}
