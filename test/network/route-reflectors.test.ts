import { strict as assert } from "node:assert";
import {
  RR_CLUSTER_ID_ANNOTATION,
  RR_LABEL,
  renderBgpConfiguration,
  renderBgpPeers,
  routeReflectorNodeMetadata,
  selectRouteReflectors,
} from "../../components/network/render";
import { load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { configWithWorkers, specOf } from "./fixtures";

describe("network: route reflector selection", () => {
  it("keeps the full node-to-node mesh for the 20-node prod inventory", () => {
    const spec = specOf(prodConfig());
    assert.equal(spec.topology.workers.length, 20);
    assert.equal(spec.topology.nodes.length, 20 + spec.topology.masters.length, "masters run kubelet too");
    const topology = selectRouteReflectors(spec);
    assert.deepEqual(topology, { fullMesh: true, reflectors: [] });
    assert.equal(renderBgpConfiguration(spec, topology).spec.nodeToNodeMeshEnabled, true);
    assert.equal(renderBgpConfiguration(spec, topology).spec.asNumber, 64512);
    assert.deepEqual(renderBgpPeers(spec, topology), [], "no reflector peers with a full mesh");
  });

  it("picks 3 reflectors, one per zone, turns the mesh off and peers everyone with them at 100 nodes", () => {
    const spec = specOf(configWithWorkers(100));
    const topology = selectRouteReflectors(spec);
    assert.equal(topology.fullMesh, false);
    assert.deepEqual(topology.reflectors, ["node-001", "node-002", "node-003"]);
    const zones = topology.reflectors.map(
      (n) => spec.hosts.find((h) => h.name === n)?.labels["topology.kubernetes.io/zone"],
    );
    assert.deepEqual([...new Set(zones)].sort(), ["a", "b", "c"], "spread across zones");

    const bgp = renderBgpConfiguration(spec, topology);
    assert.equal(bgp.kind, "BGPConfiguration");
    assert.equal(bgp.metadata.name, "default");
    assert.equal(bgp.spec.nodeToNodeMeshEnabled, false);

    const peers = renderBgpPeers(spec, topology);
    const clients = peers.find((p) => p.metadata.name === "peer-with-route-reflectors");
    const mesh = peers.find((p) => p.metadata.name === "route-reflector-mesh");
    assert.deepEqual(clients?.spec, { nodeSelector: `!has(${RR_LABEL})`, peerSelector: `has(${RR_LABEL})` });
    assert.deepEqual(mesh?.spec, { nodeSelector: `has(${RR_LABEL})`, peerSelector: `has(${RR_LABEL})` });

    const meta = routeReflectorNodeMetadata();
    assert.equal(meta.labels[RR_LABEL], "true");
    assert.equal(RR_CLUSTER_ID_ANNOTATION, "projectcalico.org/RouteReflectorClusterID");
    assert.match(meta.annotations[RR_CLUSTER_ID_ANNOTATION], /^\d+\.\d+\.\d+\.\d+$/);
  });

  it("is deterministic and stable when nodes are added in existing zones", () => {
    const a = selectRouteReflectors(specOf(configWithWorkers(100)));
    const b = selectRouteReflectors(specOf(configWithWorkers(100)));
    const c = selectRouteReflectors(specOf(configWithWorkers(130)));
    assert.deepEqual(a, b);
    assert.deepEqual(c.reflectors, a.reflectors);
  });

  it("picks 2 reflectors when the nodes carry no zone label", () => {
    const topology = selectRouteReflectors(specOf(configWithWorkers(60, [])));
    assert.deepEqual(topology, { fullMesh: false, reflectors: ["node-001", "node-002"] });
  });

  it("honours meshThreshold", () => {
    const raw = configWithWorkers(30);
    (raw.network as { calico: Record<string, unknown> }).calico.meshThreshold = 25;
    assert.equal(selectRouteReflectors(specOf(raw)).fullMesh, false);
  });

  it("uses an explicit reflector list as given, even in a small cluster", () => {
    const raw = clone(prodConfig());
    (raw.network as { calico: Record<string, unknown> }).calico.routeReflectors = ["node-007", "node-014"];
    const spec = specOf(raw);
    const topology = selectRouteReflectors(spec);
    assert.deepEqual(topology, { fullMesh: false, reflectors: ["node-007", "node-014"] });
    assert.equal(renderBgpConfiguration(spec, topology).spec.nodeToNodeMeshEnabled, false);
  });

  it("rejects an explicit reflector that is not a node, naming the key (loader, and the selector itself)", () => {
    const raw = clone(prodConfig());
    (raw.network as { calico: Record<string, unknown> }).calico.routeReflectors = ["etcd-1"];
    const result = load(raw);
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.errors.some((e) => e.path.startsWith("network.calico.routeReflectors")));
    const spec = specOf(prodConfig());
    const edited = {
      ...spec,
      network: { ...spec.network, calico: { ...spec.network.calico, routeReflectors: ["etcd-1"] } },
    };
    assert.throws(() => selectRouteReflectors(edited), /network\.calico\.routeReflectors: etcd-1/);
  });

  it("adds one BGPPeer per top-of-rack router", () => {
    const raw = clone(prodConfig());
    (raw.network as { calico: Record<string, unknown> }).calico.torPeers = [
      { name: "tor-a", address: "10.10.2.1", asNumber: 65001 },
      { name: "tor-b", address: "10.10.2.2", asNumber: 65002 },
    ];
    const spec = specOf(raw);
    const peers = renderBgpPeers(spec, selectRouteReflectors(spec));
    assert.deepEqual(
      peers.map((p) => [p.metadata.name, p.spec]),
      [
        ["tor-tor-a", { peerIP: "10.10.2.1", asNumber: 65001 }],
        ["tor-tor-b", { peerIP: "10.10.2.2", asNumber: 65002 }],
      ],
    );
  });
});
