/**
 * Pure IPv4 helpers shared by the config loader and the renderers. IPv4 only: the
 * platform's inventory, pod and service networks are IPv4 (as in the source design).
 */

/** Parses a dotted-quad IPv4 address into a 32-bit unsigned integer, or undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats a 32-bit unsigned integer as a dotted-quad IPv4 address. */
export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** An IPv4 network: first address (the network address) and prefix length. */
export interface Ipv4Cidr {
  /** Network address as a 32-bit unsigned integer. */
  readonly base: number;
  /** Prefix length, 0..32. */
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; the address must be the network address (no host bits set). */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const base = parseIpv4(match[1]);
  const prefix = Number(match[2]);
  if (base === undefined || prefix > 32) return undefined;
  if (networkOf(base, prefix) !== base) return undefined;
  return { base, prefix };
}

/** The network address of `address` under a prefix length. */
export function networkOf(address: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) * size;
}

/** Number of addresses in a network. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** True when `address` lies inside `cidr`. */
export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return address >= cidr.base && address < cidr.base + cidrSize(cidr);
}

/** True when two networks share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** The n-th address of a network (0 is the network address). */
export function nthAddress(cidrText: string, n: number): string {
  const cidr = parseCidr(cidrText);
  if (!cidr) throw new Error(`not an IPv4 CIDR: ${cidrText}`);
  if (n < 0 || n >= cidrSize(cidr)) throw new Error(`${cidrText} has no address number ${n}`);
  return formatIpv4(cidr.base + n);
}

/**
 * The ClusterIP of the `kubernetes` Service: the first usable address of the service
 * CIDR. It must be a SAN of the apiserver serving certificate.
 */
export function kubernetesServiceIp(serviceCidr: string): string {
  return nthAddress(serviceCidr, 1);
}

/**
 * The ClusterIP of the cluster DNS Service (CoreDNS). One source of truth for both
 * kubelet's `clusterDNS` and the CoreDNS Service: the tenth address, as kubeadm does.
 */
export function clusterDnsIp(serviceCidr: string): string {
  return nthAddress(serviceCidr, 10);
}
