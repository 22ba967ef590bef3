/** Rules of the tenant projects: unique names and domains, no system namespaces, unique members, LimitRange orderings. */
import { quantityValue } from "../../../lib/quantity";
import type { ProjectConfig } from "../schema";
import { duplicates } from "./util";
import { defineRule, type Problem } from "./types";

/** Namespaces a project may not take: Kubernetes' own and the platform add-ons'. */
export const RESERVED_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "calico-system",
  "calico-apiserver",
  "tigera-operator",
  "ingress-nginx",
  "traefik",
  "monitoring",
  "logging",
  "storage",
  "platform-system",
];

export const projects = defineRule(["projects"], (config, out) => {
  duplicates(
    config.projects,
    (p) => p.name,
    (p, i, first) =>
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is already used by projects[${first}]; project names must be unique`,
      }),
  );
  const owner = new Map<string, number>();
  config.projects.forEach((p, i) => {
    if (RESERVED_NAMESPACES.includes(p.name) || p.name.startsWith("kube-")) {
      out.push({
        path: `projects[${i}].name`,
        message: `"${p.name}" is a system namespace; pick another project name`,
      });
    }
    p.domains.forEach((d, j) => {
      const first = owner.get(d);
      if (first === undefined) owner.set(d, i);
      else
        out.push({
          path: `projects[${i}].domains[${j}]`,
          message: `${d} is already claimed by projects[${first}] (${config.projects[first].name}); a domain belongs to one project`,
        });
    });
    duplicates(
      p.members,
      (m) => `${m.user !== undefined ? "user" : "group"}:${m.user ?? m.group}`,
      (m, j, first) =>
        out.push({
          path: `projects[${i}].members[${j}]`,
          message: `${m.user ?? m.group} is already a member (members[${first}]); give each person or group one role`,
        }),
    );
  });
});

/** LimitRange and quota orderings the API server enforces at apply time (see projectProblems). */
export const projectLimits = defineRule(["projects"], (config, out) => {
  config.projects.forEach((p, i) => out.push(...projectProblems(p, i)));
});

/**
 * Cross-field checks the API server applies to LimitRanges and that quotas need, so that
 * they fail at load time naming the key instead of mid-`pulumi up`. `index` is the
 * project's position in `projects`, used only for the key path.
 */
export function projectProblems(project: ProjectConfig, index: number): Problem[] {
  const out: Problem[] = [];
  const at = (key: string) => `projects[${index}].${key}`;
  const l = project.limits;
  const le = (small: string, smallKey: string, big: string | undefined, bigKey: string) => {
    if (big !== undefined && quantityValue(small) > quantityValue(big)) {
      out.push({
        path: at(smallKey),
        message: `${small} exceeds ${bigKey} (${big}); the API server rejects such a LimitRange`,
      });
    }
  };
  le(l.defaultRequestCpu, "limits.defaultRequestCpu", l.defaultCpu, "limits.defaultCpu");
  le(l.defaultRequestMemory, "limits.defaultRequestMemory", l.defaultMemory, "limits.defaultMemory");
  le(l.defaultCpu, "limits.defaultCpu", l.maxCpu, "limits.maxCpu");
  le(l.defaultMemory, "limits.defaultMemory", l.maxMemory, "limits.maxMemory");
  le(project.quota.cpu, "quota.cpu", project.quota.limitsCpu, "quota.limitsCpu");
  le(project.quota.memory, "quota.memory", project.quota.limitsMemory, "quota.limitsMemory");
  return out;
}
