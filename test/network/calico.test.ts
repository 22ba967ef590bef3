import { strict as assert } from "node:assert";
import {
  calicoTunnelRanges,
  ipPoolEncapsulation,
  renderIpPools,
  type IpPool,
  renderFelixConfiguration,
  renderInstallationSpec,
  renderTigeraOperatorValues,
} from "../../components/network/render";
import { clone, prodConfig } from "../support/config";
import { specOf } from "./fixtures";

type Calico = Parameters<typeof ipPoolEncapsulation>[0];
const calico = (mode: Calico["mode"], ipipMode: Calico["ipipMode"]): Calico => ({
  ...specOf(prodConfig()).network.calico,
  mode,
  ipipMode,
});

describe("network: Calico rendering", () => {
  it("maps mode/ipipMode to the Installation pool encapsulation", () => {
    assert.equal(ipPoolEncapsulation(calico("bgp", "CrossSubnet")), "None", "pure BGP never encapsulates");
    assert.equal(ipPoolEncapsulation(calico("ipip", "Always")), "IPIP");
    assert.equal(ipPoolEncapsulation(calico("ipip", "CrossSubnet")), "IPIPCrossSubnet");
    assert.equal(ipPoolEncapsulation(calico("ipip", "Never")), "None");
    assert.equal(ipPoolEncapsulation(calico("vxlan", "Always")), "VXLAN");
    assert.equal(ipPoolEncapsulation(calico("vxlan", "CrossSubnet")), "VXLANCrossSubnet");
  });

  it("renders the Installation from the config: pod CIDR pools, BGP on, images from the mirror", () => {
    const spec = specOf(prodConfig());
    const install = renderInstallationSpec(spec) as {
      registry: string;
      calicoNetwork: { bgp: string; ipPools: IpPool[] };
    };
    assert.equal(install.registry, "reg.example.internal/platform/", "the operator requires the trailing slash");
    assert.equal(install.calicoNetwork.bgp, "Enabled");
    const pools = install.calicoNetwork.ipPools;
    for (const pool of pools) {
      assert.equal(pool.encapsulation, "IPIPCrossSubnet", "prod: ipip + CrossSubnet");
      assert.equal(pool.natOutgoing, "Enabled");
    }
    assert.ok(pools.length <= 25, "the Installation CRD allows 25 pools");
  });

  it("carves tunnel-only pools for masters and nodes out of the pod CIDR, which the pod pools cover exactly", () => {
    const size = (cidr: string) => 2 ** (32 - Number(cidr.split("/")[1]));
    for (const podCidr of ["172.20.0.0/16", "10.200.0.0/14", "192.168.64.0/20", "172.30.7.0/24"]) {
      const raw = clone(prodConfig());
      (raw.network as Record<string, unknown>).podCidr = podCidr;
      const pools = renderIpPools(specOf(raw));
      const tunnels = calicoTunnelRanges(specOf(raw));
      assert.ok(tunnels, podCidr);
      const workload = pools.filter((p) => p.allowedUses?.includes("Workload"));
      const byName = new Map(pools.map((p) => [p.name, p]));
      assert.deepEqual(byName.get("tunnel-masters")?.cidr, tunnels.masters);
      assert.deepEqual(byName.get("tunnel-masters")?.nodeSelector, "has(node-role.kubernetes.io/control-plane)");
      assert.deepEqual(byName.get("tunnel-nodes")?.cidr, tunnels.nodes);
      assert.deepEqual(byName.get("tunnel-nodes")?.allowedUses, ["Tunnel"]);
      assert.equal(byName.get("tunnel-nodes")?.blockSize, 32, "one address per host");
      // Disjoint, aligned, each holds a pod block, and together they are the whole pod CIDR.
      const ranges = pools.map((p) => {
        const [a, prefix] = p.cidr.split("/");
        const base = a.split(".").reduce((v, o) => v * 256 + Number(o), 0);
        assert.equal(base % size(p.cidr), 0, `${p.cidr} aligned`);
        assert.ok(Number(prefix) <= p.blockSize, `${p.cidr} holds a /${p.blockSize} block`);
        return [base, base + size(p.cidr)] as const;
      });
      ranges.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i][0], ranges[i - 1][1], `${podCidr}: contiguous`);
      assert.equal(
        pools.reduce((n, p) => n + size(p.cidr), 0),
        size(podCidr),
        `${podCidr}: the pools cover it exactly`,
      );
      assert.ok(workload.length >= 1 && pools.length <= 25);
    }
  });

  it("keeps one pool for the whole pod CIDR when nothing is encapsulated", () => {
    const raw = clone(prodConfig());
    (raw.network as { calico: Record<string, unknown> }).calico.mode = "bgp";
    assert.deepEqual(renderIpPools(specOf(raw)), [
      {
        name: "default-ipv4-ippool",
        cidr: "172.20.0.0/16",
        encapsulation: "None",
        natOutgoing: "Enabled",
        nodeSelector: "all()",
        blockSize: 26,
      },
    ]);
  });

  it("points the operator chart at the mirror and the apiserver VIP", () => {
    const spec = specOf(prodConfig());
    const values = renderTigeraOperatorValues(spec) as Record<string, Record<string, unknown>>;
    assert.equal(values.installation.enabled, true);
    assert.equal(values.tigeraOperator.registry, "reg.example.internal/platform");
    assert.equal(values.calicoctl.image, "reg.example.internal/platform/calico/ctl");
    assert.equal(values.calicoctl.tag, `v${spec.versions.calico}`);
    assert.deepEqual(values.kubernetesServiceEndpoint, { host: "10.10.1.20", port: "8443" });
  });

  it("tells Felix the NodePort range in IPVS mode only", () => {
    const spec = specOf(prodConfig());
    const felix = renderFelixConfiguration(spec);
    assert.equal(felix.apiVersion, "crd.projectcalico.org/v1");
    assert.equal(felix.metadata.name, "default");
    assert.deepEqual(felix.spec.kubeNodePortRanges, ["30000:32767"]);
    const raw = clone(prodConfig());
    (raw.network as Record<string, unknown>).proxyMode = "nftables";
    assert.equal(renderFelixConfiguration(specOf(raw)).spec.kubeNodePortRanges, undefined);
  });
});
