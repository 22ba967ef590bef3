/**
 * Leaf renewal as docs/operations/rotate-certificates.md gives it: `pulumi up` inside the
 * early-renewal window re-issues every due leaf (pulumi-tls marks it ready_for_renewal and
 * plans a replacement); the offline plan with `--certs-issued` shows which are replaced,
 * that nothing else is, that the Kubernetes provider is updated (clusterIdentifier), and
 * which steps re-run, in rollout order: etcd members one at a time, then the masters one at
 * a time, then the nodes.
 */
import assert from "node:assert/strict";
import { planChanges } from "../../stacks/plan/diff";
import { rotationConfig } from "./fixtures";
import { graphOf } from "./graphs";

const HOUR = 3600_000;

describe("leaf certificate renewal inside the window", function () {
  this.timeout(600_000);

  it("re-issues every leaf, no CA, updates the provider and re-runs the holders in rollout order", async () => {
    const graph = await graphOf(rotationConfig());
    const at = new Date("2027-01-01T00:00:00Z");
    // Issued 340 days before: inside the 30-day window of a 365-day leaf, far from the CAs' 10 years.
    const plan = planChanges(graph, graph, { certsIssued: new Date(at.getTime() - 340 * 24 * HOUR), at });
    const leaves = graph.resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert");
    const replaced = plan.changes.filter((c) => c.op !== "update");
    assert.deepEqual(replaced.map((c) => c.name).sort(), leaves.map((r) => r.name).sort());
    for (const c of replaced) assert.match(c.reasons.join(), /inside its renewal window/, c.name);
    assert.equal(plan.changes.find((c) => c.type === "pulumi:providers:kubernetes")?.op, "update");
    assert.ok(!plan.changes.some((c) => c.type.startsWith("kubernetes:")), "no in-cluster object changes");

    const order = plan.changes.map((c) => c.name);
    const pos = (name: string) => {
      const i = order.indexOf(name);
      assert.ok(i >= 0, `${name} re-runs`);
      return i;
    };
    // etcd members restart one at a time behind the health gate, after the pre-change snapshot.
    assert.ok(pos("etcd-pre-change-snapshot") < pos("etcd-etcd-1-start"));
    assert.ok(pos("etcd-etcd-1-start") < pos("etcd-etcd-2-start"));
    assert.ok(pos("etcd-etcd-2-start") < pos("etcd-etcd-3-start"));
    // Masters one at a time, each after the etcd gate; then the load balancers' check CA is unchanged.
    assert.ok(pos("etcd-health") < pos("control-plane-master-1-install"));
    assert.ok(pos("control-plane-master-1-install") < pos("control-plane-master-2-install"));
    assert.ok(pos("control-plane-master-2-install") < pos("control-plane-ready"));
    // Nodes re-copy their kubelet and kube-proxy credentials and restart those daemons.
    for (const n of ["master-1", "node-001", "node-003"]) {
      assert.ok(pos("control-plane-ready") < pos(`${n}-node-configure`), n);
      pos(`${n}-node-credentials`);
    }
    // Outside the window nothing happens.
    assert.deepEqual(
      planChanges(graph, graph, { certsIssued: new Date(at.getTime() - 300 * 24 * HOUR), at }).changes,
      [],
    );
  });
});
