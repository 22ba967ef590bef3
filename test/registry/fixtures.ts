/** Shared fixtures of the registry tests: the prod spec and a rendered keepalived input. */
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { prodConfig } from "../support/config";
import { HARBOR_PATHS, registryAddress, type KeepalivedInput } from "../../components/registry/render";

/** The prod inventory's spec (two Harbor hosts, VIP 10.10.4.10). */
export function prodSpec(): PlatformSpec {
  return loadOrThrow(prodConfig()).spec;
}

/** keepalived input of the first prod registry host, on interface `iface`. */
export function keepalivedInput(
  spec: PlatformSpec,
  iface: string,
  checkScript: string = HARBOR_PATHS.checkScript,
): KeepalivedInput {
  const [host, peer] = spec.topology.registry;
  const { hostname, port } = registryAddress(spec);
  return {
    host,
    peers: [peer],
    vip: spec.registry.vip as string,
    vipPrefix: spec.registry.vipPrefix,
    virtualRouterId: spec.registry.virtualRouterId,
    interface: iface,
    priority: 150,
    checkScript,
    hostname,
    httpsPort: port,
  };
}
