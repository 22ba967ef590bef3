/** Configs for the add-on tests: prod, and prod with every optional add-on feature on. */
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";

/** The prod spec. */
export function prodSpec(): PlatformSpec {
  return specOf(prodConfig());
}

/** Prod with NodeLocal DNSCache, the DNS autoscaler, UI hosts, storage classes and a second project TCP port. */
export function fullRaw(): Record<string, unknown> {
  const raw = clone(prodConfig());
  const addons = raw.addons as Record<string, Record<string, unknown>>;
  addons.coredns = { replicas: 3, nodeLocalDns: true, autoscaler: true };
  addons.ingress = { ...addons.ingress, controller: "traefik" };
  const projects = raw.projects as { name: string; tcp?: Record<string, string> }[];
  (projects.find((p) => p.name === "data-pipeline") as { tcp?: Record<string, string> }).tcp = { "5432": "pg:5432" };
  addons.monitoring = { ...addons.monitoring, grafanaHost: "grafana.example.com", storageClass: "glusterfs" };
  addons.logging = { ...addons.logging, dashboardsHost: "logs.example.com", storageClass: "glusterfs", replicas: 3 };
  return raw;
}

export function fullSpec(): PlatformSpec {
  return specOf(fullRaw());
}
