/**
 * Pure renderers of the Registry component: Harbor's `harbor.yml`, the keepalived config of
 * the registry VIP, the systemd units, and the parameterised host scripts. No Pulumi here:
 * the tests feed these to the real yaml parser, `keepalived -t` and shellcheck.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { shellQuote, withParameters } from "../../lib/shell";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import { harborDownload } from "./downloads";

type HarborDownloadSpec = Parameters<typeof harborDownload>[0];

/** Checked-in scripts (see the `.sh` files next to this one). */
export const SCRIPTS = {
  install: readFileSync(join(__dirname, "install.sh"), "utf8"),
  vip: readFileSync(join(__dirname, "vip.sh"), "utf8"),
  check: readFileSync(join(__dirname, "check-harbor.sh"), "utf8"),
  api: readFileSync(join(__dirname, "harbor-api.sh"), "utf8"),
  seed: readFileSync(join(__dirname, "seed-images.sh"), "utf8"),
} as const;

/** Where the registry's files live on a registry host. */
export const HARBOR_PATHS = {
  /**
   * Where the secret inputs (harbor.yml, TLS key) are copied to, owned by the login user
   * (SFTP writes as it) and 0700; install.sh moves each into place and removes it.
   */
  stageDir: "/var/lib/k8s-platform/harbor/stage",
  stagedHarborYml: "/var/lib/k8s-platform/harbor/stage/harbor.yml",
  stagedTlsKey: "/var/lib/k8s-platform/harbor/stage/tls.key",
  /** Root-only directory of the installed TLS files. */
  configDir: "/etc/harbor",
  /** The installed harbor.yml (0600), where Harbor's install.sh and prepare read it. */
  harborYml: "/opt/harbor/harbor.yml",
  /** Where releases before the staging directory copied harbor.yml; removed on install. */
  legacyHarborYml: "/etc/harbor/harbor.yml",
  /** The installed TLS key (root, 0600). */
  tlsKey: "/etc/harbor/tls.key",
  tlsCert: "/etc/harbor/tls.crt",
  caCert: "/etc/harbor/ca.crt",
  /** The offline installer unpacks into `<installParent>/harbor`. */
  installParent: "/opt",
  installDir: "/opt/harbor",
  /** Hash of (version, harbor.yml) of the last successful `./install.sh`. */
  installedMarker: "/var/lib/k8s-platform/harbor/installed.sha256",
  downloadDir: "/var/cache/k8s-platform/harbor",
  unit: "/etc/systemd/system/harbor.service",
  keepalivedConf: "/etc/keepalived/harbor.conf",
  keepalivedUnit: "/etc/systemd/system/harbor-keepalived.service",
  checkScript: "/usr/local/libexec/k8s-platform/check-harbor.sh",
  apiScript: "/usr/local/libexec/k8s-platform/harbor-api.sh",
  /** The image seeding step's push credentials (containers-auth.json), staged, then kept root-only. */
  stagedSeedAuth: "/var/lib/k8s-platform/harbor/stage/seed-auth.json",
  seedAuth: "/etc/harbor/seed-auth.json",
  seedWork: "/var/lib/k8s-platform/harbor/seed",
} as const;

/** Every key path Harbor's `prepare` reads without a default (plus the ones this platform relies on). */
export const HARBOR_REQUIRED_KEYS: readonly string[] = [
  "hostname",
  "https.port",
  "https.certificate",
  "https.private_key",
  "harbor_admin_password",
  "database.password",
  "database.max_idle_conns",
  "database.max_open_conns",
  "data_volume",
  "storage_service.ca_bundle",
  "trivy.ignore_unfixed",
  "trivy.skip_update",
  "trivy.offline_scan",
  "trivy.insecure",
  "trivy.timeout",
  "jobservice.max_job_workers",
  "jobservice.job_loggers",
  "jobservice.logger_sweeper_duration",
  "notification.webhook_job_max_retry",
  "log.level",
  "log.local.rotate_count",
  "log.local.rotate_size",
  "log.local.location",
  "_version",
  "proxy.components",
];

/** The registry's externally visible name and port, from `endpoints.registry` (`host[:port]`). */
export function registryAddress(spec: Pick<PlatformSpec, "endpoints">): { hostname: string; port: number } {
  const [hostname, port] = spec.endpoints.registry.split(":");
  return { hostname, port: port ? Number(port) : 443 };
}

/** `_version` Harbor's prepare expects in harbor.yml: the release's minor with patch 0. */
export function harborConfigVersion(version: string): string {
  const [major, minor] = version.split(".");
  return `${major}.${minor}.0`;
}

