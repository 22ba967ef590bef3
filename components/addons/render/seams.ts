/**
 * The seams of the platform (DESIGN.md section 7): who must reach whom for the cluster to
 * work, derived from the rendered values, as a table code can check. Each seam names the
 * object that makes the caller call (an APIService, a webhook configuration, a scrape job,
 * an Ingress), the caller, the port it ends on, and the upstream fact it relies on.
 *
 * A component that adds a caller or a target adds its seams here (a function of the spec,
 * like the ones below); `checkSeam` then proves the path in the rendered config: the route
 * (host-network callers need calico-node for pod routes), the NetworkPolicies of the
 * target's namespace for every address the caller sends from, and for host targets a
 * listener on a reachable address.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { CALICO_API_SERVER } from "../../network/images";
import { ADDON_NAMESPACES, type KubeObject } from "./common";
import { INGRESS_NGINX_WEBHOOK_HOST_PORT } from "./ingress";
import { hostPorts } from "./hostPorts";
import { admits, type Source } from "./netpol";
import { apiserverSourceCidrs, edgeNodes, ingressSource } from "./policies";
import { ETCD_METRICS_PORT, KPS_RELEASE } from "./monitoring";

/** Who calls. */
export type SeamCaller =
  /** kube-apiserver on the masters' host network (webhooks, aggregated APIs). */
  | { readonly kind: "apiserver" }
  /** The ingress controller: its pods, or the edge hosts when it runs on the host network. */
  | { readonly kind: "ingress" }
  /** Pods of a namespace. */
  | { readonly kind: "pods"; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };

/** What is called: a pod port (behind a Service), or a port on hosts' own network. */
export type SeamTarget =
  | {
      readonly kind: "pods";
      readonly namespace: string;
      /** The Service the caller names (`name:port`), when it goes through one. */
      readonly service?: string;
      readonly podLabels: Readonly<Record<string, string>>;
      readonly port: number;
    }
  | { readonly kind: "hosts"; readonly hosts: readonly string[]; readonly port: number };

/** One path that must exist. */
export interface Seam {
  readonly id: string;
  readonly kind: "apiservice" | "webhook" | "scrape" | "ingress";
  /** The object that makes the call happen (APIService name, webhook configuration, scrape job, Ingress). */
  readonly object: string;
  readonly from: SeamCaller;
  readonly to: SeamTarget;
  /** The upstream fact the names and ports come from. */
  readonly fact: string;
}

const NS = ADDON_NAMESPACES;
const PROMETHEUS: SeamCaller = {
  kind: "pods",
  namespace: NS.monitoring,
  podLabels: { "app.kubernetes.io/name": "prometheus" },
};

