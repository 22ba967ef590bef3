/**
 * examples/etcd-cluster, a program of its own using EtcdCluster alone (components/index.ts),
 * run under the provider doubles as `pulumi up` would load it: the members' steps with the
 * engine's URNs, its own CA's certificates (real X.509 from the tls double) on the hosts,
 * and the component's argument checks for a program that has no loader.
 */
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram, type RecordedResource, type RecordedRun } from "../../stacks/plan/run";
import { checkEtcdArgs } from "../../components/etcd/args";
import { etcdSettings, type EtcdClusterArgs } from "../../components";

const PROJECT = "etcd-cluster";
const STACK = "test";
const HOSTS = [
  { name: "etcd-a", address: "192.0.2.11" },
  { name: "etcd-b", address: "192.0.2.12" },
  { name: "etcd-c", address: "192.0.2.13" },
];
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const MIRROR = "https://mirror.example.test/releases";
const COMPONENT = "k8s-platform:etcd:EtcdCluster";
const urnOf = (type: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::${COMPONENT}$${type}::${name}`;
const CMD = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

const assetText = (r: RecordedResource): string => {
  const source = r.inputs.source as { $asset?: string; $secret?: { $asset?: string } };
  return String(source.$asset ?? source.$secret?.$asset ?? "");
};

describe("examples/etcd-cluster: EtcdCluster alone", function () {
  this.timeout(120_000);
  let run: RecordedRun;
  let byUrn: Map<string, RecordedResource>;
  const get = (urn: string): RecordedResource => {
    const r = byUrn.get(urn);
    assert.ok(r, `${urn} is registered; have:\n${[...byUrn.keys()].join("\n")}`);
    return r;
  };

  before(async () => {
    pulumi.runtime.setAllConfig(
      {
        [`${PROJECT}:hosts`]: JSON.stringify(HOSTS.map((h) => ({ ...h, hostKey: HOST_KEY }))),
        [`${PROJECT}:sshUser`]: "ops",
        [`${PROJECT}:privateKey`]:
          "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n",
        [`${PROJECT}:binariesMirror`]: MIRROR,
        [`${PROJECT}:settings`]: JSON.stringify({ backup: { retain: 7 } }),
      },
      [`${PROJECT}:privateKey`],
    );
    run = await recordProgram(
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- load the program as the engine does
      () => require("../../examples/etcd-cluster/index") as Record<string, pulumi.Input<unknown>>,
      { project: PROJECT, stack: STACK },
    );
    byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  });

  it("registers each member's steps under the component, with the engine's URNs", () => {
    get(`urn:pulumi:${STACK}::${PROJECT}::${COMPONENT}::etcd`);
    for (const h of HOSTS) {
      for (const step of ["member", "stage", "install", "start"]) get(urnOf(CMD, `etcd-${h.name}-${step}`));
      for (const file of ["ca.crt", "server.crt", "server.key", "peer.crt", "peer.key", "etcd.service"])
        get(urnOf(COPY, `etcd-${h.name}-${file}`));
    }
    get(urnOf(CMD, "etcd-pre-change-snapshot"));
    get(urnOf(CMD, "etcd-health"));
    assert.deepEqual(
      run.outputs.clientUrls,
      HOSTS.map((h) => `https://${h.address}:2379`),
    );
  });

  it("installs from the given mirror, as the SSH user with sudo, after the host's own ready step", () => {
    for (const h of HOSTS) {
      const install = get(urnOf(CMD, `etcd-${h.name}-install`));
      assert.match(
        String(install.inputs.stdin),
        new RegExp(
          `^ETCD_TARBALL_URL=${MIRROR}/github.com/etcd-io/etcd/releases/download/v3\\.6\\.14/etcd-v3\\.6\\.14-linux-amd64\\.tar\\.gz$`,
          "m",
        ),
      );
      assert.equal(install.inputs.create, "sudo -n bash -s");
      // The host's ready step is its `provisioned` id: a rebuilt host re-runs the install.
      const triggers = install.inputs.triggers as unknown[];
      assert.ok(
        Array.isArray(triggers) && triggers.length === 1 && typeof triggers[0] === "string",
        JSON.stringify(triggers),
      );
      assert.ok(install.propertyDependencies.triggers?.some((d) => d.endsWith(`::${h.name}-prerequisites`)));
      const anchor = get(urnOf(CMD, `etcd-${h.name}-member`));
      assert.ok(
        anchor.dependencies.some((d) => d.endsWith(`::${h.name}-prerequisites`)),
        `${h.name}'s member waits for its ready step`,
      );
      assert.equal(anchor.protect, true, "a member is protected, as in the platform");
    }
    const timer = assetText(get(urnOf(COPY, "etcd-etcd-a-etcd-backup.service")));
    assert.match(timer, /^Environment=ETCD_BACKUP_RETAIN=7$/m, "the settings given reach the backup service");
  });

  it("bootstraps the three members together, named after the hosts, with the cluster token", () => {
    const unit = assetText(get(urnOf(COPY, "etcd-etcd-b-etcd.service")));
    assert.match(
      unit,
      new RegExp(`--initial-cluster=${HOSTS.map((h) => `${h.name}=https://${h.address}:2380`).join(",")}`),
    );
    assert.match(unit, new RegExp(`--initial-cluster-token=${STACK}-etcd`));
    assert.match(unit, /--initial-cluster-state=new/);
  });

  it("puts real certificates of the program's own CA on every member", () => {
    const ca = new X509Certificate(String(run.outputs.caCertPem));
    assert.ok(ca.ca, "the CA certificate is a CA");
    for (const h of HOSTS) {
      assert.equal(assetText(get(urnOf(COPY, `etcd-${h.name}-ca.crt`))), String(run.outputs.caCertPem));
      for (const file of ["server.crt", "peer.crt"]) {
        const cert = new X509Certificate(assetText(get(urnOf(COPY, `etcd-${h.name}-${file}`))));
        assert.ok(cert.verify(ca.publicKey), `${h.name} ${file} is signed by the example's CA`);
        assert.match(String(cert.subjectAltName), new RegExp(`IP Address:${h.address.replace(/\./g, "\\.")}`));
        assert.match(String(cert.subjectAltName), /IP Address:127\.0\.0\.1/);
      }
      const key = get(urnOf(COPY, `etcd-${h.name}-server.key`));
      assert.ok(
        (key.inputs.source as { $secret?: unknown }).$secret !== undefined,
        "a private key is copied as a secret",
      );
    }
  });

  it("refuses arguments that would reach a host file unchecked, listing every problem", () => {
    const args = {
      clusterName: "demo",
      hosts: [
        { name: "etcd-a", address: "192.0.2.11" },
        { name: "etcd-b;reboot", address: "192.0.2.11" },
      ],
      version: "3.6.14\nrm -rf /",
      binariesMirror: MIRROR,
      settings: etcdSettings(),
      sshUser: "root",
    } as unknown as EtcdClusterArgs; // only the plain fields are checked
    assert.throws(
      () => checkEtcdArgs("etcd", args),
      (e: Error) =>
        /hosts\[1\]\.name/.test(e.message) &&
        /hosts\[1\]\.address: 192\.0\.2\.11 is used twice/.test(e.message) &&
        /version/.test(e.message),
    );
    assert.throws(() => etcdSettings({ heartbeatIntervalMs: 1 }), /heartbeatIntervalMs/);
    assert.equal(etcdSettings().backup.dir, "/var/backups/etcd", "the defaults are the stack config's");
  });
});
