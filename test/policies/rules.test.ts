/**
 * One block per rule: a compliant input passes; each violation is reported on the right
 * resource with a message naming it and saying how to fix it.
 */
import assert from "node:assert/strict";
import { controlPlaneFlags, etcdCertAuth } from "../../policies/rules/controlPlane";
import { ingressProjectDomains, ingressTls, ingressUniqueHosts } from "../../policies/rules/ingress";
import { secretsNotPlaintext } from "../../policies/rules/secrets";
import { apiserverBehindVip, etcdQuorum, masterCount, projectIsolation } from "../../policies/rules/stack";
import { glusterGeometry, storageClassRetain } from "../../policies/rules/storage";
import { renderTcpRoutes } from "../../components/project/renderTcp";
import {
  DEFAULT_RULE_CONFIG,
  type PolicyResource,
  type Rule,
  type RuleConfig,
  type Violation,
} from "../../policies/rules/types";
import {
  workloadHostAccess,
  workloadImageTag,
  workloadPrivileged,
  workloadRegistry,
  workloadRequests,
} from "../../policies/rules/workloads";
import {
  FAKE_KEY,
  cluster,
  command,
  controlPlaneFiles,
  controlPlaneOf,
  copy,
  deployment,
  etcdUnits,
  ingress,
  kube,
  kubeconfig,
  project,
  projectBundle,
  resource,
  spec,
  storageClass,
  view,
  volumeCommand,
  workerCredentials,
} from "./fixtures";

function check(
  rule: Rule,
  resources: readonly PolicyResource[],
  config: Partial<RuleConfig> = {},
  secretsMarked = true,
): Violation[] {
  const c = { ...DEFAULT_RULE_CONFIG, ...config };
  return rule.scope === "stack"
    ? rule.check(view(resources, secretsMarked), c)
    : resources.flatMap((r) => rule.check(r, c, { secretsMarked }));
}

/** Exactly one violation per expected resource, each naming it, saying `says` and a fix. */
function expectViolations(
  found: Violation[],
  rule: Rule,
  expected: readonly { on: PolicyResource | ""; says: RegExp }[],
): void {
  assert.equal(
    found.length,
    expected.length,
    `expected ${expected.length} violation(s), got:\n${found.map((v) => v.message).join("\n")}`,
  );
  expected.forEach((e, i) => {
    const v = found[i];
    assert.equal(v.policy, rule.name);
    assert.equal(v.urn, e.on === "" ? "" : e.on.urn);
    if (e.on !== "") assert.ok(v.message.includes(`"${e.on.name}"`), `message names the resource: ${v.message}`);
    assert.match(v.message, e.says);
    assert.match(v.message, /[Ff]ix/, `message says how to fix: ${v.message}`);
  });
}

const [master1, master2] = spec.topology.masters;
const worker = spec.topology.workers[0];

