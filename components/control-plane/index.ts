/**
 * ControlPlane: kube-apiserver, kube-controller-manager and kube-scheduler on every master
 * (systemd units, CIS-hardened flags), the apiserver load balancer (haproxy + keepalived
 * VIP, see ApiServerLoadBalancer), a readiness gate through the VIP, and the k8s Provider
 * every in-cluster resource uses.
 *
 * Order: etcd pre-change snapshot + health -> master 1 install (waits for its /readyz)
 * -> master 2 install -> ... ; load balancer on every master (chained, in parallel with the
 * masters) -> gate (/readyz through the VIP with the admin certificate) -> provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { remote } from "@pulumi/command";
import { renderDownloadList } from "../../lib/downloads";
import { KUBECONFIG, PKI, PLATFORM_STATE_DIR } from "../../lib/paths";
import { withFingerprint, withParameters } from "../../lib/shell";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import type { HostRef } from "../host";
import { asRoot } from "../host/render";
import type { KeyPair, TrustAnchor } from "../pki/types";
import { controlPlaneDownloads } from "./downloads";
import { encryptionKeyResources, secretsRewrite } from "./encryption";
import { PORTS } from "./paths";
import {
  fingerprint,
  renderLbBundles,
  renderMasterBundles,
  SCRIPTS,
  type MasterSecrets,
  type SplitBundle,
} from "./render";

export { controlPlaneFingerprint } from "./render";
export { CONTROL_PLANE_CHECKS } from "./cis";

/** A master host as the control plane needs it (the Host component). */
export type MasterHost = HostRef;

/** Certificates the masters need (from the Pki component; keys are secrets). */
export interface ControlPlaneCertificates {
  /** The signing cluster CA, with its key: controller-manager signs kubelet CSRs with it. */
  readonly clusterCa: KeyPair;
  /**
   * Trust bundle of the cluster CA (every trusted generation; one certificate outside a CA
   * rotation): the apiserver's client CA, the kubelet CA, haproxy's check CA.
   */
  readonly clusterCaBundle: TrustAnchor;
  readonly etcdCa: TrustAnchor;
  readonly frontProxyCa: TrustAnchor;
  /** Apiserver serving certificate (SANs: VIP, masters, 127.0.0.1, service IP). */
  readonly apiserver: KeyPair;
  readonly apiserverKubeletClient: KeyPair;
  readonly apiserverEtcdClient: KeyPair;
  readonly frontProxyClient: KeyPair;
  /** Service-account token signing key pair. */
  readonly serviceAccount: {
    readonly publicKeyPem: pulumi.Input<string>;
    readonly privateKeyPem: pulumi.Input<string>;
  };
}

/** Kubeconfig contents (secrets). */
export interface ControlPlaneKubeconfigs {
  /** Admin (system:masters) through the VIP, installed on the masters (the gate uses it). */
  readonly admin: pulumi.Input<string>;
  /**
   * The admin kubeconfig the Kubernetes provider uses from the machine running Pulumi: the
   * same credentials, with `proxy-url` when `apiserver.proxyUrl` is set (bastion sites).
   */
  readonly provider: pulumi.Input<string>;
  /** Controller-manager and scheduler, pointing at the local apiserver. */
  readonly controllerManager: pulumi.Input<string>;
  readonly scheduler: pulumi.Input<string>;
}

/** Arguments of the ControlPlane. */
export interface ControlPlaneArgs {
  /** The validated stack (versions.kubernetes, mirrors.binaries, apiserver, network, masters). */
  readonly spec: PlatformSpec;
  /** Every master of the inventory (spec.topology.masters), in inventory order: the rolling order. */
  readonly masters: readonly MasterHost[];
  readonly certs: ControlPlaneCertificates;
  readonly kubeconfigs: ControlPlaneKubeconfigs;
  /**
   * What the masters wait for: the etcd pre-change snapshot and health gate
   * (EtcdCluster.snapshot, EtcdCluster.healthy).
   */
  readonly etcdReady: readonly pulumi.Resource[];
  /** Seconds a master's apiserver may take to become ready after a restart (default 300). */
  readonly readyTimeoutSeconds?: number;
}

const STAGE_DIR = `${PLATFORM_STATE_DIR}/control-plane`;
/** What a removed master runs at the end: its balancer, then its control plane, stopped and disabled. */
export const RETIRE_MASTER =
  "systemctl disable --now keepalived haproxy && systemctl disable --now kube-scheduler kube-controller-manager kube-apiserver";
