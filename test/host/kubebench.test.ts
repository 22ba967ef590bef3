/** kube-bench's test semantics as lib/kubeBench.ts implements them, and the manual checks met our own way. */
import { strict as assert } from "node:assert";
import { benchHost, CIS_CHECKS } from "../../components/host/cis";
import { benchPasses, compareOp, evaluateChecks } from "../../lib/kubeBench";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { renderKubeletConfig } from "../../components/worker/render";

describe("kube-bench test semantics", () => {
  const cmd = "/usr/local/bin/kube-apiserver --profiling=false --authorization-mode=Node,RBAC --allow-privileged";

  it("reads a flag's value after '=' or ': ', a bare --flag as true, and a missing one as not set", () => {
    assert.ok(
      benchPasses({ items: [{ flag: "--profiling", compare: { op: "eq", value: "false" } }] }, { output: cmd }),
    );
    assert.ok(
      benchPasses({ items: [{ flag: "--allow-privileged", compare: { op: "eq", value: "true" } }] }, { output: cmd }),
    );
    assert.ok(benchPasses({ items: [{ flag: "--token-auth-file", set: false }] }, { output: cmd }));
    assert.ok(!benchPasses({ items: [{ flag: "--token-auth-file" }] }, { output: cmd }));
    assert.ok(
      benchPasses(
        { items: [{ flag: "--authorization-mode", compare: { op: "has", value: "RBAC" } }] },
        { output: cmd },
      ),
    );
    assert.ok(
      benchPasses(
        { items: [{ flag: "permissions", compare: { op: "bitmask", value: "600" } }] },
        { output: "permissions=400" },
      ),
    );
    assert.ok(
      !benchPasses(
        { items: [{ flag: "permissions", compare: { op: "bitmask", value: "600" } }] },
        { output: "permissions=640" },
      ),
    );
  });

  it("falls back to the config file only when the flag is not on the command line", () => {
    const tests = { items: [{ flag: "--read-only-port", path: "{.readOnlyPort}", compare: { op: "eq", value: "0" } }] };
    assert.ok(benchPasses(tests, { output: "/usr/local/bin/kubelet --config=x", config: "readOnlyPort: 0\n" }));
    assert.ok(
      !benchPasses(tests, { output: "/usr/local/bin/kubelet --read-only-port=10255", config: "readOnlyPort: 0\n" }),
    );
    assert.ok(!benchPasses(tests, { output: "/usr/local/bin/kubelet", config: "readOnlyPort: 10255\n" }));
    const ciphers = {
      items: [
        {
          flag: "--tls-cipher-suites",
          path: "{range .tlsCipherSuites[:]}{}{','}{end}",
          compare: { op: "valid_elements", value: "A,B" },
        },
      ],
    };
    assert.ok(benchPasses(ciphers, { output: "kubelet", config: "tlsCipherSuites: [A, B]\n" }));
    assert.ok(!benchPasses(ciphers, { output: "kubelet", config: "tlsCipherSuites: [A, C]\n" }));
  });

  it("with use_multiple_values every line must pass; an empty output fails a test that wants a value", () => {
    const owner = { items: [{ flag: "root:root" }] };
    assert.ok(benchPasses(owner, { output: "root:root\nroot:root" }, true));
    assert.ok(!benchPasses(owner, { output: "root:root\netcd:etcd" }, true));
    assert.ok(!benchPasses(owner, { output: "" }, true));
    assert.equal(compareOp("gte", "30", "30"), true);
    assert.equal(compareOp("gte", "x", "30"), false);
    assert.equal(compareOp("noteq", "FALSE", "false"), false);
  });
});

describe("CIS manual checks met in our own way", () => {
  const at = (version: string) => {
    const raw = clone(prodConfig()) as { versions: Record<string, unknown> };
    raw.versions.kubernetes = version;
    return loadOrThrow(raw).spec;
  };
  const status = (version: string, id: string) => {
    const spec = at(version);
    return evaluateChecks(CIS_CHECKS, benchHost(spec, spec.topology.masters[0])).find((r) => r.id === id)?.status;
  };

  it("1.2.1 anonymous auth: limited to the health paths by the AuthenticationConfiguration", () => {
    assert.equal(status("1.35.1", "1.2.1"), "pass");
    const spec = at("1.35.1");
    const host = benchHost(spec, spec.topology.masters[0]);
    const check = CIS_CHECKS.find((c) => c.id === "1.2.1");
    assert.ok(check?.verdict);
    const wide = {
      ...host,
      configs: { ...host.configs, authentication: host.configs.authentication.replace("/livez", "/api") },
    };
    assert.equal(check.verdict(wide), false);
    const flagged = {
      ...host,
      processes: { ...host.processes, "kube-apiserver": `${host.processes["kube-apiserver"]} --anonymous-auth=true` },
    };
    assert.equal(check.verdict(flagged), false);
  });

  it("1.2.11 cached images: AlwaysPullImages below 1.35, the kubelet's credential verification from 1.35", () => {
    assert.equal(status("1.34.2", "1.2.11"), "pass");
    assert.equal(status("1.35.1", "1.2.11"), "pass");
    assert.equal(status("1.35.1", "1.2.9"), "fail", "EventRateLimit stays the operator's choice");
  });

  it("the kubelet keeps the hardening the benchmark dropped: protectKernelDefaults, TLS 1.2 at least, webhook authentication", () => {
    const spec = at("1.35.1");
    for (const [host, controlPlane] of [
      [spec.topology.workers[0], false],
      [spec.topology.masters[0], true],
    ] as const) {
      const c = renderKubeletConfig({ spec, host, controlPlane });
      assert.equal(c.protectKernelDefaults, true);
      assert.equal(c.tlsMinVersion, "VersionTLS12");
      assert.deepEqual((c.authentication as { webhook: unknown }).webhook, { enabled: true, cacheTTL: "2m0s" });
    }
  });
});
