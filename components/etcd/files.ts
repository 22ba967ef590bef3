/**
 * The files an etcd member installs, with the mode and owner install.sh gives them: what
 * the CIS checks audit on an etcd host (and, where etcd shares a master, under
 * /etc/kubernetes/pki with the control plane's files). The install test holds install.sh
 * to this table.
 */
import { ETCD_PATHS, SNAPSHOT_SCRIPT_PATH, type EtcdPaths } from "./render";

/** A file (or directory) on a member. */
export interface EtcdInstalledFile {
  readonly path: string;
  /** Octal mode, e.g. "0600". */
  readonly mode: string;
  readonly owner: "root:root" | "etcd:etcd";
  /** The staged file it is installed from (absent for directories). */
  readonly staged?: string;
}

/** The etcd unit directory. */
export const ETCD_UNIT_DIR = "/etc/systemd/system";

/** Every file install.sh places, and the data directory. */
export function etcdInstalledFiles(paths: EtcdPaths = ETCD_PATHS, unitDir = ETCD_UNIT_DIR): EtcdInstalledFile[] {
  return [
    { path: paths.caCert, mode: "0644", owner: "root:root", staged: "ca.crt" },
    // Root-only keys: etcd reads them as systemd credentials (LoadCredential=).
    { path: paths.serverCert, mode: "0644", owner: "root:root", staged: "server.crt" },
    { path: paths.serverKey, mode: "0600", owner: "root:root", staged: "server.key" },
    { path: paths.peerCert, mode: "0644", owner: "root:root", staged: "peer.crt" },
    { path: paths.peerKey, mode: "0600", owner: "root:root", staged: "peer.key" },
    { path: paths.clientCert, mode: "0644", owner: "root:root", staged: "healthcheck-client.crt" },
    { path: paths.clientKey, mode: "0600", owner: "root:root", staged: "healthcheck-client.key" },
    { path: SNAPSHOT_SCRIPT_PATH, mode: "0755", owner: "root:root", staged: "etcd-snapshot.sh" },
    { path: `${unitDir}/etcd.service`, mode: "0600", owner: "root:root", staged: "etcd.service" },
    { path: `${unitDir}/etcd-backup.service`, mode: "0600", owner: "root:root", staged: "etcd-backup.service" },
    { path: `${unitDir}/etcd-backup.timer`, mode: "0600", owner: "root:root", staged: "etcd-backup.timer" },
    { path: paths.dataDir, mode: "0700", owner: "etcd:etcd" },
  ];
}
