/**
 * Config sections `versions` and `mirrors`: what is installed and where every download comes from.
 */
import { z } from "zod";
import { matching, url, version } from "./common";
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

const yumRepoSchema = z.strictObject({
  id: matching(/^[A-Za-z0-9_.-]+$/, "must be a yum repo id (letters, digits, '_', '.', '-')"),
  baseurl: z.string().min(1),
  gpgkey: z.string().optional(),
});

export const mirrorsSchema = z.strictObject({
  /** Base URL of a mirror of upstream release downloads (dl.k8s.io and GitHub release layout). */
  binaries: url,
  /** Private registry host[:port] every image is pulled from. */
  images: matching(
    /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/,
    "must be a registry host like reg.example.internal[:port][/path]",
  ),
  /** Helm chart repository mirror (an https URL or oci://host/path). */
  charts: matching(/^(https?|oci):\/\/\S+[^/]$/, "must be an http(s):// or oci:// URL without a trailing '/'"),
  /** OS package mirrors; the host prep script writes the ones for its OS family. */
  packages: z
    .strictObject({
      /** yum/dnf repositories for the RHEL family (base, updates, EPEL). */
      yum: z.array(yumRepoSchema).default([]),
      /** apt source lines for Debian/Ubuntu (`deb URL suite components`). */
      apt: z
        .array(
          matching(
            /^deb (\[[^\]]*\] )?https?:\/\/\S+ \S+( \S+)+$/,
            "must be an apt line like 'deb http://mirror/debian bookworm main'",
          ),
        )
        .default([]),
    })
    .prefault({}),
});
