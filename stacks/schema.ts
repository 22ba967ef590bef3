/**
 * The config contract (keys under `k8s-platform:`), as zod schemas. Field-level rules
 * (types, formats, enums, defaults) live here; rules that relate several fields live in
 * `rules.ts`. Every key is documented in the README's configuration table.
 */
import { z } from "zod";
import { parseCidr, parseIpv4 } from "../lib/ipv4";
import { isQuantity, quantityHint } from "../lib/quantity";

/** DNS-1123 label: lower-case alphanumerics and '-', 1..63 chars, alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (dot-separated labels, at most 253 chars). */
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A domain an ingress may serve: a DNS name, optionally with one leading wildcard label. */
const INGRESS_DOMAIN = /^(\*\.)?(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** A string matching `pattern`; the error quotes the value and says what is expected. */
const matching = (pattern: RegExp, expected: string) =>
  z.string().regex(pattern, {
    error: (issue) => `${JSON.stringify(issue.input)} ${expected}`,
  });

const label = (what: string) =>
  matching(
    DNS1123_LABEL,
    `must be a DNS-1123 label for the ${what} (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)`,
  );

const ipv4 = z.string().refine((s) => parseIpv4(s) !== undefined, {
  message: "must be an IPv4 address like 10.10.1.20",
});

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
  message: "must be an IPv4 network in CIDR form with no host bits set, like 172.20.0.0/16",
});

const version = matching(VERSION, "must be a release version like 1.34.2 (no leading 'v')");

