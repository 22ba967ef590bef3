/**
 * Pki: the platform's certificate authorities and every leaf certificate (see profiles.ts
 * for what each says), issued with @pulumi/tls, plus the service-account signing key and
 * kubeconfig rendering. Certificates re-issue when `pulumi up` runs inside their early
 * renewal window; dependants then receive the new PEMs through their inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { renderKubeconfig } from "./kubeconfig";
import {
  APISERVER_LOCAL_PORT,
  keyArgs,
  pkiProfiles,
  type CaId,
  type CaProfile,
  type LeafKind,
  type LeafProfile,
} from "./profiles";
import type { KeyPair, TrustAnchor } from "./types";

export type { KeyPair, TrustAnchor } from "./types";
export { APISERVER_LOCAL_PORT } from "./profiles";

/** Arguments of the Pki. */
export interface PkiArgs {
  /** The validated stack (hosts by role, endpoints, `pki` settings). */
  readonly spec: PlatformSpec;
}

/** The service-account token signing key pair (apiserver `--service-account-*` flags). */
export interface ServiceAccountKeys {
  /** PEM public key (`sa.pub`). */
  readonly publicKeyPem: pulumi.Output<string>;
  /** PEM private key (`sa.key`); a secret. */
  readonly privateKeyPem: pulumi.Output<string>;
}

/** Where a kubeconfig is used: on a master it talks to the local apiserver, elsewhere to the VIP. */
export interface KubeconfigOptions {
  /** True for components on a master (controller-manager, scheduler, a master's kubelet). */
  readonly onMaster?: boolean;
  /** User name in the file; defaults to the certificate's common name. */
  readonly user?: string;
  /** `proxy-url` of the cluster entry (only for kubeconfigs used off the hosts' network). */
  readonly proxyUrl?: string;
}

// Secret outputs of each tls resource: private keys and anything echoing them.
const KEY_SECRETS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];
const SIGNED_SECRETS = ["caPrivateKeyPem"];

/** Certificate authorities and leaf certificates of the platform. */
export class Pki extends pulumi.ComponentResource {
  /**
   * Trust bundle of the Kubernetes cluster CA (apiserver, kubelets, kubeconfigs): every
   * trusted generation, the signing one first; one certificate outside a CA rotation.
   */
  readonly clusterCa: TrustAnchor;
  /** Trust bundle of the etcd CA: the only CA etcd trusts, for servers, peers and clients. */
  readonly etcdCa: TrustAnchor;
  /** Trust bundle of the front-proxy (aggregation layer) CA. */
  readonly frontProxyCa: TrustAnchor;
  /**
   * The signing cluster CA alone, with its key: the controller-manager's CSR signer (which
   * takes exactly one certificate) and the registry's certificate.
   */
  readonly clusterCaSigner: KeyPair;
  /** Service-account signing keys. */
  readonly serviceAccount: ServiceAccountKeys;
  /** Admin kubeconfig through the VIP, as installed on the masters and the operations host (a secret). */
  readonly adminKubeconfig: pulumi.Output<string>;
  /**
   * The admin kubeconfig for the machine running Pulumi (the Kubernetes provider, the
   * `adminKubeconfig` stack output): the same, plus `proxy-url` when `apiserver.proxyUrl` is
   * set, because behind a bastion that machine may not reach the VIP itself.
   */
  readonly operatorKubeconfig: pulumi.Output<string>;

  private readonly spec: PlatformSpec;
  private readonly leaves = new Map<string, { profile: LeafProfile; pair: KeyPair }>();

