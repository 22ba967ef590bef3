/**
 * What a cross-field rule is: the config sections it reads and a check over them. The
 * loader runs a rule whenever every section it needs parsed, so shape errors in one
 * section and cross-field errors in the others are reported in the same run.
 */
import type { PlatformConfig } from "../schema";

/** One problem found in the stack config. */
export interface Problem {
  /** Key path in the stack config, e.g. `projects[2].quota.memory`. */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
}

/** A top-level config section. */
export type Section = keyof PlatformConfig;

/** Versions running on the cluster now (from the stack's last outputs), when known. */
export interface Deployed {
  readonly kubernetes?: string;
  readonly etcd?: string;
}

/** What the loader knows beyond the config: the deployed state it changes. */
export interface LoadContext {
  readonly deployed?: Deployed;
}

/** A cross-field rule over the sections it names. */
export interface Rule {
  readonly needs: readonly Section[];
  readonly check: (config: PlatformConfig, out: Problem[], warnings: Problem[], context: LoadContext) => void;
}

/**
 * A rule that reads only `needs`: its check is typed to see just those sections, so it
 * cannot read one the loader did not confirm parsed.
 */
export function defineRule<K extends Section>(
  needs: readonly K[],
  check: (config: Pick<PlatformConfig, K>, out: Problem[], warnings: Problem[], context: LoadContext) => void,
): Rule {
  return { needs, check };
}