const url = matching(/^https?:\/\/[^\s/$.?#][^\s]*[^/]$/, "must be an http(s) URL without a trailing '/'");

const quantity = z.string().superRefine((s, ctx) => {
  if (isQuantity(s)) return;
  const hint = quantityHint(s);
  ctx.addIssue({
    code: "custom",
    message: `"${s}" is not a Kubernetes quantity${hint ? ` (try ${hint})` : " (e.g. 500m, 4, 512Mi, 2Ti)"}`,
  });
});

const port = z.number().int().min(1).max(65535);

/** A secret string (SSH key, password): never printed, wrapped in pulumi.secret by the Platform. */
const secretString = z.string().min(1, { message: "must not be empty" });

// ---------------------------------------------------------------------------------------
// cluster, ssh, hosts

export const clusterSchema = z.strictObject({
  /** Cluster name: part of resource names and the kubeconfig context. */
  name: label("cluster.name"),
  /** Cluster DNS domain (kubelet clusterDomain, CoreDNS zone). */
  domain: matching(DNS1123_SUBDOMAIN, "must be a DNS domain like cluster.local").default("cluster.local"),
  /** IANA time zone set on every host (the source: all hosts in one time zone). */
  timezone: matching(
    /^(UTC|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+)+)$/,
    "must be an IANA time zone like Asia/Shanghai or UTC",
  ).default("UTC"),
  /** NTP servers for chrony on every host (the source: time synchronised). */
  ntpServers: z.array(z.string().min(1)).min(1, { message: "must list at least one NTP server" }),
});

const bastionSchema = z.strictObject({
  host: z.string().min(1),
  user: z.string().min(1).default("root"),
  port: port.default(22),
});

export const sshSchema = z.strictObject({
  /** Login user on every host; must be root or have passwordless sudo. */
  user: z.string().min(1).default("root"),
  port: port.default(22),
  /** Private key (PEM/OpenSSH). Set with `pulumi config set --secret --path ssh.privateKey`. */
  privateKey: secretString.optional(),
  /** Optional jump host (`proxy` of every SSH connection). */
  bastion: bastionSchema.optional(),
  /** Give up on an unreachable host after this many dial attempts. */
  dialErrorLimit: z.number().int().min(1).max(100).default(10),
  /** Seconds per dial attempt. */
  perDialTimeout: z.number().int().min(1).max(600).default(15),
});

export const ROLES = ["etcd", "master", "worker", "storage", "registry"] as const;
export type Role = (typeof ROLES)[number];

const taintSchema = z.strictObject({
  key: matching(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a label-style key"),
  value: z.string().default(""),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

export const hostSchema = z.strictObject({
  /** Host name: DNS-1123 label, unique; becomes the Node name. */
  name: label("host name"),
  /** IPv4 address the platform reaches the host on (SSH, cluster traffic). */
  address: ipv4,
  /** One or more of etcd, master, worker, storage, registry. */
  roles: z
    .array(z.enum(ROLES, { message: `must be one of ${ROLES.join(", ")}` }))
    .min(1, { message: "must list at least one role" }),
  /** Node labels (workers and masters running kubelet). */
  labels: z.record(z.string(), z.string()).default({}),
  /** Node taints. */
  taints: z.array(taintSchema).default([]),
  /** Brick directories (storage hosts), absolute paths. */
  bricks: z.array(matching(/^\/[^\s]*[^/\s]$/, "must be an absolute path")).default([]),
  /** Optional block device to format as XFS and mount at the brick parent (storage hosts). */
  brickDevice: matching(/^\/dev\/[A-Za-z0-9/_-]+$/, "must be a /dev path").optional(),
  /** Pinned SSH host key (`ssh-ed25519 AAAA...`); strongly recommended in production. */
  hostKey: matching(
    /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ssh-rsa) [A-Za-z0-9+/=]+$/,
    "must be an OpenSSH public host key like 'ssh-ed25519 AAAA...'",
  ).optional(),
});

// ---------------------------------------------------------------------------------------
// versions, mirrors

export const versionsSchema = z.strictObject({
  kubernetes: version.default("1.35.1"),
  etcd: version.default("3.6.16"),
  containerd: version.default("2.2.7"),
  runc: version.default("1.3.6"),
  cni: version.default("1.9.1"),
  calico: version.default("3.30.7"),
  coredns: version.default("1.12.4"),
  pause: matching(/^\d+\.\d+(\.\d+)?$/, "must be a pause image tag like 3.10").default("3.10.1"),
  harbor: version.default("2.14.4"),
});

const yumRepoSchema = z.strictObject({
  id: matching(/^[A-Za-z0-9_.-]+$/, "must be a yum repo id (letters, digits, '_', '.', '-')"),
  baseurl: z.string().min(1),
  gpgkey: z.string().optional(),
});

export const mirrorsSchema = z.strictObject({
  /** Base URL of a mirror of upstream release downloads (dl.k8s.io and GitHub release layout). */
  binaries: url,
  /** Private registry host[:port] every image is pulled from. */
  images: matching(
    /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/,
    "must be a registry host like reg.example.internal[:port][/path]",
  ),
  /** Helm chart repository mirror (an https URL or oci://host/path). */
  charts: matching(/^(https?|oci):\/\/\S+[^/]$/, "must be an http(s):// or oci:// URL without a trailing '/'"),
  /** OS package mirrors; the host prep script writes the ones for its OS family. */
  packages: z
    .strictObject({
      /** yum/dnf repositories for the RHEL family (base, updates, EPEL). */
      yum: z.array(yumRepoSchema).default([]),
      /** apt source lines for Debian/Ubuntu (`deb URL suite components`). */
      apt: z
        .array(
          matching(
            /^deb (\[[^\]]*\] )?https?:\/\/\S+ \S+( \S+)+$/,
            "must be an apt line like 'deb http://mirror/debian bookworm main'",
          ),
        )
        .default([]),
    })
    .prefault({}),
});

// ---------------------------------------------------------------------------------------
// pki, etcd, apiserver

export const pkiSchema = z.strictObject({
  /** Key algorithm for every CA and leaf key. */
  keyAlgorithm: z
    .enum(["ECDSA-P256", "RSA-2048", "RSA-4096"], { message: "must be ECDSA-P256, RSA-2048 or RSA-4096" })
    .default("ECDSA-P256"),
  /** CA certificate validity, hours (default 10 years). */
  caValidityHours: z
    .number()
    .int()
    .min(24 * 365)
    .default(24 * 3650),
  /** Leaf certificate validity, hours (default 1 year). */
  validityHours: z
    .number()
    .int()
    .min(24)
    .default(24 * 365),
  /** `pulumi up` re-issues a leaf this many hours before it expires (default 30 days). */
  earlyRenewalHours: z
    .number()
    .int()
    .min(1)
    .default(24 * 30),
});

export const etcdSchema = z.strictObject({
  heartbeatIntervalMs: z.number().int().min(10).max(5000).default(100),
  electionTimeoutMs: z.number().int().min(50).max(50000).default(1000),
  /** Backend quota in bytes (etcd's default is 2 GiB; 8 GiB is its documented maximum). */
  quotaBackendBytes: z
    .number()
    .int()
    .min(1)
    .max(8 * 1024 ** 3)
    .default(8 * 1024 ** 3),
  /**
   * Names of the etcd hosts that bootstrapped the cluster. Unset: every etcd host (a new
   * cluster). When etcd hosts are added later, list the original ones here: hosts not in
   * the list join the running cluster (`member add`, `--initial-cluster-state existing`).
   */
  initialMembers: z.array(label("etcd.initialMembers entry")).min(1).optional(),
  backup: z
    .strictObject({
      dir: matching(/^\/\S*[^/]$/, "must be an absolute path").default("/var/backups/etcd"),
      /** systemd OnCalendar expression for periodic snapshots. */
      schedule: z.string().min(1).default("*-*-* 00/6:00:00"),
      /** Snapshots kept on each member. */
      retain: z.number().int().min(1).default(28),
    })
    .prefault({}),
});

export const apiserverSchema = z.strictObject({
  /** Floating VIP held by keepalived on the masters; every off-master client uses it. */
  vip: ipv4,
  /** haproxy frontend port on the VIP (not 6443, which the apiservers bind). */
  port: port.default(8443),
  /** Prefix length of the masters' common subnet (the VIP floats inside it). */
  vipPrefix: z.number().int().min(8).max(30).default(24),
  /** Extra DNS names / IPs for the apiserver serving certificate. */
  extraSans: z.array(z.string().min(1)).default([]),
  /** VRRP virtual_router_id (unique per L2 segment). */
  virtualRouterId: z.number().int().min(1).max(255).default(51),
  /** Use unicast VRRP between the masters instead of multicast. */
  unicast: z.boolean().default(false),
  /** Network interface carrying the VIP; defaults to the interface holding the host address. */
  interface: matching(/^[A-Za-z0-9_.:-]+$/, "must be a network interface name like eth0").optional(),
});

// ---------------------------------------------------------------------------------------
// network

const torPeerSchema = z.strictObject({
  name: label("router name"),
  address: ipv4,
  asNumber: z.number().int().min(1).max(4294967295),
});

export const networkSchema = z.strictObject({
  podCidr: cidr.default("172.20.0.0/16"),
  serviceCidr: cidr.default("10.68.0.0/16"),
  /** kube-proxy mode: ipvs (the source's choice; deprecated upstream since 1.35), iptables or nftables. */
  proxyMode: z.enum(["ipvs", "iptables", "nftables"]).default("ipvs"),
  calico: z
    .strictObject({
      /** bgp: pure layer 3, no overlay; ipip / vxlan: encapsulated. */
      mode: z.enum(["bgp", "ipip", "vxlan"]).default("bgp"),
      /** IP-in-IP (or VXLAN) scope when the mode encapsulates: Always or CrossSubnet. */
      ipipMode: z.enum(["Always", "CrossSubnet", "Never"]).default("CrossSubnet"),
      asNumber: z.number().int().min(1).max(4294967295).default(64512),
      /** `auto`, or the host names of the route reflectors. */
      routeReflectors: z.union([z.literal("auto"), z.array(label("route reflector"))]).default("auto"),
      /** With `auto`, the full mesh is replaced by reflectors above this many nodes. */
      meshThreshold: z.number().int().min(2).default(50),
      /** Top-of-rack routers every node peers with. */
      torPeers: z.array(torPeerSchema).default([]),
    })
    .prefault({}),
});

// ---------------------------------------------------------------------------------------
// storage, registry, add-ons, workers

export const glusterSchema = z.strictObject({
  volume: matching(/^[A-Za-z0-9_-]{1,64}$/, "must be a volume name (letters, digits, '_', '-')").default("k8s-data"),
  /** Bricks per disperse set (data + redundancy). */
  disperse: z.number().int().default(4),
  /** Bricks per set that may be lost. */
  redundancy: z.number().int().default(1),
  /** `gluster volume set` options. */
  options: z
    .record(
      matching(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/, "must be a gluster option name like performance.cache-size"),
      z.string(),
    )
    .default({}),
  /** Allow formatting brickDevice even when it already holds a filesystem. */
  forceFormat: z.boolean().default(false),
  /**
   * Address or DNS name PVs mount the NFS-Ganesha export from: a VIP or DNS name in front of
   * the storage hosts. Default: the first storage host's address.
   */
  nfsServer: matching(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be an IPv4 address or a DNS name").optional(),
  /** Version of the kubernetes-csi csi-driver-nfs Helm chart (pulled from mirrors.charts). */
  csiDriverNfsChart: version.default("4.13.4"),
  storageClass: z
    .strictObject({
      name: label("storageClass.name").default("glusterfs"),
      default: z.boolean().default(true),
      reclaimPolicy: z.enum(["Retain", "Delete"]).default("Retain"),
    })
    .prefault({}),
});

export const storageSchema = z.strictObject({
  glusterfs: glusterSchema.optional(),
});

export const registrySchema = z.strictObject({
  /** Registry server the pull secrets authenticate to (defaults to mirrors.images' host). */
  server: matching(/^[a-z0-9.-]+(:\d+)?$/, "must be a registry host[:port]").optional(),
  username: z.string().min(1).optional(),
  /** Set with `pulumi config set --secret --path registry.password`. */
  password: secretString.optional(),
  /** Registry VIP on the registry hosts (Harbor active/standby). */
  vip: ipv4.optional(),
  /** Prefix length of the registry hosts' common subnet (the VIP floats inside it). */
  vipPrefix: z.number().int().min(8).max(30).default(24),
  /** VRRP virtual_router_id of the registry VIP (unique per L2 segment; the apiserver VIP uses 51). */
  virtualRouterId: z.number().int().min(1).max(255).default(52),
  /** Network interface carrying the registry VIP; defaults to the interface holding the host address. */
  interface: matching(/^[A-Za-z0-9_.:-]+$/, "must be a network interface name like eth0").optional(),
  /** Harbor `data_volume` on the registry hosts (images, database, job logs). */
  dataDir: matching(/^\/\S*[^/]$/, "must be an absolute path").default("/data/harbor"),
  /** Install Harbor's Trivy scanner (`install.sh --with-trivy`). */
  trivy: z.boolean().default(false),
  /** Give each project's robot account push rights too (default pull only). */
  robotPush: z.boolean().default(false),
  /**
   * sha256 of `harbor-offline-installer-v<versions.harbor>.tgz`. Upstream publishes only an
   * md5sum file; without this pin the installer is checked against that md5 only.
   */
  installerSha256: matching(/^[0-9a-f]{64}$/, "must be a lower-case hex sha256 digest").optional(),
});

const addonToggle = { enabled: z.boolean().default(true) };

export const addonsSchema = z.strictObject({
  coredns: z
    .strictObject({
      replicas: z.number().int().min(2).default(2),
      /** NodeLocal DNSCache on every node (kubelet then points at its link-local address). */
      nodeLocalDns: z.boolean().default(false),
      /** cluster-proportional-autoscaler scales CoreDNS with nodes/cores; `replicas` stays the minimum. */
      autoscaler: z.boolean().default(false),
    })
    .prefault({}),
  /** Helm chart versions of the add-ons (all pulled from mirrors.charts; tigera-operator follows versions.calico). */
  chartVersions: z
    .strictObject({
      traefik: version.default("41.5.0"),
      "ingress-nginx": version.default("4.15.1"),
      "metrics-server": version.default("3.14.0"),
      "kube-prometheus-stack": version.default("92.3.0"),
      "fluent-bit": version.default("0.58.2"),
      opensearch: version.default("3.9.0"),
      "opensearch-dashboards": version.default("3.9.0"),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      ...addonToggle,
      /** traefik by default: ingress-nginx was retired upstream in March 2026 (no more security fixes). */
      controller: z.enum(["ingress-nginx", "traefik"]).default("traefik"),
      replicas: z.number().int().min(1).default(2),
      /** Expose the controller on the edge nodes' host network, or as a NodePort/LoadBalancer Service. */
      exposure: z.enum(["hostNetwork", "NodePort", "LoadBalancer"]).default("hostNetwork"),
      /** Node selector labels of the edge nodes. */
      nodeSelector: z.record(z.string(), z.string()).default({ "node-role.kubernetes.io/edge": "true" }),
      /** TCP services: external port -> `namespace/service:port` (the source's tcp mode). */
      tcp: z
        .record(
          matching(/^\d{1,5}$/, "must be a port number"),
          matching(/^[a-z0-9-]+\/[a-z0-9-]+:\d{1,5}$/, "must be namespace/service:port"),
        )
        .default({}),
    })
    .prefault({}),
  monitoring: z
    .strictObject({
      ...addonToggle,
      retention: matching(/^\d+[dhwy]$/, "must be a duration like 15d").default("15d"),
      storage: quantity.default("100Gi"),
      /** StorageClass of the Prometheus volume (default: the cluster's default class). */
      storageClass: label("storageClass").optional(),
      /** Host name that publishes Grafana through the ingress controller (default: port-forward only). */
      grafanaHost: z
        .string()
        .regex(INGRESS_DOMAIN, { message: "must be a DNS name like grafana.example.com" })
        .optional(),
    })
    .prefault({}),
  logging: z
    .strictObject({
      ...addonToggle,
      /** Days an index is kept before index lifecycle management deletes it. */
      retentionDays: z.number().int().min(1).default(14),
      /** Volume size of each OpenSearch node. */
      storage: quantity.default("500Gi"),
      /** StorageClass of the OpenSearch volumes (default: the cluster's default class). */
      storageClass: label("storageClass").optional(),
      /** OpenSearch nodes (each holds every role; 3 keeps a quorum through one loss). */
      replicas: z.number().int().min(1).default(3),
      /** Host name that publishes OpenSearch Dashboards through the ingress controller (default: port-forward only). */
      dashboardsHost: z
        .string()
        .regex(INGRESS_DOMAIN, { message: "must be a DNS name like logs.example.com" })
        .optional(),
    })
    .prefault({}),
});

export const workersSchema = z.strictObject({
  /** Workers upgraded per batch: a count, or a percentage like "10%". */
  upgradeBatch: z
    .union([z.number().int().min(1), matching(/^([1-9]\d?|100)%$/, "must be a percentage like 10%")])
    .default("10%"),
  /** Run kubelet on masters too (tainted NoSchedule). */
  kubeletOnMasters: z.boolean().default(false),
  /** Seconds a drain may take before the removal of a node stops. */
  drainTimeoutSeconds: z.number().int().min(30).default(600),
  /** kubelet systemReserved: resources kept for the OS daemons (sshd, journald, chrony). */
  systemReserved: z
    .partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity)
    .default({ cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" }),
  /** kubelet kubeReserved: resources kept for kubelet, containerd and kube-proxy. */
  kubeReserved: z
    .partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity)
    .default({ cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" }),
  /** kubelet podPidsLimit: the most processes one pod may run (CIS 4.2.13). */
  podPidsLimit: z.number().int().min(64).default(4096),
  /** kubelet maxPods. */
  maxPods: z.number().int().min(10).max(1000).default(110),
});

// ---------------------------------------------------------------------------------------
// projects

const memberSchema = z
  .strictObject({
    user: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    role: z.enum(["admin", "lead", "member"], { message: "must be one of admin, lead, member" }),
  })
  .superRefine((m, ctx) => {
    if ((m.user === undefined) === (m.group === undefined)) {
      ctx.addIssue({ code: "custom", message: "must set exactly one of user or group" });
    }
  });

export const projectSchema = z.strictObject({
  /** DNS-1123 label; becomes the namespace. */
  name: label("project name"),
  quota: z.strictObject({
    /** Total CPU requests (`requests.cpu`) of the project's pods. */
    cpu: quantity,
    /** Total memory requests (`requests.memory`). */
    memory: quantity,
    /** Total CPU limits (`limits.cpu`); defaults to `cpu` (no overcommit). */
    limitsCpu: quantity.optional(),
    /** Total memory limits (`limits.memory`); defaults to `memory`. */
    limitsMemory: quantity.optional(),
    /** Total PVC storage requests (`requests.storage`). */
    storage: quantity,
    pods: z.number().int().min(1).default(200),
    services: z.number().int().min(0).default(50),
    persistentVolumeClaims: z.number().int().min(0).default(50),
    /** NodePort and LoadBalancer Services (0 by default: exposure goes through ingress). */
    nodePorts: z.number().int().min(0).default(0),
    loadBalancers: z.number().int().min(0).default(0),
    /** Per-StorageClass storage quota: class name -> quantity. */
    storageClasses: z.record(label("storage class"), quantity).default({}),
  }),
  limits: z
    .strictObject({
      defaultCpu: quantity.default("500m"),
      defaultMemory: quantity.default("512Mi"),
      defaultRequestCpu: quantity.default("100m"),
      defaultRequestMemory: quantity.default("128Mi"),
      maxCpu: quantity.optional(),
      maxMemory: quantity.optional(),
    })
    .prefault({}),
  members: z.array(memberSchema).default([]),
  domains: z
    .array(
      z.string().regex(INGRESS_DOMAIN, { message: "must be a DNS name like app.example.com or *.app.example.com" }),
    )
    .default([]),
  /** Name of a wildcard TLS secret (in the project's namespace) ingresses may reference. */
  tlsSecret: label("tlsSecret").optional(),
  /** Pod Security Admission level enforced in the namespace. */
  podSecurity: z.enum(["privileged", "baseline", "restricted"]).default("baseline"),
  /** Extra egress CIDRs allowed (beyond DNS and the project itself). */
  egress: z.array(cidr).default([]),
  /** A ServiceAccount + token letting the project's SDK exec into its own pods. */
  accessKey: z.boolean().default(false),
  /** A Harbor project + robot account when registry hosts exist. */
  registry: z.boolean().default(true),
  /** Glob of application log files collected per project (the source's custom logs). */
  appLogPaths: z.array(matching(/^\/\S+$/, "must be an absolute path pattern")).default([]),
  /** Removal from config keeps the namespace unless false. */
  protect: z.boolean().default(true),
});

// ---------------------------------------------------------------------------------------
// the whole stack

export const platformSchema = z.strictObject({
  cluster: clusterSchema,
  ssh: sshSchema.prefault({}),
  hosts: z.array(hostSchema).min(1, { message: "must list the inventory" }),
  versions: versionsSchema.prefault({}),
  mirrors: mirrorsSchema,
  pki: pkiSchema.prefault({}),
  etcd: etcdSchema.prefault({}),
  apiserver: apiserverSchema,
  network: networkSchema.prefault({}),
  storage: storageSchema.prefault({}),
  registry: registrySchema.prefault({}),
  addons: addonsSchema.prefault({}),
  workers: workersSchema.prefault({}),
  projects: z.array(projectSchema).default([]),
});

/** The top-level config keys, in the order the README documents them. */
export const CONFIG_KEYS = Object.keys(platformSchema.shape) as (keyof typeof platformSchema.shape)[];

/** The validated config, defaults applied (before derived fields are added). */
export type PlatformConfig = z.output<typeof platformSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type ProjectConfig = z.output<typeof projectSchema>;
export type GlusterConfig = z.output<typeof glusterSchema>;
