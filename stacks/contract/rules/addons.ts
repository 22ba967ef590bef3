/** Rules of the add-ons: recorded Calico releases only; published UIs need the ingress controller. */
import { VERIFIED_CALICO_VERSIONS } from "../schema/addons";
import { defineRule } from "./types";

export const calicoVersion = defineRule(["versions"], (config, out) => {
  const verified: readonly string[] = VERIFIED_CALICO_VERSIONS;
  if (!verified.includes(config.versions.calico))
    out.push({
      path: "versions.calico",
      message: `"${config.versions.calico}": no recorded tigera-operator chart facts (operator image, Calico images) for this release; verified: ${verified.join(", ")}`,
    });
});

/** A UI published on a host name goes through the ingress controller, so the controller must run. */
export const uiHosts = defineRule(["addons"], (config, out) => {
  if (config.addons.ingress.enabled) return;
  const hosts: [string, string | undefined][] = [
    ["addons.monitoring.grafanaHost", config.addons.monitoring.grafanaHost],
    ["addons.logging.dashboardsHost", config.addons.logging.dashboardsHost],
  ];
  for (const [path, host] of hosts)
    if (host)
      out.push({
        path,
        message: `${host} is published through the ingress controller, which addons.ingress.enabled: false turns off`,
      });
});

/**
 * On the host network the ingress controller takes 80 and 443 on every edge node; Harbor
 * takes its HTTPS port on the registry hosts. One host cannot hold both.
 */
export const edgeRegistryHosts = defineRule(["hosts", "addons", "registry", "mirrors"], (config, out) => {
  const ingress = config.addons.ingress;
  if (!ingress.enabled || ingress.exposure !== "hostNetwork") return;
  const selector = Object.entries(ingress.nodeSelector);
  config.hosts.forEach((h, i) => {
    const edge = h.roles.includes("worker") && selector.every(([k, v]) => h.labels[k] === v);
    if (edge && h.roles.includes("registry"))
      out.push({
        path: `hosts[${i}].roles`,
        message: `${h.name} is an edge node (the ingress controller binds 80/443 on its host network) and a registry host (Harbor binds its HTTPS port): give Harbor its own hosts, or drop the edge labels`,
      });
  });
});
