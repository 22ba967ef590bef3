/**
 * CoreDNS (and optionally NodeLocal DNSCache and the cluster-proportional-autoscaler) as
 * plain objects, after the upstream kubernetes/kubernetes cluster/addons/dns manifests.
 * The Service IP is `spec.endpoints.clusterDnsIp`: the same field the kubelet config
 * renders clusterDNS from, so the two cannot differ.
 */
import type { PlatformSpec } from "../../../stacks/contract/spec";
import { MANAGED_BY, typed, type KubeObject } from "./common";
import { platformImages } from "./images";

const NS = "kube-system";
/** The label kubeadm, kube-prometheus-stack and NetworkPolicies select CoreDNS by. */
export const COREDNS_SELECTOR = { "k8s-app": "kube-dns" } as const;
import { NODE_LOCAL_DNS_IP } from "../../../stacks/contract/spec";
export { NODE_LOCAL_DNS_IP };

/** The address kubelet hands to pods as their resolver: `spec.endpoints.podResolverIp`. */
export function kubeletClusterDns(spec: Pick<PlatformSpec, "endpoints">): string {
  return spec.endpoints.podResolverIp;
}

/** The Corefile: the cluster zone from `cluster.domain`, everything else forwarded to the node's resolvers. */
export function renderCorefile(domain: string): string {
  return [
    ".:53 {",
    "    errors",
    "    health {",
    "        lameduck 5s",
    "    }",
    "    ready",
    `    kubernetes ${domain} in-addr.arpa ip6.arpa {`,
    "        pods insecure",
    "        fallthrough in-addr.arpa ip6.arpa",
    "        ttl 30",
    "    }",
    "    prometheus :9153",
    "    forward . /etc/resolv.conf {",
    "        max_concurrent 1000",
    "    }",
    "    cache 30 {",
    `        disable success ${domain}`,
    `        disable denial ${domain}`,
    "    }",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
}

const meta = (name: string, extra: Record<string, string> = {}) => ({
  name,
  namespace: NS,
  labels: { ...MANAGED_BY, ...COREDNS_SELECTOR, ...extra },
});

/** ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap, Deployment, Service and PDB of CoreDNS. */
export function renderCoreDns(spec: PlatformSpec): KubeObject[] {
  const { replicas } = spec.addons.coredns;
  const podLabels = { ...COREDNS_SELECTOR };
  return [
    typed.serviceAccount({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta("coredns") }),
    typed.clusterRole({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns", labels: { ...MANAGED_BY } },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    }),
    typed.clusterRoleBinding({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns", labels: { ...MANAGED_BY } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: NS }],
    }),
    typed.configMap({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("coredns"),
      data: { Corefile: renderCorefile(spec.cluster.domain) },
    }),
    typed.deployment({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("coredns"),
      spec: {
        replicas,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        selector: { matchLabels: podLabels },
        template: {
          metadata: { labels: podLabels },
          spec: {
            priorityClassName: "system-cluster-critical",
            serviceAccountName: "coredns",
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            // Never two replicas on one node; across zones when the nodes carry zone labels.
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: podLabels }, topologyKey: "kubernetes.io/hostname" },
                ],
              },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: podLabels },
              },
            ],
            containers: [
              {
                name: "coredns",
                image: platformImages(spec).coredns.image,
                imagePullPolicy: "IfNotPresent",
                args: ["-conf", "/etc/coredns/Corefile"],
                resources: { requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                  { name: "metrics", containerPort: 9153, protocol: "TCP" },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                livenessProbe: {
                  httpGet: { path: "/health", port: 8080, scheme: "HTTP" },
                  initialDelaySeconds: 60,
                  timeoutSeconds: 5,
                  successThreshold: 1,
                  failureThreshold: 5,
                },
                readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
              },
            ],
            dnsPolicy: "Default",
            volumes: [
              { name: "config-volume", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] } },
            ],
          },
        },
      },
    }),
    typed.service({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        ...meta("kube-dns", { "kubernetes.io/name": "CoreDNS" }),
        annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
      },
      spec: {
        selector: podLabels,
        clusterIP: spec.endpoints.clusterDnsIp,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
          { name: "metrics", port: 9153, protocol: "TCP" },
        ],
      },
    }),
    typed.podDisruptionBudget({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta("coredns"),
      spec: { minAvailable: 1, selector: { matchLabels: podLabels } },
    }),
  ];
}

/** cluster-proportional-autoscaler for CoreDNS: linear mode, never below `replicas`. */
export function renderDnsAutoscaler(spec: PlatformSpec): KubeObject[] {
  const name = "coredns-autoscaler";
  const labels = { "k8s-app": name };
  const params = {
    coresPerReplica: 256,
    nodesPerReplica: 16,
    min: spec.addons.coredns.replicas,
    preventSinglePointFailure: true,
    includeUnschedulableNodes: true,
  };
  const m = { name, namespace: NS, labels: { ...MANAGED_BY, ...labels } };
  return [
    typed.serviceAccount({ apiVersion: "v1", kind: "ServiceAccount", metadata: m }),
    typed.clusterRole({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `system:${name}`, labels: { ...MANAGED_BY } },
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["replicationcontrollers/scale"], verbs: ["get", "update"] },
        { apiGroups: ["apps"], resources: ["deployments/scale", "replicasets/scale"], verbs: ["get", "update"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create"] },
      ],
    }),
    typed.clusterRoleBinding({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `system:${name}`, labels: { ...MANAGED_BY } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `system:${name}` },
      subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
    }),
    typed.configMap({ apiVersion: "v1", kind: "ConfigMap", metadata: m, data: { linear: JSON.stringify(params) } }),
    typed.deployment({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: m,
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            priorityClassName: "system-cluster-critical",
            serviceAccountName: name,
            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            nodeSelector: { "kubernetes.io/os": "linux" },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "autoscaler",
                image: platformImages(spec).clusterProportionalAutoscaler.image,
                command: [
                  "/cluster-proportional-autoscaler",
                  `--namespace=${NS}`,
                  `--configmap=${name}`,
                  "--target=deployment/coredns",
                  "--logtostderr=true",
                  "--v=2",
                ],
                resources: { requests: { cpu: "20m", memory: "10Mi" }, limits: { memory: "64Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
              },
            ],
          },
        },
      },
    }),
  ];
}

