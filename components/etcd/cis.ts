/**
 * CIS Kubernetes Benchmark v1.12 (kube-bench cfg/cis-1.12/etcd.yaml), section 2: the etcd
 * member checks, with the benchmark's test items over the member's command line (the
 * rendered flags; `%d` is the unit's credentials directory, where systemd puts the keys).
 */
import type { BenchAudit, BenchHost, BenchTests, CisCheck } from "../../lib/kubeBench";

const etcdPs = (h: BenchHost): BenchAudit | undefined =>
  h.processes.etcd === undefined ? undefined : { output: h.processes.etcd };

const check = (id: string, title: string, satisfiedBy: string, tests: BenchTests, automated = true): CisCheck => ({
  id,
  title,
  automated,
  satisfiedBy,
  tests,
  audit: etcdPs,
});

/** Section 2 of cis-1.12. */
export const ETCD_CHECKS: readonly CisCheck[] = [
  check("2.1", "client TLS certificate and key", "--cert-file, --key-file", {
    binOp: "and",
    items: [
      { flag: "--cert-file", env: "ETCD_CERT_FILE" },
      { flag: "--key-file", env: "ETCD_KEY_FILE" },
    ],
  }),
  check("2.2", "client certificate auth", "--client-cert-auth=true", {
    items: [{ flag: "--client-cert-auth", env: "ETCD_CLIENT_CERT_AUTH", compare: { op: "eq", value: "true" } }],
  }),
  check("2.3", "no auto TLS", "--auto-tls=false", {
    binOp: "or",
    items: [
      { flag: "--auto-tls", env: "ETCD_AUTO_TLS", set: false },
      { flag: "--auto-tls", env: "ETCD_AUTO_TLS", compare: { op: "eq", value: "false" } },
    ],
  }),
  check("2.4", "peer TLS certificate and key", "--peer-cert-file, --peer-key-file", {
    binOp: "and",
    items: [
      { flag: "--peer-cert-file", env: "ETCD_PEER_CERT_FILE" },
      { flag: "--peer-key-file", env: "ETCD_PEER_KEY_FILE" },
    ],
  }),
  check("2.5", "peer certificate auth", "--peer-client-cert-auth=true", {
    items: [
      { flag: "--peer-client-cert-auth", env: "ETCD_PEER_CLIENT_CERT_AUTH", compare: { op: "eq", value: "true" } },
    ],
  }),
  check("2.6", "no peer auto TLS", "--peer-auto-tls=false", {
    binOp: "or",
    items: [
      { flag: "--peer-auto-tls", env: "ETCD_PEER_AUTO_TLS", set: false },
      { flag: "--peer-auto-tls", env: "ETCD_PEER_AUTO_TLS", compare: { op: "eq", value: "false" } },
    ],
  }),
  check(
    "2.7",
    "a CA for etcd alone",
    "--trusted-ca-file is the etcd CA, which signs nothing else (the cluster-CA client is refused: test/etcd/cluster.test.ts)",
    { items: [{ flag: "--trusted-ca-file", env: "ETCD_TRUSTED_CA_FILE" }] },
    false,
  ),
];
