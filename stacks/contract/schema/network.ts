/**
 * Config section `network`: pod and service networks, kube-proxy and Calico.
 */
import { z } from "zod";
import { cidr, ipv4, label } from "./common";
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
