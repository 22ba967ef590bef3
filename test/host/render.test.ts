import { strict as assert } from "node:assert";
import { load } from "../../stacks/contract/load";
import { asRoot, connectionSettings } from "../../components/host/render";
import { shellQuote } from "../../lib/shell";
import { clone, prodConfig } from "../support/config";

describe("host rendering", () => {
  const spec = () => {
    const result = load(prodConfig());
    assert.ok(result.ok);
    return result.spec;
  };

  it("connects through the bastion with dial limits so an unreachable host fails in minutes", () => {
    const s = spec();
    const c = connectionSettings(s, s.hosts[0]);
    assert.deepEqual(c, {
      host: "10.10.1.11",
      port: 22,
      user: "root",
      dialErrorLimit: 10,
      perDialTimeout: 15,
      proxy: { host: "10.10.0.5", port: 22, user: "ops" },
    });
    assert.ok(c.dialErrorLimit * c.perDialTimeout <= 600, "at most ten minutes of dialing");
  });

  it("pins the host key when the inventory gives one", () => {
    const raw = clone(prodConfig()) as { hosts: Record<string, unknown>[] };
    raw.hosts[0].hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB";
    const result = load(raw);
    assert.ok(result.ok);
    assert.equal(
      connectionSettings(result.spec, result.spec.hosts[0]).hostKey,
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
    );
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
