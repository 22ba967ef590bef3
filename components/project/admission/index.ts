/**
 * The tenant boundary in the cluster: ValidatingAdmissionPolicies (GA since Kubernetes 1.30)
 * bound to every project namespace (the `k8s-platform.io/project` label). They hold what
 * RBAC cannot express: which volumes a pod may mount, which hosts and TCP ports a project
 * may serve, which part of a pod template a member may change. One set serves all projects
 * (each reads its project's facts from namespace annotations tenants cannot edit), so
 * adding a project adds no policy and the apiserver evaluates five policies, not five per
 * project.
 */
import { MANAGED_BY } from "../names";
import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from "../types";
import { binding } from "./cel";
import { renderIngressHostsPolicy, renderRoutesPolicy } from "./hosts";
import { renderPodTemplatesPolicy } from "./templates";
import { renderClaimsPolicy, renderVolumesPolicy } from "./volumes";

export { ALLOWED_VOLUME_TYPES, REFUSED_VOLUME_TYPES } from "./volumes";
export { WORKLOAD_SPEC_FIELDS } from "./templates";

/** One policy with its binding. */
export interface AdmissionPolicy {
  readonly policy: ValidatingAdmissionPolicy;
  readonly binding: ValidatingAdmissionPolicyBinding;
}

/** Every project admission policy, in a fixed order. */
export function renderAdmissionPolicies(): AdmissionPolicy[] {
  const labels = { "app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/part-of": "projects" };
  return [
    renderVolumesPolicy(labels),
    renderClaimsPolicy(labels),
    renderIngressHostsPolicy(labels),
    renderRoutesPolicy(labels),
    renderPodTemplatesPolicy(labels),
  ].map((policy) => ({ policy, binding: binding(policy, labels) }));
}
