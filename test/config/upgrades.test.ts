import { strict as assert } from "node:assert";
import { load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

const withVersions = (kubernetes: string, etcd = "3.6.14") => {
  const raw = clone(prodConfig()) as Record<string, Record<string, unknown>>;
  raw.versions = { ...raw.versions, kubernetes, etcd };
  return raw;
};

describe("upgrades: one minor version at a time, against what is deployed", () => {
  const deployed = { kubernetes: "1.35.1", etcd: "3.6.14" };

  it("allows a patch or the next minor, and anything on a new cluster", () => {
    for (const v of ["1.35.1", "1.35.4", "1.36.0", "1.36.3"]) assert.ok(load(withVersions(v), { deployed }).ok, v);
    assert.ok(load(withVersions("1.37.0")).ok, "nothing deployed yet: no constraint");
  });

  it("refuses a jump over a minor, naming the skipped minors and the next step", () => {
    const r = load(withVersions("1.37.2"), { deployed });
    assert.equal(r.ok, false);
    const p = r.ok ? undefined : r.errors.find((e) => e.path === "versions.kubernetes");
    assert.match(
      p?.message ?? "",
      /1\.37\.2 skips 1\.36: upgrade Kubernetes one minor version at a time \(deployed: 1\.35\.1; next: 1\.36\.x\)/,
    );
  });

  it("refuses a minor rollback: restore from the snapshot instead", () => {
    const r = load(withVersions("1.34.9"), { deployed });
    assert.equal(r.ok, false);
    assert.match(
      r.ok ? "" : r.errors.map((e) => e.message).join(),
      /minor downgrade is not supported; roll back by restoring the pre-change snapshot/,
    );
  });

  it("warns on a patch downgrade, and checks etcd the same way", () => {
    const patch = load(withVersions("1.35.0"), { deployed });
    assert.ok(patch.ok && patch.warnings.some((w) => w.path === "versions.kubernetes" && /downgrades/.test(w.message)));
    const etcd = load(withVersions("1.35.1", "3.8.0"), { deployed: { etcd: "3.6.14" } });
    assert.equal(etcd.ok, false);
    assert.match(
      etcd.ok ? "" : etcd.errors.map((e) => `${e.path}: ${e.message}`).join(),
      /versions\.etcd: 3\.8\.0 skips 3\.7/,
    );
  });
});
