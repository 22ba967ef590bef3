import { strict as assert } from "node:assert";
import {
  ipPoolEncapsulation,
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

  it("renders the Installation from the config: pod CIDR pool, BGP on, images from the mirror", () => {
    const spec = specOf(prodConfig());
    const install = renderInstallationSpec(spec) as {
      registry: string;
      calicoNetwork: { bgp: string; ipPools: { cidr: string; encapsulation: string; natOutgoing: string }[] };
    };
    assert.equal(install.registry, "reg.example.internal/platform/", "the operator requires the trailing slash");
    assert.equal(install.calicoNetwork.bgp, "Enabled");
    assert.equal(install.calicoNetwork.ipPools.length, 1);
    assert.equal(install.calicoNetwork.ipPools[0].cidr, "172.20.0.0/16");
    assert.equal(install.calicoNetwork.ipPools[0].encapsulation, "IPIPCrossSubnet", "prod: ipip + CrossSubnet");
    assert.equal(install.calicoNetwork.ipPools[0].natOutgoing, "Enabled");
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