/** Parameters of one instance's harbor.yml. */
export interface HarborYmlInput {
  readonly hostname: string;
  readonly httpsPort: number;
  readonly version: string;
  readonly dataDir: string;
  /** Initial admin password (used by Harbor only on the first install). Secret. */
  readonly adminPassword: string;
  /** Password of the bundled PostgreSQL. Secret. */
  readonly databasePassword: string;
}

/** harbor.yml for Harbor 2.13+ (the keys of make/harbor.yml.tmpl), https only. */
export function renderHarborYml(input: HarborYmlInput): string {
  const config = {
    hostname: input.hostname,
    https: {
      port: input.httpsPort,
      certificate: HARBOR_PATHS.tlsCert,
      private_key: HARBOR_PATHS.tlsKey,
      strong_ssl_ciphers: true,
    },
    harbor_admin_password: input.adminPassword,
    database: {
      password: input.databasePassword,
      max_idle_conns: 100,
      max_open_conns: 900,
      conn_max_lifetime: "5m",
      conn_max_idle_time: 0,
    },
    data_volume: input.dataDir,
    // prepare installs the ca_bundle into every component's trust store, so jobservice
    // verifies the peer instance (signed by the cluster CA) when it replicates.
    storage_service: { ca_bundle: HARBOR_PATHS.caCert },
    trivy: {
      ignore_unfixed: false,
      skip_update: false,
      skip_java_db_update: false,
      offline_scan: false,
      security_check: "vuln",
      insecure: false,
      timeout: "5m0s",
    },
    jobservice: {
      max_job_workers: 10,
      max_job_duration_hours: 24,
      job_loggers: ["STD_OUTPUT", "FILE"],
      logger_sweeper_duration: 1,
    },
    notification: { webhook_job_max_retry: 3, webhook_job_http_client_timeout: 3 },
    log: {
      level: "info",
      local: { rotate_count: 50, rotate_size: "200M", location: "/var/log/harbor" },
    },
    _version: harborConfigVersion(input.version),
    proxy: { http_proxy: "", https_proxy: "", no_proxy: "", components: ["core", "jobservice", "trivy"] },
    upload_purging: { enabled: true, age: "168h", interval: "24h", dryrun: false },
    cache: { enabled: false, expire_hours: 24 },
  };
  return `# Rendered by k8s-platform (components/registry); edits are overwritten.\n${stringify(config, { lineWidth: 0 })}`;
}

/** Parameters of one registry host's keepalived.conf. */
export interface KeepalivedInput {
  readonly host: Pick<HostConfig, "name" | "address">;
  /** The other registry host(s): unicast VRRP peers. */
  readonly peers: readonly Pick<HostConfig, "address">[];
  readonly vip: string;
  readonly vipPrefix: number;
  readonly virtualRouterId: number;
  /** Interface name, or a placeholder vip.sh replaces with the interface holding the host address. */
  readonly interface: string;
  /** Higher wins the first election; nopreempt keeps the VIP where it is after a failover. */
  readonly priority: number;
  readonly checkScript: string;
  readonly hostname: string;
  readonly httpsPort: number;
}

/** Placeholder for the VIP interface when registry.interface is unset; vip.sh substitutes it. */
export const INTERFACE_PLACEHOLDER = "K8S_PLATFORM_IFACE";

/**
 * keepalived.conf of the registry VIP. Both instances start BACKUP with nopreempt: after a
 * failover the VIP stays on the new active until it fails in turn, so it does not bounce
 * back while the old active's replication catches up. Unicast VRRP between the two hosts
 * works on networks that filter multicast. A failing health check moves the instance to
 * FAULT, which releases the VIP.
 */