/** The node-cache Corefile (IPVS flavour: binds only the link-local address). */
export function renderNodeLocalCorefile(domain: string): string {
  const zone = (name: string, cache: string[]) => [
    `${name}:53 {`,
    "    errors",
    ...cache,
    "    reload",
    "    loop",
    `    bind ${NODE_LOCAL_DNS_IP}`,
    "    forward . __PILLAR__CLUSTER__DNS__ {",
    "        force_tcp",
    "    }",
    "    prometheus :9253",
    ...(name === domain ? [`    health ${NODE_LOCAL_DNS_IP}:8080`] : []),
    "}",
  ];
  return [
    ...zone(domain, ["    cache {", "        success 9984 30", "        denial 9984 5", "    }"]),
    ...zone("in-addr.arpa", ["    cache 30"]),
    ...zone("ip6.arpa", ["    cache 30"]),
    ".:53 {",
    "    errors",
    "    cache 30",
    "    reload",
    "    loop",
    `    bind ${NODE_LOCAL_DNS_IP}`,
    "    forward . __PILLAR__UPSTREAM__SERVERS__",
    "    prometheus :9253",
    "}",
    "",
  ].join("\n");
}

/** NodeLocal DNSCache: a host-network DaemonSet answering on the link-local address of every node. */
export function renderNodeLocalDns(spec: PlatformSpec): KubeObject[] {
  const name = "node-local-dns";
  const labels = { "k8s-app": name };
  const m = { name, namespace: NS, labels: { ...MANAGED_BY, ...labels } };
  return [
    typed.serviceAccount({ apiVersion: "v1", kind: "ServiceAccount", metadata: m }),
    {
      // The cache reaches CoreDNS through this Service (not kube-dns, whose IP it shadows otherwise).
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns-upstream", namespace: NS, labels: { ...MANAGED_BY, ...COREDNS_SELECTOR } },
      spec: {
        selector: { ...COREDNS_SELECTOR },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    },
    typed.configMap({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: m,
      data: { Corefile: renderNodeLocalCorefile(spec.cluster.domain) },
    }),
    typed.daemonSet({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: m,
      spec: {
        updateStrategy: { rollingUpdate: { maxUnavailable: "10%" } },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { "prometheus.io/port": "9253", "prometheus.io/scrape": "true" } },
          spec: {
            priorityClassName: "system-node-critical",
            serviceAccountName: name,
            hostNetwork: true,
            dnsPolicy: "Default",
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { effect: "NoExecute", operator: "Exists" },
              { effect: "NoSchedule", operator: "Exists" },
            ],
            containers: [
              {
                name: "node-cache",
                image: platformImages(spec).nodeLocalDns.image,
                args: ["-localip", NODE_LOCAL_DNS_IP, "-conf", "/etc/Corefile", "-upstreamsvc", "kube-dns-upstream"],
                resources: { requests: { cpu: "25m", memory: "5Mi" }, limits: { memory: "128Mi" } },
                securityContext: { capabilities: { add: ["NET_ADMIN"] } },
                ports: [
                  { containerPort: 53, name: "dns", protocol: "UDP" },
                  { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
                  { containerPort: 9253, name: "metrics", protocol: "TCP" },
                ],
                livenessProbe: {
                  httpGet: { host: NODE_LOCAL_DNS_IP, path: "/health", port: 8080 },
                  initialDelaySeconds: 60,
                  timeoutSeconds: 5,
                },
                volumeMounts: [
                  { mountPath: "/run/xtables.lock", name: "xtables-lock", readOnly: false },
                  { name: "config-volume", mountPath: "/etc/coredns" },
                ],
              },
            ],
            volumes: [
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
              { name: "config-volume", configMap: { name, items: [{ key: "Corefile", path: "Corefile.base" }] } },
            ],
          },
        },
      },
    }),
  ];
}

/** Every DNS object the config asks for. */
export function renderDns(spec: PlatformSpec): KubeObject[] {
  return [
    ...renderCoreDns(spec),
    ...(spec.addons.coredns.autoscaler ? renderDnsAutoscaler(spec) : []),
    ...(spec.addons.coredns.nodeLocalDns ? renderNodeLocalDns(spec) : []),
  ];
}

/**
 * kube-system is shared with other components, so no default-deny there: this policy
 * isolates the CoreDNS pods alone, to DNS from any source (pods, and host-network clients
 * such as NodeLocal DNSCache on the nodes) and metrics from the monitoring namespace.
 * "Any source" rather than a list of node addresses keeps the policy independent of the
 * inventory, so adding a node changes nothing here.
 */
export function renderCoreDnsNetworkPolicy(monitoringNamespace: string): KubeObject {
  const dnsPorts = [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ];
  return typed.networkPolicy({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "coredns", namespace: NS, labels: { ...MANAGED_BY } },
    spec: {
      podSelector: { matchLabels: { ...COREDNS_SELECTOR } },
      policyTypes: ["Ingress"],
      ingress: [
        { ports: dnsPorts },
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": monitoringNamespace } } }],
          ports: [{ protocol: "TCP", port: 9153 }],
        },
      ],
    },
  });
}
