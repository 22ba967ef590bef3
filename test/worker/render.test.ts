import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { clone, prodConfig } from "../support/config";
import {
  kubeletFlags,
  renderKubeletConfig,
  renderKubeletConfigYaml,
  renderKubeletUnit,
  renderKubeProxyConfig,
} from "../../components/worker/render";
import { kubeletMaySetLabel, nodeLabels, nodeTaints, CONTROL_PLANE_ROLE } from "../../components/worker/labels";
import {
  nodeConfigFiles,
  nodeSecretFiles,
  renderFileList,
  renderPutFilesScript,
  versionStamp,
} from "../../components/worker/files";
import { NODE_PATHS } from "../../components/worker/paths";
import { PKI } from "../../lib/paths";
import { admissionPlugins, renderApiServerFlags } from "../../components/control-plane/renderApiserver";

function specWith(edit: (raw: Record<string, unknown>) => void = () => {}): PlatformSpec {
  const raw = clone(prodConfig());
  edit(raw);
  return loadOrThrow(raw).spec;
}

describe("worker renderers: kubelet", () => {
  const spec = specWith();
  const host = spec.topology.workers[0];
  const config = renderKubeletConfig({ spec, host, controlPlane: false });

  it("takes clusterDNS from the service CIDR and clusterDomain from config", () => {
    assert.deepEqual(config.clusterDNS, ["10.68.0.10"]);
    assert.equal(config.clusterDNS instanceof Array && config.clusterDNS[0], spec.endpoints.clusterDnsIp);
    assert.equal(config.clusterDomain, "cluster.local");
    const other = specWith((raw) => {
      raw.network = { ...(raw.network as object), serviceCidr: "10.200.0.0/16" };
      raw.cluster = { ...(raw.cluster as object), domain: "k8s.example" };
    });
    const c2 = renderKubeletConfig({ spec: other, host: other.topology.workers[0], controlPlane: false });
    assert.deepEqual(c2.clusterDNS, ["10.200.0.10"]);
    assert.equal(c2.clusterDomain, "k8s.example");
  });

  it("serves with the PKI's per-node certificate and the systemd cgroup driver", () => {
    assert.equal(config.tlsCertFile, PKI.kubeletServingCert);
    assert.equal(config.tlsPrivateKeyFile, PKI.kubeletServingKey);
    assert.equal(config.cgroupDriver, "systemd");
    assert.equal(config.containerRuntimeEndpoint, "unix:///run/containerd/containerd.sock");
    assert.equal(config.address, host.address);
  });

  it("reserves resources for system and kube daemons from config", () => {
    assert.deepEqual(config.systemReserved, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" });
    assert.deepEqual(config.kubeReserved, { cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" });
    const big = specWith((raw) => {
      raw.workers = { systemReserved: { cpu: "1", memory: "2Gi" }, podPidsLimit: 8192 };
    });
    const c2 = renderKubeletConfig({ spec: big, host: big.topology.workers[0], controlPlane: false });
    assert.deepEqual(c2.systemReserved, { cpu: "1", memory: "2Gi" });
    assert.equal(c2.podPidsLimit, 8192);
  });

  it("parses back from YAML to the same object", () => {
    assert.deepEqual(parse(renderKubeletConfigYaml({ spec, host, controlPlane: false })), config);
  });

  it("registers inventory taints, and NoSchedule plus the control-plane label on masters", () => {
    const tainted = specWith((raw) => {
      const hosts = raw.hosts as Record<string, unknown>[];
      hosts.find((h) => h.name === "node-004")!.taints = [{ key: "dedicated", value: "search", effect: "NoExecute" }];
    });
    const n4 = tainted.topology.workers.find((h) => h.name === "node-004")!;
    assert.deepEqual(renderKubeletConfig({ spec: tainted, host: n4, controlPlane: false }).registerWithTaints, [
      { key: "dedicated", value: "search", effect: "NoExecute" },
    ]);
    assert.equal(config.registerWithTaints, undefined);
    const master = spec.topology.masters[0];
    const m = renderKubeletConfig({ spec, host: master, controlPlane: true });
    assert.deepEqual(m.registerWithTaints, [{ key: CONTROL_PLANE_ROLE, value: "", effect: "NoSchedule" }]);
    assert.deepEqual(nodeLabels(master, true).admin, { [CONTROL_PLANE_ROLE]: "" });
  });

  it("puts kubelet-settable labels on --node-labels and the rest on the admin side", () => {
    const flags = kubeletFlags({ spec, host, controlPlane: false });
    assert.ok(flags.includes("--node-labels=topology.kubernetes.io/zone=a"), flags.join(" "));
    assert.ok(
      !flags.some((f) => f.includes("node-role.kubernetes.io")),
      "node-role labels are refused by NodeRestriction",
    );
    assert.deepEqual(nodeLabels(host, false).admin, { "node-role.kubernetes.io/edge": "true" });
    assert.ok(!flags.some((f) => f.startsWith("--hostname-override")));
    assert.ok(flags.includes(`--node-ip=${host.address}`));
    assert.ok(renderKubeletUnit({ spec, host, controlPlane: false }).includes("Requires=containerd.service"));
  });

  it("knows which labels the kubelet may self-set", () => {
    for (const ok of [
      "zone",
      "example.com/tier",
      "topology.kubernetes.io/zone",
      "node.kubernetes.io/pool",
      "x.kubelet.kubernetes.io/y",
      "kubernetes.io/hostname",
    ]) {
      assert.ok(kubeletMaySetLabel(ok), ok);
    }
    for (const no of [
      "node-role.kubernetes.io/edge",
      "kubernetes.io/role",
      "foo.k8s.io/bar",
      "node-restriction.kubernetes.io/x",
    ]) {
      assert.ok(!kubeletMaySetLabel(no), no);
    }
  });

  it("keeps user taints and adds the control-plane taint only once", () => {
    const master = {
      ...spec.topology.masters[0],
      taints: [{ key: CONTROL_PLANE_ROLE, value: "", effect: "NoSchedule" as const }],
    };
    assert.equal(nodeTaints(master, true).length, 1);
  });
});

describe("worker renderers: kube-proxy", () => {
  it("defaults to IPVS with strictARP, pod CIDR, loopback metrics and the VIP excluded", () => {
    const spec = specWith();
    const c = renderKubeProxyConfig({ spec, host: spec.topology.workers[0], controlPlane: false });
    assert.equal(c.mode, "ipvs");
    assert.equal(c.clusterCIDR, "172.20.0.0/16");
    assert.equal(c.metricsBindAddress, "127.0.0.1:10249");
    const ipvs = c.ipvs as Record<string, unknown>;
    assert.equal(ipvs.strictARP, true);
    assert.deepEqual(ipvs.excludeCIDRs, ["10.10.1.20/32"]);
    assert.equal(c.iptables, undefined);
  });

  for (const mode of ["iptables", "nftables"] as const) {
    it(`renders ${mode} mode when selected, without ipvs settings`, () => {
      const spec = specWith((raw) => {
        raw.network = { ...(raw.network as object), proxyMode: mode };
      });
      const c = renderKubeProxyConfig({ spec, host: spec.topology.workers[0], controlPlane: false });
      assert.equal(c.mode, mode);
      assert.equal(c.ipvs, undefined);
      assert.ok(c[mode], `${mode} section present`);
    });
  }
});

describe("worker renderers: cached images need the pod's own credentials", () => {
  const at = (kubernetes: string, images?: string) =>
    specWith((raw) => {
      raw.versions = { ...(raw.versions as object), kubernetes };
      if (images) raw.mirrors = { ...(raw.mirrors as object), images };
    });
  const kubelet = (s: PlatformSpec) =>
    renderKubeletConfig({ spec: s, host: s.topology.workers[0], controlPlane: false });

  it("1.35+: only the platform's images project is exempt when preloaded; everything else is verified", () => {
    const c = kubelet(at("1.35.1"));
    assert.equal(c.imagePullCredentialsVerificationPolicy, "NeverVerifyAllowlistedImages");
    assert.deepEqual(c.preloadedImagesVerificationAllowlist, ["reg.example.internal/platform/*"]);
    assert.equal(c.failCgroupV1, true);
  });

  it("1.35+ with a bare registry host as mirrors.images: every image is verified", () => {
    const c = kubelet(at("1.36.0", "reg.example.internal"));
    assert.equal(c.imagePullCredentialsVerificationPolicy, "AlwaysVerify");
    assert.equal("preloadedImagesVerificationAllowlist" in c, false);
  });

  it("below 1.35 the fields are absent and the apiserver enables AlwaysPullImages instead", () => {
    for (const v of ["1.33.4", "1.34.2"]) {
      const s = at(v);
      const c = kubelet(s);
      assert.equal("imagePullCredentialsVerificationPolicy" in c, false, v);
      assert.ok(admissionPlugins(v).includes("AlwaysPullImages"), v);
      const flags = renderApiServerFlags(s, s.topology.masters[0]);
      assert.match(flags.find((f) => f.name === "enable-admission-plugins")?.value ?? "", /AlwaysPullImages/);
    }
    assert.equal(admissionPlugins("1.35.1").includes("AlwaysPullImages"), false);
  });
});

describe("worker renderers: node files", () => {
  const spec = specWith();
  const args = { spec, host: spec.topology.workers[0], controlPlane: false };

  it("gives every file an owner daemon and a mode; keys and kubeconfigs 0600", () => {
    const files = [
      ...nodeConfigFiles(args, { caPem: "CA", servingCertPem: "CERT" }),
      ...nodeSecretFiles({ servingKeyPem: "KEY", kubeletKubeconfig: "KC", kubeProxyKubeconfig: "PC" }),
    ];
    const byPath = new Map(files.map((f) => [f.path, f]));
    assert.equal(byPath.size, files.length, "no path twice");
    for (const p of [NODE_PATHS.kubeletServingKey, NODE_PATHS.kubeletKubeconfig, NODE_PATHS.kubeProxyKubeconfig]) {
      assert.equal(byPath.get(p)?.mode, "0600", p);
    }
    assert.equal(byPath.get(NODE_PATHS.kubeletServingCert)?.content, "CERT");
    assert.equal(byPath.get(NODE_PATHS.clusterCaCert)?.content, "CA");
  });

  it("trusts the cluster CA for the registry only when Harbor is part of the inventory", () => {
    const hostsToml = (s: PlatformSpec) =>
      nodeConfigFiles(
        { spec: s, host: s.topology.workers[0], controlPlane: false },
        { caPem: "CA", servingCertPem: "C" },
      ).find((f) => f.path === "/etc/containerd/certs.d/reg.example.internal/hosts.toml")!.content;
    assert.match(hostsToml(spec), /ca = "\/etc\/kubernetes\/pki\/ca.crt"/);
    const external = specWith((raw) => {
      raw.hosts = (raw.hosts as Record<string, unknown>[]).filter((h) => !(h.roles as string[]).includes("registry"));
      raw.registry = { server: "reg.example.internal", username: "k8s-puller" };
    });
    assert.doesNotMatch(hostsToml(external), /ca = /);
  });

  it("puts no registry credentials on a node, even with registry.username/password set (no shared pull account)", () => {
    assert.ok(spec.registry.username && spec.registry.password, "the prod stack sets the shared account");
    const files = [
      ...nodeConfigFiles(args, { caPem: "CA", servingCertPem: "CERT" }),
      ...nodeSecretFiles({ servingKeyPem: "K", kubeletKubeconfig: "A", kubeProxyKubeconfig: "B" }),
    ];
    for (const f of files) {
      assert.ok(!f.path.includes("registry-auth"), f.path);
      assert.ok(!f.content.includes(spec.registry.password as string), `${f.path} holds the registry password`);
      assert.doesNotMatch(f.content, /registry\.configs|\.auth\]|username\s*=/, f.path);
    }
    const script = renderPutFilesScript("node-001", files, true);
    assert.match(script, /NODE_RETIRED='containerd \/etc\/containerd\/conf.d\/50-registry-auth.toml'/);
  });

  it("encodes the file list so content never reaches the shell unquoted", () => {
    const list = renderFileList([{ path: "/etc/x.conf", mode: "0644", owner: "-", content: "a'b\n$(rm -rf /)\n" }]);
    const [owner, mode, path, data] = list.split(" ");
    assert.deepEqual([owner, mode, path], ["-", "0644", "/etc/x.conf"]);
    assert.equal(Buffer.from(data, "base64").toString(), "a'b\n$(rm -rf /)\n");
    assert.throws(() => renderFileList([{ path: "/etc/a b", mode: "0644", owner: "-", content: "" }]), /unsafe/);
  });

  it("stamps the versions a node runs", () => {
    assert.equal(versionStamp(spec), "kubernetes=1.35.1,containerd=2.2.7,runc=1.3.6,cni=1.9.1");
  });
});
