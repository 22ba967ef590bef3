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

const yumRepoSchema = z.strictObject({
  id: matching(/^[A-Za-z0-9_.-]{1,100}$/, "must be a yum repo id (at most 100 letters, digits, '_', '.', '-')"),
  baseurl: matching(
    YUM_URL,
    "must be an http(s) URL; only yum variables like $releasever and $basearch may use '$' (no whitespace, quotes or shell characters)",
  ),
  /** The repository's signing key: packages are checked against it (gpgcheck=1). */
  gpgkey: matching(
    new RegExp(`${HTTP_URL.source}|^file:///[A-Za-z0-9._/-]+$`),
    "must be an http(s):// or file:/// URL of the repository's GPG key",
  ).optional(),
});

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
  /** OS package mirrors; the host prep script writes the ones for its OS family. */
  packages: z
    .strictObject({
      /** yum/dnf repositories for the RHEL family (base, updates, EPEL). */
      yum: z.array(yumRepoSchema).default([]),
      /** apt source lines for Debian/Ubuntu (`deb URL suite components`). */
      apt: z
        .array(
          matching(
            /^deb (\[[A-Za-z0-9=,._/:-]+( [A-Za-z0-9=,._/:-]+)*\] )?https?:\/\/[A-Za-z0-9._~%+=:@,/-]+ [A-Za-z0-9._/-]+( [A-Za-z0-9._-]+)+$/,
            "must be an apt line like 'deb [signed-by=/etc/apt/keyrings/mirror.gpg] http://mirror/debian bookworm main' (no quotes or shell characters)",
          ),
        )
        .default([]),
    })
    .prefault({}),
});
