/**
 * The OS packages each kind of host installs from mirrors.packages, per OS family, as the
 * scripts install them (host prep, the control-plane load balancer, Harbor and its VIP, the
 * image seeding, GlusterFS). The scripts keep their package names; test/artifacts holds
 * this table to every install line of those scripts, so the two cannot drift apart.
 */
import type { PlatformSpec } from "../contract/spec";
import { CLIENT_PACKAGES } from "../../components/storage/mount";
import { STORAGE_PACKAGES } from "../../components/storage/render";

/** `rhel` (EL 9: yum/dnf) or `debian` (Debian 12, Ubuntu 24.04: apt). */
export type PackageFamily = "rhel" | "debian";

/** What one kind of host installs. */
export interface PackageSet {
  /** Which hosts: `every host`, `nodes`, `masters`, `registry hosts`, `storage hosts`, `kubelet hosts`. */
  readonly hosts: string;
  /** The mirrors.packages role whose repositories provide them. */
  readonly role: "base" | "storage" | "docker";
  /** The script that installs them. */
  readonly script: string;
  readonly packages: Readonly<Record<PackageFamily, readonly string[]>>;
  /** Another package set an OS may use instead (Ubuntu's universe for Docker). */
  readonly note?: string;
}

const both = (packages: readonly string[]) => ({ rhel: packages, debian: packages });

/** The package sets of the configured inventory (only the host kinds it has). */
export function packageSets(spec: PlatformSpec): PackageSet[] {
  const sets: PackageSet[] = [
    {
      hosts: "every host",
      role: "base",
      script: "components/host/prep.sh",
      packages: both(["chrony", "iptables", "curl", "tar"]),
    },
  ];
  if (spec.topology.nodes.length > 0)
    sets.push({
      hosts: "nodes",
      role: "base",
      script: "components/host/prep.sh",
      packages: {
        rhel: ["ipvsadm", "ipset", "conntrack-tools", "socat"],
        debian: ["ipvsadm", "ipset", "conntrack", "socat"],
      },
    });
  if (spec.topology.masters.length > 0)
    sets.push({
      hosts: "masters",
      role: "base",
      script: "components/control-plane/install-lb.sh",
      packages: both(["haproxy", "keepalived", "curl"]),
    });
  if (spec.topology.registry.length > 0) {
    sets.push({
      hosts: "registry hosts",
      role: "docker",
      script: "components/registry/install.sh",
      packages: both(["docker-ce", "docker-ce-cli", "containerd.io", "docker-compose-plugin", "curl", "jq"]),
      note: "Ubuntu 24.04 may use universe's docker.io + docker-compose-v2 instead",
    });
    sets.push({
      hosts: "registry hosts",
      role: "base",
      script: "components/registry/vip.sh",
      packages: both(["keepalived"]),
    });
    sets.push({
      hosts: "registry hosts",
      role: "base",
      script: "components/registry/seed-images.sh",
      packages: both(["skopeo"]),
    });
  }
  if (spec.storage.glusterfs) {
    // Host prep refuses a storage host whose repositories lack these (it installs none itself).
    sets.push({
      hosts: "storage hosts",
      role: "storage",
      script: "components/host/prep.sh",
      packages: both(["glusterfs-server", "nfs-ganesha", "nfs-ganesha-gluster"]),
      note: "checked available by host prep",
    });
    sets.push({
      hosts: "storage hosts",
      role: "storage",
      script: "components/storage/prepare-host.sh",
      packages: both(STORAGE_PACKAGES),
    });
    sets.push({
      hosts: "kubelet hosts",
      role: "storage",
      script: "components/storage/mount.sh",
      packages: { rhel: CLIENT_PACKAGES.rpm, debian: CLIENT_PACKAGES.deb },
    });
  }
  return sets;
}
