/**
 * Registry: the platform's private image registry, Harbor active/standby on the hosts with
 * role `registry`. Each host gets its own Harbor from the offline installer; keepalived
 * holds the registry VIP on the healthy instance; push-based replication in both
 * directions keeps the instances in sync; each project with `registry: true` gets a Harbor
 * project and a robot account (same secret on both instances) for its pull secret.
 * https://goharbor.io/docs/2.14.0/install-config/
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { remote } from "@pulumi/command";
import { asRoot } from "../host/render";
import { shellQuote, withFingerprint } from "../../lib/shell";
import type { KeyPair } from "../pki/types";
import type { HostRef } from "../host";
import type { PlatformSpec } from "../../stacks/contract/spec";
import {
  HARBOR_PATHS,
  INTERFACE_PLACEHOLDER,
  PUSH_ROBOT_NAME,
  ROBOT_NAME,
  SCRIPTS,
  platformImagesProject,
  registryAddress,
  renderApiCommand,
  renderApiStdin,
  renderHarborYml,
  renderAuthFile,
  renderInstallScript,
  renderSeedScript,
  renderVipScript,
  robotUsername,
} from "./render";

/** A registry host as the Registry needs it (the Host component satisfies this). */
/** A registry host: the shared host reference (address, SSH connection, baseline prep). */
export type RegistryHostRef = HostRef;

/** Arguments of the Registry. */
export interface RegistryArgs {
  /** The platform spec: `registry.*`, `versions.harbor`, `mirrors`, `projects`, `pki`. */
  readonly spec: PlatformSpec;
  /** The hosts with role `registry`, in inventory order (the first is the initial active). */
  readonly hosts: readonly RegistryHostRef[];
  /**
   * CA that signs the registry's serving certificate (normally the cluster CA key pair from
   * the Pki). Without it the Registry creates its own registry CA; either way `caCertPem`
   * is what containerd on every node must trust.
   */
  readonly ca?: KeyPair;
  /**
   * The images the rollout pulls, `repository:tag` under the images project (the artifact
   * manifest's images). When mirrors.images points at this Harbor's project, they are
   * pushed from the bundle (mirrors.bundle) into the first instance once the registry is up,
   * and `ready` includes that step, so no pull through the registry can run before it.
   */
  readonly seedImages?: readonly string[];
}

/** Credentials of one project's robot account. */
export interface RobotCredentials {
  /** Login name, `robot$<project>+puller`. */
  readonly username: string;
  /** Robot secret (a Pulumi secret). */
  readonly password: pulumi.Output<string>;
}

const PASSWORD = { length: 32, special: false, minUpper: 2, minLower: 2, minNumeric: 2 } as const;

/** The Harbor active/standby pair, its VIP, replication and per-project robot accounts. */
export class Registry extends pulumi.ComponentResource {
  /** `host[:port]` every image reference and pull secret uses (the VIP's DNS name). */
  readonly server: string;
  /** The registry VIP (when set in the config). */
  readonly vip?: string;
  /** PEM of the CA that signed the registry certificate; containerd's hosts.toml `ca`. */
  readonly caCertPem: pulumi.Output<string>;
  /** Harbor admin password, the same on both instances (secret). */
  readonly adminPassword: pulumi.Output<string>;
  /** Robot credentials per project name (projects with `registry: true`). */
  readonly robots: Readonly<Record<string, RobotCredentials>>;
  /** Push robot of the platform's images project (`mirrors.images` path on this registry). */
  readonly imagesPusher?: RobotCredentials;
  /** One install per host: Harbor is up and healthy on that host when it completes. */
  readonly instances: readonly remote.Command[];
  /** The image seeding step (see RegistryArgs.seedImages). */
  readonly seeded?: remote.Command;
  /** Everything a pull through the registry needs: instances, VIP, replication and the seeded images. */
  readonly ready: readonly pulumi.Resource[];

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:registry:Registry", name, {}, opts);
    const { spec, hosts } = args;
    if (hosts.length === 0) throw new Error("Registry: no hosts with role registry; do not construct a Registry");
    if (hosts.length > 1 && !spec.registry.vip)
      throw new Error("Registry: registry.vip is required for more than one registry host");
    const parent = { parent: this };
    const { hostname, port } = registryAddress(spec);
    const url = (address: string) => `https://${address}${port === 443 ? "" : `:${port}`}`;
    this.server = spec.endpoints.registry;
    this.vip = spec.registry.vip;

