/**
 * Bad project input: every free-text field of `projects[]` is refused by the loader with its
 * key path and what is expected, all problems in one run, nothing registered.
 */
import { strict as assert } from "node:assert";
import { formatProblems, load, type Problem } from "../../stacks/contract/load";
import { domainsOverlap, reservedTcpPorts } from "../../stacks/contract/rules/projects";
import { clone, prodConfig } from "../support/config";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

function problems(mutate: (raw: Raw) => void): readonly Problem[] {
  const raw = clone(prodConfig()) as Raw;
  mutate(raw);
  const result = load(raw);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.errors;
}

const byName = (raw: Raw, name: string) => raw.projects.find((p: Raw) => p.name === name) as Raw;

/** [description, mutation, expected key path, expected message fragment] */
const BAD: [string, (raw: Raw) => void, string, RegExp][] = [
  // members
  [
    "system: group member",
    (r) => (r.projects[0].members[2] = { group: "system:authenticated", role: "member" }),
    "projects[0].members[2].group",
    /system identity/,
  ],
  [
    "system: user member",
    (r) => (r.projects[0].members[0].user = "system:serviceaccount:kube-system:default"),
    "projects[0].members[0].user",
    /system identity/,
  ],
  [
    "System: spelled differently",
    (r) => (r.projects[0].members[0].user = "System:Masters"),
    "projects[0].members[0].user",
    /system identity/,
  ],
  [
    "member with a newline",
    (r) => (r.projects[0].members[0].user = "zhang\nsan"),
    "projects[0].members[0].user",
    /control characters/,
  ],
  [
    "member with surrounding space",
    (r) => (r.projects[0].members[1].user = " li.si"),
    "projects[0].members[1].user",
    /surrounding spaces/,
  ],
  // domains (wildcards included)
  [
    "wildcard over another project's host",
    (r) => byName(r, "news-feed").domains.push("*.search.example.com"),
    "projects[4].domains[2]",
    /overlaps www\.search\.example\.com, already claimed by projects\[0\] \(search-web\)/,
  ],
  [
    "host under another project's wildcard",
    (r) => byName(r, "ads-platform").domains.push("sport.news.example.com"),
    "projects[4].domains[1]",
    /\*\.news\.example\.com overlaps sport\.news\.example\.com, already claimed by projects\[2\] \(ads-platform\)/,
  ],
  [
    "the same wildcard twice",
    (r) => byName(r, "ads-platform").domains.push("*.news.example.com"),
    "projects[4].domains[1]",
    /already claimed by projects\[2\]/,
  ],
  [
    "a project domain over the platform's Grafana host",
    (r) => {
      r.addons.monitoring.grafanaHost = "grafana.news.example.com";
    },
    "projects[4].domains[1]",
    /\*\.news\.example\.com covers grafana\.news\.example\.com, the platform's addons\.monitoring\.grafanaHost/,
  ],
  // quantities
  ["negative cpu quota", (r) => (r.projects[0].quota.cpu = "-4"), "projects[0].quota.cpu", /must not be negative/],
  [
    "negative ephemeral quota",
    (r) => (r.projects[0].quota.ephemeralStorage = "-1Gi"),
    "projects[0].quota.ephemeralStorage",
    /must not be negative/,
  ],
  [
    "negative default limit",
    (r) => (r.projects[0].limits.defaultMemory = "-512Mi"),
    "projects[0].limits.defaultMemory",
    /must not be negative/,
  ],
  [
    "negative storage class quota",
    (r) => (r.projects[3].quota.storageClasses.glusterfs = "-1Ti"),
    "projects[3].quota.storageClasses.glusterfs",
    /must not be negative/,
  ],
  [
    "ephemeral quantity typo",
    (r) => (r.projects[0].quota.limitsEphemeralStorage = "200GB"),
    "projects[0].quota.limitsEphemeralStorage",
    /try 200Gi/,
  ],
  ["secrets count negative", (r) => (r.projects[0].quota.secrets = -1), "projects[0].quota.secrets", /at least 0/],
  [
    "ephemeral requests above limits",
    (r) => Object.assign(r.projects[0].quota, { ephemeralStorage: "300Gi" }),
    "projects[0].quota.ephemeralStorage",
    /exceeds quota.limitsEphemeralStorage/,
  ],
  [
    "ephemeral default request above default",
    (r) => (r.projects[0].limits.defaultRequestEphemeralStorage = "2Gi"),
    "projects[0].limits.defaultRequestEphemeralStorage",
    /exceeds limits.defaultEphemeralStorage/,
  ],
  [
    "ephemeral default above max",
    (r) => (r.projects[0].limits.maxEphemeralStorage = "512Mi"),
    "projects[0].limits.defaultEphemeralStorage",
    /exceeds limits.maxEphemeralStorage/,
  ],
  // egress
  [
    "egress over the pod network",
    (r) => (r.projects[3].egress = ["172.20.0.0/24"]),
    "projects[3].egress[0]",
    /network.podCidr 172\.20\.0\.0\/16/,
  ],
  [
    "egress over the service network",
    (r) => (r.projects[3].egress = ["10.68.0.0/24"]),
    "projects[3].egress[0]",
    /network.serviceCidr/,
  ],
  [
    "egress over the hosts",
    (r) => (r.projects[3].egress = ["10.10.1.0/24"]),
    "projects[3].egress[0]",
    /host etcd-1 \(10\.10\.1\.11\)/,
  ],
  [
    "egress to the whole internet",
    (r) => (r.projects[3].egress = ["0.0.0.0/0"]),
    "projects[3].egress[0]",
    /covers the cluster's own/,
  ],
  [
    "egress to the registry VIP",
    (r) => (r.projects[3].egress = ["10.10.4.10/32"]),
    "projects[3].egress[0]",
    /the registry VIP/,
  ],
  [
    "egress to the apiserver VIP",
    (r) => (r.projects[3].egress = ["10.10.1.20/32"]),
    "projects[3].egress[0]",
    /the apiserver VIP/,
  ],
  // application logs
  [
    "app logs in /etc",
    (r) => (r.projects[3].appLogPaths = ["/etc/shadow"]),
    "projects[3].appLogPaths[0]",
    /must be under \/var\/log\/projects\/data-pipeline\//,
  ],
  [
    "app logs of another project",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/search-web/*.log"]),
    "projects[3].appLogPaths[0]",
    /outside the project's log directory/,
  ],
  [
    "app logs with ..",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/../../secure"]),
    "projects[3].appLogPaths[0]",
    /no segment starting with '\.'/,
  ],
  [
    "app logs walking hidden entries",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/.*/x.log"]),
    "projects[3].appLogPaths[0]",
    /no segment starting/,
  ],
  [
    "app logs as a Fluent Bit list",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/a.log,/etc/shadow"]),
    "projects[3].appLogPaths[0]",
    /absolute file pattern/,
  ],
  [
    "app logs with an env reference",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/${HOME}.log"]),
    "projects[3].appLogPaths[0]",
    /absolute file pattern/,
  ],
  [
    "app logs with a newline",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/a.log\n[OUTPUT]"]),
    "projects[3].appLogPaths[0]",
    /absolute file pattern/,
  ],
  [
    "app log directory itself",
    (r) => (r.projects[3].appLogPaths = ["/var/log/projects/data-pipeline/"]),
    "projects[3].appLogPaths[0]",
    /absolute file pattern/,
  ],
  [
    "relative app logs",
    (r) => (r.projects[3].appLogPaths = ["logs/*.log"]),
    "projects[3].appLogPaths[0]",
    /absolute file pattern/,
  ],
  // TCP ports
  [
    "TCP port taken by another project",
    (r) => (byName(r, "news-feed").tcp = { "6379": "cache:6379" }),
    "projects[4].tcp.6379",
    /already given to projects\[1\] \(search-api\); news-feed and search-api cannot share/,
  ],
  [
    "TCP port of the controller",
    (r) => (byName(r, "news-feed").tcp = { "8080": "web:80" }),
    "projects[4].tcp.8080",
    /traefik's own entry point/,
  ],
  [
    "TCP port 443",
    (r) => (byName(r, "news-feed").tcp = { "443": "web:443" }),
    "projects[4].tcp.443",
    /privileged port/,
  ],
  [
    "TCP port of node-exporter",
    (r) => (byName(r, "news-feed").tcp = { "9100": "x:1" }),
    "projects[4].tcp.9100",
    /node-exporter/,
  ],
  ["TCP port of kubelet", (r) => (byName(r, "news-feed").tcp = { "10250": "x:1" }), "projects[4].tcp.10250", /kubelet/],
  [
    "TCP port in the NodePort range",
    (r) => (byName(r, "news-feed").tcp = { "30080": "x:1" }),
    "projects[4].tcp.30080",
    /NodePort range/,
  ],
  [
    "TCP port of the apiserver VIP",
    (r) => (byName(r, "news-feed").tcp = { "8443": "x:1" }),
    "projects[4].tcp.8443",
    /apiserver/,
  ],
  [
    "TCP port above 65535",
    (r) => (byName(r, "news-feed").tcp = { "70000": "x:1" }),
    "projects[4].tcp.70000",
    /not a port number/,
  ],
  [
    "TCP port not a number",
    (r) => (byName(r, "news-feed").tcp = { redis: "x:1" }),
    "projects[4].tcp.redis",
    /port number/,
  ],
  [
    "TCP target in another namespace",
    (r) => (byName(r, "news-feed").tcp = { "16379": "search-api/redis:6379" }),
    "projects[4].tcp.16379",
    /service:port of a Service in the project/,
  ],
  [
    "TCP target without port",
    (r) => (byName(r, "news-feed").tcp = { "16379": "redis" }),
    "projects[4].tcp.16379",
    /service:port/,
  ],
  [
    "TCP target port too large",
    (r) => (byName(r, "news-feed").tcp = { "16379": "redis:99999" }),
    "projects[4].tcp.16379",
    /service port 99999/,
  ],
  [
    "TCP without the ingress controller",
    (r) => (r.addons.ingress.enabled = false),
    "projects[1].tcp",
    /needs the ingress controller/,
  ],
  // pull secrets
  [
    "pull secret without password",
    (r) => delete r.projects[1].pullSecrets[0].password,
    "projects[1].pullSecrets[0].password",
    /is required/,
  ],
  [
    "pull secret with a scheme",
    (r) => (r.projects[1].pullSecrets[0].server = "https://registry.partner.example.com"),
    "projects[1].pullSecrets[0].server",
    /no scheme/,
  ],
  [
    "pull secret user with ':'",
    (r) => (r.projects[1].pullSecrets[0].username = "a:b"),
    "projects[1].pullSecrets[0].username",
    /no ':' or spaces/,
  ],
  [
    "pull secret for the platform registry",
    (r) => (r.projects[1].pullSecrets[0].server = "reg.example.internal"),
    "projects[1].pullSecrets[0].server",
    /is the platform registry/,
  ],
  [
    "pull secret twice for one registry",
    (r) => r.projects[1].pullSecrets.push({ ...r.projects[1].pullSecrets[0] }),
    "projects[1].pullSecrets[1].server",
    /already listed/,
  ],
  [
    "pull secret with an unknown key",
    (r) => (r.projects[1].pullSecrets[0].email = "x@example.com"),
    "projects[1].pullSecrets[0].email",
    /unknown key/,
  ],
];

