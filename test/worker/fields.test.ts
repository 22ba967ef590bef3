import { strict as assert } from "node:assert";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { renderKubeletConfig, renderKubeProxyConfig } from "../../components/worker/render";
import {
  KUBELET_FIELDS,
  KUBELET_SCHEMA,
  KUBE_PROXY_SCHEMA,
  RECENT_KUBELET_FIELDS,
  unknownFields,
} from "../../components/worker/fields";

describe("worker config field names (upstream schema)", () => {
  const base = loadOrThrow(prodConfig()).spec;

  it("the rendered KubeletConfiguration uses only known fields, for workers and masters", () => {
    for (const [host, controlPlane] of [
      [base.topology.workers[0], false],
      [base.topology.masters[0], true],
    ] as const) {
      assert.deepEqual(unknownFields(renderKubeletConfig({ spec: base, host, controlPlane }), KUBELET_SCHEMA), []);
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
    assert.deepEqual(unknownFields(bad, KUBELET_SCHEMA).sort(), [
      "authentication.anonymus",
      "readOnlyPorts",
      "registerWithTaints[0].efect",
    ]);
    const proxy = renderKubeProxyConfig({ spec: base, host: base.topology.workers[0], controlPlane: false });
    const badProxy = { ...proxy, ipvs: { ...(proxy.ipvs as object), strictArp: true }, metricsBindAdress: "x" };
    assert.deepEqual(unknownFields(badProxy, KUBE_PROXY_SCHEMA).sort(), ["ipvs.strictArp", "metricsBindAdress"]);
  });

  it("keeps fields of the newest releases out of the rendered config", () => {
    const kubelet = renderKubeletConfig({ spec: base, host: base.topology.workers[0], controlPlane: false });
    for (const f of RECENT_KUBELET_FIELDS) {
      assert.ok(!(f in kubelet), f);
      assert.ok(!KUBELET_FIELDS.includes(f), `${f} is listed as recent, not as supported everywhere`);
    }
    assert.deepEqual(unknownFields({ ...kubelet, memoryReservationPolicy: "None" }, KUBELET_SCHEMA), [
      "memoryReservationPolicy",
    ]);
  });

  it("field lists have no duplicates", () => {
    assert.equal(new Set(KUBELET_FIELDS).size, KUBELET_FIELDS.length);
    assert.equal(KUBE_PROXY_SCHEMA.fields.size > 20, true);
  });
});