    // --- TLS: one serving certificate for both instances (the VIP moves between them) ----
    const ca = args.ca ?? this.registryCa(name, spec);
    const key = this.privateKey(`${name}-serving-key`, spec);
    const csr = new tls.CertRequest(
      `${name}-serving-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: hostname, organization: "k8s-platform" },
        dnsNames: [...new Set([hostname, ...hosts.map((h) => h.name)])],
        ipAddresses: [...new Set([...(spec.registry.vip ? [spec.registry.vip] : []), ...hosts.map((h) => h.address)])],
      },
      parent,
    );
    const cert = new tls.LocallySignedCert(
      `${name}-serving-cert`,
      {
        certRequestPem: csr.certRequestPem,
        caCertPem: ca.certPem,
        caPrivateKeyPem: ca.keyPem,
        validityPeriodHours: spec.pki.validityHours,
        earlyRenewalHours: spec.pki.earlyRenewalHours,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      parent,
    );
    this.caCertPem = pulumi.output(ca.certPem);

    // --- secrets ---------------------------------------------------------------------
    const admin = new random.RandomPassword(`${name}-admin-password`, PASSWORD, parent);
    this.adminPassword = pulumi.secret(admin.result);

    // --- one Harbor per host, rolling: a change (version, harbor.yml, certificate) that
    // re-runs ./install.sh restarts one instance at a time, so the VIP always has one ---
    const instances: remote.Command[] = [];
    const rebuiltHost = new Map(hosts.map((h) => [h.name, [h.provisioned]]));
    for (const host of hosts) {
      // Every step on the host carries its prep id: a rebuilt machine gets all of them
      // again. None has a delete command, so a replacement runs nothing against the new one.
      const rebuilt = rebuiltHost.get(host.name) ?? [];
      const previous = instances[instances.length - 1];
      const db = new random.RandomPassword(`${name}-${host.name}-db-password`, PASSWORD, parent);
      const harborYml = pulumi.secret(
        pulumi.all([admin.result, db.result]).apply(([adminPassword, databasePassword]) =>
          renderHarborYml({
            hostname,
            httpsPort: port,
            version: spec.versions.harbor,
            dataDir: spec.registry.dataDir,
            adminPassword,
            databasePassword,
          }),
        ),
      );
      const dir = new remote.Command(
        `${name}-${host.name}-config-dir`,
        {
          connection: host.connection,
          // Owned by the login user so CopyToRemote can write the secret files over SFTP
          // without root; mode 0700 keeps every other user out. install.sh empties it.
          create: asRoot(spec, `install -d -m 0700 -o ${shellQuote(spec.ssh.user)} ${HARBOR_PATHS.stageDir}`),
          triggers: rebuilt,
          addPreviousOutputInEnv: false,
        },
        { ...parent, dependsOn: [host.ready] },
      );
      const copyYml = new remote.CopyToRemote(
        `${name}-${host.name}-harbor-yml`,
        {
          connection: host.connection,
          remotePath: HARBOR_PATHS.stagedHarborYml,
          source: harborYml.apply((t) => new pulumi.asset.StringAsset(t)),
          triggers: rebuilt,
        },
        { ...parent, dependsOn: [dir] },
      );
      const copyKey = new remote.CopyToRemote(
        `${name}-${host.name}-tls-key`,
        {
          connection: host.connection,
          remotePath: HARBOR_PATHS.stagedTlsKey,
          source: pulumi.secret(key.privateKeyPem).apply((k) => new pulumi.asset.StringAsset(k)),
          triggers: rebuilt,
        },
        { ...parent, dependsOn: [dir] },
      );
      // harbor.yml and the key arrive as files: a digest of each in the (updatable) stdin
      // re-runs the install in place when they change; it re-runs ./install.sh only when
      // the version, harbor.yml or TLS files changed. Digests reveal nothing of the secrets.
      const secretDigest = pulumi.unsecret(
        pulumi.all([harborYml, key.privateKeyPem]).apply(([yml, pem]) => sha256(`${sha256(yml)}\0${sha256(pem)}`)),
      );
      const script = pulumi
        .all([cert.certPem, ca.certPem, secretDigest])
        .apply(([certPem, caPem, digest]) => withFingerprint(renderInstallScript(spec, { certPem, caPem }), digest));
      const install = new remote.Command(
        `${name}-${host.name}-install`,
        {
          connection: host.connection,
          create: asRoot(spec),
          stdin: script,
          triggers: rebuilt,
          addPreviousOutputInEnv: false,
        },
        {
          ...parent,
          dependsOn: [copyYml, copyKey, ...(previous ? [previous] : [])],
          customTimeouts: { create: "40m", update: "40m" },
        },
      );
      instances.push(install);
    }
    this.instances = instances;

    // --- the VIP: keepalived on every registry host, after its Harbor is up ---------------
    const vips = spec.registry.vip
      ? hosts.map(
          (host, i) =>
            new remote.Command(
              `${name}-${host.name}-vip`,
              {
                connection: host.connection,
                create: asRoot(spec),
                stdin: renderVipScript({
                  host,
                  peers: hosts.filter((h) => h !== host),
                  vip: spec.registry.vip as string,
                  vipPrefix: spec.registry.vipPrefix,
                  virtualRouterId: spec.registry.virtualRouterId,
                  interface: spec.registry.interface ?? INTERFACE_PLACEHOLDER,
                  priority: 150 - 10 * i,
                  checkScript: HARBOR_PATHS.checkScript,
                  hostname,
                  httpsPort: port,
                }),
                triggers: [host.provisioned],
                addPreviousOutputInEnv: false,
              },
              { ...parent, dependsOn: [instances[i]] },
            ),
        )
      : [];

    // --- replication: each instance pushes to its peer, once both are up ----------------
    const apiTrigger = sha256(SCRIPTS.api);
    const replications =
      hosts.length < 2
        ? []
        : hosts.flatMap((host) =>
            hosts
              .filter((peer) => peer !== host)
              .map(
                (peer) =>
                  new remote.Command(
                    `${name}-${host.name}-replicate-to-${peer.name}`,
                    {
                      connection: host.connection,
                      create: asRoot(
                        spec,
                        renderApiCommand({
                          action: "replication",
                          url: url(host.address),
                          ca: HARBOR_PATHS.caCert,
                          peerName: peer.name,
                          peerUrl: url(peer.address),
                        }),
                      ),
                      stdin: pulumi.secret(admin.result.apply((p) => renderApiStdin(p, p))),
                      // A replacement (new API script, peer or rebuilt host) re-registers the
                      // replication; there is no delete command to undo the new one.
                      triggers: [apiTrigger, peer.address, host.provisioned],
                      addPreviousOutputInEnv: false,
                    },
                    { ...parent, dependsOn: instances },
                  ),
              ),
          );

    // --- projects: a Harbor project + robot account on every instance ------------------
    /** The project and its robot on each instance, with one secret shared by both. */
    const harborProject = (
      project: string,
      robot: string,
      push: boolean,
      isPublic: boolean,
      stem: string,
    ): RobotCredentials & { steps: remote.Command[] } => {
      const secret = new random.RandomPassword(`${name}-${stem}-${project}`, PASSWORD, parent);
      const steps = hosts.map(
        (host, i) =>
          new remote.Command(
            `${name}-${host.name}-project-${project}`,
            {
              connection: host.connection,
              create: asRoot(
                spec,
                renderApiCommand({
                  action: "project",
                  url: url(host.address),
                  ca: HARBOR_PATHS.caCert,
                  project,
                  robot,
                  push,
                  public: isPublic,
                }),
              ),
              stdin: pulumi.secret(pulumi.all([admin.result, secret.result]).apply(([a, r]) => renderApiStdin(a, r))),
              // A replacement re-creates the project and robot (idempotent); no delete command.
              triggers: [apiTrigger, host.provisioned],
              addPreviousOutputInEnv: false,
            },
            { ...parent, dependsOn: [instances[i]] },
          ),
      );
      return { username: robotUsername(project, robot), password: pulumi.secret(secret.result), steps };
    };
    const robots: Record<string, RobotCredentials> = {};
    for (const project of spec.projects.filter((p) => p.registry)) {
      const { username, password } = harborProject(project.name, ROBOT_NAME, spec.registry.robotPush, false, "robot");
      robots[project.name] = { username, password };
    }
    // The platform's own images: a public project (containerd pulls system images without
    // credentials) and a push robot for the air-gapped image sync.
    const imagesProject = platformImagesProject(spec);
    if (!imagesProject && spec.mirrors.images.split("/")[0] === spec.endpoints.registry) {
      void pulumi.log.warn(
        `mirrors.images "${spec.mirrors.images}" points at the Harbor registry without a project path; set it to e.g. ${spec.endpoints.registry}/platform so the platform's images have a Harbor project`,
        this,
      );
    }
    const pusher = imagesProject ? harborProject(imagesProject, PUSH_ROBOT_NAME, true, true, "pusher") : undefined;
    this.imagesPusher = pusher ? { username: pusher.username, password: pusher.password } : undefined;
    this.robots = robots;
    const registryUp = [...instances, ...vips, ...replications];

    // --- seeding: the platform's images from the bundle into the first instance, after the
    // registry is up (replication carries them to the peer) and before any pull -------------
    if (pusher && imagesProject && args.seedImages && args.seedImages.length > 0) {
      const first = hosts[0];
      const target = `${first.address}${port === 443 ? "" : `:${port}`}`;
      const auth = pulumi.secret(
        pusher.password.apply((password) => renderAuthFile(target, pusher.username, password)),
      );
      const copyAuth = new remote.CopyToRemote(
        `${name}-${first.name}-seed-auth`,
        {
          connection: first.connection,
          remotePath: HARBOR_PATHS.stagedSeedAuth,
          source: auth.apply((a) => new pulumi.asset.StringAsset(a)),
          triggers: [first.provisioned],
        },
        { ...parent, dependsOn: [instances[0]] },
      );
      const script = renderSeedScript(spec, { images: args.seedImages, registry: `${target}/${imagesProject}` });
      // The credentials' digest in the (updatable) stdin re-runs the step in place when they
      // change; a rebuilt host replaces it. No delete command: a replacement runs nothing old.
      const authDigest = pulumi.unsecret(auth.apply((a) => sha256(a)));
      this.seeded = new remote.Command(
        `${name}-${first.name}-seed-images`,
        {
          connection: first.connection,
          create: asRoot(spec),
          stdin: authDigest.apply((d) => withFingerprint(script, d)),
          triggers: [first.provisioned],
          addPreviousOutputInEnv: false,
        },
        {
          ...parent,
          dependsOn: [copyAuth, ...registryUp, ...pusher.steps],
          customTimeouts: { create: "60m", update: "60m" },
        },
      );
    }
    this.ready = [...registryUp, ...(this.seeded ? [this.seeded] : [])];

    this.registerOutputs({
      server: this.server,
      vip: this.vip,
      caCertPem: this.caCertPem,
      adminPassword: this.adminPassword,
      robots: Object.fromEntries(
        Object.entries(robots).map(([p, r]) => [p, { username: r.username, password: r.password }]),
      ),
      imagesPusher: this.imagesPusher
        ? { username: this.imagesPusher.username, password: this.imagesPusher.password }
        : undefined,
    });
  }

  /** A dedicated registry CA, for stacks that do not hand in the cluster CA. */
  private registryCa(name: string, spec: PlatformSpec): KeyPair {
    const key = this.privateKey(`${name}-ca-key`, spec);
    const cert = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: `${spec.cluster.name}-registry-ca`, organization: "k8s-platform" },
        isCaCertificate: true,
        validityPeriodHours: spec.pki.caValidityHours,
        earlyRenewalHours: spec.pki.earlyRenewalHours,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      { parent: this },
    );
    return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
  }

  private privateKey(name: string, spec: PlatformSpec): tls.PrivateKey {
    const algorithm = spec.pki.keyAlgorithm;
    return new tls.PrivateKey(
      name,
      algorithm === "ECDSA-P256"
        ? { algorithm: "ECDSA", ecdsaCurve: "P256" }
        : { algorithm: "RSA", rsaBits: algorithm === "RSA-4096" ? 4096 : 2048 },
      { parent: this },
    );
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
