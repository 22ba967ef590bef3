/**
 * The storage section of the config contract: every free-text value has a syntax (no
 * newline or shell syntax reaches a script), managed options cannot be overridden, client
 * networks are what GlusterFS can match, and each error names the key to edit.
 */
import { strict as assert } from "node:assert";
import { load, type Problem } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit arbitrary config paths

function loaded(mutate: (raw: Raw) => void) {
  const raw = clone(prodConfig()) as Raw;
  mutate(raw);
  return load(raw);
}

function problems(mutate: (raw: Raw) => void): readonly Problem[] {
  const result = loaded(mutate);
  assert.equal(result.ok, false, "expected the config to be rejected");
  return result.ok ? [] : result.errors;
}

const storageHost = (raw: Raw) => raw.hosts.find((h: Raw) => h.roles.includes("storage"));
const gluster = (raw: Raw) => raw.storage.glusterfs;

/** [description, mutation, expected key path, expected message fragment] */
const BAD: [string, (raw: Raw) => void, string, RegExp][] = [
  [
    "option value with a newline",
    (r) => (gluster(r).options["performance.cache-size"] = "256MB\nrm -rf /"),
    "storage.glusterfs.options.performance.cache-size",
    /must be a gluster option value/,
  ],
  [
    "option value with shell syntax",
    (r) => (gluster(r).options["performance.cache-size"] = "$(reboot)"),
    "storage.glusterfs.options.performance.cache-size",
    /no spaces or shell syntax/,
  ],
  [
    "option name with shell syntax",
    (r) => (gluster(r).options["performance.x;reboot"] = "on"),
    "storage.glusterfs.options.performance.x;reboot",
    /must be a gluster option name/,
  ],
  [
    "auth.allow set by hand",
    (r) => (gluster(r).options["auth.allow"] = "10.0.0.1"),
    "storage.glusterfs.options.auth.allow",
    /set by the platform from storage\.glusterfs\.clientNetworks/,
  ],
  [
    "ping timeout set as an option",
    (r) => (gluster(r).options["network.ping-timeout"] = "10"),
    "storage.glusterfs.options.network.ping-timeout",
    /storage\.glusterfs\.pingTimeout/,
  ],
  [
    "client network /28",
    (r) => (gluster(r).clientNetworks = ["10.10.2.0/28"]),
    "storage.glusterfs.clientNetworks[0]",
    /whole octets only/,
  ],
  [
    "client network 0.0.0.0/0",
    (r) => (gluster(r).clientNetworks = ["0.0.0.0/0"]),
    "storage.glusterfs.clientNetworks[0]",
    /whole octets only/,
  ],
  [
    "client network not an address",
    (r) => (gluster(r).clientNetworks = ["nodes.example"]),
    "storage.glusterfs.clientNetworks[0]",
    /IPv4 address or network/,
  ],
  [
    "a worker outside the client networks",
    (r) => (gluster(r).clientNetworks = ["10.10.1.0/24"]),
    "hosts[5].address",
    /node-001 \(10\.10\.2\.101\) runs kubelet .* outside storage\.glusterfs\.clientNetworks/,
  ],
  [
    "brick path with shell syntax",
    (r) => (storageHost(r).bricks = ["/data/glusterfs/brick1;reboot", "/data/glusterfs/brick2"]),
    "hosts[25].bricks[0]",
    /must be an absolute, normalized path for a brick \(letters, digits/,
  ],
  [
    "brick path with '..'",
    (r) => (storageHost(r).bricks = ["/data/../etc/brick1", "/data/glusterfs/brick2"]),
    "hosts[25].bricks[0]",
    /no '\.\.', no trailing '\/'/,
  ],
  [
    "brick device whose bricks share no parent",
    (r) => Object.assign(storageHost(r), { brickDevice: "/dev/sdb", bricks: ["/a/brick1", "/b/brick2"] }),
    "hosts[25].brickDevice",
    /share no parent directory to mount \/dev\/sdb on/,
  ],
  ["ping timeout too low", (r) => (gluster(r).pingTimeout = 1), "storage.glusterfs.pingTimeout", /2/],
  [
    "removed key nfsServer (no NFS export any more)",
    (r) => (gluster(r).nfsServer = "10.10.3.100"),
    "storage.glusterfs.nfsServer",
    /unknown key/,
  ],
];

describe("storage config contract", function () {
  for (const [what, mutate, path, message] of BAD) {
    it(`refuses ${what}, naming ${path}`, function () {
      const found = problems(mutate);
      const hit = found.find((p) => p.path === path || (p.path.startsWith(path) && message.test(p.message)));
      assert.ok(hit, `no problem at ${path}: ${JSON.stringify(found)}`);
      assert.match(`${hit.path}: ${hit.message}`, message);
    });
  }

  it("reports every cross-field storage problem at once", function () {
    const found = problems((r) => {
      gluster(r).options["auth.allow"] = "10.0.0.1";
      gluster(r).clientNetworks = ["10.10.1.0/24"];
      // A cross-field brick problem (a shape error would leave hosts unparsed, and the
      // rules that read hosts unrun, by design).
      storageHost(r).bricks = ["/data/glusterfs/brick2", "/data/glusterfs/brick2"];
    });
    for (const path of ["storage.glusterfs.options.auth.allow", "hosts[5].address", "hosts[25].bricks[1]"])
      assert.ok(
        found.some((p) => p.path === path),
        `${path} missing from ${JSON.stringify(found)}`,
      );
  });

  it("warns when bricks may sit on the root filesystem", function () {
    const result = loaded((r) => (gluster(r).allowRootBricks = true));
    assert.ok(result.ok);
    assert.ok(result.warnings.some((w) => w.path === "storage.glusterfs.allowRootBricks"));
  });

  it("accepts addresses and whole-octet networks", function () {
    const result = loaded((r) => (gluster(r).clientNetworks = ["10.10.1.21", "10.10.1.22", "10.10.0.0/16"]));
    assert.ok(result.ok, JSON.stringify(result));
  });
});
