/**
 * Who may change a pod template. RBAC grants `patch` as a whole, and `kubectl rollout
 * restart` is a patch, so members get `patch` on deployments, statefulsets and daemonsets;
 * this policy narrows it: a principal that may not `update` the workload (a member; leads,
 * admins and controllers may) can change nothing but the pod template's
 * `kubectl.kubernetes.io/restartedAt` annotation. A member can therefore restart an
 * application but not mount another Secret, switch the ServiceAccount, change the image,
 * the command or the replica count. Creating through a patch (server-side apply) needs
 * `create`, which members lack (the API server checks it for apply-create).
 */
import { RESTART_ANNOTATION } from "../names";
import { RESTARTABLE } from "../renderRbac";
import type { ValidatingAdmissionPolicy } from "../types";
import { policy, unchanged } from "./cel";

/** Top-level spec fields besides `template`, per kind (k8s.io/api apps/v1, Kubernetes 1.35). */
export const WORKLOAD_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: [
    "replicas",
    "selector",
    "strategy",
    "minReadySeconds",
    "revisionHistoryLimit",
    "paused",
    "progressDeadlineSeconds",
  ],
  StatefulSet: [
    "replicas",
    "selector",
    "volumeClaimTemplates",
    "serviceName",
    "podManagementPolicy",
    "updateStrategy",
    "revisionHistoryLimit",
    "minReadySeconds",
    "persistentVolumeClaimRetentionPolicy",
    "ordinals",
  ],
  DaemonSet: ["selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"],
};

/** The object's metadata a restart leaves alone. */
const METADATA_FIELDS = ["labels", "annotations", "finalizers", "ownerReferences"];

/** The pod-template policy. */
export function renderPodTemplatesPolicy(labels: Record<string, string>): ValidatingAdmissionPolicy {
  const key = `'${RESTART_ANNOTATION}'`;
  const specSame = Object.entries(WORKLOAD_SPEC_FIELDS)
    .map(
      ([kind, fields]) =>
        `(request.kind.kind != '${kind}' || (${fields.map((f) => unchanged("spec", f)).join(" && ")}))`,
    )
    .join(" && ");
  return policy(
    "project-pod-templates",
    labels,
    [{ apiGroups: ["apps"], apiVersions: ["v1"], resources: [...RESTARTABLE], operations: ["UPDATE"] }],
    [
      {
        name: "mayUpdate",
        expression:
          "authorizer.group('apps').resource(request.resource.resource).namespace(request.namespace).name(request.name).check('update').allowed()",
      },
      { name: "annotations", expression: "object.spec.template.?metadata.?annotations.orValue({})" },
      { name: "oldAnnotations", expression: "oldObject.spec.template.?metadata.?annotations.orValue({})" },
      {
        name: "restartOnly",
        expression: [
          "object.spec.template.spec == oldObject.spec.template.spec",
          "object.spec.template.?metadata.?labels.orValue({}) == oldObject.spec.template.?metadata.?labels.orValue({})",
          `variables.annotations.all(k, k == ${key} || (k in variables.oldAnnotations && variables.oldAnnotations[k] == variables.annotations[k]))`,
          `variables.oldAnnotations.all(k, k == ${key} || k in variables.annotations)`,
          specSame,
          METADATA_FIELDS.map((f) => unchanged("metadata", f)).join(" && "),
        ].join(" && "),
      },
    ],
    [
      {
        expression: "variables.mayUpdate || variables.restartOnly",
        message: `without update rights a workload may only be restarted (kubectl rollout restart): the change must touch nothing but the pod template's ${RESTART_ANNOTATION} annotation`,
        messageExpression:
          `request.userInfo.username + ' may only restart ' + request.resource.resource + '/' + request.name + ` +
          `' (kubectl rollout restart): without update rights the change must touch nothing but the pod template\\'s ${RESTART_ANNOTATION} annotation; ask a project lead for other changes'`,
        reason: "Forbidden",
      },
    ],
  );
}
