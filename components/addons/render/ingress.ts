/**
 * The ingress controller: traefik (default) or ingress-nginx from the chart mirror, with
 * >= 2 replicas on the edge nodes, exposed on their host network or through a
 * NodePort/LoadBalancer Service, and the source's two modes: http (Ingress objects) and
 * tcp (`projects[].tcp`: one entry point per port; the route itself is the project's, in
 * its namespace, see components/project/renderTcp.ts).
 *
 * Why traefik by default: ingress-nginx was retired upstream in March 2026 (no releases
 * or security fixes since), and the source design already names traefik as an option.
 */
import { projectTcpRoutes, tcpEntryPoint } from "../../../stacks/contract/schema/projects";
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { ADDON_NAMESPACES, MANAGED_BY, release, typed, type KubeObject, type ReleaseSpec } from "./common";
import { ingressNginxImages, traefikImages } from "./chartImages";
import { mirrorRegistryPrefix, splitImage, type ImagePin } from "./images";

type Controller = PlatformSpec["addons"]["ingress"]["controller"];

/** IngressClass name each controller registers (the default class of the cluster). */
export function ingressClassName(controller: Controller): string {
  return controller === "traefik" ? "traefik" : "nginx";
}

/** One TCP service of the source's tcp mode. */
export interface TcpRoute {
  readonly port: number;
  readonly namespace: string;
  readonly service: string;
  readonly servicePort: number;
}

/** Every project's TCP ports (`projects[].tcp`), sorted by port (stable names and value order). */
export function tcpRoutes(spec: PlatformSpec): TcpRoute[] {
  return spec.projects
    .flatMap((p) => projectTcpRoutes(p).map((r) => ({ ...r, namespace: p.name })))
    .sort((a, b) => a.port - b.port);
}

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } };

/** Pods of one controller never share a node (host ports would clash). */
const antiAffinity = (labels: Record<string, string>) => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" },
    ],
  },
});

/** The controller's replica count: at least 2, whatever the config says. */
export function ingressReplicas(spec: PlatformSpec): number {
  return Math.max(2, spec.addons.ingress.replicas);
}

/**
 * traefik's non-tcp entrypoints as they listen (traefik/traefik-helm-chart@v41.3.0:traefik/values.yaml
 * `ports`): `traefik` (8080: /ping for the probes; the API is not exposed) keeps the chart's port;
 * `metrics` moves off 9100, which node-exporter binds on every node's host network.
 */
export const TRAEFIK_PORTS = { traefik: 8080, metrics: 9101 } as const;

