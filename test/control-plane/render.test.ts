/** Unit tests of the control plane's pure renderers. */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { installedFiles, renderControlPlaneBundle } from "../../components/control-plane/files";
import {
  ADMISSION_PLUGINS,
  CHECK_WEIGHT,
  controlPlaneFingerprint,
  DETECT_INTERFACE,
  haproxyConfigFor,
  keepalivedConfigFor,
  renderApiServerFlags,
  renderApiServerUnit,
  renderAuditPolicy,
  renderAuthenticationConfig,
  renderControllerManagerFlags,
  renderEncryptionConfig,
  renderHaproxyConfig,
  renderKeepalivedConfig,
  renderLbBundles,
  renderMasterBundles,
  type MasterSecrets,
  renderSchedulerFlags,
} from "../../components/control-plane/render";
import { flagArgs, flagValue, renderUnit } from "../../components/control-plane/renderUnit";
import { load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { loopbackConfig, loopbackSpec } from "./inventory";
import { fakeHostKey } from "../../stacks/plan/generate";

function specOf(raw: Record<string, unknown>) {
  const r = load(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

const KEY = Buffer.alloc(32, 7).toString("base64");

describe("control plane renderers", () => {
  const spec = loopbackSpec();
  const [m1, m2] = spec.topology.masters;

  describe("kube-apiserver", () => {
    const f = renderApiServerFlags(spec, m1);
    it("points at every etcd member's client URL and the configured service CIDR", () => {
      assert.equal(
        flagValue(f, "etcd-servers"),
        "https://127.0.0.11:2379,https://127.0.0.12:2379,https://127.0.0.13:2379",
      );
      assert.equal(flagValue(f, "service-cluster-ip-range"), spec.network.serviceCidr);
      assert.equal(flagValue(f, "advertise-address"), "127.0.0.21");
      assert.equal(flagValue(renderApiServerFlags(spec, m2), "advertise-address"), "127.0.0.22");
    });
    it("limits anonymous access through the authentication config and never sets --anonymous-auth with it", () => {
      assert.equal(flagValue(f, "anonymous-auth"), undefined);
      assert.equal(flagValue(f, "authentication-config"), "/etc/kubernetes/authentication-config.yaml");
    });
    it("is hardened: Node,RBAC, NodeRestriction, no profiling, TLS 1.2+, audit retention, encryption", () => {
      assert.equal(flagValue(f, "authorization-mode"), "Node,RBAC");
      assert.ok(ADMISSION_PLUGINS.every((p) => flagValue(f, "enable-admission-plugins")?.split(",").includes(p)));
      assert.equal(flagValue(f, "profiling"), "false");
      assert.equal(flagValue(f, "tls-min-version"), "VersionTLS12");
      assert.ok(Number(flagValue(f, "audit-log-maxage")) >= 30);
      assert.ok(Number(flagValue(f, "audit-log-maxbackup")) >= 10);
      assert.ok(Number(flagValue(f, "audit-log-maxsize")) >= 100);
      assert.equal(flagValue(f, "encryption-provider-config"), "/etc/kubernetes/encryption-config.yaml");
      assert.equal(flagValue(f, "service-account-issuer"), "https://kubernetes.default.svc.cluster.local");
      assert.equal(flagValue(f, "kubelet-certificate-authority"), "/etc/kubernetes/pki/ca.crt");
    });
    it("refuses Kubernetes releases without the anonymous authenticator config", () => {
      const old = { ...spec, versions: { ...spec.versions, kubernetes: "1.31.4" } };
      assert.throws(() => renderApiServerFlags(old, m1), /1\.32 or later/);
    });
    it("renders a systemd unit with one flag per line", () => {
      const unit = renderApiServerUnit(spec, m1);
      assert.match(unit, /^ExecStart=\/usr\/local\/bin\/kube-apiserver \\\n {2}--advertise-address=127\.0\.0\.21 \\$/m);
      assert.match(unit, /^Restart=always$/m);
      assert.match(unit, /^WantedBy=multi-user.target$/m);
    });
    it("rejects flag values systemd would split or expand", () => {
      assert.throws(() => flagArgs([{ name: "x", value: "a b" }]), /mangle/);
      assert.throws(() => flagArgs([{ name: "x", value: "$HOME" }]), /mangle/);
      assert.throws(
        () => renderUnit({ description: "d", documentation: "u", binary: "/b", flags: [{ name: "Bad", value: "1" }] }),
        /flag name/,
      );
    });
  });

  describe("controller-manager and scheduler", () => {
    it("bind loopback only, no profiling, service-account credentials, CSR signing with the cluster CA", () => {
      const cm = renderControllerManagerFlags(spec);
      const s = renderSchedulerFlags();
      for (const f of [cm, s]) {
        assert.equal(flagValue(f, "bind-address"), "127.0.0.1");
        assert.equal(flagValue(f, "profiling"), "false");
        assert.equal(flagValue(f, "leader-elect"), "true");
      }
      assert.equal(flagValue(cm, "use-service-account-credentials"), "true");
      assert.equal(flagValue(cm, "cluster-signing-key-file"), "/etc/kubernetes/pki/ca.key");
      assert.equal(flagValue(cm, "root-ca-file"), "/etc/kubernetes/pki/ca.crt");
      assert.equal(flagValue(cm, "service-account-private-key-file"), "/etc/kubernetes/pki/sa.key");
      assert.equal(flagValue(cm, "service-cluster-ip-range"), spec.network.serviceCidr);
    });
  });

  describe("security configs", () => {
    it("AuthenticationConfiguration: v1 from 1.34, v1beta1 on 1.32-1.33, anonymous only on health paths", () => {
      const v1 = parse(renderAuthenticationConfig("1.35.1")) as Record<string, unknown>;
      assert.equal(v1.apiVersion, "apiserver.config.k8s.io/v1");
      assert.equal(v1.kind, "AuthenticationConfiguration");
      assert.deepEqual(v1.anonymous, {
        enabled: true,
        conditions: [{ path: "/healthz" }, { path: "/readyz" }, { path: "/livez" }],
      });
      assert.equal(
        (parse(renderAuthenticationConfig("1.33.13")) as { apiVersion: string }).apiVersion,
        "apiserver.config.k8s.io/v1beta1",
      );
      assert.throws(() => renderAuthenticationConfig("1.31.0"));
    });
    it("EncryptionConfiguration: secretbox with the given key first, identity last", () => {
      const doc = parse(renderEncryptionConfig([{ name: "key1", secretBase64: KEY }])) as {
        kind: string;
        resources: {
          resources: string[];
          providers: Record<string, { keys?: { name: string; secret: string }[] }>[];
        }[];
      };
      assert.equal(doc.kind, "EncryptionConfiguration");
      assert.deepEqual(doc.resources[0].resources, ["secrets"]);
      assert.deepEqual(doc.resources[0].providers[0].secretbox.keys, [{ name: "key1", secret: KEY }]);
      assert.deepEqual(doc.resources[0].providers[1], { identity: {} });
      assert.throws(
        () => renderEncryptionConfig([{ name: "short", secretBase64: Buffer.alloc(16).toString("base64") }]),
        /32 bytes/,
      );
    });
    it("audit policy never records bodies of secrets, configmaps or token reviews", () => {
      const doc = parse(renderAuditPolicy()) as {
        kind: string;
        omitStages: string[];
        rules: { level: string; resources?: { group: string; resources?: string[] }[] }[];
      };
      assert.equal(doc.kind, "Policy");
      assert.deepEqual(doc.omitStages, ["RequestReceived"]);
      const secretsRule = doc.rules.findIndex((r) =>
        r.resources?.some((g) => g.group === "" && g.resources?.includes("secrets")),
      );
      const firstBodyRule = doc.rules.findIndex((r) => r.level === "Request" || r.level === "RequestResponse");
      assert.equal(doc.rules[secretsRule].level, "Metadata");
      assert.ok(secretsRule < firstBodyRule, "the Metadata rule for secrets must match first");
      assert.equal(doc.rules[doc.rules.length - 1].level, "Metadata");
    });
  });

  describe("haproxy.cfg", () => {
    const cfg = renderHaproxyConfig(haproxyConfigFor(spec));
    it("balances TCP to every master's apiserver with HTTPS /readyz checks verified against the cluster CA", () => {
      assert.match(cfg, /^ {2}server master-1 127\.0\.0\.21:6443$/m);
      assert.match(cfg, /^ {2}server master-2 127\.0\.0\.22:6443$/m);
      for (const line of [
        "option httpchk",
        "http-check connect ssl",
        "http-check send meth GET uri /readyz",
        "http-check expect status 200",
      ]) {
        assert.ok(cfg.includes(`  ${line}\n`), line);
      }
      assert.match(cfg, /check check-ssl verify required ca-file \/etc\/haproxy\/apiserver-ca\.crt/);
      assert.match(cfg, /^ {2}bind \*:8443$/m);
      assert.match(cfg, /^ {2}mode tcp$/m);
    });
    it("keeps quiet watches and log streams open for hours", () => {
      for (const t of ["client", "server", "tunnel"]) assert.match(cfg, new RegExp(`^  timeout ${t} \\d+h$`, "m"));
    });
    it("refuses to share the apiservers' port", () => {
      assert.throws(() => renderHaproxyConfig(haproxyConfigFor(spec, { port: 6443 })), /collides/);
    });
  });

  describe("keepalived.conf", () => {
    it("first master is MASTER, the others BACKUP with distinct lower priorities", () => {
      const c1 = keepalivedConfigFor(spec, m1);
      const c2 = keepalivedConfigFor(spec, m2);
      assert.equal(c1.state, "MASTER");
      assert.equal(c2.state, "BACKUP");
      assert.ok(c1.priority > c2.priority);
    });
    it("a failed check drops any master below every healthy one, so the VIP really moves", () => {
      const big = clone(prodConfig()) as { hosts: Record<string, unknown>[] };
      for (let i = 3; i <= 7; i++)
        big.hosts.push({
          name: `master-${i}`,
          address: `10.10.1.${20 + i}`,
          roles: ["master"],
          hostKey: fakeHostKey(`master-${i}`),
        });
      const s = specOf(big);
      const configs = s.topology.masters.map((m) => keepalivedConfigFor(s, m));
      const priorities = configs.map((c) => c.priority);
      assert.equal(new Set(priorities).size, priorities.length);
      assert.ok(
        CHECK_WEIGHT > Math.max(...priorities) - Math.min(...priorities),
        "weight must exceed the largest priority gap",
      );
      assert.ok(Math.min(...priorities) - CHECK_WEIGHT >= 1 && Math.max(...priorities) <= 255);
    });
    it("renders the VIP, router id, auth and the check; unicast peers when configured", () => {
      const text = renderKeepalivedConfig(keepalivedConfigFor(spec, m2, "pa55word"));
      assert.match(text, /virtual_router_id 51\n/);
      assert.match(text, /127\.0\.0\.20\/24 dev lo\n/);
      assert.match(text, /auth_pass pa55word\n/);
      assert.match(text, /weight -\d+\n/);
      assert.doesNotMatch(text, /unicast_peer/);
      const raw = loopbackConfig() as { apiserver: Record<string, unknown> };
      raw.apiserver.unicast = true;
      delete raw.apiserver.interface;
      const uni = renderKeepalivedConfig(keepalivedConfigFor(specOf(raw), m2));
      assert.match(uni, /unicast_src_ip 127\.0\.0\.22\n {2}unicast_peer {\n {4}127\.0\.0\.21\n {2}}/);
      assert.ok(
        uni.includes(`interface ${DETECT_INTERFACE}`),
        "the interface is detected at install when not configured",
      );
      assert.throws(() => renderKeepalivedConfig(keepalivedConfigFor(spec, m2, "toolongpassword")), /1-8/);
    });
  });

  describe("bundles", () => {
    const decode = (bundle: string) =>
      bundle
        .trim()
        .split("\n")
        .map((line) => {
          const [mode, path, b64] = line.split(" ");
          return { mode, path, content: Buffer.from(b64, "base64").toString("utf8") };
        });
    it("the master bundle carries each file with its CIS mode: keys, kubeconfigs, units, configs 0600", () => {
      const entries = decode(
        renderControlPlaneBundle({
          apiserverKey: "KEY\nPEM",
          apiserverCert: "CERT",
          adminKubeconfig: "kc",
          apiserverUnit: "u",
        }),
      );
      const byPath = new Map(entries.map((e) => [e.path, e]));
      assert.equal(byPath.get("/etc/kubernetes/pki/apiserver.key")?.mode, "0600");
      assert.equal(byPath.get("/etc/kubernetes/pki/apiserver.key")?.content, "KEY\nPEM");
      assert.equal(byPath.get("/etc/kubernetes/pki/apiserver.crt")?.mode, "0644");
      assert.equal(byPath.get("/etc/kubernetes/admin.conf")?.mode, "0600");
      assert.equal(byPath.get("/etc/systemd/system/kube-apiserver.service")?.mode, "0600");
      for (const f of installedFiles()) {
        if (f.path.endsWith(".key") || f.kind !== "cert") assert.equal(f.mode, "0600", f.path);
      }
    });
    it("the load-balancer bundles: haproxy.cfg, CA and check script reviewable; keepalived.conf (VRRP password) secret, 0600", () => {
      const bundles = renderLbBundles(spec, m1, "CA PEM", "pw");
      assert.deepEqual(Object.fromEntries(decode(bundles.config).map((e) => [e.path, e.mode])), {
        "/etc/haproxy/apiserver-ca.crt": "0644",
        "/etc/keepalived/check-haproxy.sh": "0755",
        "/etc/haproxy/haproxy.cfg": "0644",
      });
      assert.deepEqual(Object.fromEntries(decode(bundles.secrets).map((e) => [e.path, e.mode])), {
        "/etc/keepalived/keepalived.conf": "0600",
      });
      assert.ok(decode(bundles.config).every((e) => !e.content.includes("auth_pass")));
    });

    it("the master bundles: units, configs and certificates reviewable; keys, kubeconfigs and the encryption config secret", () => {
      const secrets = Object.fromEntries(
        [
          "clusterCaCert",
          "clusterCaSignerCert",
          "clusterCaKey",
          "etcdCaCert",
          "frontProxyCaCert",
          "apiserverCert",
          "apiserverKey",
          "apiserverKubeletClientCert",
          "apiserverKubeletClientKey",
          "apiserverEtcdClientCert",
          "apiserverEtcdClientKey",
          "frontProxyClientCert",
          "frontProxyClientKey",
          "serviceAccountKey",
          "serviceAccountPub",
          "adminKubeconfig",
          "controllerManagerKubeconfig",
          "schedulerKubeconfig",
        ].map((k) => [k, `${k}-content`]),
      ) as unknown as Omit<MasterSecrets, "encryptionKeys">;
      const bundles = renderMasterBundles(spec, m1, {
        ...secrets,
        encryptionKeys: [{ name: "key1", secretBase64: Buffer.alloc(32, 7).toString("base64") }],
      });
      const config = decode(bundles.config);
      const secret = decode(bundles.secrets);
      assert.ok(config.some((e) => e.path === "/etc/systemd/system/kube-apiserver.service"));
      assert.ok(config.some((e) => e.path === "/etc/kubernetes/pki/apiserver.crt"));
      for (const e of config) assert.ok(!/Key-content|Kubeconfig-content|secretbox/.test(e.content), e.path);
      assert.deepEqual(secret.map((e) => e.path).sort(), [
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/controller-manager.conf",
        "/etc/kubernetes/encryption-config.yaml",
        "/etc/kubernetes/pki/apiserver-etcd-client.key",
        "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "/etc/kubernetes/pki/apiserver.key",
        "/etc/kubernetes/pki/ca.key",
        "/etc/kubernetes/pki/front-proxy-client.key",
        "/etc/kubernetes/pki/sa.key",
        "/etc/kubernetes/scheduler.conf",
      ]);
    });
  });

  it("the control-plane fingerprint changes with the Kubernetes version and the inventory, not otherwise", () => {
    const a = controlPlaneFingerprint(spec);
    assert.equal(controlPlaneFingerprint(loopbackSpec()), a);
    const raw = loopbackConfig() as Record<string, unknown>;
    raw.versions = { kubernetes: "1.36.0" };
    assert.notEqual(controlPlaneFingerprint(specOf(raw)), a);
  });
});
