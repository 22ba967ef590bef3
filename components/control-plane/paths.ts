/**
 * Files only the control plane uses (the shared layout is in lib/paths.ts). Kept next to
 * the renderers so flags, unit files and the install script cannot disagree.
 */
import { KUBE_DIR } from "../../lib/paths";

export const CONTROL_PLANE_FILES = {
  auditPolicy: `${KUBE_DIR}/audit-policy.yaml`,
  encryptionConfig: `${KUBE_DIR}/encryption-config.yaml`,
  authenticationConfig: `${KUBE_DIR}/authentication-config.yaml`,
  auditLog: "/var/log/kubernetes/audit/audit.log",
  /** systemd units; CIS 1.1.1-1.1.6 audit these in place of static pod manifests. */
  unitDir: "/etc/systemd/system",
} as const;

export const LB_FILES = {
  haproxyConfig: "/etc/haproxy/haproxy.cfg",
  keepalivedConfig: "/etc/keepalived/keepalived.conf",
  checkScript: "/etc/keepalived/check-haproxy.sh",
  haproxyStatsSocket: "/var/lib/haproxy/admin.sock",
  /** The cluster CA, for haproxy to verify the apiservers it health-checks (its own copy: the LB does not wait for the control-plane files). */
  apiserverCa: "/etc/haproxy/apiserver-ca.crt",
} as const;

/** Ports the masters listen on. */
export const PORTS = {
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  /** haproxy's local monitor frontend probed by keepalived's check script. */
  haproxyMonitor: 8404,
} as const;
