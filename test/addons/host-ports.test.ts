import { strict as assert } from "node:assert";
import { hostPortCollisions, hostPorts } from "../../components/addons/render/hostPorts";
import { load } from "../../stacks/contract/load";
import { platformSchema } from "../../stacks/contract/schema";
import { toSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import { fullRaw } from "./fixtures";

type Raw = Record<string, unknown>;
const withMastersAsNodes = (raw: Raw): Raw => ({
  ...raw,
  workers: { ...(raw.workers as Raw), kubeletOnMasters: true },
});

/** Small inventories where roles share hosts: every listener of every role on one machine. */
function stacked(controller: "traefik" | "ingress-nginx", mode: "ipip" | "vxlan" | "bgp"): Raw {
  const raw = withMastersAsNodes(clone(prodConfig()));
  const hosts = raw.hosts as { name: string; roles: string[]; labels?: Record<string, string>; bricks?: string[] }[];
  for (const h of hosts) {
    if (h.roles.includes("master")) {
      h.roles = ["master", "etcd", "worker"];
      h.labels = { "node-role.kubernetes.io/edge": "true" };
    }
    if (h.name === "etcd-1") h.roles = ["etcd", "worker"];
    if (h.name === "node-004") {
      h.roles = ["worker", "storage"];
      // Five bricks: prod's 20 plus these make whole disperse sets of 5.
      h.bricks = [1, 2, 3, 4, 5].map((i) => `/data/glusterfs/brick${i}`);
    }
  }
  raw.hosts = hosts.filter((h) => h.name !== "etcd-2" && h.name !== "etcd-3");
  const addons = raw.addons as Record<string, Raw>;
  addons.ingress = { ...addons.ingress, controller };
  (raw.network as { calico: Raw }).calico.mode = mode;
  return raw;
}

describe("add-ons: no two listeners on one host port", () => {
  it("computes each host's listeners from the rendered configs and chart values", () => {
    const byHost = new Map(hostPorts(specOf(prodConfig())).map((h) => [h.host, h]));
    const edge = (byHost.get("node-001")?.ports ?? []).map((p) => `${p.owner}:${p.port}`);
    for (const expected of ["traefik/web:80", "traefik/websecure:443", "traefik/traefik:8080", "traefik/metrics:9101"])
      assert.ok(edge.includes(expected), `${expected} in ${edge.join(" ")}`);
    assert.ok(
      edge.includes("node-exporter:9100") && edge.includes("kubelet:10250") && edge.includes("calico-node/bgp:179"),
    );
    assert.ok(edge.includes("calico-typha:5473"));
    const plain = (byHost.get("node-010")?.ports ?? []).map((p) => p.owner);
    assert.ok(!plain.some((o) => o.startsWith("traefik")), "traefik only on edge nodes");
    const master = (byHost.get("master-1")?.ports ?? []).map((p) => `${p.owner}:${p.port}`);
    assert.deepEqual(master.sort(), [
      "calico-node/bgp:179",
      "calico-node/felix-health:9099",
      "calico-typha/health:9098",
      "calico-typha:5473",
      "haproxy/apiserver:8443",
      "haproxy/monitor:8404",
      "kube-apiserver:6443",
      "kube-controller-manager:10257",
      "kube-proxy/healthz:10256",
      "kube-proxy/metrics:10249",
      "kube-scheduler:10259",
      "kubelet/healthz:10248",
      "kubelet:10250",
      "node-exporter:9100",
    ]);
    const etcd = (byHost.get("etcd-1")?.ports ?? []).map((p) => `${p.owner}:${p.port}/${p.bind}`);
    assert.ok(etcd.includes("etcd/client:2379/node") && etcd.includes("etcd/peer:2380/node"), etcd.join(" "));
  });

  it("finds no collision in prod, with masters running the node components, or with every role stacked", () => {
    const configs: [string, Raw][] = [
      ["prod", clone(prodConfig())],
      ["prod, kubelet on masters", withMastersAsNodes(clone(prodConfig()))],
      ["full options", withMastersAsNodes(fullRaw())],
      ["stacked, traefik, ipip", stacked("traefik", "ipip")],
      ["stacked, ingress-nginx, vxlan", stacked("ingress-nginx", "vxlan")],
      ["stacked, traefik, bgp", stacked("traefik", "bgp")],
    ];
    for (const [name, raw] of configs) assert.deepEqual(hostPortCollisions(specOf(raw)), [], name);
  });

  it("reports a collision, naming host, port and owners", () => {
    // An edge worker that also holds Harbor: traefik's websecure and Harbor both take 443
    // (the loader refuses it too: rules/addons.ts edgeRegistryHosts; the port model finds it alone).
    const raw = clone(prodConfig());
    const node1 = (raw.hosts as { name: string; roles: string[] }[]).find((h) => h.name === "node-001");
    node1?.roles.push("registry");
    const loaded = load(raw);
    assert.ok(!loaded.ok && loaded.errors.some((e) => e.path === "hosts[5].roles" && /edge node/.test(e.message)));
    // The port model on the shape-checked config, cross-field rules skipped.
    const found = hostPortCollisions(toSpec(platformSchema.parse(raw)));
    assert.deepEqual(
      found.map((c) => `${c.host} ${c.protocol}/${c.port} ${c.owners.join("+")}`),
      ["node-001 TCP/443 harbor+traefik/websecure"],
    );
  });
});
