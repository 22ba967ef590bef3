/**
 * Certificate profiles: what every certificate of the platform says (issuer, subject, SANs,
 * usages, validity), as a pure function of the spec. The Pki component turns each profile
 * into @pulumi/tls resources and the tests compare issued certificates against these, so
 * the rules live in one place. Subjects and usages follow kubeadm's PKI
 * (https://kubernetes.io/docs/setup/best-practices/certificates/).
 */
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { parseIpv4 } from "../../lib/ipv4";

/** The three trust roots. etcd trusts only its own CA, so a cluster-CA client cannot reach etcd. */
export type CaId = "cluster" | "etcd" | "frontProxy";

/** Key usages and extended key usages, spelled as @pulumi/tls `allowedUses` accepts them. */
export type KeyUsage =
  "digital_signature" | "key_encipherment" | "cert_signing" | "crl_signing" | "server_auth" | "client_auth";

/** What distinguishes one kind of leaf from another; getters on the Pki look leaves up by it. */
export type LeafKind =
  | "etcdServer"
  | "etcdPeer"
  | "etcdHealthcheckClient"
  | "apiserverEtcdClient"
  | "apiserver"
  | "apiserverKubeletClient"
  | "frontProxyClient"
  | "controllerManager"
  | "scheduler"
  | "admin"
  | "kubeProxy"
  | "kubeletClient"
  | "kubeletServing";

/** A self-signed CA certificate. */
export interface CaProfile {
  readonly id: CaId;
  /** CA generation (`pki.caGeneration`); generation 1 is the original CA. */
  readonly generation: number;
  /** Stable resource-name stem, e.g. `etcd-ca` (generation 1) or `etcd-ca-g2`. */
  readonly name: string;
  readonly commonName: string;
  readonly usages: readonly KeyUsage[];
  readonly validityHours: number;
  readonly earlyRenewalHours: number;
}

/** A leaf certificate signed by one of the CAs. */
export interface LeafProfile {
  readonly kind: LeafKind;
  /** Stable resource-name stem derived from config names, e.g. `etcd-server-etcd-1`. */
  readonly name: string;
  /** Host the certificate belongs to, for per-host certificates. */
  readonly host?: string;
  readonly ca: CaId;
  readonly commonName: string;
  /** Subject O (Kubernetes maps it to a group). */
  readonly organization?: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly usages: readonly KeyUsage[];
  readonly validityHours: number;
  readonly earlyRenewalHours: number;
}

/** Every certificate of a platform. */
export interface PkiProfiles {
  /** Every CA issued: each trusted generation of each CA id. */
  readonly cas: readonly CaProfile[];
  readonly leaves: readonly LeafProfile[];
  /** The generation that signs every leaf. */
  readonly signing: number;
  /** Trusted generations, in trust-bundle order (the signing one first). */
  readonly trusted: readonly number[];
}

/**
 * Which CA generations exist and are trusted in each rotation phase (pki.caGeneration g,
 * pki.caRotation): none -> [g]; add-new -> [g, g+1] (g still signs); switch -> [g, g-1]
 * (g, the new one, signs). Leaves follow the signing generation, so the three phases
 * are: every trust point learns the new CA, every leaf moves to it, the old one goes.
 */
export function caGenerations(pki: Pick<PlatformSpec["pki"], "caGeneration" | "caRotation">): {
  signing: number;
  trusted: number[];
} {
  const g = pki.caGeneration;
  if (pki.caRotation === "add-new") return { signing: g, trusted: [g, g + 1] };
  if (pki.caRotation === "switch" && g > 1) return { signing: g, trusted: [g, g - 1] };
  return { signing: g, trusted: [g] };
}

// kubeadm puts digital_signature + key_encipherment on every leaf; keeping both lets the
// same profile work for RSA (where key encipherment matters) and ECDSA keys.
const LEAF_BASE: readonly KeyUsage[] = ["digital_signature", "key_encipherment"];
const SERVER: readonly KeyUsage[] = [...LEAF_BASE, "server_auth"];
const CLIENT: readonly KeyUsage[] = [...LEAF_BASE, "client_auth"];
/** etcd members dial each other with the peer cert and etcd's gateway dials itself with the server cert. */
const SERVER_AND_CLIENT: readonly KeyUsage[] = [...LEAF_BASE, "server_auth", "client_auth"];
const CA_USAGES: readonly KeyUsage[] = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];

/** Kubernetes group whose members are cluster-admin by a built-in binding. */
export const SYSTEM_MASTERS = "system:masters";
/** Kubernetes group the Node authorizer and NodeRestriction recognise. */
export const SYSTEM_NODES = "system:nodes";

/** The apiserver port on a master (haproxy on the VIP forwards to it). */
export const APISERVER_LOCAL_PORT = 6443;

const isIp = (s: string) => parseIpv4(s) !== undefined;
const unique = (xs: readonly string[]) => [...new Set(xs)];