  constructor(name: string, args: PkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:pki:Pki", name, {}, opts);
    const { spec } = args;
    this.spec = spec;
    const key = keyArgs(spec.pki.keyAlgorithm);
    const profiles = pkiProfiles(spec);
    const child = { parent: this };

    const newKey = (stem: string) =>
      new tls.PrivateKey(`${name}-${stem}-key`, key, { ...child, additionalSecretOutputs: KEY_SECRETS });

    // Every trusted generation of each CA; the signing generation signs every leaf.
    const cas = new Map<string, { cert: tls.SelfSignedCert; key: tls.PrivateKey }>();
    for (const ca of profiles.cas) cas.set(`${ca.id}/${ca.generation}`, this.issueCa(name, ca, newKey(ca.name)));
    const caOf = (id: CaId, generation = profiles.signing) =>
      cas.get(`${id}/${generation}`) as { cert: tls.SelfSignedCert; key: tls.PrivateKey };
    const bundleOf = (id: CaId): TrustAnchor => ({
      certPem: trustBundle(profiles.trusted.map((g) => caOf(id, g).cert.certPem)),
    });

    for (const leaf of profiles.leaves) {
      const leafKey = newKey(leaf.name);
      const csr = new tls.CertRequest(
        `${name}-${leaf.name}-csr`,
        {
          privateKeyPem: leafKey.privateKeyPem,
          subject: { commonName: leaf.commonName, ...(leaf.organization ? { organization: leaf.organization } : {}) },
          dnsNames: [...leaf.dnsNames],
          ipAddresses: [...leaf.ipAddresses],
        },
        { ...child, additionalSecretOutputs: ["privateKeyPem"] },
      );
      const ca = caOf(leaf.ca);
      const cert = new tls.LocallySignedCert(
        `${name}-${leaf.name}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caCertPem: ca.cert.certPem,
          caPrivateKeyPem: ca.key.privateKeyPem,
          allowedUses: [...leaf.usages],
          validityPeriodHours: leaf.validityHours,
          earlyRenewalHours: leaf.earlyRenewalHours,
        },
        { ...child, additionalSecretOutputs: SIGNED_SECRETS },
      );
      this.leaves.set(leafId(leaf.kind, leaf.host), {
        profile: leaf,
        pair: { certPem: cert.certPem, keyPem: pulumi.secret(leafKey.privateKeyPem) },
      });
    }

    this.clusterCa = bundleOf("cluster");
    this.etcdCa = bundleOf("etcd");
    this.frontProxyCa = bundleOf("frontProxy");
    this.clusterCaSigner = {
      certPem: caOf("cluster").cert.certPem,
      keyPem: pulumi.secret(caOf("cluster").key.privateKeyPem),
    };

    const sa = newKey("service-account");
    this.serviceAccount = { publicKeyPem: sa.publicKeyPem, privateKeyPem: pulumi.secret(sa.privateKeyPem) };
    this.adminKubeconfig = this.kubeconfig(this.admin, { user: "kubernetes-admin" });
    this.operatorKubeconfig = spec.apiserver.proxyUrl
      ? this.kubeconfig(this.admin, { user: "kubernetes-admin", proxyUrl: spec.apiserver.proxyUrl })
      : this.adminKubeconfig;

    this.registerOutputs({
      clusterCa: this.clusterCa.certPem,
      etcdCa: this.etcdCa.certPem,
      frontProxyCa: this.frontProxyCa.certPem,
      adminKubeconfig: this.adminKubeconfig,
    });
  }

  private issueCa(name: string, ca: CaProfile, key: tls.PrivateKey): { cert: tls.SelfSignedCert; key: tls.PrivateKey } {
    const cert = new tls.SelfSignedCert(
      `${name}-${ca.name}-cert`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: ca.commonName },
        isCaCertificate: true,
        setSubjectKeyId: true,
        allowedUses: [...ca.usages],
        validityPeriodHours: ca.validityHours,
        earlyRenewalHours: ca.earlyRenewalHours,
      },
      { parent: this, additionalSecretOutputs: ["privateKeyPem"] },
    );
    return { cert, key };
  }

  /** A leaf by kind (and host for per-host certificates); throws naming what is missing. */
  private leaf(kind: LeafKind, host?: string): KeyPair {
    const found = this.leaves.get(leafId(kind, host));
    if (!found)
      throw new Error(
        `Pki: no ${kind} certificate${host ? ` for host "${host}"` : ""} (is the host in the right role?)`,
      );
    return found.pair;
  }

  /** etcd serving certificate of an etcd member. */
  etcdServer(host: string): KeyPair {
    return this.leaf("etcdServer", host);
  }
  /** etcd peer certificate of an etcd member (server + client auth). */
  etcdPeer(host: string): KeyPair {
    return this.leaf("etcdPeer", host);
  }
  /** etcdctl client on the etcd members (health gate, backups). */
  get etcdHealthcheckClient(): KeyPair {
    return this.leaf("etcdHealthcheckClient");
  }
  /** The apiserver's client certificate to etcd. */
  get apiserverEtcdClient(): KeyPair {
    return this.leaf("apiserverEtcdClient");
  }
  /** The apiserver serving certificate (VIP, masters, service IP, kubernetes.default...). */
  get apiserver(): KeyPair {
    return this.leaf("apiserver");
  }
  /** The apiserver's client certificate to kubelets. */
  get apiserverKubeletClient(): KeyPair {
    return this.leaf("apiserverKubeletClient");
  }
  /** The aggregation layer's client certificate (front-proxy CA). */
  get frontProxyClient(): KeyPair {
    return this.leaf("frontProxyClient");
  }
  /** CN=system:kube-controller-manager. */
  get controllerManager(): KeyPair {
    return this.leaf("controllerManager");
  }
  /** CN=system:kube-scheduler. */
  get scheduler(): KeyPair {
    return this.leaf("scheduler");
  }
  /** CN=kubernetes-admin, O=system:masters. */
  get admin(): KeyPair {
    return this.leaf("admin");
  }
  /** CN=system:kube-proxy. */
  get kubeProxy(): KeyPair {
    return this.leaf("kubeProxy");
  }
  /** CN=system:node:<node>, O=system:nodes: the kubelet's client certificate. */
  kubeletClient(node: string): KeyPair {
    return this.leaf("kubeletClient", node);
  }
  /** The kubelet's serving certificate (node name and address). */
  kubeletServing(node: string): KeyPair {
    return this.leaf("kubeletServing", node);
  }

  /**
   * A kubeconfig (secret) for a client certificate: server `https://127.0.0.1:6443` on a
   * master, the apiserver VIP endpoint elsewhere.
   */
  kubeconfig(pair: KeyPair, options: KubeconfigOptions = {}): pulumi.Output<string> {
    const server = options.onMaster ? `https://127.0.0.1:${APISERVER_LOCAL_PORT}` : this.spec.endpoints.apiserver;
    const user = options.user ?? this.userOf(pair);
    return pulumi.secret(
      pulumi.all([this.clusterCa.certPem, pair.certPem, pair.keyPem]).apply(([caPem, certPem, keyPem]) =>
        renderKubeconfig({
          clusterName: this.spec.cluster.name,
          server,
          user,
          caPem,
          certPem,
          keyPem,
          proxyUrl: options.proxyUrl,
        }),
      ),
    );
  }

  private userOf(pair: KeyPair): string {
    for (const { profile, pair: p } of this.leaves.values()) if (p === pair) return profile.commonName;
    return "user";
  }
}

const leafId = (kind: LeafKind, host?: string) => (host ? `${kind}/${host}` : kind);

/**
 * PEM certificates concatenated into one trust bundle (what --client-ca-file, etcd's
 * --trusted-ca-file and kubeconfig `certificate-authority-data` accept). One certificate
 * is passed through unchanged, so a stack outside a rotation sees no diff.
 */
function trustBundle(pems: readonly pulumi.Input<string>[]): pulumi.Output<string> {
  return pulumi
    .all([...pems])
    .apply((texts) => (texts.length === 1 ? texts[0] : texts.map((t) => (t.endsWith("\n") ? t : `${t}\n`)).join("")));
}
