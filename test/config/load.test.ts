import { strict as assert } from "node:assert";
import { load, formatProblems, type Problem } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

function problems(mutate: (raw: Raw) => void): readonly Problem[] {
  const raw = clone(prodConfig()) as Raw;
  mutate(raw);
  const result = load(raw);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.errors;
}

const host = (raw: Raw, name: string) => raw.hosts.find((h: Raw) => h.name === name);

/** [description, mutation, expected key path, expected message fragment] */
const BAD: [string, (raw: Raw) => void, string, RegExp][] = [
  ["host name not DNS-1123", (r) => (r.hosts[0].name = "Etcd_1"), "hosts[0].name", /DNS-1123/],
  ["duplicate host name", (r) => (r.hosts[4].name = "etcd-1"), "hosts[4].name", /already used by hosts\[0\]/],
  ["address not IPv4", (r) => (r.hosts[0].address = "10.10.1.300"), "hosts[0].address", /IPv4/],
  ["duplicate address", (r) => (r.hosts[1].address = r.hosts[0].address), "hosts[1].address", /already used/],
  [
    "unknown role",
    (r) => (r.hosts[0].roles = ["etcd", "database"]),
    "hosts[0].roles[1]",
    /one of etcd, master, worker, storage, registry/,
  ],
  ["no roles", (r) => (r.hosts[0].roles = []), "hosts[0].roles", /at least one role/],
  ["no workers", (r) => (r.hosts = r.hosts.filter((h: Raw) => !h.roles.includes("worker"))), "hosts", /role "worker"/],
  ["no masters", (r) => (r.hosts = r.hosts.filter((h: Raw) => !h.roles.includes("master"))), "hosts", /role "master"/],
  ["even etcd count", (r) => host(r, "master-1").roles.push("etcd"), "hosts", /odd number/],
  [
    "one etcd",
    (r) => (r.hosts = r.hosts.filter((h: Raw) => h.name !== "etcd-2" && h.name !== "etcd-3")),
    "hosts",
    /odd number, at least 3/,
  ],
  ["one master", (r) => (r.hosts = r.hosts.filter((h: Raw) => h.name !== "master-2")), "hosts", /at least 2 masters/],
  ["VIP not IPv4", (r) => (r.apiserver.vip = "vip.example"), "apiserver.vip", /IPv4/],
  ["VIP is a host address", (r) => (r.apiserver.vip = "10.10.1.21"), "apiserver.vip", /address of hosts\[3\]/],
  [
    "VIP outside masters' subnet",
    (r) => (r.apiserver.vip = "10.10.9.20"),
    "apiserver.vip",
    /outside the masters' subnet 10\.10\.1\.0\/24/,
  ],
  ["masters in two subnets", (r) => (host(r, "master-2").address = "10.10.5.22"), "hosts", /span 2 \/24 subnets/],
  ["haproxy on 6443", (r) => (r.apiserver.port = 6443), "apiserver.port", /6443 is bound by kube-apiserver/],
  ["pod CIDR malformed", (r) => (r.network.podCidr = "172.20.0.1/16"), "network.podCidr", /no host bits/],
  [
    "pod and service CIDR overlap",
    (r) => (r.network.serviceCidr = "172.20.128.0/17"),
    "network.serviceCidr",
    /overlaps network.podCidr/,
  ],
  ["host inside pod CIDR", (r) => (r.network.podCidr = "10.10.0.0/16"), "hosts[0].address", /inside network.podCidr/],
  [
    "host inside service CIDR",
    (r) => (r.network.serviceCidr = "10.10.2.0/24"),
    "hosts[5].address",
    /inside network.serviceCidr/,
  ],
  [
    "version with leading v",
    (r) => (r.versions.kubernetes = "v1.35.1"),
    "versions.kubernetes",
    /release version like 1\.34\.2/,
  ],
  [
    "unsupported Kubernetes minor",
    (r) => (r.versions.kubernetes = "1.25.3"),
    "versions.kubernetes",
    /outside the supported range/,
  ],
  ["etcd version garbage", (r) => (r.versions.etcd = "latest"), "versions.etcd", /release version/],
  [
    "quota memory not a quantity",
    (r) => (r.projects[2].quota.memory = "12GB"),
    "projects[2].quota.memory",
    /not a Kubernetes quantity \(try 12Gi\)/,
  ],
  [
    "quota cpu not a quantity",
    (r) => (r.projects[0].quota.cpu = "lots"),
    "projects[0].quota.cpu",
    /not a Kubernetes quantity/,
  ],
  ["quota storage missing", (r) => delete r.projects[1].quota.storage, "projects[1].quota.storage", /is required/],
  [
    "limit not a quantity",
    (r) => (r.projects[0].limits.defaultMemory = "512 MB"),
    "projects[0].limits.defaultMemory",
    /not a Kubernetes quantity/,
  ],
  ["project name not DNS-1123", (r) => (r.projects[0].name = "Search_Web"), "projects[0].name", /DNS-1123/],
  [
    "duplicate project",
    (r) => (r.projects[1].name = r.projects[0].name),
    "projects[1].name",
    /already used by projects\[0\]/,
  ],
  ["system namespace", (r) => (r.projects[0].name = "kube-system"), "projects[0].name", /system namespace/],
  ["default namespace", (r) => (r.projects[0].name = "default"), "projects[0].name", /system namespace/],
  [
    "member role unknown",
    (r) => (r.projects[0].members[0].role = "owner"),
    "projects[0].members[0].role",
    /admin, lead, member/,
  ],
  [
    "member with user and group",
    (r) => (r.projects[0].members[0].group = "g"),
    "projects[0].members[0]",
    /exactly one of user or group/,
  ],
  [
    "member with neither",
    (r) => delete r.projects[0].members[0].user,
    "projects[0].members[0]",
    /exactly one of user or group/,
  ],
  [
    "duplicate member",
    (r) => r.projects[0].members.push({ user: "zhang.san", role: "member" }),
    "projects[0].members[3]",
    /already a member/,
  ],
  ["domain invalid", (r) => (r.projects[0].domains[0] = "search..example.com"), "projects[0].domains[0]", /DNS name/],
  [
    "domain claimed twice",
    (r) => r.projects[1].domains.push("search.example.com"),
    "projects[1].domains[1]",
    /already claimed by projects\[0\]/,
  ],
  ["disperse too small", (r) => (r.storage.glusterfs.disperse = 2), "storage.glusterfs.disperse", /at least 3/],
  [
    "redundancy too high",
    (r) => ((r.storage.glusterfs.disperse = 4), (r.storage.glusterfs.redundancy = 2)),
    "storage.glusterfs.redundancy",
    /2 x redundancy < disperse/,
  ],
  ["redundancy zero", (r) => (r.storage.glusterfs.redundancy = 0), "storage.glusterfs.redundancy", /at least 1/],
  [
    "too few storage hosts",
    (r) => (r.hosts = r.hosts.filter((h: Raw) => !h.roles.includes("storage") || h.name <= "gfs-04")),
    "storage.glusterfs.disperse",
    /at least 5 storage hosts/,
  ],
  ["storage host without bricks", (r) => (host(r, "gfs-01").bricks = []), "hosts[25].bricks", /at least one brick/],
  [
    "brick count not a multiple",
    (r) => host(r, "gfs-01").bricks.push("/data/glusterfs/brick3"),
    "storage.glusterfs.disperse",
    /multiple of 5/,
  ],
  [
    "bricks on a non-storage host",
    (r) => (host(r, "node-001").bricks = ["/data/b1"]),
    "hosts[5].bricks",
    /only used on hosts with role "storage"/,
  ],
  [
    "misspelt key inside a section",
    (r) => (r.network.podCIDR = "10.0.0.0/8"),
    "network.podCIDR",
    /unknown key \(did you mean "podCidr"\?\)/,
  ],
  [
    "misspelt top-level key",
    (r) => (r.worker = { upgradeBatch: 2 }),
    "worker",
    /unknown config key \(did you mean "workers"\?\)/,
  ],
  [
    "apiserver port taken on masters",
    (r) => (r.apiserver.port = 10250),
    "apiserver.port",
    /taken on every master by kubelet/,
  ],
  ["ssh key missing", (r) => delete r.ssh.privateKey, "ssh.privateKey", /pulumi config set --secret/],
  ["ssh port out of range", (r) => (r.ssh.port = 70000), "ssh.port", /at most 65535/],
  ["cluster name missing", (r) => delete r.cluster.name, "cluster.name", /is required/],
  ["no NTP servers", (r) => (r.cluster.ntpServers = []), "cluster.ntpServers", /at least one NTP server/],
  [
    "mirror URL with trailing slash",
    (r) => (r.mirrors.binaries = "https://mirror/"),
    "mirrors.binaries",
    /without a trailing/,
  ],
  [
    "etcd election timeout too short",
    (r) => (r.etcd = { heartbeatIntervalMs: 100, electionTimeoutMs: 300 }),
    "etcd.electionTimeoutMs",
    /at least 5 x/,
  ],
  [
    "unknown route reflector",
    (r) => (r.network.calico.routeReflectors = ["node-999"]),
    "network.calico.routeReflectors[0]",
    /not a host/,
  ],
  ["registry hosts without VIP", (r) => delete r.registry.vip, "registry.vip", /need a floating VIP/],
  [
    "default request above default limit",
    (r) => (r.projects[0].limits.defaultRequestMemory = "1Gi"),
    "projects[0].limits.defaultRequestMemory",
    /exceeds limits.defaultMemory/,
  ],
  [
    "default limit above max",
    (r) => (r.projects[2].limits.defaultCpu = "16"),
    "projects[2].limits.defaultCpu",
    /exceeds limits.maxCpu/,
  ],
  [
    "taint effect invalid",
    (r) => (host(r, "node-001").taints = [{ key: "dedicated", value: "x", effect: "Never" }]),
    "hosts[5].taints[0].effect",
    /Invalid option|NoSchedule/,
  ],
];