/** The names and addresses the apiserver serving certificate must cover. */
export function apiserverSans(spec: PlatformSpec): { dnsNames: string[]; ipAddresses: string[] } {
  const masters = spec.topology.masters;
  const extra = spec.apiserver.extraSans;
  return {
    dnsNames: unique([
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${spec.cluster.domain}`,
      "localhost",
      ...masters.map((m) => m.name),
      ...extra.filter((s) => !isIp(s)),
    ]),
    ipAddresses: unique([
      spec.apiserver.vip,
      spec.endpoints.kubernetesServiceIp,
      "127.0.0.1",
      ...masters.map((m) => m.address),
      ...extra.filter(isIp),
    ]),
  };
}

/** Every CA and leaf certificate the spec calls for, in a stable order. */
export function pkiProfiles(spec: PlatformSpec): PkiProfiles {
  const { caValidityHours, validityHours, earlyRenewalHours } = spec.pki;
  const { signing, trusted } = caGenerations(spec.pki);
  // Generation 1 keeps the original names, so enabling rotation support changes nothing.
  const ca = (generation: number, id: CaId, name: string, commonName: string): CaProfile => ({
    id,
    generation,
    name: generation === 1 ? name : `${name}-g${generation}`,
    commonName: generation === 1 ? commonName : `${commonName}-g${generation}`,
    usages: CA_USAGES,
    validityHours: caValidityHours,
    // A CA re-issue re-signs every leaf below it; renewing early keeps that inside the
    // renewal window instead of after expiry.
    earlyRenewalHours: Math.min(earlyRenewalHours, Math.floor(caValidityHours / 2)),
  });
  const cas = trusted.flatMap((g) => [
    ca(g, "cluster", "cluster-ca", "kubernetes"),
    ca(g, "etcd", "etcd-ca", "etcd-ca"),
    ca(g, "frontProxy", "front-proxy-ca", "front-proxy-ca"),
  ]);

  const leaf = (
    p: Omit<LeafProfile, "validityHours" | "earlyRenewalHours" | "dnsNames" | "ipAddresses"> &
      Partial<Pick<LeafProfile, "dnsNames" | "ipAddresses">>,
  ): LeafProfile => ({
    dnsNames: [],
    ipAddresses: [],
    ...p,
    validityHours,
    earlyRenewalHours: Math.min(earlyRenewalHours, Math.floor(validityHours / 2)),
  });

  const etcdMember = (h: HostConfig): LeafProfile[] => {
    const sans = { dnsNames: unique([h.name, "localhost"]), ipAddresses: unique([h.address, "127.0.0.1"]) };
    return [
      leaf({
        kind: "etcdServer",
        name: `etcd-server-${h.name}`,
        host: h.name,
        ca: "etcd",
        commonName: h.name,
        ...sans,
        usages: SERVER_AND_CLIENT,
      }),
      leaf({
        kind: "etcdPeer",
        name: `etcd-peer-${h.name}`,
        host: h.name,
        ca: "etcd",
        commonName: h.name,
        ...sans,
        usages: SERVER_AND_CLIENT,
      }),
    ];
  };

  const node = (h: HostConfig): LeafProfile[] => [
    leaf({
      kind: "kubeletClient",
      name: `kubelet-client-${h.name}`,
      host: h.name,
      ca: "cluster",
      commonName: `system:node:${h.name}`,
      organization: SYSTEM_NODES,
      usages: CLIENT,
    }),
    leaf({
      kind: "kubeletServing",
      name: `kubelet-serving-${h.name}`,
      host: h.name,
      ca: "cluster",
      commonName: `system:node:${h.name}`,
      organization: SYSTEM_NODES,
      dnsNames: [h.name],
      ipAddresses: [h.address],
      usages: SERVER,
    }),
  ];

  const leaves: LeafProfile[] = [
    ...spec.topology.etcd.flatMap(etcdMember),
    leaf({
      kind: "etcdHealthcheckClient",
      name: "etcd-healthcheck-client",
      ca: "etcd",
      commonName: "kube-etcd-healthcheck-client",
      usages: CLIENT,
    }),
    leaf({
      kind: "apiserverEtcdClient",
      name: "apiserver-etcd-client",
      ca: "etcd",
      commonName: "kube-apiserver-etcd-client",
      usages: CLIENT,
    }),
    leaf({
      kind: "apiserver",
      name: "apiserver",
      ca: "cluster",
      commonName: "kube-apiserver",
      ...apiserverSans(spec),
      usages: SERVER,
    }),
    leaf({
      kind: "apiserverKubeletClient",
      name: "apiserver-kubelet-client",
      ca: "cluster",
      commonName: "kube-apiserver-kubelet-client",
      organization: SYSTEM_MASTERS,
      usages: CLIENT,
    }),
    leaf({
      kind: "frontProxyClient",
      name: "front-proxy-client",
      ca: "frontProxy",
      commonName: "front-proxy-client",
      usages: CLIENT,
    }),
    leaf({
      kind: "controllerManager",
      name: "controller-manager",
      ca: "cluster",
      commonName: "system:kube-controller-manager",
      usages: CLIENT,
    }),
    leaf({ kind: "scheduler", name: "scheduler", ca: "cluster", commonName: "system:kube-scheduler", usages: CLIENT }),
    leaf({
      kind: "admin",
      name: "admin",
      ca: "cluster",
      commonName: "kubernetes-admin",
      organization: SYSTEM_MASTERS,
      usages: CLIENT,
    }),
    leaf({ kind: "kubeProxy", name: "kube-proxy", ca: "cluster", commonName: "system:kube-proxy", usages: CLIENT }),
    ...spec.topology.nodes.flatMap(node),
  ];
  return { cas, leaves, signing, trusted };
}

/** The @pulumi/tls key arguments for the configured algorithm. */
export function keyArgs(algorithm: PlatformSpec["pki"]["keyAlgorithm"]): {
  algorithm: "ECDSA" | "RSA";
  ecdsaCurve?: "P256";
  rsaBits?: number;
} {
  switch (algorithm) {
    case "ECDSA-P256":
      return { algorithm: "ECDSA", ecdsaCurve: "P256" };
    case "RSA-2048":
      return { algorithm: "RSA", rsaBits: 2048 };
    case "RSA-4096":
      return { algorithm: "RSA", rsaBits: 4096 };
  }
}
