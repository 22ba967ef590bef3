/**
 * CA rotation as docs/operations/rotate-ca.md gives it: three config edits (add-new,
 * switch, drop the old generation), each run through the whole program under the doubles,
 * which issue real X.509. After every phase, and across every step between two phases
 * (a rolling `pulumi up` has hosts on both), every certificate a host presents verifies
 * with `openssl verify` against every bundle that must accept it; the bundles hold what
 * the phase says; the plan of each edit replaces only what it must.
 */
import assert from "node:assert/strict";
import { load } from "../../stacks/contract/load";
import { planChanges } from "../../stacks/plan/diff";
import type { Graph } from "../../stacks/plan/run";
import { graphOf } from "./graphs";
import { ETCD_PKI_DIR, PKI } from "../../lib/paths";
import { NODE_PATHS } from "../../components/worker/paths";
import { LB_FILES } from "../../components/control-plane/paths";
import { requireTool } from "../support/tools";
import { withPki } from "./fixtures";
import { bundleSubjects, issuerOf, trustPairs, trustPoints, verifyPairs, type TrustPoints } from "./trust";

const PHASES = [
  { name: "generation 1", pki: {} },
  { name: "add-new", pki: { caRotation: "add-new" } },
  { name: "switch", pki: { caGeneration: 2, caRotation: "switch" } },
  { name: "generation 2 (old dropped)", pki: { caGeneration: 2 } },
] as const;

/** CNs of the CAs each phase trusts, in bundle order, and the CN that signs leaves. */
const EXPECTED = [
  { trusted: [""], signer: "" },
  { trusted: ["", "-g2"], signer: "" },
  { trusted: ["-g2", ""], signer: "-g2" },
  { trusted: ["-g2"], signer: "-g2" },
];

