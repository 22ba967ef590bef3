import { strict as assert } from "node:assert";
import { load } from "../../stacks/contract/load";
import { asRoot, connectionSettings } from "../../components/host/render";
import { shellQuote } from "../../lib/shell";
import { clone, prodConfig } from "../support/config";
import { runProgram } from "../../stacks/plan/run";
import { fakeHostKey } from "../../stacks/plan/generate";
import { unsecret } from "../control-plane/harness";

describe("host rendering", () => {
  const spec = () => {
    const result = load(prodConfig());
    assert.ok(result.ok);
    return result.spec;
  };

  it("connects through the bastion with dial limits and both host keys pinned", () => {
    const s = spec();
    const c = connectionSettings(s, s.hosts[0]);
    assert.deepEqual(c, {
      host: "10.10.1.11",
      port: 22,
      user: "root",
      dialErrorLimit: 10,
      perDialTimeout: 15,
      hostKey: s.hosts[0].hostKey,
      proxy: { host: "10.10.0.5", port: 22, user: "ops", hostKey: s.ssh.bastion?.hostKey },
    });
    assert.match(c.hostKey ?? "", /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI/);
    assert.match(c.proxy?.hostKey ?? "", /^ssh-ed25519 /);
    assert.ok(c.dialErrorLimit * c.perDialTimeout <= 600, "at most ten minutes of dialing");
  });

  it("every SSH connection of the prod graph pins the host's key and the bastion's", async function () {
    this.timeout(120_000);
    const graph = await runProgram(prodConfig());
    const keyOf = new Map(spec().hosts.map((h) => [h.address, h.hostKey]));
    const remote = graph.resources.filter((r) => r.type.startsWith("command:remote:"));
    assert.ok(remote.length > 300, `${remote.length} remote steps`);
    for (const r of remote) {
      const c = unsecret(r.inputs.connection) as { host: string; hostKey?: string; proxy?: { hostKey?: string } };
      assert.equal(c.hostKey, keyOf.get(c.host), `${r.name} pins ${c.host}'s key`);
      assert.equal(c.proxy?.hostKey, spec().ssh.bastion?.hostKey, `${r.name} pins the bastion's key`);
    }
  });

  it("uses sudo only for a non-root login", () => {
    const s = spec();
    assert.equal(asRoot(s), "bash -s");
    assert.equal(asRoot({ ssh: { ...s.ssh, user: "ops" } }), "sudo -n bash -s");
  });

  it("quotes shell values so they stay one word", () => {
    assert.equal(shellQuote("Asia/Shanghai"), "Asia/Shanghai");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe("SSH host keys in the config", () => {
  type Raw = { ssh: Record<string, unknown> & { bastion: Record<string, unknown> }; hosts: Record<string, unknown>[] };
  const raw = () => clone(prodConfig()) as Raw;
  const errors = (r: Raw) => {
    const result = load(r);
    return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it("the prod inventory pins every host and the bastion, and loads without warnings about them", () => {
    const result = load(prodConfig());
    assert.ok(result.ok);
    assert.ok(result.spec.hosts.every((h) => h.hostKey !== undefined));
    assert.ok(result.spec.ssh.bastion?.hostKey);
    assert.deepEqual(
      result.warnings.filter((w) => w.path.startsWith("ssh")),
      [],
    );
  });

  it("a missing host key is an error naming the host, and the bastion's too, all at once", () => {
    const r = raw();
    delete r.hosts[3].hostKey;
    delete r.hosts[20].hostKey;
    delete r.ssh.bastion.hostKey;
    const e = errors(r);
    assert.equal(e.length, 3, e.join("\n"));
    assert.match(e[0], /^hosts\[3\]\.hostKey: is required for host "master-1" \(10\.10\.1\.21\): pin it: ssh-keyscan/);
    assert.match(e[1], /^hosts\[20\]\.hostKey: is required for host "node-016"/);
    assert.match(e[2], /^ssh\.bastion\.hostKey: is required for the bastion 10\.10\.0\.5/);
  });

  it("ssh.verifyHostKeys: false is the explicit opt-out, warned on every load", () => {
    const r = raw();
    for (const h of r.hosts) delete h.hostKey;
    delete r.ssh.bastion.hostKey;
    r.ssh.verifyHostKeys = false;
    const result = load(r);
    assert.ok(result.ok);
    const ssh = result.warnings.filter((w) => w.path.startsWith("ssh"));
    assert.deepEqual(
      ssh.map((w) => w.path),
      ["ssh.verifyHostKeys"],
    );
    assert.match(ssh[0].message, /not verified/);
    assert.equal(connectionSettings(result.spec, result.spec.hosts[0]).hostKey, undefined);
  });

  it("refuses ssh-rsa, malformed, truncated and mislabelled keys, naming the key", () => {
    const bad: [string, RegExp][] = [
      [
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7",
        /ssh-rsa key: pinning it makes the SSH client \(pulumi-command\) offer only the SHA-1 'ssh-rsa' signature, which OpenSSH 8\.8 and later refuse/,
      ],
      ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB", /truncated/],
      [`${fakeHostKey("x")} root@host`, /without a comment/],
      [`${fakeHostKey("x")}\nssh-ed25519 AAAA`, /must be one OpenSSH public host key/],
      [fakeHostKey("x").replace("ssh-ed25519", "ecdsa-sha2-nistp256"), /declares ecdsa-sha2-nistp256/],
      ["ssh-dss AAAAB3NzaC1kc3M=", /key type ssh-dss/],
    ];
    for (const [key, message] of bad) {
      const r = raw();
      r.hosts[0].hostKey = key;
      r.ssh.bastion.hostKey = key;
      const e = errors(r);
      assert.equal(e.length, 2, `${key}: ${e.join("\n")}`);
      assert.ok(e[0].startsWith("ssh.bastion.hostKey: ") && e[1].startsWith("hosts[0].hostKey: "), e.join("\n"));
      assert.match(e[1], message);
    }
  });

  it("accepts ecdsa host keys", () => {
    const r = raw();
    // ssh-keygen -t ecdsa (nistp256) public key
    r.hosts[0].hostKey =
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CHrPAJRSsvK8+bW8C4ku+/ZZBU0BEBFJ6FxHc=";
    assert.deepEqual(errors(r), []);
  });
});
