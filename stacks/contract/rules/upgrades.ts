/**
 * Upgrades one minor version at a time: Kubernetes supports upgrading the control plane by
 * one minor (version skew policy) and never a minor downgrade; etcd upgrades one minor at a
 * time and a downgrade needs etcd's own procedure. Rollback is restore-from-snapshot only
 * (docs/operations/upgrade.md). Checked against the versions deployed now.
 */
import { defineRule, type Problem } from "./types";

const parts = (v: string) => v.split(".").map(Number) as [number, number, number];

function step(
  path: string,
  what: string,
  deployed: string | undefined,
  next: string,
  out: Problem[],
  warnings: Problem[],
): void {
  if (deployed === undefined || deployed === next) return;
  const [aMajor, aMinor, aPatch] = parts(deployed);
  const [bMajor, bMinor, bPatch] = parts(next);
  if (bMajor !== aMajor) {
    out.push({ path, message: `${next} changes the major version of the deployed ${what} ${deployed}; not supported` });
  } else if (bMinor > aMinor + 1) {
    out.push({
      path,
      message: `${next} skips ${Array.from({ length: bMinor - aMinor - 1 }, (_, i) => `${aMajor}.${aMinor + i + 1}`).join(", ")}: upgrade ${what} one minor version at a time (deployed: ${deployed}; next: ${aMajor}.${aMinor + 1}.x)`,
    });
  } else if (bMinor < aMinor) {
    out.push({
      path,
      message: `${next} is older than the deployed ${what} ${deployed}: a minor downgrade is not supported; roll back by restoring the pre-change snapshot (docs/operations/upgrade.md)`,
    });
  } else if (bMinor === aMinor && bPatch < aPatch) {
    warnings.push({ path, message: `${next} downgrades the deployed ${what} ${deployed} within its minor version` });
  }
}

export const upgrades = defineRule(["versions"], (config, out, warnings, context) => {
  step("versions.kubernetes", "Kubernetes", context.deployed?.kubernetes, config.versions.kubernetes, out, warnings);
  step("versions.etcd", "etcd", context.deployed?.etcd, config.versions.etcd, out, warnings);
});