const LB_STAGE_DIR = `${PLATFORM_STATE_DIR}/apiserver-lb`;

/**
 * Stages a host's two bundles: a root-only staging directory, the reviewable config bundle
 * and the secret bundle copied into it. Every step carries the host's prep id (a rebuilt
 * machine gets them again); a changed bundle re-copies in place. Returns the copies (what
 * the install waits for) and the fingerprint of both bundles (non-secret: a digest), which
 * the install's stdin names so it re-runs in place when either changes.
 */
function stageBundles(
  name: string,
  spec: PlatformSpec,
  host: MasterHost,
  dir: string,
  bundles: pulumi.Output<SplitBundle>,
  parent: pulumi.Resource,
): { copies: remote.CopyToRemote[]; bundleFingerprint: pulumi.Output<string>; paths: string } {
  const rebuilt = [host.provisioned];
  const stage = new remote.Command(
    `${name}-${host.name}-stage`,
    {
      connection: host.connection,
      create: asRoot(spec),
      // Root-only directory: the secret bundle copied into it holds private keys.
      stdin: `set -euo pipefail\ninstall -d -m 0700 -o root -g root ${dir}\n`,
      triggers: rebuilt,
      addPreviousOutputInEnv: false,
    },
    { parent, dependsOn: [host.ready] },
  );
  const copy = (suffix: string, content: pulumi.Output<string>) =>
    new remote.CopyToRemote(
      `${name}-${host.name}-${suffix}`,
      {
        connection: host.connection,
        source: content.apply((text) => new pulumi.asset.StringAsset(text)),
        remotePath: `${dir}/${suffix}`,
        triggers: rebuilt,
      },
      { parent, dependsOn: [stage] },
    );
  const config = bundles.apply((b) => b.config);
  const secrets = pulumi.secret(bundles.apply((b) => b.secrets));
  const copies = [copy("config", pulumi.unsecret(config)), copy("secrets", secrets)];
  // A digest reveals nothing of the keys; keeping it non-secret keeps the install script
  // (its stdin) readable in the plan.
  const bundleFingerprint = pulumi.unsecret(bundles.apply((b) => fingerprint([b.config, b.secrets])));
  return { copies, bundleFingerprint, paths: `${dir}/config ${dir}/secrets` };
}

function masterConfig(spec: PlatformSpec, host: MasterHost): HostConfig {
  const found = spec.topology.masters.find((m) => m.name === host.name);
  if (!found) throw new Error(`ControlPlane: "${host.name}" is not a master in the inventory`);
  return found;
}

/** Arguments of the ApiServerLoadBalancer. */
export interface ApiServerLoadBalancerArgs {
  readonly spec: PlatformSpec;
  /** The hosts running haproxy + keepalived (the masters). */
  readonly hosts: readonly MasterHost[];
  /** The cluster CA haproxy verifies the apiservers' serving certificate against. */
  readonly clusterCa: TrustAnchor;
}

/**
 * haproxy (TCP, /readyz health checks) + keepalived (VRRP VIP) on each master. Hosts are
 * configured one after another so a config change never reloads two balancers at once.
 */
export class ApiServerLoadBalancer extends pulumi.ComponentResource {
  /** One install command per host, in order; the VIP serves once these are done. */
  readonly installs: readonly remote.Command[];
  /** The VRRP password (secret), shared by the masters. */
  readonly vrrpPassword: pulumi.Output<string>;
  /** sha256 of each host's bundle: changes whenever a balancer's config does. */
  readonly fingerprints: readonly pulumi.Output<string>[];

