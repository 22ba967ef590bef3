import { strict as assert } from "node:assert";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { renderKubeletConfig, renderKubeProxyConfig } from "../../components/worker/render";
import {
  KUBELET_FIELDS,
  KUBE_PROXY_SCHEMA,
  RECENT_KUBELET_FIELDS,
  RECENT_KUBELET_FIELDS_FROM,
  kubeletSchemaFor,
  unknownFields,
} from "../../components/worker/fields";

describe("worker config field names (upstream schema)", () => {
  const base = loadOrThrow(prodConfig()).spec;

  it("the rendered KubeletConfiguration uses only fields of its minor, for workers and masters, on every supported minor", () => {
    for (const version of ["1.33.4", "1.34.2", "1.35.1", "1.37.0"]) {
      const raw = clone(prodConfig());
      raw.versions = { ...(raw.versions as object), kubernetes: version };
      const spec = loadOrThrow(raw).spec;
      const minor = Number(version.split(".")[1]);
      for (const [host, controlPlane] of [
        [spec.topology.workers[0], false],
        [spec.topology.masters[0], true],
      ] as const) {
        const kubelet = renderKubeletConfig({ spec, host, controlPlane });
        assert.deepEqual(unknownFields(kubelet, kubeletSchemaFor(minor)), [], version);
        assert.equal("imagePullCredentialsVerificationPolicy" in kubelet, minor >= 35, version);
      }
    }
  });

  it("the rendered KubeProxyConfiguration uses only known fields in every proxy mode", () => {
    for (const proxyMode of ["ipvs", "iptables", "nftables"]) {
      const raw = clone(prodConfig());
      raw.network = { ...(raw.network as object), proxyMode };
      const spec = loadOrThrow(raw).spec;
      assert.deepEqual(
        unknownFields(
          renderKubeProxyConfig({ spec, host: spec.topology.workers[0], controlPlane: false }),
          KUBE_PROXY_SCHEMA,
        ),
        [],
        proxyMode,
      );
    }
  });

  it("rejects unknown and misspelt fields, top-level and nested", () => {
    const kubelet = renderKubeletConfig({ spec: base, host: base.topology.workers[0], controlPlane: false });
    const bad = {
      ...kubelet,
      readOnlyPorts: 0,
      authentication: { ...(kubelet.authentication as object), anonymus: { enabled: false } },
      registerWithTaints: [{ key: "a", effect: "NoSchedule", efect: "x" }],
    };
    assert.deepEqual(unknownFields(bad, kubeletSchemaFor(35)).sort(), [
      "authentication.anonymus",
      "readOnlyPorts",
      "registerWithTaints[0].efect",
    ]);
    const proxy = renderKubeProxyConfig({ spec: base, host: base.topology.workers[0], controlPlane: false });
    const badProxy = { ...proxy, ipvs: { ...(proxy.ipvs as object), strictArp: true }, metricsBindAdress: "x" };
    assert.deepEqual(unknownFields(badProxy, KUBE_PROXY_SCHEMA).sort(), ["ipvs.strictArp", "metricsBindAdress"]);
  });

  it("keeps fields of the newest releases out of the rendered config, but those in use from their minor", () => {
    const kubelet = renderKubeletConfig({ spec: base, host: base.topology.workers[0], controlPlane: false });
    for (const f of RECENT_KUBELET_FIELDS) {
      const from = (RECENT_KUBELET_FIELDS_FROM as Record<string, number>)[f];
      assert.equal(f in kubelet, from !== undefined && from <= 35, f);
      assert.ok(!KUBELET_FIELDS.includes(f), `${f} is listed as recent, not as supported everywhere`);
    }
    assert.deepEqual(unknownFields({ ...kubelet, memoryReservationPolicy: "None" }, kubeletSchemaFor(35)), [
      "memoryReservationPolicy",
    ]);
  });

  it("field lists have no duplicates", () => {
    assert.equal(new Set(KUBELET_FIELDS).size, KUBELET_FIELDS.length);
    assert.equal(KUBE_PROXY_SCHEMA.fields.size > 20, true);
  });
});
