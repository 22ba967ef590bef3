/** Rules of the networks: disjoint pod, service and host networks; Calico route reflectors and peers. */
import { cidrContains, cidrsOverlap, parseCidr, parseIpv4 } from "../../../lib/ipv4";
import { duplicates } from "./util";
import { defineRule } from "./types";

export const networkRanges = defineRule(["network"], (config, out) => {
  const pod = parseCidr(config.network.podCidr);
  const svc = parseCidr(config.network.serviceCidr);
  if (!pod || !svc) return;
  if (cidrsOverlap(pod, svc))
    out.push({
      path: "network.serviceCidr",
      message: `${config.network.serviceCidr} overlaps network.podCidr ${config.network.podCidr}; they must be disjoint`,
    });
  if (svc.prefix < 12)
    out.push({
      path: "network.serviceCidr",
      message: "must be /12 or smaller (kube-apiserver refuses larger service ranges)",
    });
  if (pod.prefix > 24)
    out.push({ path: "network.podCidr", message: "must be /24 or larger to give nodes address blocks" });
});

export const hostNetworks = defineRule(["hosts", "apiserver", "network", "registry"], (config, out) => {
  const pod = parseCidr(config.network.podCidr);
  const svc = parseCidr(config.network.serviceCidr);
  if (!pod || !svc) return;
  const addresses = [
    ...config.hosts.map((h, i) => ({ path: `hosts[${i}].address`, address: h.address })),
    { path: "apiserver.vip", address: config.apiserver.vip },
    ...(config.registry.vip ? [{ path: "registry.vip", address: config.registry.vip }] : []),
  ];
  for (const { path, address } of addresses) {
    const value = parseIpv4(address);
    if (value === undefined) continue;
    if (cidrContains(pod, value))
      out.push({
        path,
        message: `${address} lies inside network.podCidr ${config.network.podCidr}; host networks and the pod network must be disjoint`,
      });
    if (cidrContains(svc, value))
      out.push({
        path,
        message: `${address} lies inside network.serviceCidr ${config.network.serviceCidr}; host networks and the service network must be disjoint`,
      });
  }
});

export const calico = defineRule(["hosts", "network", "workers"], (config, out) => {
  const rr = config.network.calico.routeReflectors;
  if (rr !== "auto") {
    rr.forEach((name, i) => {
      const host = config.hosts.find((h) => h.name === name);
      if (!host)
        out.push({ path: `network.calico.routeReflectors[${i}]`, message: `"${name}" is not a host in the inventory` });
      else if (!host.roles.includes("worker") && !(host.roles.includes("master") && config.workers.kubeletOnMasters)) {
        out.push({
          path: `network.calico.routeReflectors[${i}]`,
          message: `"${name}" runs no kubelet/calico-node; a route reflector must be a worker (or a master with workers.kubeletOnMasters)`,
        });
      }
    });
  }
  duplicates(
    config.network.calico.torPeers,
    (p) => p.name,
    (p, i) => out.push({ path: `network.calico.torPeers[${i}].name`, message: `"${p.name}" is listed twice` }),
  );
});
