/** The package-repository config: signatures required, and each role's repositories named. */
import { strict as assert } from "node:assert";
import { load } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Raw = { hosts: { roles: string[] }[]; mirrors: { packages: Record<string, unknown[]> } };
const raw = () => clone(prodConfig()) as Raw;
const problems = (r: Raw) => {
  const result = load(r);
  return {
    errors: result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`),
    warnings: result.warnings.filter((w) => w.path.startsWith("mirrors")).map((w) => `${w.path}: ${w.message}`),
  };
};

describe("package repositories in the config", () => {
  it("prod: every repository signed, the Storage SIG and Docker's repository given, no warning", () => {
    assert.deepEqual(problems(raw()), { errors: [], warnings: [] });
  });

  it("a yum repository without gpgkey is an error unless allowUnsigned, which is warned", () => {
    const r = raw();
    const yum = r.mirrors.packages.yum as Record<string, unknown>[];
    delete yum[2].gpgkey;
    assert.deepEqual(problems(r).errors, [
      'mirrors.packages.yum[2].gpgkey: is required for repository "epel": packages are checked against it (gpgcheck=1); set allowUnsigned: true to install unverified packages',
    ]);
    yum[2].allowUnsigned = true;
    const p = problems(r);
    assert.deepEqual(p.errors, []);
    assert.equal(p.warnings.length, 1);
    assert.match(
      p.warnings[0],
      /^mirrors\.packages\.yum\[2\]\.allowUnsigned: repository "epel" is installed from without signature checks/,
    );
    yum[1].allowUnsigned = true;
    assert.deepEqual(problems(r).errors, ["mirrors.packages.yum[1].allowUnsigned: contradicts gpgkey: drop one"]);
  });

  it("an apt source with [trusted=yes] is an error unless allowUnsigned", () => {
    const r = raw();
    r.mirrors.packages.apt = ["deb [trusted=yes] http://mirror/debian bookworm main"];
    assert.match(problems(r).errors.join("\n"), /^mirrors\.packages\.apt\[0\]: .*skips apt's signature check/);
    r.mirrors.packages.apt = [{ line: "deb [trusted=yes] http://mirror/debian bookworm main", allowUnsigned: true }];
    const p = problems(r);
    assert.deepEqual(p.errors, []);
    assert.ok(p.warnings.some((w) => w.startsWith("mirrors.packages.apt[0].allowUnsigned:")));
  });

  it("warns, naming the hosts, when storage or registry hosts need a repository the config does not give (EL)", () => {
    const r = raw();
    r.mirrors.packages.yum = (r.mirrors.packages.yum as { provides?: string[] }[]).filter((y) => !y.provides);
    const { errors, warnings } = problems(r);
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(
      warnings[0],
      /^mirrors\.packages\.yum: the storage hosts \(gfs-01, gfs-02, gfs-03 and 7 more\) need GlusterFS server and NFS-Ganesha, which EL 9 ships in no base repository: the CentOS Storage SIG has them .*add a repository with provides: \[storage\]/,
    );
    assert.match(
      warnings[1],
      /the registry hosts \(harbor-1, harbor-2\) need Docker Engine, containerd\.io and the compose v2 plugin/,
    );
  });

  it("warns for Debian 12 registry hosts without Docker's repository, and for an unsupported suite", () => {
    const r = raw();
    r.mirrors.packages = { apt: ["deb http://mirror/debian bookworm main", "deb http://mirror/ubuntu jammy main"] };
    const { warnings } = problems(r);
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings[0], /^mirrors\.packages\.apt\[1\]: suite "jammy" is not a supported OS release/);
    assert.match(warnings[1], /Debian 12 does not ship \(it has no compose v2\)/);
    r.mirrors.packages.apt.push({ line: "deb https://mirror/docker/debian bookworm stable", provides: ["docker"] });
    r.mirrors.packages.apt.splice(1, 1);
    assert.deepEqual(problems(r).warnings, []);
  });

  it("an unknown repository role is refused, naming the key", () => {
    const r = raw();
    (r.mirrors.packages.yum[3] as { provides: string[] }).provides = ["gluster"];
    assert.match(
      problems(r).errors.join("\n"),
      /^mirrors\.packages\.yum\[3\]\.provides\[0\]: must be one of base, storage, docker/,
    );
  });
});