  constructor(name: string, args: ApiServerLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:control-plane:ApiServerLoadBalancer", name, {}, opts);
    const { spec } = args;
    if (args.hosts.length === 0) throw new Error("ApiServerLoadBalancer: no hosts given");
    const child = { parent: this };
    // VRRP PASS authentication takes at most 8 characters.
    const password = new random.RandomPassword(`${name}-vrrp-password`, { length: 8, special: false }, child);
    this.vrrpPassword = pulumi.secret(password.result);

    const installs: remote.Command[] = [];
    const fingerprints: pulumi.Output<string>[] = [];
    for (const host of args.hosts) {
      const master = masterConfig(spec, host);
      const bundles = pulumi
        .all([args.clusterCa.certPem, this.vrrpPassword])
        .apply(([ca, pass]) => renderLbBundles(spec, master, ca, pass));
      const { copies, bundleFingerprint, paths } = stageBundles(name, spec, host, LB_STAGE_DIR, bundles, this);
      fingerprints.push(bundleFingerprint);
      const previous = installs[installs.length - 1];
      const script = withParameters(SCRIPTS.installLb, { BUNDLES: paths, HOST_ADDRESS: host.address });
      installs.push(
        new remote.Command(
          `${name}-${host.name}-install`,
          {
            connection: host.connection,
            create: asRoot(spec),
            // A changed bundle re-runs the install in place (stdin is updatable; triggers replace).
            stdin: bundleFingerprint.apply((f) => withFingerprint(script, f)),
            triggers: [host.provisioned],
            addPreviousOutputInEnv: false,
          },
          { ...child, dependsOn: [...copies, ...(previous ? [previous] : [])] },
        ),
      );
    }
    this.installs = installs;
    this.fingerprints = fingerprints;
    this.registerOutputs({ installs: installs.map((i) => i.id) });
  }
}

/**
 * The Kubernetes control plane on the masters, its load balancer, and the provider for
 * in-cluster resources. Masters are installed one at a time in inventory order, each
 * waiting for its apiserver's /readyz before the next starts (rolling upgrades).
 */
export class ControlPlane extends pulumi.ComponentResource {
  /** The apiserver load balancer (haproxy + keepalived VIP). */
  readonly loadBalancer: ApiServerLoadBalancer;
  /** Per-master install commands, in rolling order. */
  readonly masterInstalls: readonly remote.Command[];
  /** /readyz through the VIP with the admin certificate: the control plane is up when this is. */
  readonly ready: remote.Command;
  /** Rewrites every Secret with the encrypting key after it changed (and on the first rollout). */
  readonly secretsRewrite: remote.Command;
  /** Provider for in-cluster resources (admin kubeconfig), created after the gate. */
  readonly provider: k8s.Provider;
  /** `https://<vip>:<port>`. */
  readonly endpoint: string;

  constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:control-plane:ControlPlane", name, {}, opts);
    const { spec, certs, kubeconfigs } = args;
    if (args.masters.length === 0) throw new Error("ControlPlane: no masters given");
    if (args.etcdReady.length === 0)
      throw new Error("ControlPlane: etcdReady must list the etcd snapshot and health gate");
    const child = { parent: this };
    this.endpoint = spec.endpoints.apiserver;

    // Secrets at rest in etcd are encrypted with these keys; losing one loses every Secret
    // it encrypted, so each is protected like the etcd members (dropping one takes a
    // `pulumi state unprotect` after the rewrite, docs/operations/encryption-key.md).
    const encryptionKeys = encryptionKeyResources(name, spec, child);

    this.loadBalancer = new ApiServerLoadBalancer(
      `${name}-lb`,
      { spec, hosts: args.masters, clusterCa: certs.clusterCaBundle },
      child,
    );

    const secretInputs: { readonly [K in keyof Omit<MasterSecrets, "encryptionKeys">]: pulumi.Input<string> } = {
      clusterCaCert: certs.clusterCaBundle.certPem,
      clusterCaSignerCert: certs.clusterCa.certPem,
      clusterCaKey: certs.clusterCa.keyPem,
      etcdCaCert: certs.etcdCa.certPem,
      frontProxyCaCert: certs.frontProxyCa.certPem,
      apiserverCert: certs.apiserver.certPem,
      apiserverKey: certs.apiserver.keyPem,
      apiserverKubeletClientCert: certs.apiserverKubeletClient.certPem,
      apiserverKubeletClientKey: certs.apiserverKubeletClient.keyPem,
      apiserverEtcdClientCert: certs.apiserverEtcdClient.certPem,
      apiserverEtcdClientKey: certs.apiserverEtcdClient.keyPem,
      frontProxyClientCert: certs.frontProxyClient.certPem,
      frontProxyClientKey: certs.frontProxyClient.keyPem,
      serviceAccountKey: certs.serviceAccount.privateKeyPem,
      serviceAccountPub: certs.serviceAccount.publicKeyPem,
      adminKubeconfig: kubeconfigs.admin,
      controllerManagerKubeconfig: kubeconfigs.controllerManager,
      schedulerKubeconfig: kubeconfigs.scheduler,
    };
    // pulumi.all types an object of Inputs as a string record; the keys are exactly MasterSecrets'.
    const secrets = pulumi.secret(
      pulumi
        .all([pulumi.all(secretInputs), pulumi.all(encryptionKeys.map((k) => k.base64))])
        .apply(([files, keys]): MasterSecrets => ({
          ...(files as Omit<MasterSecrets, "encryptionKeys">),
          encryptionKeys: spec.apiserver.encryptionKeys.map((keyName, i) => ({ name: keyName, secretBase64: keys[i] })),
        })),
    );

