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
  renderRegistryHosts,
  sandboxImage,
  tomlString,
} from "../../components/worker/renderRuntime";
import {
  CONTAINERD_DEPRECATED_KEYS,
  CONTAINERD_LOCAL_PULL_TRIGGERS,
  CONTAINERD_TABLE_KEYS,
} from "../../components/worker/containerdFields";

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
    assert.deepEqual(t.plugins["io.containerd.cri.v1.runtime"].cni.bin_dirs, ["/opt/cni/bin"]);
    assert.equal(t.plugins["io.containerd.transfer.v1.local"].max_concurrent_downloads, 5);
    assert.equal(t.imports, undefined, "no drop-in directory: nothing is imported");
  });

  /** What is wrong with a config.toml against the recorded containerd 2.2.7 keys. */
  function keyProblems(toml: string): string[] {
    const t = parseToml(toml) as Tree;
    const paths: string[] = [];
    const walk = (node: Tree, prefix: string) => {
      for (const [k, v] of Object.entries(node)) {
        const path = prefix ? `${prefix}/${k}` : k;
        paths.push(path);
        if (v !== null && typeof v === "object" && !Array.isArray(v)) walk(v as Tree, path);
      }
    };
    walk(t, "");
    // Key paths joined by "/": plugin ids hold dots.
    const at = (path: string): unknown =>
      path === "" ? t : path.split("/").reduce<unknown>((n, step) => (n as Tree | undefined)?.[step], t);
    const problems: string[] = [];
    for (const [table, keys] of Object.entries(CONTAINERD_TABLE_KEYS)) {
      for (const k of Object.keys((at(table) as Tree | undefined) ?? {}))
        if (!keys.includes(k)) problems.push(`unknown ${table}/${k}`);
    }
    for (const key of CONTAINERD_DEPRECATED_KEYS) if (paths.includes(key)) problems.push(`deprecated ${key}`);
    for (const [key, keep] of Object.entries(CONTAINERD_LOCAL_PULL_TRIGGERS)) {
      const value = at(key);
      if (value !== undefined && value !== keep) problems.push(`local pull ${key}=${JSON.stringify(value)}`);
    }
    return problems;
  }

  it("uses only current containerd 2.2 keys: none unknown, none deprecated, nothing that drops the CRI to local pulls", function () {
    requireTool(this, "python3");
    assert.deepEqual(keyProblems(text), []);
    // The check bites on the previous rendering's three mistakes and on a misspelt key.
    const old = text
      .replace('bin_dirs = ["/opt/cni/bin"]', 'bin_dir = "/opt/cni/bin"')
      .replace('snapshotter = "overlayfs"', 'snapshotter = "overlayfs"\n    max_concurrent_downloads = 5')
      .replace("enable_selinux", "enable_selinx")
      .concat(
        "\n[plugins.'io.containerd.cri.v1.images'.registry.configs.'reg.example.internal'.auth]\n  username = \"u\"\n",
      );
    assert.deepEqual(keyProblems(old).sort(), [
      "deprecated plugins/io.containerd.cri.v1.images/registry/configs",
      "deprecated plugins/io.containerd.cri.v1.runtime/cni/bin_dir",
      "local pull plugins/io.containerd.cri.v1.images/max_concurrent_downloads=5",
      "unknown plugins/io.containerd.cri.v1.runtime/enable_selinx",
    ]);
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

  it("TOML strings refuse control characters", () => {
    assert.equal(tomlString('p"a\\ss'), '"p\\"a\\\\ss"');
    assert.throws(() => tomlString("a\nb"), /control characters/);
  });

  it("crictl talks to the containerd socket", () => {
    assert.match(renderCrictlConfig(), /^runtime-endpoint: unix:\/\/\/run\/containerd\/containerd.sock$/m);
  });
});
