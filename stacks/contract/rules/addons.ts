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
