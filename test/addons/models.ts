/**
 * Validation of rendered objects against the Kubernetes OpenAPI schema (kubernetes-models,
 * Kubernetes 1.33 schema). CRD kinds (Calico, Traefik) have no schema here: their tests
 * assert the fields instead.
 */
import { ServiceAccount, ConfigMap, Secret, Service, Namespace } from "kubernetes-models/v1";
import { Deployment, DaemonSet } from "kubernetes-models/apps/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy, Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { Job } from "kubernetes-models/batch/v1";
import type { KubeObject } from "../../components/addons/render/common";

// Each model class takes its own typed data; the rendered objects are plain data by design.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type AnyModel = new (data: any) => { validate(): void };

const MODELS: Record<string, AnyModel> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/DaemonSet": DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "networking.k8s.io/v1/Ingress": Ingress,
  "batch/v1/Job": Job,
};

/** True when the object's kind has a schema here. */
export function hasSchema(obj: KubeObject): boolean {
  return `${obj.apiVersion}/${obj.kind}` in MODELS;
}

/** Throws (with the schema error) when the object does not validate. */
export function validateObject(obj: KubeObject): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj).validate();
  } catch (err) {
    throw new Error(`${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: ${(err as Error).message}`);
  }
}
