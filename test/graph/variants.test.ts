/**
 * Nothing fails after the loader accepted a config: every precondition a renderer or
 * component checks lives in the loader. Valid but unusual inventories, each through the
 * whole program.
 */
import { strict as assert } from "node:assert";
import { load } from "../../stacks/contract/load";
import { scaleConfig } from "../../stacks/plan/generate";
import { runProgram } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { fakeHostKey } from "../../stacks/plan/generate";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits arbitrary config paths

const small = (): Raw => scaleConfig(prodConfig(), { workers: 3, storage: 5, projects: 2 }) as Raw;
const host = (r: Raw, name: string) => r.hosts.find((h: Raw) => h.name === name);

const VARIANTS: [string, (r: Raw) => void][] = [
  [
    "masters hold etcd too (roles [master, etcd])",
    (r) => {
      r.hosts = r.hosts.filter((h: Raw) => !h.roles.includes("etcd"));
      r.hosts.push({
        name: "master-3",
        address: "10.10.1.23",
        roles: ["master", "etcd"],
        hostKey: fakeHostKey("master-3"),
      });
      for (const m of ["master-1", "master-2"]) host(r, m).roles.push("etcd");
    },
  ],
  [
    "five etcd members, two joining",
    (r) => {
      r.hosts.push(
        { name: "etcd-4", address: "10.10.1.14", roles: ["etcd"], hostKey: fakeHostKey("etcd-4") },
        { name: "etcd-5", address: "10.10.1.15", roles: ["etcd"], hostKey: fakeHostKey("etcd-5") },
      );
      r.etcd = { initialMembers: ["etcd-1", "etcd-2", "etcd-3"] };
    },
  ],
  [
    "no storage and no registry hosts",
    (r) => {
      r.hosts = r.hosts.filter((h: Raw) => !h.roles.includes("storage") && !h.roles.includes("registry"));
      delete r.storage.glusterfs;
      delete r.registry.vip;
    },
  ],
  [
    "one registry host (no VIP)",
    (r) => {
      r.hosts = r.hosts.filter((h: Raw) => h.name !== "harbor-2");
      delete r.registry.vip;
    },
  ],
  [
    "ingress-nginx on NodePort, NodeLocal DNS and the autoscaler",
    (r) => {
      r.addons.ingress = { controller: "ingress-nginx", exposure: "NodePort", replicas: 2 };
      r.addons.coredns = { nodeLocalDns: true, autoscaler: true, replicas: 3 };
    },
  ],
  [
    "vxlan, explicit route reflectors, a top-of-rack peer, nftables",
    (r) => {
      r.network.proxyMode = "nftables";
      r.network.calico = {
        mode: "vxlan",
        ipipMode: "Always",
        routeReflectors: ["node-001", "node-002"],
        torPeers: [{ name: "tor-a", address: "10.10.2.1", asNumber: 65001 }],
      };
    },
  ],
  [
    "every add-on off, no projects",
    (r) => {
      r.addons = { ingress: { enabled: false }, monitoring: { enabled: false }, logging: { enabled: false } };
      r.projects = [];
    },
  ],
  [
    "a non-root login with sudo, no bastion, empty label values",
    (r) => {
      r.ssh = { user: "ops", privateKey: r.ssh.privateKey };
      delete r.apiserver.proxyUrl;
      host(r, "node-001").labels = { "example.com/pool": "" };
    },
  ],
];

describe("valid inventories never fail after registration", function () {
  this.timeout(900_000);
  for (const [name, edit] of VARIANTS) {
    it(name, async () => {
      const raw = clone(small());
      edit(raw);
      const loaded = load(raw);
      assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
      const graph = await runProgram(raw);
      assert.ok(graph.resources.length > 100, `${graph.resources.length} resources`);
    });
  }
});
