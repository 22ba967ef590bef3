import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { requireTool } from "../support/tools";
import {
  MIRRORED_UPSTREAMS,
  renderContainerdConfig,
  renderCrictlConfig,
  renderRegistryAuth,
  renderRegistryHosts,
  sandboxImage,
  tomlString,
} from "../../components/worker/renderRuntime";

/** Parses TOML with Python's tomllib (a spec-conformant TOML 1.0 parser) into JSON. */
function parseToml(text: string): Record<string, unknown> {
  const r = spawnSync(
    "python3",
    ["-c", "import sys, json, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"],
    { input: text, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`TOML parse failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed TOML of arbitrary shape

describe("worker runtime: containerd config", function () {
  this.timeout(20000);
  const spec = loadOrThrow(prodConfig()).spec;
  const text = renderContainerdConfig(spec);

  it("is TOML with the containerd 2.x (version 3) keys in their plugin tables", function () {
    requireTool(this, "python3");
    const t = parseToml(text) as Tree;
    assert.equal(t.version, 3);
    const images = t.plugins["io.containerd.cri.v1.images"];
    assert.equal(images.pinned_images.sandbox, "reg.example.internal/platform/pause:3.10.1");
    assert.equal(images.registry.config_path, "/etc/containerd/certs.d");
    const runc = t.plugins["io.containerd.cri.v1.runtime"].containerd.runtimes.runc;
    assert.equal(runc.runtime_type, "io.containerd.runc.v2");
    assert.equal(runc.options.SystemdCgroup, true);
    assert.equal(t.plugins["io.containerd.cri.v1.runtime"].cni.bin_dir, "/opt/cni/bin");
    assert.deepEqual(t.imports, ["/etc/containerd/conf.d/*.toml"]);
  });

  it("takes the sandbox image from the mirror and versions.pause", () => {
    const raw = clone(prodConfig());
    raw.versions = { ...(raw.versions as object), pause: "3.10.2" };
    raw.mirrors = { ...(raw.mirrors as object), images: "harbor.internal:8443/k8s" };
    assert.equal(sandboxImage(loadOrThrow(raw).spec), "harbor.internal:8443/k8s/pause:3.10.2");
  });

  it("loads in Debian's containerd (TOML syntax and structure; 1.6 predates config version 3)", function () {
    requireTool(this, "containerd");
    const dir = mkdtempSync(join(tmpdir(), "worker-containerd-"));
    try {
      const good = join(dir, "config.toml");
      writeFileSync(good, text);
      const ok = spawnSync("containerd", ["--config", good, "config", "dump"], { encoding: "utf8" });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /root = "\/var\/lib\/containerd"/);
      // The same binary refuses a malformed file, so the pass above is a real parse.
      const bad = join(dir, "bad.toml");
      writeFileSync(bad, text.replace("[grpc]", "[grpc"));
      const ko = spawnSync("containerd", ["--config", bad, "config", "dump"], { encoding: "utf8" });
      assert.notEqual(ko.status, 0);
      assert.match(ko.stderr, /TOML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("hosts.toml: the private registry, and each upstream mirrored through it", function () {
    requireTool(this, "python3");
    const files = renderRegistryHosts(spec, "/etc/containerd/certs.d/reg.example.internal/ca.crt");
    assert.deepEqual(
      files.map((f) => f.path),
      ["reg.example.internal", ...MIRRORED_UPSTREAMS].map((h) => `/etc/containerd/certs.d/${h}/hosts.toml`),
    );
    const own = parseToml(files[0].content) as Tree;
    assert.equal(own.server, "https://reg.example.internal");
    assert.deepEqual(own.host["https://reg.example.internal"].capabilities, ["pull", "resolve"]);
    assert.equal(own.host["https://reg.example.internal"].ca, "/etc/containerd/certs.d/reg.example.internal/ca.crt");
    const docker = parseToml(files[1].content) as Tree;
    assert.equal(docker.server, "https://registry-1.docker.io");
    assert.equal(docker.host["https://reg.example.internal/v2/docker.io"].override_path, true);
    assert.equal(
      "username" in docker.host["https://reg.example.internal/v2/docker.io"],
      false,
      "hosts.toml holds no credentials",
    );
  });

  it("node registry credentials: a v3 drop-in with escaped strings, only when configured", function () {
    requireTool(this, "python3");
    assert.equal(renderRegistryAuth("reg.example.internal", "puller", undefined), undefined);
    const auth = renderRegistryAuth("reg.example.internal", "puller", 'p"a\\ss')!;
    const t = parseToml(auth) as Tree;
    assert.equal(t.version, 3);
    assert.deepEqual(t.plugins["io.containerd.cri.v1.images"].registry.configs["reg.example.internal"].auth, {
      username: "puller",
      password: 'p"a\\ss',
    });
    assert.throws(() => tomlString("a\nb"), /control characters/);
  });

  it("crictl talks to the containerd socket", () => {
    assert.match(renderCrictlConfig(), /^runtime-endpoint: unix:\/\/\/run\/containerd\/containerd.sock$/m);
  });
});