describe("CA rotation: add-new, switch, drop-old; every pair verifies throughout", function () {
  this.timeout(900_000);
  const graphs: Graph[] = [];
  const points: TrustPoints[] = [];

  before(async function () {
    requireTool(this, "openssl");
    for (const phase of PHASES) {
      const graph = await graphOf(withPki(phase.pki));
      graphs.push(graph);
      points.push(trustPoints(graph));
    }
  });

  it("each phase's bundles hold the CAs it trusts, signing generation first; leaves come from the signing CA", () => {
    PHASES.forEach((phase, i) => {
      const t = points[i];
      const { trusted, signer } = EXPECTED[i];
      const cn = (base: string) => trusted.map((g) => `${base}${g}`);
      for (const m of t.masters) {
        const f = t.files.get(m) as ReadonlyMap<string, string>;
        assert.deepEqual(bundleSubjects(f.get(PKI.clusterCaCert) ?? ""), cn("kubernetes"), `${phase.name} ${m} ca.crt`);
        assert.deepEqual(
          bundleSubjects(f.get(LB_FILES.apiserverCa) ?? ""),
          cn("kubernetes"),
          `${phase.name} ${m} haproxy`,
        );
        assert.deepEqual(bundleSubjects(f.get(PKI.etcdCaCert) ?? ""), cn("etcd-ca"), `${phase.name} ${m} etcd ca`);
        assert.deepEqual(bundleSubjects(f.get(PKI.frontProxyCaCert) ?? ""), cn("front-proxy-ca"), phase.name);
        // The CSR signer takes exactly one certificate: the signing generation.
        assert.deepEqual(bundleSubjects(f.get(PKI.clusterCaSignerCert) ?? ""), [`kubernetes${signer}`], phase.name);
        assert.equal(issuerOf(f.get(PKI.apiserverCert) ?? ""), `kubernetes${signer}`, `${phase.name} apiserver.crt`);
        assert.equal(issuerOf(f.get(PKI.frontProxyClientCert) ?? ""), `front-proxy-ca${signer}`, phase.name);
      }
      for (const e of t.etcd) {
        const f = t.files.get(e) as ReadonlyMap<string, string>;
        assert.deepEqual(bundleSubjects(f.get(`${ETCD_PKI_DIR}/ca.crt`) ?? ""), cn("etcd-ca"), `${phase.name} ${e}`);
        assert.equal(issuerOf(f.get(`${ETCD_PKI_DIR}/peer.crt`) ?? ""), `etcd-ca${signer}`, `${phase.name} ${e} peer`);
      }
      for (const n of t.nodes) {
        const f = t.files.get(n) as ReadonlyMap<string, string>;
        assert.deepEqual(bundleSubjects(f.get(NODE_PATHS.clusterCaCert) ?? ""), cn("kubernetes"), `${phase.name} ${n}`);
        assert.equal(issuerOf(f.get(NODE_PATHS.kubeletServingCert) ?? ""), `kubernetes${signer}`, phase.name);
      }
      for (const [where, k] of t.kubeconfigs) {
        assert.deepEqual(bundleSubjects(k.ca), cn("kubernetes"), `${phase.name} ${where}`);
        assert.equal(issuerOf(k.cert), `kubernetes${signer}`, `${phase.name} ${where}`);
      }
      assert.ok(t.kubeconfigs.has("provider"));
    });
  });

  it("within each phase and across each step of the rollout, every certificate verifies where it must (openssl verify)", () => {
    let checked = 0;
    for (let k = 0; k < PHASES.length; k++) {
      const combos: [number, number][] =
        k + 1 < PHASES.length
          ? [
              [k, k],
              [k, k + 1],
              [k + 1, k],
            ]
          : [[k, k]];
      for (const [presenting, verifying] of combos) {
        const pairs = trustPairs(points[presenting], points[verifying]);
        checked += pairs.length;
        const failures = verifyPairs(pairs);
        assert.deepEqual(
          failures.slice(0, 5).map((f) => `${f.pair.cert.where} vs ${f.pair.bundle.where}: ${f.reason}`),
          [],
          `${PHASES[presenting].name} certificates against ${PHASES[verifying].name} bundles`,
        );
      }
    }
    assert.ok(checked > 1000, `only ${checked} pairs checked`);
  });

  it("skipping the phases (generation 1 straight to 2) leaves pairs that do not verify: the check can fail", () => {
    const forward = verifyPairs(trustPairs(points[3], points[0]));
    const backward = verifyPairs(trustPairs(points[0], points[3]));
    assert.ok(forward.length > 0 && backward.length > 0);
    assert.ok(forward.some((f) => f.pair.cert.where.includes("apiserver.crt")));
  });

  it("add-new only creates the new CAs and updates what holds a bundle; no certificate is replaced", () => {
    const plan = planChanges(graphs[0], graphs[1]);
    const created = plan.changes.filter((c) => c.op === "create").map((c) => c.name);
    assert.deepEqual(created.sort(), [
      "pki-cluster-ca-g2-cert",
      "pki-cluster-ca-g2-key",
      "pki-etcd-ca-g2-cert",
      "pki-etcd-ca-g2-key",
      "pki-front-proxy-ca-g2-cert",
      "pki-front-proxy-ca-g2-key",
    ]);
    assert.deepEqual(
      plan.changes.filter((c) => c.op !== "create" && c.op !== "update").map((c) => `${c.op} ${c.name}`),
      [],
    );
    assert.equal(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.op, "update");
  });

  it("switch re-issues every leaf from the new CAs (nothing else is replaced); the provider is updated", () => {
    const plan = planChanges(graphs[1], graphs[2]);
    const replaced = plan.changes.filter((c) => c.op !== "update").map((c) => c.name);
    const leaves = graphs[2].resources
      .filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")
      .map((r) => r.name);
    assert.ok(leaves.length > 20);
    assert.deepEqual(replaced.sort(), [...leaves].sort());
    assert.ok(
      plan.changes.every((c) => c.op === "update" || c.type === "tls:index/locallySignedCert:LocallySignedCert"),
    );
    assert.equal(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.op, "update");
    // The masters still roll one at a time: master-1's install runs before master-2's.
    const order = plan.changes.map((c) => c.name);
    assert.ok(order.indexOf("control-plane-master-1-install") < order.indexOf("control-plane-master-2-install"));
  });

  it("drop-old deletes the old CAs and nothing else goes; leaves stay", () => {
    const plan = planChanges(graphs[2], graphs[3]);
    assert.deepEqual(
      plan.changes
        .filter((c) => c.op !== "update")
        .map((c) => `${c.op} ${c.name}`)
        .sort(),
      [
        "delete pki-cluster-ca-cert",
        "delete pki-cluster-ca-key",
        "delete pki-etcd-ca-cert",
        "delete pki-etcd-ca-key",
        "delete pki-front-proxy-ca-cert",
        "delete pki-front-proxy-ca-key",
      ],
    );
  });

  it("the loader refuses switch without a raised generation", () => {
    const r = load(withPki({ caRotation: "switch" }));
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.match(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"), /pki\.caRotation: is switch but/);
    const bad = load(withPki({ caRotation: "drop" }));
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.errors[0].message, /must be add-new or switch/);
  });
});
