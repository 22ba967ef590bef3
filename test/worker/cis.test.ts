import { strict as assert } from "node:assert";
import { loadOrThrow } from "../../stacks/contract/load";
import { prodConfig } from "../support/config";
import { kubeletFlags, renderKubeletConfig, renderKubeProxyConfig } from "../../components/worker/render";
import { CIS_FIELD_CHECKS, CIS_FILE_CHECKS, valueAt } from "../../components/worker/cis";
import { nodeConfigFiles, nodeSecretFiles } from "../../components/worker/files";

describe("worker CIS benchmark checks (section 4)", () => {
  const spec = loadOrThrow(prodConfig()).spec;
  const args = { spec, host: spec.topology.workers[0], controlPlane: false };
  const kubelet = renderKubeletConfig(args);
  const proxy = renderKubeProxyConfig(args);
  const flags = new Map(
    kubeletFlags(args).map((f) => {
      const [name, ...rest] = f.split("=");
      return [name, rest.join("=")] as const;
    }),
  );
  const read = (source: string, path: string) =>
    source === "kubelet" ? valueAt(kubelet, path) : source === "kube-proxy" ? valueAt(proxy, path) : flags.get(path);

  for (const check of CIS_FIELD_CHECKS) {
    it(`${check.id} ${check.title}: ${check.path} = ${check.expected}`, () => {
      const value = read(check.source, check.path);
      assert.ok(
        check.ok(value),
        `${check.id}: ${check.source} ${check.path} is ${JSON.stringify(value)}, expected ${check.expected}`,
      );
    });
  }

  it("each check fails on a violating config (the table can catch regressions)", () => {
    const broken = {
      ...kubelet,
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: {} },
      authorization: { mode: "AlwaysAllow" },
      readOnlyPort: 10255,
      streamingConnectionIdleTimeout: "0s",
      makeIPTablesUtilChains: false,
      protectKernelDefaults: false,
      eventRecordQPS: 0,
      tlsCertFile: undefined,
      tlsPrivateKeyFile: undefined,
      rotateCertificates: false,
      featureGates: { RotateKubeletServerCertificate: false },
      tlsCipherSuites: ["TLS_RSA_WITH_RC4_128_SHA"],
      tlsMinVersion: "VersionTLS10",
      podPidsLimit: undefined,
      seccompDefault: false,
    };
    const brokenProxy = { ...proxy, metricsBindAddress: "0.0.0.0:10249", clientConnection: {} };
    const brokenFlags = new Map([["--hostname-override", "x"]]);
    for (const check of CIS_FIELD_CHECKS) {
      const value =
        check.source === "kubelet"
          ? valueAt(broken, check.path)
          : check.source === "kube-proxy"
            ? valueAt(brokenProxy, check.path)
            : brokenFlags.get(check.path);
      assert.ok(!check.ok(value), `${check.id} ${check.title} did not flag ${JSON.stringify(value)}`);
    }
  });

  it("files are written no more permissive than the CIS modes", () => {
    const files = [
      ...nodeConfigFiles(args, { caPem: "CA", servingCertPem: "CERT" }),
      ...nodeSecretFiles({ servingKeyPem: "K", kubeletKubeconfig: "A", kubeProxyKubeconfig: "B" }),
    ];
    for (const check of CIS_FILE_CHECKS) {
      const file = files.find((f) => f.path === check.path);
      assert.ok(file, `${check.id}: ${check.path} is not among the node's files`);
      const mode = parseInt(file.mode, 8);
      assert.equal(
        mode & ~check.maxMode,
        0,
        `${check.id} ${check.path}: mode ${file.mode} exceeds ${check.maxMode.toString(8)}`,
      );
    }
  });
});