export function renderKeepalivedConf(input: KeepalivedInput): string {
  const check = `${input.checkScript} ${input.hostname} ${input.httpsPort}`;
  return [
    "# Rendered by k8s-platform (components/registry): the Harbor registry VIP.",
    "global_defs {",
    `  router_id harbor-${input.host.name}`,
    "  script_user root",
    "  enable_script_security",
    "}",
    "",
    "vrrp_script chk_harbor {",
    `  script "${check}"`,
    "  interval 5",
    "  timeout 4",
    "  fall 3",
    "  rise 2",
    "}",
    "",
    "vrrp_instance harbor {",
    "  state BACKUP",
    "  nopreempt",
    `  interface ${input.interface}`,
    `  virtual_router_id ${input.virtualRouterId}`,
    `  priority ${input.priority}`,
    "  advert_int 1",
    `  unicast_src_ip ${input.host.address}`,
    "  unicast_peer {",
    ...input.peers.map((p) => `    ${p.address}`),
    "  }",
    "  virtual_ipaddress {",
    `    ${input.vip}/${input.vipPrefix} dev ${input.interface}`,
    "  }",
    "  track_script {",
    "    chk_harbor",
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * systemd unit that brings Harbor's compose project up at boot. The containers carry
 * `restart: always`, but without this unit a host whose docker started before the data
 * disk was mounted, or after `docker compose down`, leaves Harbor down.
 */
export function renderHarborUnit(): string {
  return [
    "[Unit]",
    "Description=Harbor container registry (docker compose)",
    "Documentation=https://goharbor.io/docs/",
    "Requires=docker.service",
    "After=docker.service network-online.target local-fs.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `WorkingDirectory=${HARBOR_PATHS.installDir}`,
    `ExecStart=/usr/bin/docker compose -f ${HARBOR_PATHS.installDir}/docker-compose.yml up -d --remove-orphans`,
    `ExecStop=/usr/bin/docker compose -f ${HARBOR_PATHS.installDir}/docker-compose.yml down`,
    "TimeoutStartSec=600",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * keepalived for the registry VIP as its own unit with its own config and pid files, so a
 * host that also runs the apiserver keepalived keeps the two VRRP instances apart.
 */
export function renderKeepalivedUnit(): string {
  return [
    "[Unit]",
    "Description=keepalived for the Harbor registry VIP",
    "After=network-online.target harbor.service",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=/usr/sbin/keepalived --dont-fork --log-console -f ${HARBOR_PATHS.keepalivedConf} -p /run/keepalived-harbor.pid -r /run/keepalived-harbor-vrrp.pid -c /run/keepalived-harbor-checkers.pid`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    "Restart=always",
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** URL of the offline installer in the binaries mirror (components/registry/downloads.ts). */
export function installerUrl(mirror: string, version: string): string {
  return harborDownload({ mirrors: { binaries: mirror }, versions: { harbor: version } } as HarborDownloadSpec).url;
}

/** URL of the release's md5sum file: upstream's only published checksum. */
export function installerMd5Url(mirror: string, version: string): string {
  return harborDownload({ mirrors: { binaries: mirror }, versions: { harbor: version } } as HarborDownloadSpec).checksum
    .url;
}

/** The install script for one host, parameterised; the certificates are public and travel inline. */
export function renderInstallScript(spec: PlatformSpec, tls: { certPem: string; caPem: string }): string {
  const version = spec.versions.harbor;
  const installer = harborDownload(spec);
  const { hostname, port } = registryAddress(spec);
  return withParameters(SCRIPTS.install, {
    HARBOR_VERSION: version,
    HARBOR_HOSTNAME: hostname,
    HARBOR_HTTPS_PORT: port,
    HARBOR_INSTALLER_URL: installer.url,
    HARBOR_MD5_URL: installer.checksum.url,
    HARBOR_INSTALLER_SHA256: spec.registry.installerSha256 ?? "",
    HARBOR_WITH_TRIVY: spec.registry.trivy ? "true" : "false",
    HARBOR_DATA_DIR: spec.registry.dataDir,
    HARBOR_STAGED_CONFIG: HARBOR_PATHS.stagedHarborYml,
    HARBOR_STAGED_TLS_KEY: HARBOR_PATHS.stagedTlsKey,
    HARBOR_CONFIG: HARBOR_PATHS.harborYml,
    HARBOR_LEGACY_CONFIG: HARBOR_PATHS.legacyHarborYml,
    HARBOR_CONFIG_DIR: HARBOR_PATHS.configDir,
    HARBOR_INSTALL_PARENT: HARBOR_PATHS.installParent,
    HARBOR_INSTALL_DIR: HARBOR_PATHS.installDir,
    HARBOR_MARKER: HARBOR_PATHS.installedMarker,
    HARBOR_DOWNLOAD_DIR: HARBOR_PATHS.downloadDir,
    HARBOR_TLS_CERT: HARBOR_PATHS.tlsCert,
    HARBOR_TLS_KEY: HARBOR_PATHS.tlsKey,
    HARBOR_TLS_CERT_PEM: tls.certPem,
    HARBOR_CA_CERT: HARBOR_PATHS.caCert,
    HARBOR_CA_PEM: tls.caPem,
    HARBOR_UNIT: HARBOR_PATHS.unit,
    HARBOR_UNIT_TEXT: renderHarborUnit(),
    HARBOR_API_SCRIPT: HARBOR_PATHS.apiScript,
    HARBOR_API_SCRIPT_TEXT: SCRIPTS.api,
  });
}

/** The VIP script for one host: keepalived from the package mirror, its config, unit and check script. */
export function renderVipScript(keepalived: KeepalivedInput): string {
  return withParameters(SCRIPTS.vip, {
    VIP_HOST_ADDRESS: keepalived.host.address,
    VIP_IFACE_PLACEHOLDER: INTERFACE_PLACEHOLDER,
    VIP_CONF: HARBOR_PATHS.keepalivedConf,
    VIP_CONF_TEXT: renderKeepalivedConf(keepalived),
    VIP_UNIT: HARBOR_PATHS.keepalivedUnit,
    VIP_UNIT_TEXT: renderKeepalivedUnit(),
    VIP_CHECK_SCRIPT: HARBOR_PATHS.checkScript,
    VIP_CHECK_SCRIPT_TEXT: SCRIPTS.check,
  });
}

/** Non-secret parameters of one harbor-api.sh run (its secrets come on stdin). */
export type HarborApiParams =
  | {
      readonly action: "replication";
      readonly url: string;
      readonly ca: string;
      readonly peerName: string;
      readonly peerUrl: string;
    }
  | {
      readonly action: "project";
      readonly url: string;
      readonly ca: string;
      readonly project: string;
      readonly robot: string;
      readonly push: boolean;
      /** Anonymous pulls (the platform's own images, which containerd pulls without credentials). */
      readonly public?: boolean;
    };

/** Robot that pushes the platform's own images into their project (the air-gapped sync). */
export const PUSH_ROBOT_NAME = "pusher";

/**
 * The Harbor project holding the platform's own images: the first path segment of
 * `mirrors.images` when that points at this registry (e.g. `reg.example.internal/platform`).
 * Harbor needs a project in every repository path, so without a path there is none.
 */
export function platformImagesProject(spec: Pick<PlatformSpec, "mirrors" | "endpoints">): string | undefined {
  const [host, project] = spec.mirrors.images.split("/");
  return host === spec.endpoints.registry && project ? project : undefined;
}

/** Robot account name inside a project; Harbor shows it as `robot$<project>+<name>`. */
export const ROBOT_NAME = "puller";

/** The login name of a project's robot account, as docker/containerd use it. */
export function robotUsername(project: string, robot = ROBOT_NAME): string {
  return `robot$${project}+${robot}`;
}

/**
 * The command line that runs the installed harbor-api.sh with its parameters as an `env`
 * prefix (so it also works under `sudo -n`); the secrets are written to its stdin.
 */
export function renderApiCommand(params: HarborApiParams, script: string = HARBOR_PATHS.apiScript): string {
  const vars: Record<string, string> =
    params.action === "replication"
      ? { HARBOR_URL: params.url, HARBOR_CA: params.ca, PEER_NAME: params.peerName, PEER_URL: params.peerUrl }
      : {
          HARBOR_URL: params.url,
          HARBOR_CA: params.ca,
          PROJECT: params.project,
          ROBOT: params.robot,
          ROBOT_PUSH: params.push ? "true" : "false",
          PROJECT_PUBLIC: params.public ? "true" : "false",
        };
  const env = Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return ["env", ...env, "bash", script, params.action].join(" ");
}

/** stdin of harbor-api.sh: the local admin password, then the peer's password or the robot secret. */
export function renderApiStdin(adminPassword: string, secondSecret: string): string {
  return `${adminPassword}\n${secondSecret}\n`;
}

/** Where the seeding step reads the bundle's images: mirrors.bundle, else `<mirrors.binaries>/images`. */
export function imageBundle(spec: Pick<PlatformSpec, "mirrors">): string {
  return spec.mirrors.bundle ?? `${spec.mirrors.binaries.replace(/\/+$/, "")}/images`;
}

/** What the seeding step pushes, and where. */
export interface SeedInput {
  /** `repository:tag` of each image, under the images project (the artifact manifest's images). */
  readonly images: readonly string[];
  /** `address[:port]/project` of the instance the images are pushed to. */
  readonly registry: string;
  /** The bundle's images directory (URL or local path); default from the spec. */
  readonly bundle?: string;
  readonly ca?: string;
  readonly authStaged?: string;
  readonly auth?: string;
  readonly work?: string;
}

/** seed-images.sh with its parameters; the push credentials travel as a staged file. */
export function renderSeedScript(spec: Pick<PlatformSpec, "mirrors">, input: SeedInput): string {
  for (const image of input.images)
    if (!/^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image))
      throw new Error(`seed image ${JSON.stringify(image)} is not a repository:tag reference`);
  return withParameters(SCRIPTS.seed, {
    SEED_BUNDLE: input.bundle ?? imageBundle(spec),
    SEED_IMAGES: input.images.join("\n"),
    SEED_REGISTRY: input.registry,
    SEED_CA: input.ca ?? HARBOR_PATHS.caCert,
    SEED_AUTH_STAGED: input.authStaged ?? HARBOR_PATHS.stagedSeedAuth,
    SEED_AUTH: input.auth ?? HARBOR_PATHS.seedAuth,
    SEED_WORK: input.work ?? HARBOR_PATHS.seedWork,
  });
}

/** containers-auth.json for one registry (`host[:port]`) and account. Secret. */
export function renderAuthFile(registry: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`, "utf8").toString("base64");
  return `${JSON.stringify({ auths: { [registry]: { auth } } }, null, 2)}\n`;
}
