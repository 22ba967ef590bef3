/**
 * Turns rendered plain objects into Pulumi Kubernetes resources: the typed class for each
 * built-in kind (so the provider applies its readiness logic, e.g. a Deployment waits for
 * its pods), a CustomResource for CRD kinds; and Helm releases from a ReleaseSpec.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubeObject, ReleaseSpec } from "./render/common";

/** A stable Pulumi resource name for an object: `<prefix>-<namespace>-<name>` (or cluster-scoped). */
export function resourceName(prefix: string, obj: KubeObject): string {
  // RBAC names like `system:coredns` carry ':', which URNs use as a separator.
  return [prefix, obj.metadata.namespace ?? "cluster", obj.metadata.name].join("-").replace(/:/g, "-");
}

/**
 * Creates one object. The casts hand plain rendered data to the typed args; the shapes are
 * checked against the Kubernetes OpenAPI schema by the tests (kubernetes-models).
 */
export function createObject(
  prefix: string,
  obj: KubeObject,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const name = resourceName(prefix, obj);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see the doc comment: validated plain data
  const args = obj as any;
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, args, opts);
    case "v1/ServiceAccount":
      return new k8s.core.v1.ServiceAccount(name, args, opts);
    case "v1/ConfigMap":
      return new k8s.core.v1.ConfigMap(name, args, opts);
    case "v1/Secret":
      return new k8s.core.v1.Secret(name, args, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, args, opts);
    case "rbac.authorization.k8s.io/v1/ClusterRole":
      return new k8s.rbac.v1.ClusterRole(name, args, opts);
    case "rbac.authorization.k8s.io/v1/ClusterRoleBinding":
      return new k8s.rbac.v1.ClusterRoleBinding(name, args, opts);
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, args, opts);
    case "apps/v1/DaemonSet":
      return new k8s.apps.v1.DaemonSet(name, args, opts);
    case "policy/v1/PodDisruptionBudget":
      return new k8s.policy.v1.PodDisruptionBudget(name, args, opts);
    case "networking.k8s.io/v1/NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(name, args, opts);
    case "networking.k8s.io/v1/Ingress":
      return new k8s.networking.v1.Ingress(name, args, opts);
    case "batch/v1/Job":
      return new k8s.batch.v1.Job(name, args, opts);
    default:
      return new k8s.apiextensions.CustomResource(name, args, opts);
  }
}

/** Creates every object, in order, with the same options. */
export function createObjects(
  prefix: string,
  objs: readonly KubeObject[],
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource[] {
  return objs.map((obj) => createObject(prefix, obj, opts));
}

/**
 * A chart rendered by the provider (`helm template`) into ordinary Pulumi resources: its
 * `crds/` become CustomResourceDefinition resources that a chart bump updates, unlike a
 * Release's. Hooks are dropped, so only charts without hooks go through here.
 */
export function helmChart(name: string, spec: ReleaseSpec, opts: pulumi.ComponentResourceOptions): k8s.helm.v4.Chart {
  return new k8s.helm.v4.Chart(
    name,
    {
      name: spec.name,
      namespace: spec.namespace,
      chart: spec.chart,
      version: spec.version,
      ...(spec.repo ? { repositoryOpts: { repo: spec.repo } } : {}),
      values: spec.values,
    },
    opts,
  );
}

/** A Helm release of a chart from the mirror; the namespace is created by the caller. */
export function helmRelease(name: string, spec: ReleaseSpec, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    name,
    {
      name: spec.name,
      namespace: spec.namespace,
      chart: spec.chart,
      version: spec.version,
      ...(spec.repo ? { repositoryOpts: { repo: spec.repo } } : {}),
      values: spec.values,
      createNamespace: false,
      cleanupOnFail: true,
      maxHistory: 10,
      // Large charts (kube-prometheus-stack, OpenSearch) need minutes to become ready.
      timeout: 900,
      waitForJobs: true,
    },
    opts,
  );
}
