/**
 * kube-controller-manager and kube-scheduler flags and units (CIS cis-1.12 sections 1.3, 1.4).
 * Both reach the local apiserver through their kubeconfigs and bind their own ports to
 * loopback only, so their metrics/health endpoints are never exposed off the master.
 */
import { BIN_DIR, KUBECONFIG, PKI } from "../../lib/paths";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { PORTS } from "./paths";
import { STRONG_CIPHER_SUITES } from "./renderApiserver";
import { flags, renderUnit, type Flags } from "./renderUnit";

/** kube-controller-manager flags. */
export function renderControllerManagerFlags(spec: PlatformSpec, options: { aggregation?: boolean } = {}): Flags {
  const kubeconfig = KUBECONFIG.controllerManager;
  return flags([
    ["kubeconfig", kubeconfig],
    ["authentication-kubeconfig", kubeconfig],
    ["authorization-kubeconfig", kubeconfig],
    ["bind-address", "127.0.0.1"],
    ["secure-port", PORTS.controllerManager],
    ["tls-min-version", "VersionTLS12"],
    ["tls-cipher-suites", STRONG_CIPHER_SUITES.join(",")],
    ["cluster-name", spec.cluster.name],
    // Calico's IPAM hands out pod addresses; node podCIDRs would be unused.
    ["allocate-node-cidrs", false],
    ["service-cluster-ip-range", spec.network.serviceCidr],
    // One certificate, matching the key (the CSR signer refuses a bundle); ca.crt is the trust bundle.
    ["cluster-signing-cert-file", PKI.clusterCaSignerCert],
    ["cluster-signing-key-file", PKI.clusterCaKey],
    ["root-ca-file", PKI.clusterCaCert],
    ["service-account-private-key-file", PKI.serviceAccountKey],
    ["use-service-account-credentials", true],
    ["controllers", "*,bootstrapsigner,tokencleaner"],
    ["leader-elect", true],
    ["terminated-pod-gc-threshold", 10000],
    ["profiling", false],
    ["requestheader-client-ca-file", (options.aggregation ?? true) ? PKI.frontProxyCaCert : undefined],
    ["v", 2],
  ]);
}

/** kube-scheduler flags. */
export function renderSchedulerFlags(): Flags {
  const kubeconfig = KUBECONFIG.scheduler;
  return flags([
    ["kubeconfig", kubeconfig],
    ["authentication-kubeconfig", kubeconfig],
    ["authorization-kubeconfig", kubeconfig],
    ["bind-address", "127.0.0.1"],
    ["secure-port", PORTS.scheduler],
    ["tls-min-version", "VersionTLS12"],
    ["tls-cipher-suites", STRONG_CIPHER_SUITES.join(",")],
    ["leader-elect", true],
    ["profiling", false],
    ["v", 2],
  ]);
}

/** The kube-controller-manager systemd unit. */
export function renderControllerManagerUnit(spec: PlatformSpec, options: { aggregation?: boolean } = {}): string {
  return renderUnit({
    description: "Kubernetes Controller Manager",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/",
    binary: `${BIN_DIR}/kube-controller-manager`,
    flags: renderControllerManagerFlags(spec, options),
    after: ["kube-apiserver.service"],
  });
}

/** The kube-scheduler systemd unit. */
export function renderSchedulerUnit(): string {
  return renderUnit({
    description: "Kubernetes Scheduler",
    documentation: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/",
    binary: `${BIN_DIR}/kube-scheduler`,
    flags: renderSchedulerFlags(),
    after: ["kube-apiserver.service"],
  });
}
