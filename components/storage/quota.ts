/**
 * Pure renderers of per-PV capacity enforcement: the provisioner's helper scripts, which
 * record each claim's size on the volume, and the quota agent on the storage hosts, which
 * turns those records into GlusterFS directory quotas (`gluster volume quota ...
 * limit-usage`). The gluster CLI can change a volume only through the local glusterd
 * socket (glusterd serves read-only commands over TCP), so the limits are set on the
 * storage hosts, not from a pod.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderAssignments, withParameters } from "../../lib/shell";
import type { GlusterConfig } from "../../stacks/contract/spec";
import { mountPath } from "./mount";

const script = (file: string) => readFileSync(join(__dirname, file), "utf8");
export const QUOTA_RECONCILE_SCRIPT = script("quota-reconcile.sh");
export const QUOTA_AGENT_SCRIPT = script("quota-agent.sh");
export const PROVISIONER_SETUP_SCRIPT = script("provisioner-setup.sh");
export const PROVISIONER_TEARDOWN_SCRIPT = script("provisioner-teardown.sh");

/** Seconds between quota agent runs: the delay before a new PV's limit holds. */
export const QUOTA_INTERVAL_SECONDS = 10;

/** The systemd unit name of the quota agent. */
export function quotaUnit(volume: string): string {
  return `k8s-platform-gluster-quota-${volume}`;
}

/** Where the quota agent's script is installed. */
export function quotaScriptPath(volume: string): string {
  return `/usr/local/libexec/k8s-platform/gluster-quota-${volume}`;
}

/** A busybox `sh` helper with its parameters set right after its `set -eu` line. */
function withShParameters(body: string, vars: Readonly<Record<string, string | number>>): string {
  const lines = body.split("\n");
  const at = lines.findIndex((line) => line === "set -eu");
  if (at < 0) throw new Error("helper script has no 'set -eu' line");
  return [...lines.slice(0, at + 1), renderAssignments(vars), ...lines.slice(at + 1)].join("\n");
}

/** The provisioner's `setup` script (creates the PV directory, records the size). */
export function renderProvisionerSetup(gluster: Pick<GlusterConfig, "enforceCapacity">): string {
  return withShParameters(PROVISIONER_SETUP_SCRIPT, { QUOTA: gluster.enforceCapacity ? 1 : 0 });
}

/** The provisioner's `teardown` script (trash for the quota agent, or remove). */
export function renderProvisionerTeardown(gluster: Pick<GlusterConfig, "enforceCapacity">): string {
  return withShParameters(PROVISIONER_TEARDOWN_SCRIPT, { QUOTA: gluster.enforceCapacity ? 1 : 0 });
}

/** Only tests set these: which glusterd the agent's CLI talks to, and where the volume is mounted. */
export interface QuotaTarget {
  readonly glusterdSock?: string;
  readonly logFile?: string;
  readonly mountPoint?: string;
}

/** The quota agent's reconcile script (the service's ExecStart). */
export function renderQuotaReconcileScript(gluster: Pick<GlusterConfig, "volume">, target: QuotaTarget = {}): string {
  return withParameters(QUOTA_RECONCILE_SCRIPT, {
    VOLUME: gluster.volume,
    MOUNT: target.mountPoint ?? mountPath(gluster.volume),
    GLUSTERD_SOCK: target.glusterdSock ?? "",
    CLI_LOG: target.logFile ?? "",
  });
}

/** The agent's oneshot service; it runs after the volume mount is up. */
export function renderQuotaService(volume: string, scriptPath = quotaScriptPath(volume)): string {
  return [
    "# Rendered by k8s-platform (components/storage): GlusterFS quota limits for PersistentVolumes.",
    "[Unit]",
    `Description=Apply PersistentVolume quotas on the GlusterFS volume ${volume} (k8s-platform)`,
    "After=glusterd.service",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${scriptPath}`,
    "TimeoutStartSec=600",
    "",
  ].join("\n");
}

/** The agent's timer. */
export function renderQuotaTimer(volume: string): string {
  return [
    "# Rendered by k8s-platform (components/storage).",
    "[Unit]",
    `Description=Apply PersistentVolume quotas on the GlusterFS volume ${volume} every ${QUOTA_INTERVAL_SECONDS}s (k8s-platform)`,
    "",
    "[Timer]",
    "OnBootSec=30s",
    `OnUnitInactiveSec=${QUOTA_INTERVAL_SECONDS}s`,
    "AccuracySec=1s",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
}

/** The install (or, with capacity not enforced, removal) script of the quota agent on one storage host. */
export function renderQuotaAgentScript(
  gluster: Pick<GlusterConfig, "volume" | "enforceCapacity">,
  host: string,
  target: { readonly systemdDir?: string; readonly scriptPath?: string } = {},
): string {
  const scriptPath = target.scriptPath ?? quotaScriptPath(gluster.volume);
  return withParameters(QUOTA_AGENT_SCRIPT, {
    HOST_NAME: host,
    ENFORCE: gluster.enforceCapacity ? 1 : 0,
    UNIT: quotaUnit(gluster.volume),
    SCRIPT: renderQuotaReconcileScript(gluster),
    SCRIPT_PATH: scriptPath,
    SERVICE: renderQuotaService(gluster.volume, scriptPath),
    TIMER: renderQuotaTimer(gluster.volume),
    SYSTEMD_DIR: target.systemdDir ?? "/etc/systemd/system",
  });
}
