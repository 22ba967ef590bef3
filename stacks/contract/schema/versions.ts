/**
 * Config sections `versions` and `mirrors`: what is installed and where every download comes from.
 */
import { z } from "zod";
import { HTTP_URL, matching, url, version } from "./common";
export const versionsSchema = z.strictObject({
  kubernetes: version.default("1.35.1"),
  etcd: version.default("3.6.14"),
  containerd: version.default("2.2.7"),
  runc: version.default("1.3.6"),
  cni: version.default("1.9.1"),
  calico: version.default("3.30.7"),
  coredns: version.default("1.12.4"),
  pause: matching(/^\d+\.\d+(\.\d+)?$/, "must be a pause image tag like 3.10").default("3.10.1"),
  harbor: version.default("2.14.4"),
});

/** A yum baseurl: an http(s) URL whose path may use yum variables (`$releasever`, `$basearch`). */
const YUM_URL =
  /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?(\/([A-Za-z0-9._~%+=:@,-]|\$[a-z_]+[0-9]?)*)*$/;
/** A registry path component (the distribution reference grammar). */
const REGISTRY_PATH = "[a-z0-9]+([._-][a-z0-9]+)*";

/**
 * What a package repository provides, so each host writes only the repositories its roles
 * need and a missing one is named: `base` (the OS: every host), `storage` (GlusterFS
 * server and NFS-Ganesha; on EL 9 the CentOS Storage SIG), `docker` (Docker Engine,
 * containerd.io and the compose v2 plugin for Harbor: Docker's repository).
 */
export const REPOSITORY_ROLES = ["base", "storage", "docker"] as const;
export type RepositoryRole = (typeof REPOSITORY_ROLES)[number];

const provides = z
  .array(z.enum(REPOSITORY_ROLES, { message: `must be one of ${REPOSITORY_ROLES.join(", ")}` }))
  .min(1, { message: "must name at least one of base, storage, docker" })
  .default(["base"]);

const yumRepoSchema = z.strictObject({
  id: matching(/^[A-Za-z0-9_.-]{1,100}$/, "must be a yum repo id (at most 100 letters, digits, '_', '.', '-')"),
  baseurl: matching(
    YUM_URL,
    "must be an http(s) URL; only yum variables like $releasever and $basearch may use '$' (no whitespace, quotes or shell characters)",
  ),
  /** The repository's signing key: packages are checked against it (gpgcheck=1). Required unless allowUnsigned. */
  gpgkey: matching(
    new RegExp(`${HTTP_URL.source}|^file:///[A-Za-z0-9._/-]+$`),
    "must be an http(s):// or file:/// URL of the repository's GPG key",
  ).optional(),
  /** Install this repository's packages without a signature check (gpgcheck=0); warned on every run. */
  allowUnsigned: z.boolean().default(false),
  /** What the repository provides (default base). */
  provides,
});

/** An apt source line: `deb [options] URL suite component...`, no quotes or shell characters. */
const APT_LINE =
  /^deb (\[[A-Za-z0-9=,._/:-]+( [A-Za-z0-9=,._/:-]+)*\] )?https?:\/\/[A-Za-z0-9._~%+=:@,/-]+ [A-Za-z0-9._/-]+( [A-Za-z0-9._-]+)+$/;
const aptLine = matching(
  APT_LINE,
  "must be an apt line like 'deb [signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror/debian bookworm main' (no quotes or shell characters)",
);

const aptSourceSchema = z.union([
  // A bare line provides the OS (base) and must be signed.
  aptLine.transform((line) => ({ line, provides: ["base"] as RepositoryRole[], allowUnsigned: false })),
  z.strictObject({
    line: aptLine,
    /** What the source provides (default base). */
    provides,
    /** Accept the source without a valid Release signature (`[trusted=yes]`); warned on every run. */
    allowUnsigned: z.boolean().default(false),
  }),
]);

export const mirrorsSchema = z.strictObject({
  /** Base URL of a mirror of upstream release downloads (dl.k8s.io and GitHub release layout). */
  binaries: url,
  /** Private registry host[:port] every image is pulled from. */
  images: matching(
    new RegExp(
      `^(?=.{1,255}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\\d{1,5})?(/${REGISTRY_PATH})*$`,
    ),
    "must be a registry host like reg.example.internal[:port][/path] (lower-case path components)",
  ),
  /** Helm chart repository mirror (an https URL or oci://host/path). */
  charts: matching(
    /^(https?|oci):\/\/[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?(\/[A-Za-z0-9._~%+=:@,-]+)*$/,
    "must be an http(s):// or oci:// URL without a trailing '/', whitespace, quotes or shell characters",
  ),
  /**
   * Where the image seeding step finds the bundle's OCI archives (`images/` of the bundle the
   * mirror script makes): an http(s) URL, or an absolute path on the first registry host.
   * Default `<mirrors.binaries>/images` (the bundle served as-is at mirrors.binaries).
   */
  bundle: matching(
    new RegExp(`${HTTP_URL.source}|^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$`),
    "must be an http(s) URL or an absolute path (letters, digits, '.', '_', '-', '/'; no whitespace, quotes or shell characters)",
  ).optional(),
  /**
   * OS package repositories; each host writes those of its OS family that provide `base`
   * or what its roles need (see REPOSITORY_ROLES).
   */
  packages: z
    .strictObject({
      /** yum/dnf repositories for EL 9 (BaseOS, AppStream, the Storage SIG, Docker's). */
      yum: z.array(yumRepoSchema).default([]),
      /** apt sources for Debian 12 / Ubuntu 24.04: a line (provides base), or `{ line, provides }`. */
      apt: z.array(aptSourceSchema).default([]),
    })
    .prefault({}),
});