describe("config loader", () => {
  it("accepts Pulumi.prod.yaml and applies defaults", () => {
    const result = load(prodConfig());
    assert.ok(result.ok, result.ok ? "" : formatProblems(result.errors));
    const { spec } = result;
    assert.equal(spec.topology.etcd.length, 3);
    assert.equal(spec.topology.masters.length, 2);
    assert.equal(spec.topology.workers.length, 20);
    assert.equal(spec.topology.storage.length, 10);
    assert.equal(spec.topology.registry.length, 2);
    assert.equal(spec.endpoints.apiserver, "https://10.10.1.20:8443");
    assert.equal(spec.endpoints.kubernetesServiceIp, "10.68.0.1");
    assert.equal(spec.endpoints.clusterDnsIp, "10.68.0.10");
    assert.equal(spec.ssh.dialErrorLimit, 10, "ssh defaults applied");
    assert.equal(spec.projects[0].podSecurity, "baseline", "project defaults applied");
    assert.equal(spec.projects[0].protect, true);
    assert.equal(spec.network.calico.ipipMode, "CrossSubnet");
  });

  it("warns (not fails) when disperse - redundancy is not a power of two", () => {
    const raw = clone(prodConfig()) as Raw;
    raw.storage.glusterfs.disperse = 4;
    const result = load(raw);
    assert.ok(result.ok);
    assert.ok(result.warnings.some((w) => w.path === "storage.glusterfs" && /power of two/.test(w.message)));
  });

  it(`rejects ${BAD.length} distinct bad configs, naming the key path`, () => {
    assert.ok(BAD.length >= 30);
  });

  for (const [what, mutate, path, message] of BAD) {
    it(`rejects: ${what} (${path})`, () => {
      const found = problems(mutate);
      const match = found.find((p) => p.path === path && message.test(p.message));
      assert.ok(match, `expected a problem at ${path} matching ${message}; got:\n${formatProblems(found)}`);
    });
  }

  it("reports shape errors in one section with cross-field errors of the others in the same run", () => {
    const found = problems((r) => {
      r.hosts[0].adress = r.hosts[0].address; // shape error: hosts does not parse
      r.network.serviceCidr = r.network.podCidr; // cross-field error between network keys
      r.etcd = { heartbeatIntervalMs: 100, electionTimeoutMs: 200 }; // cross-field error inside etcd
      r.projects[0].domains = ["Not A Domain"];
    });
    const paths = found.map((p) => p.path);
    for (const path of ["hosts[0].adress", "network.serviceCidr", "etcd.electionTimeoutMs", "projects[0].domains[0]"])
      assert.ok(paths.includes(path), `expected ${path} in\n${formatProblems(found)}`);
  });

  it("reports every problem at once", () => {
    const found = problems((r) => {
      r.hosts[0].name = "Bad_Name";
      r.projects[2].quota.memory = "12GB";
      r.network.serviceCidr = "172.20.0.0/16";
      r.apiserver.port = 6443;
    });
    const paths = found.map((p) => p.path);
    assert.ok(paths.includes("hosts[0].name"), paths.join(", "));
    assert.ok(paths.includes("projects[2].quota.memory"), paths.join(", "));
    // Cross-field rules run once the shape is valid; fix the shape errors and they all appear together.
    const crossField = problems((r) => {
      r.network.serviceCidr = "172.20.0.0/16";
      r.apiserver.port = 6443;
      r.projects[1].name = r.projects[0].name;
    }).map((p) => p.path);
    assert.deepEqual([...new Set(crossField)].sort(), ["apiserver.port", "network.serviceCidr", "projects[1].name"]);
  });

  it("formats problems with the config namespace, one per line", () => {
    const text = formatProblems([{ path: "projects[2].quota.memory", message: "bad" }]);
    assert.match(text, /^invalid stack config \(1 problem\):\n {2}k8s-platform:projects\[2\]\.quota\.memory: bad$/);
  });
});
