/**
 * A Pulumi program of its own that uses one component of k8s-platform, EtcdCluster: three
 * existing hosts reached over SSH, a CA of its own from @pulumi/tls, no Kubernetes. See
 * README.md for the config it reads.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { remote } from "@pulumi/command";
import { EtcdCluster, etcdSettings, type EtcdHost, type KeyPair } from "../../components";

/** One host of `etcd-cluster:hosts`. */
interface HostConfig {
  readonly name: string;
  readonly address: string;
  /** Pinned SSH host key (`ssh-keyscan -t ed25519 <address>`, without the host name). */
  readonly hostKey: string;
}

const config = new pulumi.Config();
const hosts = config.requireObject<HostConfig[]>("hosts");
const sshUser = config.get("sshUser") ?? "root";
const privateKey = config.requireSecret("privateKey");
const sudo = sshUser === "root" ? "" : "sudo -n ";

// What the etcd steps need on a host, checked first; each host's check is its `ready` step.
const PREREQUISITES =
  'set -euo pipefail\nfor c in curl tar sha256sum systemctl install useradd; do command -v "$c" >/dev/null; done\n';
const etcdHosts: EtcdHost[] = hosts.map((h) => {
  const connection = pulumi.secret(
    pulumi.output(privateKey).apply((key) => ({ host: h.address, user: sshUser, privateKey: key, hostKey: h.hostKey })),
  );
  const ready = new remote.Command(`${h.name}-prerequisites`, {
    connection,
    create: `${sudo}bash -s`,
    stdin: PREREQUISITES,
    addPreviousOutputInEnv: false,
  });
  return { name: h.name, address: h.address, connection, ready, provisioned: ready.id };
});

// The cluster's own CA: members trust nothing else, for peers or clients.
const key = (name: string) => new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" });
const caKey = key("etcd-ca");
const ca = new tls.SelfSignedCert("etcd-ca", {
  privateKeyPem: caKey.privateKeyPem,
  subject: { commonName: "etcd-ca" },
  isCaCertificate: true,
  allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
  validityPeriodHours: 10 * 365 * 24,
});
const leaf = (name: string, commonName: string, sans: { dns?: string[]; ips?: string[] }, uses: string[]): KeyPair => {
  const k = key(name);
  const csr = new tls.CertRequest(`${name}-csr`, {
    privateKeyPem: k.privateKeyPem,
    subject: { commonName },
    dnsNames: sans.dns ?? [],
    ipAddresses: sans.ips ?? [],
  });
  const cert = new tls.LocallySignedCert(`${name}-cert`, {
    certRequestPem: csr.certRequestPem,
    caCertPem: ca.certPem,
    caPrivateKeyPem: caKey.privateKeyPem,
    allowedUses: uses,
    validityPeriodHours: 365 * 24,
  });
  return { certPem: cert.certPem, keyPem: pulumi.secret(k.privateKeyPem) };
};
const BOTH = ["digital_signature", "key_encipherment", "server_auth", "client_auth"];
const memberSans = (h: HostConfig) => ({ dns: [h.name, "localhost"], ips: [h.address, "127.0.0.1"] });
const servers = new Map(hosts.map((h) => [h.name, leaf(`etcd-server-${h.name}`, h.name, memberSans(h), BOTH)]));
const peers = new Map(hosts.map((h) => [h.name, leaf(`etcd-peer-${h.name}`, h.name, memberSans(h), BOTH)]));
const client = leaf("etcdctl", "etcdctl", {}, ["digital_signature", "key_encipherment", "client_auth"]);
const pairOf = (map: Map<string, KeyPair>, host: string): KeyPair => {
  const pair = map.get(host);
  if (!pair) throw new Error(`no certificate for etcd host "${host}"`);
  return pair;
};

const etcd = new EtcdCluster("etcd", {
  clusterName: config.get("clusterName") ?? pulumi.getStack(),
  hosts: etcdHosts,
  version: config.get("version") ?? "3.6.14",
  binariesMirror: config.require("binariesMirror"),
  settings: etcdSettings(config.getObject("settings") ?? {}),
  sshUser,
  certs: {
    ca: { certPem: ca.certPem },
    server: (host) => pairOf(servers, host),
    peer: (host) => pairOf(peers, host),
    client,
  },
});

/** What clients connect to, and the CA they trust. */
export const clientUrls = etcd.clientUrls;
export const caCertPem = ca.certPem;
