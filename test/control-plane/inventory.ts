/**
 * The control-plane tests' inventory: the loopback addresses assigned to these tests
 * (etcd 127.0.0.11-13, masters 127.0.0.21-22, VIP 127.0.0.20 on port 8443).
 */
import { load } from "../../stacks/contract/load";
import type { PlatformSpec } from "../../stacks/contract/spec";

/** Raw `k8s-platform:` config of the loopback test stack. */
export function loopbackConfig(): Record<string, unknown> {
  return {
    cluster: { name: "loop", ntpServers: ["ntp.example.internal"] },
    ssh: {
      user: "root",
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake-test-key\n-----END OPENSSH PRIVATE KEY-----",
    },
    hosts: [
      { name: "etcd-1", address: "127.0.0.11", roles: ["etcd"] },
      { name: "etcd-2", address: "127.0.0.12", roles: ["etcd"] },
      { name: "etcd-3", address: "127.0.0.13", roles: ["etcd"] },
      { name: "master-1", address: "127.0.0.21", roles: ["master"] },
      { name: "master-2", address: "127.0.0.22", roles: ["master"] },
      { name: "node-1", address: "127.0.0.31", roles: ["worker"] },
    ],
    mirrors: {
      binaries: "https://mirror.example.internal/releases",
      images: "reg.example.internal",
      charts: "https://mirror.example.internal/charts",
    },
    apiserver: { vip: "127.0.0.20", port: 8443, vipPrefix: 24, interface: "lo" },
  };
}

/** The validated spec of the loopback stack (throws with the loader's problems otherwise). */
export function loopbackSpec(): PlatformSpec {
  const result = load(loopbackConfig());
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return result.spec;
}
