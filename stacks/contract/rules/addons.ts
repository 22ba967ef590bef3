/** Rules of the add-ons: only Calico releases whose operator and run-time images are recorded. */
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