    const installs: remote.Command[] = [];
    const fingerprints: pulumi.Output<string>[] = [];
    for (const host of args.masters) {
      const master = masterConfig(spec, host);
      const bundles = secrets.apply((s) => renderMasterBundles(spec, master, s));
      const { copies, bundleFingerprint, paths } = stageBundles(name, spec, host, STAGE_DIR, bundles, this);
      fingerprints.push(bundleFingerprint);
      // Master N+1 starts only after master N's apiserver is ready again; the first waits
      // for the etcd snapshot and health gate.
      const previous = installs[installs.length - 1];
      const script = withParameters(SCRIPTS.installControlPlane, {
        K8S_VERSION: spec.versions.kubernetes,
        DOWNLOADS: renderDownloadList(controlPlaneDownloads(spec)),
        BUNDLES: paths,
        CA_FILE: PKI.clusterCaCert,
        APISERVER_PORT: PORTS.apiserver,
        READY_TIMEOUT: args.readyTimeoutSeconds ?? 300,
      });
      installs.push(
        new remote.Command(
          `${name}-${host.name}-install`,
          {
            connection: host.connection,
            create: asRoot(spec),
            // The version is in the script; a changed bundle re-runs it in place through the
            // fingerprint line. Only a rebuilt machine replaces it (no delete command runs).
            stdin: bundleFingerprint.apply((f) => withFingerprint(script, f)),
            triggers: [host.provisioned],
            addPreviousOutputInEnv: false,
          },
          { ...child, dependsOn: [...copies, ...(previous ? [previous] : args.etcdReady)] },
        ),
      );
    }
    this.masterInstalls = installs;

    // Delete-time only (no create, no triggers): when a master leaves the inventory, its
    // balancer and control-plane services stop for good at the end of `pulumi up`, after the
    // other masters' haproxy and keepalived dropped it. keepalived goes first (the VIP moves
    // to a master that stays), then haproxy, then the Kubernetes services. Separate from the
    // install steps, which a rebuilt machine's `--replace` replaces: a delete command there
    // would run against the new machine at the end of that run; this one is never replaced.
    args.masters.forEach((host, i) => {
      new remote.Command(
        `${name}-${host.name}-retire`,
        {
          connection: host.connection,
          delete: asRoot(spec, `sh -c '${RETIRE_MASTER}'`),
          addPreviousOutputInEnv: false,
        },
        { ...child, dependsOn: [installs[i], this.loadBalancer.installs[i]] },
      );
    });

    const first = args.masters[0];
    const gate = withParameters(SCRIPTS.gate, { ADMIN_KUBECONFIG: KUBECONFIG.admin, TRIES: 60, INTERVAL: 5 });
    this.ready = new remote.Command(
      `${name}-ready`,
      {
        connection: first.connection,
        create: asRoot(spec),
        // Re-checks in place after any master or balancer change, or a rebuilt master.
        stdin: pulumi
          .all([
            spec.versions.kubernetes,
            ...fingerprints,
            ...this.loadBalancer.fingerprints,
            ...args.masters.map((m) => m.provisioned),
          ])
          .apply((parts) => withFingerprint(gate, fingerprint(parts))),
        addPreviousOutputInEnv: false,
      },
      { ...child, dependsOn: [...installs, ...this.loadBalancer.installs] },
    );

    this.secretsRewrite = secretsRewrite(`${name}-rewrite-secrets`, spec, first, [this.ready], this);

    // `clusterIdentifier` keeps the provider's identity stable: a re-issued admin certificate
    // or CA, or a new proxy-url, updates the provider instead of replacing it (a replaced
    // provider would re-create, then delete, every in-cluster object).
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: pulumi.secret(pulumi.output(kubeconfigs.provider)),
        clusterIdentifier: spec.cluster.name,
        enableServerSideApply: true,
      },
      { ...child, dependsOn: [this.ready] },
    );

    this.registerOutputs({ endpoint: this.endpoint, ready: this.ready.id });
  }
}
