/**
 * Pure renderers of a project's NetworkPolicies. NetworkPolicies are additive allow-lists:
 * `default-deny` isolates every pod of the namespace in both directions, and each further
 * policy opens one named path, so `kubectl get networkpolicy` reads as the list of what
 * a project may talk to.
 *
 * Egress is denied by default as well: a tenant's pods reach DNS, their own namespace,
 * the apiserver when the project has an access key, and the CIDRs listed in the project's
 * `egress`; nothing else (not other projects, not the node network).
 */
import type { ProjectSettings } from "./settings";
import type { ProjectFacts } from "./render";
import { meta } from "./render";
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule } from "./types";

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const namespacePeer = (name: string): NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } },
});

function policy(
  project: ProjectSettings,
  name: string,
  spec: { ingress?: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] },
  policyTypes: ("Ingress" | "Egress")[],
): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(project, name),
    spec: { podSelector: {}, policyTypes, ...spec },
  };
}

/** The project's NetworkPolicies, in a fixed order. */
export function renderNetworkPolicies(project: ProjectSettings, facts: ProjectFacts): NetworkPolicy[] {
  const dnsPorts = [
    { protocol: "UDP" as const, port: 53 },
    { protocol: "TCP" as const, port: 53 },
  ];
  const dnsPeers: NetworkPolicyPeer[] = [
    {
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: facts.dns.namespace } },
      podSelector: { matchLabels: { ...facts.dns.podLabels } },
    },
  ];
  if (facts.nodeLocalDnsIp !== undefined) dnsPeers.push({ ipBlock: { cidr: `${facts.nodeLocalDnsIp}/32` } });

  const policies: NetworkPolicy[] = [
    policy(project, "default-deny", {}, ["Ingress", "Egress"]),
    policy(
      project,
      "allow-same-namespace",
      { ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
      ["Ingress", "Egress"],
    ),
    policy(
      project,
      "allow-from-ingress",
      {
        ingress: [
          {
            from: [
              namespacePeer(facts.ingressNamespace),
              ...facts.ingressHostCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ],
          },
        ],
      },
      ["Ingress"],
    ),
    policy(project, "allow-from-monitoring", { ingress: [{ from: [namespacePeer(facts.monitoringNamespace)] }] }, [
      "Ingress",
    ]),
    policy(project, "allow-dns", { egress: [{ to: dnsPeers, ports: dnsPorts }] }, ["Egress"]),
  ];
  if (project.accessKey) {
    // The access key's SDK calls the apiserver; after kube-proxy's DNAT the policy sees
    // the masters' addresses, so each endpoint is listed with its own port.
    const egress = facts.apiserver.map(({ cidr, port }) => ({
      to: [{ ipBlock: { cidr } }],
      ports: [{ protocol: "TCP" as const, port }],
    }));
    policies.push(policy(project, "allow-apiserver", { egress }, ["Egress"]));
  }
  if (project.egress.length > 0) {
    policies.push(
      policy(project, "allow-egress", { egress: [{ to: project.egress.map((cidr) => ({ ipBlock: { cidr } })) }] }, [
        "Egress",
      ]),
    );
  }
  return policies;
}
