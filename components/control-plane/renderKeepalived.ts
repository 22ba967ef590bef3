/**
 * keepalived.conf: VRRP keeps the apiserver VIP on a master whose haproxy can reach a
 * ready apiserver. https://keepalived.readthedocs.io/en/latest/configuration_synopsis.html
 */
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { LB_FILES, PORTS } from "./paths";

/**
 * Placeholder rendered when `apiserver.interface` is unset: the install script replaces it
 * with the interface that holds the master's address (detected on the host with `ip`).
 */
export const DETECT_INTERFACE = "@DETECTED_INTERFACE@";

/** Highest priority (first master); each next master is one lower. */
export const BASE_PRIORITY = 150;

/**
 * Weight of the haproxy check: a master whose check fails drops by this much. It must
 * exceed the largest priority gap between masters, or a failed MASTER would still outrank
 * every BACKUP and keep the VIP (the VIP would not move).
 */
export const CHECK_WEIGHT = 50;

/** Everything keepalived.conf is rendered from. */
export interface KeepalivedConfig {
  readonly routerId: string;
  readonly state: "MASTER" | "BACKUP";
  readonly priority: number;
  readonly interface: string;
  readonly virtualRouterId: number;
  readonly vip: string;
  readonly vipPrefix: number;
  /** VRRP PASS authentication (at most 8 characters). A secret. */
  readonly authPass?: string;
  /** Unicast VRRP: this master's address and its peers' addresses. */
  readonly unicast?: { readonly src: string; readonly peers: readonly string[] };
  /** Command keepalived runs to probe the local haproxy. */
  readonly checkCommand: string;
  readonly checkIntervalSeconds: number;
  readonly checkWeight: number;
}

/** VRRP priority of the master at `index` in inventory order. */
export function priorityOf(index: number): number {
  return BASE_PRIORITY - index;
}

/** The config for one master, derived from the spec. */
export function keepalivedConfigFor(spec: PlatformSpec, master: HostConfig, authPass?: string): KeepalivedConfig {
  const masters = spec.topology.masters;
  const index = masters.findIndex((m) => m.name === master.name);
  if (index < 0) throw new Error(`${master.name} is not a master`);
  return {
    routerId: master.name,
    state: index === 0 ? "MASTER" : "BACKUP",
    priority: priorityOf(index),
    interface: spec.apiserver.interface ?? DETECT_INTERFACE,
    virtualRouterId: spec.apiserver.virtualRouterId,
    vip: spec.apiserver.vip,
    vipPrefix: spec.apiserver.vipPrefix,
    authPass,
    unicast: spec.apiserver.unicast
      ? { src: master.address, peers: masters.filter((m) => m.name !== master.name).map((m) => m.address) }
      : undefined,
    checkCommand: `${LB_FILES.checkScript} http://127.0.0.1:${PORTS.haproxyMonitor}/healthz`,
    checkIntervalSeconds: 2,
    checkWeight: CHECK_WEIGHT,
  };
}

/** Renders keepalived.conf. */
export function renderKeepalivedConfig(c: KeepalivedConfig): string {
  if (c.authPass !== undefined && !/^[!-~]{1,8}$/.test(c.authPass)) {
    throw new Error("VRRP auth_pass must be 1-8 printable characters without spaces");
  }
  const lines = [
    "global_defs {",
    `  router_id ${c.routerId}`,
    // Scripts run as root only because they are root-owned and not writable by others.
    "  script_user root",
    "  enable_script_security",
    "}",
    "",
    "vrrp_script chk_haproxy {",
    `  script "${c.checkCommand}"`,
    `  interval ${c.checkIntervalSeconds}`,
    `  timeout ${c.checkIntervalSeconds + 1}`,
    "  fall 2",
    "  rise 2",
    `  weight -${c.checkWeight}`,
    "}",
    "",
    "vrrp_instance k8s_apiserver {",
    `  state ${c.state}`,
    `  interface ${c.interface}`,
    `  virtual_router_id ${c.virtualRouterId}`,
    `  priority ${c.priority}`,
    "  advert_int 1",
    ...(c.authPass !== undefined
      ? ["  authentication {", "    auth_type PASS", `    auth_pass ${c.authPass}`, "  }"]
      : []),
    ...(c.unicast
      ? [`  unicast_src_ip ${c.unicast.src}`, "  unicast_peer {", ...c.unicast.peers.map((p) => `    ${p}`), "  }"]
      : []),
    "  virtual_ipaddress {",
    `    ${c.vip}/${c.vipPrefix} dev ${c.interface}`,
    "  }",
    "  track_script {",
    "    chk_haproxy",
    "  }",
    "}",
    "",
  ];
  return lines.join("\n");
}
