/** Certificate profiles as a pure function of the spec (no program run). */
import { strict as assert } from "node:assert";
import { apiserverSans, keyArgs, pkiProfiles } from "../../components/pki/profiles";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

const specWith = (edit: (raw: Raw) => void) => {
  const raw = clone(prodConfig()) as Raw;
  edit(raw);
  return loadOrThrow(raw).spec;
};

describe("PKI profiles", () => {
  it("sorts extraSans into IP and DNS SANs", () => {
    const spec = specWith((raw) => {
      raw.apiserver.extraSans = ["k8s-api.example.internal", "192.0.2.10", "api"];
    });
    const sans = apiserverSans(spec);
    assert.ok(sans.ipAddresses.includes("192.0.2.10"));
    assert.ok(!sans.dnsNames.includes("192.0.2.10"));
    assert.ok(sans.dnsNames.includes("api") && sans.dnsNames.includes("k8s-api.example.internal"));
  });

  it("follows the cluster domain and the service CIDR", () => {
    const spec = specWith((raw) => {
      raw.cluster.domain = "corp.internal";
      raw.network.serviceCidr = "10.96.0.0/12";
    });
    const sans = apiserverSans(spec);
    assert.ok(sans.dnsNames.includes("kubernetes.default.svc.corp.internal"));
    assert.ok(sans.ipAddresses.includes("10.96.0.1"));
  });

  it("issues kubelet certificates for masters only when kubelet runs on them", () => {
    const names = (kubeletOnMasters: boolean) =>
      pkiProfiles(specWith((raw) => (raw.workers = { ...(raw.workers ?? {}), kubeletOnMasters }))).leaves.map(
        (l) => l.name,
      );
    assert.ok(!names(false).includes("kubelet-client-master-1"));
    assert.ok(names(true).includes("kubelet-client-master-1"));
    assert.ok(names(true).includes("kubelet-serving-master-2"));
  });

  it("names every certificate uniquely and from config names only", () => {
    const { cas, leaves } = pkiProfiles(loadOrThrow(prodConfig()).spec);
    const all = [...cas.map((c) => c.name), ...leaves.map((l) => l.name)];
    assert.equal(new Set(all).size, all.length);
    for (const n of all) assert.match(n, /^[a-z0-9-]+$/);
  });

  it("renews leaves early but never sooner than half their validity", () => {
    const spec = specWith((raw) => (raw.pki = { validityHours: 48, earlyRenewalHours: 720 }));
    for (const leaf of pkiProfiles(spec).leaves) assert.equal(leaf.earlyRenewalHours, 24, leaf.name);
  });

  it("maps the key algorithm onto @pulumi/tls arguments", () => {
    assert.deepEqual(keyArgs("ECDSA-P256"), { algorithm: "ECDSA", ecdsaCurve: "P256" });
    assert.deepEqual(keyArgs("RSA-2048"), { algorithm: "RSA", rsaBits: 2048 });
    assert.deepEqual(keyArgs("RSA-4096"), { algorithm: "RSA", rsaBits: 4096 });
  });
});
