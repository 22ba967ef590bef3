/**
 * Generated inventories for scale checks (bench, graph tests, examples/): the prod stack
 * grown to N workers, M storage hosts and P projects, with unique names and addresses.
 */
import { createHash } from "node:crypto";
import { formatIpv4, parseIpv4 } from "../../lib/ipv4";

type Raw = Record<string, unknown>;
interface RawHost {
  name: string;
  address: string;
  roles: string[];
  [key: string]: unknown;
}

/** Sizes of a generated inventory. */
export interface Scale {
  readonly workers: number;
  readonly storage?: number;
  readonly projects?: number;
}

const WORKER_BASE = parseIpv4("10.10.16.1") as number; // 10.10.16.0/20: room for 4094 workers
const STORAGE_BASE = parseIpv4("10.10.3.11") as number;

/**
 * A stand-in ed25519 host key for a generated host: well-formed (SSH wire format, 32 key
 * bytes) and derived from the name, so generated inventories pass the host-key rule and
 * stay deterministic. No machine holds the matching private key.
 */
export function fakeHostKey(name: string): string {
  const type = Buffer.from("ssh-ed25519");
  const key = createHash("sha256").update(`k8s-platform generated host ${name}`).digest();
  const part = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length, 0);
    return Buffer.concat([len, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([part(type), part(key)]).toString("base64")}`;
}

/** A worker host entry; names and addresses derive from the index only. */
export function workerHost(index: number): RawHost {
  const zone = "abc"[index % 3];
  const name = `node-${String(index + 1).padStart(3, "0")}`;
  return {
    name,
    address: formatIpv4(WORKER_BASE + index),
    roles: ["worker"],
    labels: { "topology.kubernetes.io/zone": zone },
    hostKey: fakeHostKey(name),
  };
}

/** A project entry with quota, members of all three roles and a domain. */
export function project(index: number): Raw {
  const name = `team-${String(index + 1).padStart(3, "0")}`;
  return {
    name,
    quota: { cpu: "16", memory: "32Gi", storage: "500Gi" },
    members: [
      { user: `${name}.admin`, role: "admin" },
      { user: `${name}.lead`, role: "lead" },
      { group: `${name}-dev`, role: "member" },
    ],
    domains: [`${name}.apps.example.com`],
  };
}

/**
 * The prod config with its workers, storage hosts and projects replaced by generated ones.
 * Storage hosts get two bricks each; the count is rounded down to a multiple of disperse
 * (4) hosts so the volume geometry stays valid.
 */
export function scaleConfig(prod: Raw, scale: Scale): Raw {
  const copy = JSON.parse(JSON.stringify(prod)) as Raw & { hosts: RawHost[]; projects: Raw[] };
  const keep = copy.hosts.filter((h) => !h.roles.includes("worker") && !h.roles.includes("storage"));
  const prodStorage = copy.hosts.filter((h) => h.roles.includes("storage"));
  const storageCount = scale.storage ?? prodStorage.length;
  const storage = Array.from({ length: storageCount }, (_, i) => {
    const name = `gfs-${String(i + 1).padStart(2, "0")}`;
    return {
      name,
      address: formatIpv4(STORAGE_BASE + i),
      roles: ["storage"],
      bricks: ["/data/glusterfs/brick1", "/data/glusterfs/brick2"],
      hostKey: fakeHostKey(name),
    };
  });
  const workers = Array.from({ length: scale.workers }, (_, i) => workerHost(i));
  copy.hosts = [...keep, ...workers, ...storage];
  // The generated workers mount the GlusterFS volume: the volume admits their /24s (auth.allow
  // matches whole octets).
  const gluster = (copy.storage as { glusterfs?: { clientNetworks?: string[] } } | undefined)?.glusterfs;
  if (gluster?.clientNetworks) {
    const networks = workers.map((w) => `${w.address.split(".").slice(0, 3).join(".")}.0/24`);
    gluster.clientNetworks = [...new Set([...gluster.clientNetworks, ...networks])];
  }
  if (scale.projects !== undefined) copy.projects = Array.from({ length: scale.projects }, (_, i) => project(i));
  return copy;
}

/**
 * The prod config with etcd on the masters: its etcd and master hosts replaced by three
 * hosts with roles [master, etcd] (cp-1..3 on the masters' subnet), the layout small sites use.
 */
export function combinedControlPlane(prod: Raw): Raw {
  const copy = JSON.parse(JSON.stringify(prod)) as Raw & { hosts: RawHost[] };
  const rest = copy.hosts.filter((h) => !h.roles.includes("etcd") && !h.roles.includes("master"));
  const combined = ["cp-1", "cp-2", "cp-3"].map((name, i) => ({
    name,
    address: formatIpv4((parseIpv4("10.10.1.31") as number) + i),
    roles: ["master", "etcd"],
    hostKey: fakeHostKey(name),
  }));
  copy.hosts = [...combined, ...rest];
  return copy;
}
