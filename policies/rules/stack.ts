/**
 * Stack rules: the shape of the cluster as the rendered configs describe it. Counts come
 * from the etcd and kube-apiserver invocations the resources carry (unit files, scripts),
 * the VIP from the keepalived config, so a rule checks what will run, not what the
 * inventory meant.
 */
import { projectNamespaces } from "./projects";
import {
  asArray,
  asRecord,
  asString,
  documents,
  hasUnknownText,
  invocations,
  kubeconfigs,
  label,
  objectMeta,
  targetHost,
} from "./text";
import type { PolicyResource, StackRule, StackView, Violation } from "./types";

/** etcd members (by `--name`) and the resources carrying their units. */
export function etcdMembers(view: StackView): Map<string, PolicyResource> {
  const members = new Map<string, PolicyResource>();
  for (const r of view.resources) {
    for (const doc of documents(r)) {
      for (const inv of invocations(doc.text, "etcd")) {
        const name = inv.flags.get("name");
        if (name !== undefined && !members.has(name)) members.set(name, r);
      }
    }
  }
  return members;
}

/** Masters: advertise address (else the SSH target) of each kube-apiserver invocation -> carrying resource. */
export function apiserverHosts(view: StackView): Map<string, PolicyResource> {
  const hosts = new Map<string, PolicyResource>();
  for (const r of view.resources) {
    for (const doc of documents(r)) {
      for (const inv of invocations(doc.text, "kube-apiserver")) {
        const host = inv.flags.get("advertise-address") ?? targetHost(r) ?? r.urn;
        if (!hosts.has(host)) hosts.set(host, r);
      }
    }
  }
  return hosts;
}

const first = <T>(map: Map<string, T>): T | undefined => map.values().next().value;

/** etcd members odd and at least 3: a quorum survives one failure and no split vote. */
export const etcdQuorum: StackRule = {
  scope: "stack",
  name: "etcd-quorum",
  description: "etcd runs an odd number of members, at least 3.",
  level: "mandatory",
  fix: "Give 3 or 5 hosts the etcd role in `hosts`.",
  check(view) {
    const members = etcdMembers(view);
    const n = members.size;
    if (n >= 3 && n % 2 === 1) return [];
    // During a first preview the units may not be rendered yet; the check runs again on update.
    if (n < 3 && hasUnknownText(view.resources)) return [];
    const at = first(members);
    const where = at ? ` (${label(at)} and the other member units)` : "";
    const found =
      n === 0
        ? "no etcd member unit was found in the stack"
        : `etcd has ${n} member(s): ${[...members.keys()].join(", ")}${where}`;
    return [
      {
        policy: this.name,
        urn: at?.urn ?? "",
        message: `${found}; quorum needs an odd count >= 3. Fix: give 3 or 5 hosts the etcd role in \`hosts\`.`,
      },
    ];
  },
};

/** At least two masters, so losing one keeps the API up. */
export const masterCount: StackRule = {
  scope: "stack",
  name: "control-plane-ha",
  description: "kube-apiserver runs on at least 2 masters.",
  level: "mandatory",
  fix: "Give at least 2 hosts the master role in `hosts`.",
  check(view) {
    const masters = apiserverHosts(view);
    if (masters.size >= 2 || hasUnknownText(view.resources)) return [];
    const at = first(masters);
    const found =
      masters.size === 0
        ? "no kube-apiserver unit was found in the stack"
        : `kube-apiserver runs on 1 master (${[...masters.keys()][0]}, ${label(at as PolicyResource)})`;
    return [
      {
        policy: this.name,
        urn: at?.urn ?? "",
        message: `${found}; HA needs >= 2. Fix: give at least 2 hosts the master role in \`hosts\`.`,
      },
    ];
  },
};