/** The apiserver's calls: APIServices and admission webhooks the stack installs. */
export function apiserverSeams(spec: PlatformSpec): Seam[] {
  const out: Seam[] = [];
  const apiserver: SeamCaller = { kind: "apiserver" };
  if (spec.addons.monitoring.enabled) {
    out.push({
      id: "apiserver->metrics-server",
      kind: "apiservice",
      object: "APIService v1beta1.metrics.k8s.io",
      from: apiserver,
      to: {
        kind: "pods",
        namespace: NS.monitoring,
        service: "metrics-server:443",
        podLabels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" },
        port: 10250,
      },
      fact: "kubernetes-sigs/metrics-server@metrics-server-helm-chart-3.13.1:charts/metrics-server/templates/apiservice.yaml (service.port 443), values.yaml containerPort 10250",
    });
    for (const kind of ["Validating", "Mutating"])
      out.push({
        id: `apiserver->prometheus-operator-${kind.toLowerCase()}`,
        kind: "webhook",
        object: `${kind}WebhookConfiguration ${KPS_RELEASE}-admission`,
        from: apiserver,
        to: {
          kind: "pods",
          namespace: NS.monitoring,
          service: `${KPS_RELEASE}-operator:443`,
          podLabels: { app: `${KPS_RELEASE}-operator`, release: KPS_RELEASE },
          port: 10250,
        },
        fact: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/templates/prometheus-operator/admission-webhooks/*WebhookConfiguration.yaml, values.yaml prometheusOperator.tls.internalPort 10250",
      });
  }
  if (CALICO_API_SERVER)
    out.push({
      id: "apiserver->calico-apiserver",
      kind: "apiservice",
      object: "APIService v3.projectcalico.org",
      from: apiserver,
      to: {
        kind: "pods",
        namespace: "calico-apiserver",
        service: "calico-api:443",
        podLabels: { apiserver: "true" },
        port: 5443,
      },
      fact: "tigera/operator@v1.38.13:pkg/render/apiserver.go (APIService, Service calico-api 443 -> 5443, pods apiserver=true)",
    });
  const ing = spec.addons.ingress;
  if (ing.enabled && ing.controller === "ingress-nginx") {
    const hostNetwork = ing.exposure === "hostNetwork";
    out.push({
      id: "apiserver->ingress-nginx-admission",
      kind: "webhook",
      object: "ValidatingWebhookConfiguration ingress-nginx-admission",
      from: apiserver,
      to: hostNetwork
        ? { kind: "hosts", hosts: edgeNodes(spec).map((h) => h.name), port: INGRESS_NGINX_WEBHOOK_HOST_PORT }
        : {
            kind: "pods",
            namespace: NS.ingress("ingress-nginx"),
            service: "ingress-nginx-controller-admission:443",
            podLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" },
            port: 8443,
          },
      fact: "kubernetes/ingress-nginx@helm-chart-4.15.1:charts/ingress-nginx/templates/admission-webhooks/validating-webhook.yaml, controller-service-webhook.yaml",
    });
  }
  return out;
}

/** Prometheus' scrape jobs of kube-prometheus-stack with the platform's values. */
export function scrapeSeams(spec: PlatformSpec): Seam[] {
  if (!spec.addons.monitoring.enabled) return [];
  const t = spec.topology;
  const fact = "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/kube-prometheus-stack/values.yaml";
  const out: Seam[] = [
    {
      id: "prometheus->node-exporter",
      kind: "scrape",
      object: "ServiceMonitor node-exporter",
      from: PROMETHEUS,
      to: { kind: "hosts", hosts: t.nodes.map((h) => h.name), port: 9100 },
      fact: "prometheus-community/helm-charts@prometheus-node-exporter-4.56.1 values.yaml service.port 9100, hostNetwork",
    },
    {
      id: "prometheus->kubelet",
      kind: "scrape",
      object: "ServiceMonitor kubelet (cAdvisor, probes)",
      from: PROMETHEUS,
      to: { kind: "hosts", hosts: t.nodes.map((h) => h.name), port: 10250 },
      fact: `${fact} kubelet.serviceMonitor (https 10250)`,
    },
    {
      id: "prometheus->apiserver",
      kind: "scrape",
      object: "ServiceMonitor apiserver",
      from: PROMETHEUS,
      to: { kind: "hosts", hosts: t.masters.map((h) => h.name), port: 6443 },
      fact: `${fact} kubeApiServer (the kubernetes Service endpoints)`,
    },
    {
      id: "prometheus->etcd",
      kind: "scrape",
      object: "ServiceMonitor kube-etcd",
      from: PROMETHEUS,
      to: { kind: "hosts", hosts: t.etcd.map((h) => h.name), port: ETCD_METRICS_PORT },
      fact: `${fact} kubeEtcd (endpoints: etcd member addresses, http 2381)`,
    },
    {
      id: "prometheus->coredns",
      kind: "scrape",
      object: "ServiceMonitor coredns",
      from: PROMETHEUS,
      to: { kind: "pods", namespace: NS.dns, podLabels: { "k8s-app": "kube-dns" }, port: 9153 },
      fact: `${fact} coreDns.service (port 9153, selector k8s-app=kube-dns)`,
    },
  ];
  if (spec.addons.logging.enabled)
    out.push({
      id: "prometheus->fluent-bit",
      kind: "scrape",
      object: "ServiceMonitor fluent-bit",
      from: PROMETHEUS,
      to: { kind: "pods", namespace: NS.logging, podLabels: { "app.kubernetes.io/name": "fluent-bit" }, port: 2020 },
      fact: "fluent/helm-charts@fluent-bit-0.58.1:charts/fluent-bit/values.yaml metricsPort 2020",
    });
  for (const p of spec.projects)
    out.push({
      id: `prometheus->project-${p.name}`,
      kind: "scrape",
      object: `ServiceMonitors/PodMonitors in ${p.name}`,
      from: PROMETHEUS,
      to: { kind: "pods", namespace: p.name, podLabels: {}, port: 8080 },
      fact: "serviceMonitorSelectorNilUsesHelmValues: false (every namespace's monitors)",
    });
  return out;
}

/** The ingress controller's calls: the UIs it publishes and every project's Services. */
export function ingressSeams(spec: PlatformSpec): Seam[] {
  if (!spec.addons.ingress.enabled) return [];
  const ingress: SeamCaller = { kind: "ingress" };
  const out: Seam[] = [];
  if (spec.addons.monitoring.enabled && spec.addons.monitoring.grafanaHost)
    out.push({
      id: "ingress->grafana",
      kind: "ingress",
      object: `Ingress ${spec.addons.monitoring.grafanaHost}`,
      from: ingress,
      to: {
        kind: "pods",
        namespace: NS.monitoring,
        service: `${KPS_RELEASE}-grafana:80`,
        podLabels: { "app.kubernetes.io/name": "grafana" },
        port: 3000,
      },
      fact: "grafana-community/helm-charts@grafana-12.11.1:charts/grafana (Service 80 -> container 3000)",
    });
  if (spec.addons.logging.enabled && spec.addons.logging.dashboardsHost)
    out.push({
      id: "ingress->dashboards",
      kind: "ingress",
      object: `Ingress ${spec.addons.logging.dashboardsHost}`,
      from: ingress,
      to: {
        kind: "pods",
        namespace: NS.logging,
        service: "opensearch-dashboards:5601",
        podLabels: { "app.kubernetes.io/name": "opensearch-dashboards" },
        port: 5601,
      },
      fact: "opensearch-project/helm-charts@opensearch-dashboards-3.6.0:charts/opensearch-dashboards (Service 5601)",
    });
  for (const p of spec.projects)
    out.push({
      id: `ingress->project-${p.name}`,
      kind: "ingress",
      object: `Ingresses of ${p.name}`,
      from: ingress,
      to: { kind: "pods", namespace: p.name, podLabels: {}, port: 8080 },
      fact: "projects serve through the ingress controller (README: projects)",
    });
  return out;
}

/** Every seam of the configured platform. */
export function seams(spec: PlatformSpec): Seam[] {
  return [...apiserverSeams(spec), ...scrapeSeams(spec), ...ingressSeams(spec)];
}

/** The addresses (or pods) a caller's connections come from. */
export function callerSources(spec: PlatformSpec, caller: SeamCaller): Source[] {
  if (caller.kind === "apiserver") return apiserverSourceCidrs(spec).map((cidr) => ({ cidr }));
  if (caller.kind === "pods") return [{ namespace: caller.namespace, podLabels: caller.podLabels }];
  const src = ingressSource(spec);
  if (src.cidrs) return src.cidrs.map((cidr) => ({ cidr }));
  return (src.namespaces ?? []).map((namespace) => ({ namespace, podLabels: {} }));
}

const sourceName = (s: Source) => ("cidr" in s ? s.cidr : `pods of ${s.namespace}`);

/**
 * What blocks a seam in the rendered config (empty: the path exists). `policies` are every
 * NetworkPolicy the platform and its operators create.
 */
export function checkSeam(spec: PlatformSpec, seam: Seam, policies: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const nodes = new Set(spec.topology.nodes.map((h) => h.name));
  const to = seam.to;
  if (seam.from.kind === "apiserver" && to.kind === "pods") {
    const without = spec.topology.masters.filter((m) => !nodes.has(m.name)).map((m) => m.name);
    if (without.length > 0)
      problems.push(
        `${seam.id}: ${without.join(", ")} run no calico-node (workers.kubeletOnMasters), so no route to pods`,
      );
  }
  if (to.kind === "pods") {
    for (const source of callerSources(spec, seam.from))
      if (!admits(policies, source, { namespace: to.namespace, podLabels: to.podLabels, port: to.port }))
        problems.push(`${seam.id}: NetworkPolicies of ${to.namespace} refuse ${sourceName(source)} on ${to.port}`);
    return problems;
  }
  const listeners = new Map(hostPorts(spec).map((h) => [h.host, h.ports]));
  for (const host of to.hosts) {
    const open = (listeners.get(host) ?? []).filter((p) => p.port === to.port && p.protocol === "TCP");
    if (open.length === 0) problems.push(`${seam.id}: nothing listens on ${host}:${to.port}`);
    else if (open.every((p) => p.bind === "loopback"))
      problems.push(
        `${seam.id}: ${open.map((p) => p.owner).join(", ")} on ${host} listens on 127.0.0.1:${to.port} only`,
      );
  }
  return problems;
}