describe("policy rules", () => {
  describe("etcd-quorum", () => {
    it("passes 3 members", () => assert.deepEqual(check(etcdQuorum, etcdUnits()), []));
    it("reports 2 and 4 members, and none", () => {
      const two = etcdUnits(2);
      expectViolations(check(etcdQuorum, two), etcdQuorum, [
        { on: two[0], says: /2 member\(s\).*odd count >= 3.*etcd role/ },
      ]);
      const four = [
        ...etcdUnits(),
        copy(
          "etcd-etcd-4-etcd.service",
          "10.10.1.14",
          "/x",
          "ExecStart=/usr/local/bin/etcd --name=etcd-4 --data-dir=/var/lib/etcd",
        ),
      ];
      expectViolations(check(etcdQuorum, four), etcdQuorum, [{ on: four[0], says: /4 member\(s\)/ }]);
      expectViolations(check(etcdQuorum, []), etcdQuorum, [{ on: "", says: /no etcd member unit/ }]);
    });
  });

  describe("control-plane-ha", () => {
    it("passes 2 masters", () => assert.deepEqual(check(masterCount, cluster()), []));
    it("reports a single master", () => {
      const one = controlPlaneOf(master1);
      expectViolations(check(masterCount, one), masterCount, [
        { on: one[0], says: new RegExp(`1 master \\(${master1.address}`) },
      ]);
    });
  });

  describe("apiserver-behind-vip", () => {
    it("passes kubeconfigs on the VIP off-master and loopback on masters", () =>
      assert.deepEqual(check(apiserverBehindVip, cluster()), []));
    it("reports a worker kubeconfig on one master, and loopback off-master", () => {
      const direct = workerCredentials(`https://${master1.address}:6443`);
      const loop = workerCredentials("https://127.0.0.1:6443", spec.topology.workers[1]);
      const found = check(apiserverBehindVip, [
        ...cluster().filter((r) => !r.name.endsWith("-credentials")),
        direct,
        loop,
      ]);
      expectViolations(found, apiserverBehindVip, [
        {
          on: direct,
          says: new RegExp(
            `kubelet.conf for host ${worker.address} uses apiserver https://${master1.address}:6443, not the VIP.*https://${spec.apiserver.vip}`,
          ),
        },
        { on: loop, says: /uses apiserver https:\/\/127\.0\.0\.1:6443/ },
      ]);
    });
    it("reports the cluster provider off the VIP", () => {
      const provider = resource("pulumi:providers:kubernetes", "cluster", {
        kubeconfig: { $secret: kubeconfig(`https://${master2.address}:6443`, "admin") },
      });
      expectViolations(check(apiserverBehindVip, [...cluster(), provider]), apiserverBehindVip, [
        { on: provider, says: /kubeconfig kubeconfig uses apiserver/ },
      ]);
    });
    it("reports masters without a keepalived VIP", () => {
      const noVip = cluster().filter((r) => !r.name.endsWith("-keepalived"));
      expectViolations(check(apiserverBehindVip, noVip), apiserverBehindVip, [
        {
          on: noVip.find((r) => r.name.includes("control-plane")) as PolicyResource,
          says: /no keepalived VRRP instance/,
        },
      ]);
    });
    it("uses the configured endpoint when set", () => {
      const dns = "https://k8s-api.example.internal:8443";
      const byName = workerCredentials(dns);
      const others = cluster().filter((r) => !r.name.endsWith("-credentials"));
      assert.deepEqual(check(apiserverBehindVip, [...others, byName], { apiserverEndpoint: dns }), []);
      assert.equal(check(apiserverBehindVip, [...others, byName]).length, 1);
    });
  });

  describe("project-isolation", () => {
    it("passes the Project component's bundle", () => assert.deepEqual(check(projectIsolation, projectBundle()), []));
    it("reports a missing quota, limit range and default-deny policy", () => {
      const bundle = projectBundle();
      const ns = bundle[0];
      const withoutQuota = bundle.filter((r) => !r.name.endsWith("-quota"));
      expectViolations(check(projectIsolation, withoutQuota), projectIsolation, [
        { on: ns, says: /project namespace "search-web" lacks a ResourceQuota\./ },
      ]);
      const withoutLimits = bundle.filter((r) => !r.name.endsWith("-limits"));
      expectViolations(check(projectIsolation, withoutLimits), projectIsolation, [
        { on: ns, says: /lacks a LimitRange/ },
      ]);
      const withoutDeny = bundle.filter((r) => !r.name.endsWith("-default-deny"));
      expectViolations(check(projectIsolation, withoutDeny), projectIsolation, [
        { on: ns, says: /default-deny NetworkPolicy \(ingress and egress not denied\)/ },
      ]);
    });
    it("checks namespaces named in the policy config", () => {
      const found = check(projectIsolation, [], { projectNamespaces: ["legacy-team"] });
      expectViolations(found, projectIsolation, [
        { on: "", says: /namespace "legacy-team".*lacks a ResourceQuota, a LimitRange, a default-deny/ },
      ]);
    });
  });

  describe("control-plane-flags", () => {
    const withFiles = (edit: (files: Record<string, string>) => void): PolicyResource[] => {
      const files = controlPlaneFiles(master1);
      edit(files);
      return controlPlaneOf(master1, files);
    };
    const apiserverFlag = (files: Record<string, string>, from: RegExp, to: string) => {
      assert.match(files.apiserverUnit, from);
      files.apiserverUnit = files.apiserverUnit.replace(from, to);
    };
    it("passes the control-plane renderers' output", () => assert.deepEqual(check(controlPlaneFlags, cluster()), []));
    it("accepts --anonymous-auth=false instead of an authentication config", () => {
      const r = withFiles((f) => apiserverFlag(f, /--authentication-config=\S+/, "--anonymous-auth=false"));
      assert.deepEqual(check(controlPlaneFlags, r), []);
    });
    const cases: [string, (f: Record<string, string>) => void, RegExp][] = [
      [
        "anonymous auth on",
        (f) => apiserverFlag(f, /--authentication-config=\S+/, "--anonymous-auth=true"),
        /--anonymous-auth=true.*fix: --anonymous-auth=false/,
      ],
      [
        "anonymous auth by default",
        (f) => apiserverFlag(f, /--authentication-config=\S+/, "--v=2"),
        /anonymous auth is on by default/,
      ],
      [
        "anonymous beyond health",
        (f) => (f.authenticationConfig = f.authenticationConfig.replace("/livez", "/api")),
        /enables anonymous requests beyond \/healthz/,
      ],
      [
        "authentication config not installed",
        (f) => delete f.authenticationConfig,
        /authentication-config.yaml is not installed by the stack/,
      ],
      [
        "AlwaysAllow",
        (f) => apiserverFlag(f, /--authorization-mode=Node,RBAC/, "--authorization-mode=AlwaysAllow"),
        /--authorization-mode=AlwaysAllow \(fix: --authorization-mode=Node,RBAC\)/,
      ],
      [
        "RBAC only",
        (f) => apiserverFlag(f, /--authorization-mode=Node,RBAC/, "--authorization-mode=RBAC"),
        /--authorization-mode=RBAC/,
      ],
      [
        "no encryption",
        (f) => apiserverFlag(f, /--encryption-provider-config=\S+/, "--v=2"),
        /no --encryption-provider-config/,
      ],
      [
        "identity first",
        (f) =>
          (f.encryptionConfig =
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: [{identity: {}}]\n"),
        /does not encrypt secrets/,
      ],
      ["no audit log", (f) => apiserverFlag(f, /--audit-log-path=\S+/, "--v=2"), /audit logging is not configured/],
      [
        "profiling",
        (f) => apiserverFlag(f, /--profiling=false/, "--profiling=true"),
        /kube-apiserver .*profiling is on \(fix: --profiling=false\)/,
      ],
      [
        "scheduler profiling",
        (f) => (f.schedulerUnit = f.schedulerUnit.replace("--profiling=false", "--profiling=true")),
        /kube-scheduler .*profiling is on/,
      ],
    ];
    for (const [what, edit, says] of cases) {
      it(`reports ${what}`, () => {
        const r = withFiles(edit);
        expectViolations(check(controlPlaneFlags, r), controlPlaneFlags, [{ on: r[0], says }]);
      });
    }
  });

  describe("etcd-cert-auth", () => {
    it("passes the etcd renderer's units", () => assert.deepEqual(check(etcdCertAuth, etcdUnits()), []));
    const cases: [string, (f: string[]) => string[], RegExp][] = [
      [
        "client cert auth off",
        (f) => f.map((x) => x.replace("--client-cert-auth=true", "--client-cert-auth=false")),
        /client cert auth is off \(fix: --client-cert-auth=true/,
      ],
      ["peer cert auth off", (f) => f.filter((x) => !x.startsWith("--peer-client-cert-auth")), /peer cert auth is off/],
      [
        "plain http clients",
        (f) => f.map((x) => (x.startsWith("--listen-client-urls") ? x.replace(/https:/g, "http:") : x)),
        /--listen-client-urls has plain http/,
      ],
      ["auto tls", (f) => f.map((x) => x.replace("--auto-tls=false", "--auto-tls=true")), /auto-tls is on/],
    ];
    for (const [what, edit, says] of cases) {
      it(`reports ${what}`, () => {
        const units = etcdUnits(1, edit);
        expectViolations(check(etcdCertAuth, units), etcdCertAuth, [
          { on: units[0], says: new RegExp(`etcd member etcd-1 in .*${says.source}`) },
        ]);
      });
    }
  });

  describe("workloads in project namespaces", () => {
    const bundle = projectBundle();
    it("pass when compliant; add-on namespaces are out of scope", () => {
      const ok = [...bundle, deployment("search-web")];
      const addon = deployment("kube-system", "cni", (pod, c) => {
        pod.hostNetwork = true;
        c.image = "quay.io/calico/node:latest";
        (c.securityContext as Record<string, unknown>).privileged = true;
      });
      for (const rule of [
        workloadRegistry,
        workloadPrivileged,
        workloadHostAccess,
        workloadRequests,
        workloadImageTag,
      ]) {
        assert.deepEqual(check(rule, [...ok, addon]), [], rule.name);
      }
    });
    it("workload-image-registry: the pull secret's registry by default, the configured allow-list otherwise", () => {
      const bad = deployment("search-web", "web", (_p, c) => (c.image = "docker.io/library/nginx:1.27"));
      expectViolations(check(workloadRegistry, [...bundle, bad]), workloadRegistry, [
        {
          on: bad,
          says: /image "docker.io\/library\/nginx:1.27" is from docker.io, not an allowed registry \(reg.example.internal\)/,
        },
      ]);
      const hub = deployment("search-web", "web", (_p, c) => (c.image = "nginx:1.27"));
      assert.equal(check(workloadRegistry, [...bundle, hub]).length, 1);
      assert.deepEqual(check(workloadRegistry, [...bundle, bad], { allowedRegistries: ["docker.io/library"] }), []);
      const noSecret = projectBundle(project(), false);
      expectViolations(check(workloadRegistry, [...noSecret, deployment("search-web")]), workloadRegistry, [
        { on: deployment("search-web"), says: /none configured: set allowedRegistries/ },
      ]);
      assert.deepEqual(
        check(workloadRegistry, [...noSecret, deployment("search-web")], {
          allowedRegistries: [spec.endpoints.registry],
        }),
        [],
      );
    });
    it("workload-no-privileged", () => {
      const bad = deployment(
        "search-web",
        "web",
        (_p, c) => ((c.securityContext as Record<string, unknown>).privileged = true),
      );
      expectViolations(check(workloadPrivileged, [...bundle, bad]), workloadPrivileged, [
        { on: bad, says: /container "app": securityContext.privileged is true/ },
      ]);
    });
    it("workload-no-host-access: hostNetwork, hostPID, hostPath", () => {
      const bad = deployment("search-web", "web", (pod) => {
        pod.hostNetwork = true;
        pod.hostPID = true;
        pod.volumes = [{ name: "root", hostPath: { path: "/" } }];
      });
      expectViolations(check(workloadHostAccess, [...bundle, bad]), workloadHostAccess, [
        { on: bad, says: /hostNetwork: true/ },
        { on: bad, says: /hostPID: true/ },
        { on: bad, says: /hostPath volume "root" \(\/\)/ },
      ]);
    });
    it("workload-resource-requests (advisory)", () => {
      const bad = deployment("search-web", "web", (_p, c) => (c.resources = { requests: { cpu: "1" } }));
      expectViolations(check(workloadRequests, [...bundle, bad]), workloadRequests, [
        { on: bad, says: /no resources.requests.memory/ },
      ]);
      assert.equal(workloadRequests.level, "advisory");
    });
    it("workload-image-tag (advisory): latest and untagged, digests pass", () => {
      const latest = deployment("search-web", "a", (_p, c) => (c.image = "reg.example.internal/search-web/web:latest"));
      const untagged = deployment("search-web", "b", (_p, c) => (c.image = "reg.example.internal:5000/search-web/web"));
      const digest = deployment(
        "search-web",
        "c",
        (_p, c) => (c.image = `reg.example.internal/search-web/web@sha256:${"a".repeat(64)}`),
      );
      expectViolations(check(workloadImageTag, [...bundle, latest, untagged, digest]), workloadImageTag, [
        { on: latest, says: /uses latest/ },
        { on: untagged, says: /has no tag/ },
      ]);
      assert.equal(workloadImageTag.level, "advisory");
    });
    it("covers CronJobs, and namespaces from the policy config", () => {
      const cron = kube("kubernetes:batch/v1:CronJob", "legacy-report", {
        metadata: { name: "report", namespace: "legacy" },
        spec: {
          schedule: "@daily",
          jobTemplate: {
            spec: {
              template: {
                spec: { containers: [{ name: "r", image: "busybox", securityContext: { privileged: true } }] },
              },
            },
          },
        },
      });
      assert.deepEqual(check(workloadPrivileged, [cron]), []);
      expectViolations(check(workloadPrivileged, [cron], { projectNamespaces: ["legacy"] }), workloadPrivileged, [
        { on: cron, says: /privileged/ },
      ]);
    });
  });

  describe("ingress", () => {
    const web = projectBundle(project("search-web"));
    const news = projectBundle(project("news-feed"));
    const pipeline = projectBundle(project("data-pipeline"));
    it("ingress-project-domains: own domains and wildcards pass, others are reported", () => {
      const ok = ingress("search-web", "site", ["search.example.com", "www.search.example.com"]);
      const wild = ingress("news-feed", "edition", ["us.news.example.com"]);
      assert.deepEqual(check(ingressProjectDomains, [...web, ...news, ok, wild]), []);
      const stolen = ingress("search-web", "ads", ["ads.example.com"]);
      const deep = ingress("news-feed", "deep", ["a.b.news.example.com"]);
      const catchAll = ingress("news-feed", "all", [""], []);
      expectViolations(check(ingressProjectDomains, [...web, ...news, stolen, deep, catchAll]), ingressProjectDomains, [
        {
          on: stolen,
          says: /host "ads.example.com" is not one of project search-web's domains \(search.example.com, www.search.example.com\).*projects\[name=search-web\].domains/,
        },
        { on: deep, says: /host "a.b.news.example.com"/ },
        { on: catchAll, says: /a rule without host/ },
      ]);
    });
    it("ingress-project-domains: traefik routes use own hosts, TCP routes own ports (the stack's own route passes)", () => {
      const api = projectBundle(project("search-api"));
      const tcp = renderTcpRoutes(project("search-api")).map((r) =>
        kube("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", `search-api-${r.metadata.name}`, r),
      );
      assert.equal(tcp.length, 1);
      const route = (ns: string, name: string, match: string) =>
        kube("kubernetes:traefik.io/v1alpha1:IngressRoute", `${ns}-${name}`, {
          apiVersion: "traefik.io/v1alpha1",
          kind: "IngressRoute",
          metadata: { name, namespace: ns },
          spec: { entryPoints: ["websecure"], routes: [{ kind: "Rule", match, services: [{ name, port: 80 }] }] },
        });
      const own = route("search-api", "api", "Host(`api.search.example.com`) && PathPrefix(`/v1`)");
      assert.deepEqual(check(ingressProjectDomains, [...api, ...tcp, own]), []);
      const stolen = route("search-api", "steal", "Host(`ads.example.com`)");
      const open = route("search-api", "open", "PathPrefix(`/`)");
      const foreignPort = kube("kubernetes:traefik.io/v1alpha1:IngressRouteTCP", "news-feed-tcp", {
        metadata: { name: "tcp", namespace: "news-feed" },
        spec: { entryPoints: ["tcp-6379"], routes: [{ match: "HostSNI(`*`)", services: [{ name: "x", port: 1 }] }] },
      });
      expectViolations(
        check(ingressProjectDomains, [...api, ...news, stolen, open, foreignPort]),
        ingressProjectDomains,
        [
          { on: stolen, says: /host "ads.example.com" is not one of project search-api's domains/ },
          { on: open, says: /without Host\(\) catches every host/ },
          { on: foreignPort, says: /entry point "tcp-6379" is not one of the project's TCP ports \(none\)/ },
        ],
      );
    });
    it("ingress-unique-hosts: a host in two namespaces is reported once on the second", () => {
      const a = ingress("search-web", "site", ["search.example.com"]);
      const b = ingress("news-feed", "copy", ["search.example.com"]);
      const sameNs = ingress("search-web", "site2", ["search.example.com"]);
      assert.deepEqual(check(ingressUniqueHosts, [a, sameNs]), []);
      expectViolations(check(ingressUniqueHosts, [a, sameNs, b]), ingressUniqueHosts, [
        {
          on: b,
          says: /\(namespace news-feed\) claims host "search.example.com", already claimed in namespace search-web/,
        },
      ]);
    });
    it("ingress-tls (advisory): internal hosts need none, public ones do", () => {
      const internal = ingress("data-pipeline", "ui", ["pipeline.internal.example.com"], []);
      const secured = ingress("search-web", "site", ["search.example.com"]);
      const plain = ingress("search-web", "plain", ["www.search.example.com"], []);
      expectViolations(check(ingressTls, [...web, ...pipeline, internal, secured, plain]), ingressTls, [
        { on: plain, says: /host "www.search.example.com" is served without TLS/ },
      ]);
      assert.equal(ingressTls.level, "advisory");
    });
  });

  describe("secrets-not-plaintext", () => {
    it("passes secrets kept secret and kubernetes Secret data", () => {
      const ok = [
        command("prep", worker.address, "echo ok"),
        workerCredentials(),
        copy("key", worker.address, "/k", FAKE_KEY, true),
        ...projectBundle(),
      ];
      assert.deepEqual(check(secretsNotPlaintext, ok), []);
    });
    it("reports plain keys, base64 keys in files, and credentials by name or assignment", () => {
      const pem = copy("apiserver-key", master1.address, "/etc/kubernetes/pki/apiserver.key", FAKE_KEY);
      const kc = Buffer.from(kubeconfig(spec.endpoints.apiserver, "kubelet")).toString("base64");
      const bundled = command(
        "node-files",
        worker.address,
        `NODE_FILES='kubelet 0600 /etc/kubernetes/kubelet.conf ${kc}'`,
      );
      const named = resource("command:remote:Command", "harbor", {
        connection: { host: "10.10.4.11", privateKey: { $secret: FAKE_KEY } },
        create: "true",
        environment: { HARBOR_PASSWORD: "S3cret-pass" },
      });
      const yaml = copy(
        "harbor-yml",
        "10.10.4.11",
        "/opt/harbor/harbor.yml",
        "hostname: reg\nharbor_admin_password: Hunter2-Hunter2\n",
      );
      const found = check(secretsNotPlaintext, [pem, bundled, named, yaml]);
      expectViolations(found, secretsNotPlaintext, [
        { on: pem, says: /input source holds a PEM EC private key in plain text/ },
        {
          on: bundled,
          says: /input stdin \(file \/etc\/kubernetes\/kubelet.conf\) holds a base64-encoded EC private key/,
        },
        { on: named, says: /input environment.HARBOR_PASSWORD holds a credential in "HARBOR_PASSWORD"/ },
        { on: yaml, says: /credential assignment \(harbor_admin_password=...\)/ },
      ]);
    });
    it("ignores references, paths and variables", () => {
      const script = command(
        "s",
        worker.address,
        'PASSWORD="$(cat /run/secret)"\n--token-auth-file=/etc/tokens.csv\nadmin_password=\nIFS= read -r admin_password\n--initial-cluster-token=prod-etcd\n',
      );
      assert.deepEqual(check(secretsNotPlaintext, [script]), []);
    });
    it("inside the pack (no secret marks) skips inputs that carry secrets by design", () => {
      const plainConn = resource("command:remote:Command", "c", {
        connection: { host: "h", privateKey: FAKE_KEY },
        create: "true",
        stdin: FAKE_KEY,
      });
      assert.deepEqual(check(secretsNotPlaintext, [plainConn], {}, false), []);
      assert.equal(check(secretsNotPlaintext, [plainConn], {}, true).length, 2);
      const inCreate = resource("command:remote:Command", "d", {
        connection: { host: "h" },
        create: `echo '${FAKE_KEY}' > /k`,
      });
      expectViolations(check(secretsNotPlaintext, [inCreate], {}, false), secretsNotPlaintext, [
        { on: inCreate, says: /input create holds a PEM/ },
      ]);
    });
  });

  describe("gluster-disperse-geometry", () => {
    it("passes the prod geometry (4+1) from the rendered volume script", () =>
      assert.deepEqual(check(glusterGeometry, [volumeCommand()]), []));
    it("reports 2 * redundancy >= disperse and zero redundancy", () => {
      const bad = volumeCommand(4, 2);
      expectViolations(check(glusterGeometry, [bad]), glusterGeometry, [
        { on: bad, says: /Gluster volume k8s-data has disperse 4, redundancy 2; needs .* 2 \* redundancy < disperse/ },
      ]);
      const none = volumeCommand(4, 0);
      expectViolations(check(glusterGeometry, [none]), glusterGeometry, [{ on: none, says: /redundancy 0/ }]);
    });
    it("reads a literal gluster volume create command", () => {
      const literal = command(
        "vol",
        "10.10.3.11",
        "gluster volume create data disperse 3 redundancy 2 transport tcp a:/b c:/d e:/f",
      );
      expectViolations(check(glusterGeometry, [literal]), glusterGeometry, [
        { on: literal, says: /volume data has disperse 3, redundancy 2/ },
      ]);
    });
  });

  describe("storageclass-retain (advisory)", () => {
    it("passes Retain", () => assert.deepEqual(check(storageClassRetain, [storageClass("Retain")]), []));
    it("reports Delete", () => {
      const sc = storageClass("Delete");
      expectViolations(check(storageClassRetain, [sc]), storageClassRetain, [
        { on: sc, says: /reclaimPolicy is Delete.*reclaimPolicy: Retain/ },
      ]);
    });
  });
});