describe("project config: bad input", () => {
  it("accepts prod: TCP 6379 for search-api, its partner registry and data-pipeline's log directory", () => {
    const result = load(prodConfig());
    assert.ok(result.ok, result.ok ? "" : formatProblems(result.errors));
    const api = result.spec.projects.find((p) => p.name === "search-api");
    assert.deepEqual(api?.tcp, { "6379": "redis:6379" });
    assert.equal(api?.pullSecrets[0].server, "registry.partner.example.com");
    assert.equal(result.spec.projects[0].quota.secrets, 100, "defaults");
    assert.equal(result.spec.projects[0].quota.ephemeralStorage, "100Gi");
  });

  for (const [what, mutate, path, message] of BAD) {
    it(`rejects: ${what} (${path})`, () => {
      const found = problems(mutate);
      const match = found.find((p) => p.path === path && message.test(p.message));
      assert.ok(match, `expected a problem at ${path} matching ${message}; got:\n${formatProblems(found)}`);
    });
  }

  it("never echoes a pull secret password in a problem", () => {
    const found = problems((r) => {
      r.projects[1].pullSecrets[0].password = "hunter2-SECRET";
      r.projects[1].pullSecrets[0].server = "https://bad";
    });
    assert.ok(!formatProblems(found).includes("hunter2-SECRET"));
  });

  it("reports every project problem of a config at once", () => {
    const found = problems((r) => {
      r.projects[0].members[0].user = "system:admin";
      r.projects[3].egress = ["0.0.0.0/0"];
      byName(r, "news-feed").tcp = { "6379": "x:1" };
      r.projects[3].appLogPaths = ["/etc/passwd"];
    }).map((p) => p.path);
    // The member is a shape error (projects does not parse), so the cross-field rules wait for it:
    assert.deepEqual(found, ["projects[0].members[0].user"]);
    const cross = problems((r) => {
      r.projects[3].egress = ["0.0.0.0/0"];
      byName(r, "news-feed").tcp = { "6379": "x:1" };
      r.projects[3].appLogPaths = ["/etc/passwd"];
      byName(r, "ads-platform").domains.push("*.search.example.com");
    }).map((p) => p.path);
    assert.deepEqual(
      [...cross].sort(),
      ["projects[2].domains[1]", "projects[3].appLogPaths[0]", "projects[3].egress[0]", "projects[4].tcp.6379"].sort(),
    );
  });

  it("domain overlap is wildcard-aware, one label deep", () => {
    assert.ok(domainsOverlap("*.example.com", "api.example.com"));
    assert.ok(domainsOverlap("api.example.com", "*.example.com"));
    assert.ok(domainsOverlap("*.example.com", "*.example.com"));
    assert.ok(!domainsOverlap("*.a.example.com", "b.example.com"));
    assert.ok(!domainsOverlap("*.example.com", "a.b.example.com"));
    assert.ok(!domainsOverlap("*.example.com", "*.a.example.com"));
    assert.ok(!domainsOverlap("*.example.com", "example.com"));
    assert.ok(!domainsOverlap("xexample.com", "*.example.com"));
  });

  it("the reserved TCP ports are ordered ranges inside 1-65535", () => {
    for (const r of reservedTcpPorts(8443)) {
      assert.ok(r.from >= 1 && r.to <= 65535 && r.from <= r.to, JSON.stringify(r));
      assert.ok(r.why.length > 5);
    }
  });
});
