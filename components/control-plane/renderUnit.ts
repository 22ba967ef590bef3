/**
 * Command-line flags and systemd units: the shared shape of the three control-plane
 * daemons. Flags are an ordered list so rendered units are stable (diffs stay local).
 */

/** One `--name=value` flag. */
export interface Flag {
  readonly name: string;
  readonly value: string;
}

/** Ordered flags of one daemon. */
export type Flags = readonly Flag[];

/** Builds a flag list from `[name, value]` pairs, dropping undefined values. */
export function flags(pairs: readonly (readonly [string, string | number | boolean | undefined])[]): Flags {
  return pairs.filter((p) => p[1] !== undefined).map(([name, value]) => ({ name, value: String(value) }));
}

/** The value of a flag, or undefined when it is not set. */
export function flagValue(list: Flags, name: string): string | undefined {
  return list.find((f) => f.name === name)?.value;
}

/** `--name=value` words; values never need quoting because they may not contain whitespace. */
export function flagArgs(list: Flags): string[] {
  return list.map((f) => {
    if (!/^[a-z0-9-]+$/.test(f.name)) throw new Error(`invalid flag name ${JSON.stringify(f.name)}`);
    if (/[\s"'\\$`%]/.test(f.value))
      throw new Error(`flag --${f.name} has a value systemd would mangle: ${JSON.stringify(f.value)}`);
    return `--${f.name}=${f.value}`;
  });
}

/** What a systemd unit for a long-running daemon needs. */
export interface UnitSpec {
  readonly description: string;
  readonly documentation: string;
  readonly binary: string;
  readonly flags: Flags;
  /** Units this one starts after (and wants). */
  readonly after?: readonly string[];
}

/** A systemd service unit that restarts the daemon forever (systemd is the supervisor). */
export function renderUnit(spec: UnitSpec): string {
  const exec = [spec.binary, ...flagArgs(spec.flags)].join(" \\\n  ");
  const after = ["network-online.target", ...(spec.after ?? [])].join(" ");
  return [
    "[Unit]",
    `Description=${spec.description}`,
    `Documentation=${spec.documentation}`,
    "Wants=network-online.target",
    `After=${after}`,
    "",
    "[Service]",
    `ExecStart=${exec}`,
    "Restart=always",
    "RestartSec=5",
    "LimitNOFILE=65536",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Major.minor of a release version such as 1.35.1. */
export function minorOf(version: string): number {
  const match = /^1\.(\d+)\./.exec(version);
  if (!match) throw new Error(`unsupported Kubernetes version ${JSON.stringify(version)} (expected 1.x.y)`);
  return Number(match[1]);
}