/** The apiserver VIP: the keepalived `virtual_ipaddress` of the apiserver's VRRP instance. */
export function apiserverVip(view: StackView, masters: ReadonlySet<string>): string | undefined {
  let fallback: string | undefined;
  for (const r of view.resources) {
    for (const doc of documents(r)) {
      if (!doc.text.includes("vrrp_instance") || !doc.text.includes("virtual_ipaddress")) continue;
      const instance = /vrrp_instance\s+(\S+)/.exec(doc.text)?.[1] ?? "";
      const vip = /virtual_ipaddress\s*\{\s*([0-9a-fA-F:.]+)/.exec(doc.text)?.[1];
      if (vip === undefined) continue;
      if (/apiserver|kube|k8s/i.test(instance)) return vip;
      const host = targetHost(r);
      if (fallback === undefined && host !== undefined && masters.has(host)) fallback = vip;
    }
  }
  return fallback;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Every kubeconfig off the masters, and the cluster provider, reach the apiserver through
 * the VIP (haproxy + keepalived), never one master: a master going down must not cut off
 * kubelets, kube-proxy or Pulumi itself. On a master, local components may use loopback
 * or the master's own address.
 */
export const apiserverBehindVip: StackRule = {
  scope: "stack",
  name: "apiserver-behind-vip",
  uses: ["apiserverEndpoint"],
  description:
    "The apiserver is fronted by a keepalived VIP and every off-master kubeconfig (and the cluster provider) uses it.",
  level: "mandatory",
  fix: "Point the kubeconfig at the VIP endpoint (`apiserver.vip`:`apiserver.port`); keep loopback only on masters.",
  check(view, config) {
    const out: Violation[] = [];
    const masters = apiserverHosts(view);
    const masterSet = new Set(masters.keys());
    const vip = apiserverVip(view, masterSet);
    if (masters.size > 0 && vip === undefined && config.apiserverEndpoint === "" && !hasUnknownText(view.resources)) {
      const at = first(masters) as PolicyResource;
      out.push({
        policy: this.name,
        urn: at.urn,
        message: `kube-apiserver runs on ${[...masterSet].join(", ")} (${label(at)}) but no keepalived VRRP instance fronts it. Fix: set \`apiserver.vip\` so the control plane installs haproxy + keepalived on the masters.`,
      });
      return out;
    }
    const expected = config.apiserverEndpoint.replace(/\/+$/, "");
    // Without masters there is no VIP to compare with; control-plane-ha reports that.
    if (vip === undefined && expected === "") return out;
    const expectedText = expected !== "" ? expected : `https://${vip}:<port>`;
    const ok = (server: string, host: string | undefined): boolean => {
      const h = urlHost(server);
      if (h === undefined) return false;
      const onMaster = host !== undefined && masterSet.has(host);
      if (onMaster && (LOOPBACK.has(h) || h === host)) return true;
      return expected !== "" ? server.replace(/\/+$/, "") === expected : h === vip;
    };
    for (const r of view.resources) {
      const host = targetHost(r);
      const seen = new Set<string>();
      for (const doc of documents(r)) {
        for (const kc of kubeconfigs(doc.text)) {
          for (const server of kc.servers) {
            if (ok(server, host) || seen.has(server)) continue;
            seen.add(server);
            const where = doc.file ?? doc.path;
            const on = host !== undefined ? ` for host ${host}` : "";
            out.push({
              policy: this.name,
              urn: r.urn,
              message: `${label(r)}: kubeconfig ${where}${on} uses apiserver ${server}, not the VIP. Fix: use ${expectedText} (the haproxy/keepalived VIP); only masters may use loopback.`,
            });
          }
        }
      }
    }
    return out;
  },
};

const isDefaultDeny = (policy: PolicyResource, direction: "Ingress" | "Egress"): boolean => {
  const spec = asRecord(policy.props.spec);
  if (!spec) return false;
  const selector = asRecord(spec.podSelector) ?? {};
  const selectsAll =
    asArray(selector.matchExpressions).length === 0 && Object.keys(asRecord(selector.matchLabels) ?? {}).length === 0;
  const types = asArray(spec.policyTypes).map((t) => asString(t));
  const rules = asArray(spec[direction === "Ingress" ? "ingress" : "egress"]);
  return selectsAll && types.includes(direction) && rules.length === 0;
};

/** Every project namespace has its quota, limit range and default-deny network policy. */
export const projectIsolation: StackRule = {
  scope: "stack",
  name: "project-isolation",
  uses: ["projectNamespaces"],
  description:
    "Every project namespace has a ResourceQuota, a LimitRange and a default-deny (ingress and egress) NetworkPolicy.",
  level: "mandatory",
  fix: "Create the project through the Project component (it renders all three); do not delete them by hand.",
  check(view, config) {
    const out: Violation[] = [];
    const inNs = (type: string, ns: string) =>
      view.resources.filter((r) => r.type === type && objectMeta(r).namespace === ns);
    for (const project of projectNamespaces(view, config).values()) {
      const ns = project.namespace;
      const missing: string[] = [];
      if (inNs("kubernetes:core/v1:ResourceQuota", ns).length === 0) missing.push("a ResourceQuota");
      if (inNs("kubernetes:core/v1:LimitRange", ns).length === 0) missing.push("a LimitRange");
      const policies = inNs("kubernetes:networking.k8s.io/v1:NetworkPolicy", ns);
      const denyIn = policies.some((p) => isDefaultDeny(p, "Ingress"));
      const denyOut = policies.some((p) => isDefaultDeny(p, "Egress"));
      if (!denyIn || !denyOut)
        missing.push(
          `a default-deny NetworkPolicy (${[!denyIn ? "ingress" : "", !denyOut ? "egress" : ""].filter(Boolean).join(" and ")} not denied)`,
        );
      if (missing.length === 0) continue;
      const subject = project.resource
        ? label(project.resource)
        : `namespace "${ns}" (policy config projectNamespaces)`;
      out.push({
        policy: this.name,
        urn: project.resource?.urn ?? "",
        message: `${subject}: project namespace "${ns}" lacks ${missing.join(", ")}. Fix: manage the project with the Project component (projects[] in the stack config), which renders the quota, limits and default-deny policy.`,
      });
    }
    return out;
  },
};
