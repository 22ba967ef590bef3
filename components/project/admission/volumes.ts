/**
 * Storage a project's pods may reach: the volume types that stay inside the pod or go
 * through a PersistentVolumeClaim (and so through the platform's StorageClass), nothing that
 * names a server or a node path itself. An inline `nfs:` or `glusterfs:` volume would mount
 * any export the network reaches, a `hostPath` any node directory, an inline `csi:` volume
 * whatever its driver is told (csi-driver-nfs mounts any server): each is refused in project
 * namespaces, in pods and in every pod template, so a refused Deployment fails at once
 * instead of leaving a ReplicaSet that can never create its pods.
 *
 * The allowed types are a list, not the refused ones: a volume type added by a later
 * Kubernetes release is refused until it is reviewed.
 */
import { APP_LOG_DIR_ANNOTATION } from "../names";
import type { ValidatingAdmissionPolicy } from "../types";
import { NAMESPACE, annotation, onWrite, policy } from "./cel";

/** Volume sources a project pod may use (k8s.io/api core/v1 VolumeSource, Kubernetes 1.35). */
export const ALLOWED_VOLUME_TYPES = [
  "emptyDir",
  "configMap",
  "secret",
  "downwardAPI",
  "projected",
  "persistentVolumeClaim",
  "ephemeral",
  "image",
] as const;

/**
 * Every other VolumeSource of Kubernetes 1.35: each reaches a server, a cloud disk, a node
 * path or a node-side plugin directly. The tests check this list and the allowed one
 * together cover VolumeSource exactly.
 */
export const REFUSED_VOLUME_TYPES = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
] as const;

/**
 * The one hostPath exception: the project's own application log directory (the namespace
 * annotation, set only for projects with `appLogPaths`), or a directory below it, given as
 * a normalized path (no `.`/`..` segments, no `//`) and mounted as a directory.
 */
const OWN_LOG_DIR =
  `(has(v.hostPath) && variables.logDir != '' && ` +
  `(v.hostPath.path == variables.logDir || v.hostPath.path.startsWith(variables.logDir + '/')) && ` +
  `v.hostPath.path.matches(r'^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+/?$') && ` +
  `v.hostPath.?type.orValue('') in ['', 'Directory', 'DirectoryOrCreate'])`;

const ALLOWED = `(${ALLOWED_VOLUME_TYPES.map((t) => `has(v.${t})`).join(" || ")} || ${OWN_LOG_DIR})`;

/** Who may pre-bind a claim to a named PersistentVolume: whoever may update PersistentVolumes (the PV binder, admins). */
export const MAY_BIND = "authorizer.group('').resource('persistentvolumes').check('update').allowed()";

/** The volume policy: pods, pod templates, and the claims templates create. */
export function renderVolumesPolicy(labels: Record<string, string>): ValidatingAdmissionPolicy {
  return policy(
    "project-volumes",
    labels,
    [
      onWrite("", ["pods", "podtemplates", "replicationcontrollers"]),
      onWrite("apps", ["deployments", "statefulsets", "daemonsets", "replicasets"]),
      onWrite("batch", ["jobs", "cronjobs"]),
    ],
    [
      {
        name: "podSpec",
        expression:
          "request.kind.kind == 'Pod' ? object.spec : " +
          "request.kind.kind == 'PodTemplate' ? object.template.spec : " +
          "request.kind.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : " +
          "object.spec.template.spec",
      },
      { name: "volumes", expression: "variables.podSpec.?volumes.orValue([])" },
      { name: "logDir", expression: annotation(APP_LOG_DIR_ANNOTATION) },
      {
        name: "claimTemplates",
        expression: "request.kind.kind == 'StatefulSet' ? object.spec.?volumeClaimTemplates.orValue([]) : []",
      },
    ],
    [
      {
        expression: `variables.volumes.all(v, ${ALLOWED})`,
        message: `project pods may use only ${ALLOWED_VOLUME_TYPES.join(", ")} volumes`,
        messageExpression:
          `'volume(s) ' + variables.volumes.filter(v, !${ALLOWED}).map(v, v.name).join(', ') + ` +
          `' of ' + request.kind.kind + ' ' + ${NAMESPACE} + '/' + request.name + ' reach a server or the node directly; ` +
          `project pods may use only ${ALLOWED_VOLUME_TYPES.join(", ")} volumes (storage comes through a PersistentVolumeClaim)'`,
        reason: "Forbidden",
      },
      {
        expression:
          `variables.volumes.all(v, !has(v.ephemeral) || v.ephemeral.?volumeClaimTemplate.?spec.?volumeName.orValue('') == '' || ${MAY_BIND}) && ` +
          `variables.claimTemplates.all(t, t.?spec.?volumeName.orValue('') == '' || ${MAY_BIND})`,
        message:
          "claim templates may not name a PersistentVolume (volumeName): a project gets volumes from its StorageClass, never another project's",
        reason: "Forbidden",
      },
    ],
  );
}

/**
 * The claim policy: a PersistentVolumeClaim may not bind itself to a named volume. A
 * Released volume keeps its data, so `volumeName` would be the way into another project's
 * retained data. The PV binder sets `volumeName` on an update; it may, a tenant may not.
 */
export function renderClaimsPolicy(labels: Record<string, string>): ValidatingAdmissionPolicy {
  return policy(
    "project-claims",
    labels,
    [onWrite("", ["persistentvolumeclaims"])],
    [
      { name: "volumeName", expression: "object.spec.?volumeName.orValue('')" },
      {
        name: "oldVolumeName",
        expression: "request.operation == 'UPDATE' ? oldObject.spec.?volumeName.orValue('') : ''",
      },
    ],
    [
      {
        expression: `variables.volumeName == '' || variables.volumeName == variables.oldVolumeName || ${MAY_BIND}`,
        message:
          "a project claim may not name a PersistentVolume (spec.volumeName); request storage through a StorageClass",
        messageExpression:
          "'claim ' + " +
          NAMESPACE +
          " + '/' + request.name + ' names PersistentVolume ' + variables.volumeName + '; a project claim gets its volume from a StorageClass, it may not pick one'",
        reason: "Forbidden",
      },
      {
        expression: `object.spec.?dataSourceRef.?namespace.orValue(${NAMESPACE}) == ${NAMESPACE}`,
        message: "a claim's data source must be in the project's own namespace",
        reason: "Forbidden",
      },
    ],
  );
}
