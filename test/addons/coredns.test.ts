import { strict as assert } from "node:assert";
import {
  NODE_LOCAL_DNS_IP,
  kubeletClusterDns,
  renderCorefile,
  renderDns,
  renderNodeLocalCorefile,
} from "../../components/addons/render/coredns";
import { renderKubeletConfig } from "../../components/worker/render";
import { fullSpec, prodSpec } from "./fixtures";

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test access into rendered data

describe("add-ons: CoreDNS", () => {
  it("puts the kube-dns Service on spec.endpoints.clusterDnsIp, the address kubelet is given", () => {
    const spec = prodSpec();
    const svc = renderDns(spec).find((o) => o.kind === "Service" && o.metadata.name === "kube-dns") as unknown as Obj;
    assert.equal(svc.metadata.namespace, "kube-system");
    assert.equal(svc.spec.clusterIP, "10.68.0.10");
    assert.equal(svc.spec.clusterIP, spec.endpoints.clusterDnsIp);
    assert.equal(kubeletClusterDns(spec), spec.endpoints.clusterDnsIp);
    assert.deepEqual(
      svc.spec.ports.map((p: { port: number; protocol: string }) => `${p.port}/${p.protocol}`),
      ["53/UDP", "53/TCP", "9153/TCP"],
    );
  });

  it("matches the kubelet config the worker renders", () => {
    const spec = prodSpec();
    const kubelet = renderKubeletConfig({ spec, host: spec.topology.workers[0], controlPlane: false });
    assert.deepEqual(kubelet.clusterDNS, [spec.endpoints.clusterDnsIp]);
    assert.equal(kubelet.clusterDomain, spec.cluster.domain);
  });

  it("runs >= 2 replicas, never two on one node, with a PDB", () => {
    const objs = renderDns(prodSpec()) as unknown as Obj[];
    const deploy = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "coredns") as Obj;
    assert.ok(deploy.spec.replicas >= 2);
    const anti = deploy.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    assert.equal(anti.topologyKey, "kubernetes.io/hostname");
    assert.equal(
      deploy.spec.template.spec.containers[0].image,
      `${prodSpec().mirrors.images}/coredns/coredns:v${prodSpec().versions.coredns}`,
    );
    const pdb = objs.find((o) => o.kind === "PodDisruptionBudget") as Obj;
    assert.equal(pdb.spec.minAvailable, 1);
  });

  it("serves the configured cluster domain", () => {
    const corefile = renderCorefile("cluster.local");
    assert.match(corefile, /kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{/);
    assert.match(corefile, /forward \. \/etc\/resolv\.conf/);
    assert.equal((corefile.match(/\{/g) ?? []).length, (corefile.match(/\}/g) ?? []).length, "balanced blocks");
  });

  it("adds the autoscaler and NodeLocal DNSCache when asked, and kubelet then uses the link-local address", () => {
    const spec = fullSpec();
    const objs = renderDns(spec) as unknown as Obj[];
    const autoscaler = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "coredns-autoscaler") as Obj;
    assert.ok(autoscaler);
    const params = JSON.parse(
      (
        objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "coredns-autoscaler") as unknown as {
          data: { linear: string };
        }
      ).data.linear,
    );
    assert.equal(params.min, 3, "never below addons.coredns.replicas");
    const ds = objs.find((o) => o.kind === "DaemonSet" && o.metadata.name === "node-local-dns") as Obj;
    assert.equal(ds.spec.template.spec.hostNetwork, true);
    assert.deepEqual(ds.spec.template.spec.containers[0].args.slice(0, 2), ["-localip", NODE_LOCAL_DNS_IP]);
    assert.equal(kubeletClusterDns(spec), NODE_LOCAL_DNS_IP);
    const corefile = renderNodeLocalCorefile("cluster.local");
    assert.equal(
      (corefile.match(new RegExp(`bind ${NODE_LOCAL_DNS_IP.replace(/\./g, "\\.")}`, "g")) ?? []).length,
      4,
      "every zone binds the link-local address only",
    );
  });
});