/** Values of the traefik chart. */
export function renderTraefikValues(spec: PlatformSpec): Record<string, unknown> {
  const ing = spec.addons.ingress;
  const hostNetwork = ing.exposure === "hostNetwork";
  // On the host network the entrypoints listen on 80/443 directly. `asDefault`: a router
  // that names no entry point (an Ingress, a tenant's route) attaches to web/websecure only,
  // never to the metrics port or a project's TCP port (traefik otherwise uses them all).
  const ports: Record<string, unknown> = {
    web: {
      port: hostNetwork ? 80 : 8000,
      exposedPort: 80,
      expose: { default: true },
      protocol: "TCP",
      asDefault: true,
    },
    websecure: {
      port: hostNetwork ? 443 : 8443,
      exposedPort: 443,
      expose: { default: true },
      protocol: "TCP",
      asDefault: true,
    },
    traefik: { port: TRAEFIK_PORTS.traefik },
    metrics: { port: TRAEFIK_PORTS.metrics, exposedPort: TRAEFIK_PORTS.metrics },
  };
  for (const route of tcpRoutes(spec)) {
    ports[tcpEntryPoint(route.port)] = {
      port: route.port,
      exposedPort: route.port,
      expose: { default: true },
      protocol: "TCP",
    };
  }
  const selectorLabels = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" };
  return {
    image: splitImage(spec.mirrors.images, traefikImages(spec).traefik),
    deployment: {
      kind: "Deployment",
      replicas: ingressReplicas(spec),
      // On the host network the pod would resolve with the node's resolv.conf, not cluster DNS.
      ...(hostNetwork ? { dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    ingressClass: { enabled: true, isDefaultClass: true, name: ingressClassName("traefik") },
    providers: {
      // Routes point at Services of their own namespace only: a project's TCP route lives
      // in the project's namespace, so no route may reach into another namespace.
      kubernetesCRD: { enabled: true, allowCrossNamespace: false },
      kubernetesIngress: { enabled: true, publishedService: { enabled: !hostNetwork } },
    },
    nodeSelector: ing.nodeSelector,
    affinity: antiAffinity(selectorLabels),
    hostNetwork,
    ports,
    // The chart copies `service.spec` into the Service (templates/_service.tpl); it has no `service.type`.
    service: { enabled: !hostNetwork, spec: { type: hostNetwork ? "ClusterIP" : ing.exposure } },
    // A host port is held by the old pod until it stops: replace pods one at a time, no surge.
    updateStrategy: {
      type: "RollingUpdate",
      rollingUpdate: hostNetwork ? { maxUnavailable: 1, maxSurge: 0 } : { maxUnavailable: 0, maxSurge: 1 },
    },
    resources: RESOURCES,
    ...(hostNetwork
      ? {
          // Binding 80/443 needs NET_BIND_SERVICE, effective only for root; everything else stays dropped.
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
            readOnlyRootFilesystem: true,
          },
          podSecurityContext: { runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
        }
      : {}),
    global: { checkNewVersion: false, sendAnonymousUsage: false },
  };
}

/** ingress-nginx's admission webhook port on the host network (`controller.admissionWebhooks.port`). */
export const INGRESS_NGINX_WEBHOOK_HOST_PORT = 10443;

/** Values of the ingress-nginx chart (retired upstream; kept selectable for existing sites). */
export function renderIngressNginxValues(spec: PlatformSpec): Record<string, unknown> {
  const ing = spec.addons.ingress;
  const hostNetwork = ing.exposure === "hostNetwork";
  const registry = mirrorRegistryPrefix(spec.mirrors.images);
  const images = ingressNginxImages(spec);
  // `<registry>/<image>:<tag>` (templates/controller-deployment.yaml): the mirror path is the upstream one.
  const image = (pin: ImagePin) => ({ registry, image: pin.repository, tag: pin.tag, digest: "" });
  const selectorLabels = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
  };
  return {
    controller: {
      // Upstream digests pin upstream manifests; the mirror may re-push, so pull by tag.
      image: { ...image(images.controller), digestChroot: "" },
      kind: "Deployment",
      replicaCount: ingressReplicas(spec),
      minAvailable: 1,
      hostNetwork,
      dnsPolicy: hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
      nodeSelector: { "kubernetes.io/os": "linux", ...ing.nodeSelector },
      affinity: antiAffinity(selectorLabels),
      updateStrategy: hostNetwork ? { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } : {},
      ingressClassResource: { name: ingressClassName("ingress-nginx"), enabled: true, default: true },
      service: { enabled: !hostNetwork, type: hostNetwork ? "ClusterIP" : ing.exposure },
      admissionWebhooks: {
        // On the host network the webhook listens on the node: off the chart's 8443, which the
        // apiserver balancer takes on masters that are also edge nodes.
        ...(hostNetwork ? { port: INGRESS_NGINX_WEBHOOK_HOST_PORT } : {}),
        patch: { image: image(images.certgen) },
      },
      resources: RESOURCES,
    },
    defaultBackend: { enabled: false, image: image(images.defaultBackend) },
    tcp: Object.fromEntries(
      tcpRoutes(spec).map((r) => [String(r.port), `${r.namespace}/${r.service}:${r.servicePort}`]),
    ),
  };
}

/** The controller's Helm release. */
export function renderIngressRelease(spec: PlatformSpec): ReleaseSpec {
  const controller = spec.addons.ingress.controller;
  const ns = ADDON_NAMESPACES.ingress(controller);
  const version = spec.addons.chartVersions[controller];
  return controller === "traefik"
    ? release(spec.mirrors.charts, "traefik", ns, "traefik", version, renderTraefikValues(spec))
    : release(spec.mirrors.charts, "ingress-nginx", ns, "ingress-nginx", version, renderIngressNginxValues(spec));
}

/** An Ingress publishing an add-on UI (Grafana, Dashboards) through the controller. */
export function renderUiIngress(
  spec: PlatformSpec,
  namespace: string,
  name: string,
  host: string,
  service: string,
  port: number,
  annotations: Readonly<Record<string, string>> = {},
): KubeObject {
  return typed.ingress({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace,
      labels: { ...MANAGED_BY },
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    },
    spec: {
      ingressClassName: ingressClassName(spec.addons.ingress.controller),
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: port } } } }],
          },
        },
      ],
    },
  });
}
