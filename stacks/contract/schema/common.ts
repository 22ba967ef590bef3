/**
 * Field types shared by the config sections: the syntax of names, addresses, networks,
 * versions, URLs and quantities, each with an error that quotes the value and says what is
 * expected.
 */
import { z } from "zod";
import { parseCidr, parseIpv4 } from "../../../lib/ipv4";
import { isQuantity, quantityHint } from "../../../lib/quantity";

/** DNS-1123 label: lower-case alphanumerics and '-', 1..63 chars, alphanumeric at both ends. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (dot-separated labels, at most 253 chars). */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A domain an ingress may serve: a DNS name, optionally with one leading wildcard label. */
export const INGRESS_DOMAIN =
  /^(\*\.)?(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** A string matching `pattern`; the error quotes the value and says what is expected. */
export const matching = (pattern: RegExp, expected: string) =>
  z.string().regex(pattern, {
    error: (issue) => `${JSON.stringify(issue.input)} ${expected}`,
  });

export const label = (what: string) =>
  matching(
    DNS1123_LABEL,
    `must be a DNS-1123 label for the ${what} (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)`,
  );

export const ipv4 = z.string().refine((s) => parseIpv4(s) !== undefined, {
  message: "must be an IPv4 address like 10.10.1.20",
});

export const cidr = z.string().refine((s) => parseCidr(s) !== undefined, {
  message: "must be an IPv4 network in CIDR form with no host bits set, like 172.20.0.0/16",
});

export const version = matching(VERSION, "must be a release version like 1.34.2 (no leading 'v')");

/** A host name (DNS labels, letters, digits, '-') or an IPv4 address, at most 253 characters. */
export const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
/** Characters a URL path may hold here: no whitespace, quotes, `$`, backticks or shell operators. */
const URL_PATH = "[A-Za-z0-9._~%+=:@,/-]*";
const URL_AUTHORITY = "[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\\d{1,5})?";

/** An http(s) URL: a host (and port), then a path of plain URL characters. */
export const HTTP_URL = new RegExp(`^https?://${URL_AUTHORITY}(/${URL_PATH})?$`);

export const url = matching(
  new RegExp(`^https?://${URL_AUTHORITY}(/${URL_PATH}[^/])?$`),
  "must be an http(s) URL without a trailing '/', whitespace, quotes or shell characters",
);

/** A host name or IPv4 address (NTP servers, the bastion, SANs). */
export const hostName = (what: string) =>
  matching(HOST_NAME, `must be a host name or IPv4 address for ${what} (letters, digits, '-', '.')`);

/** A POSIX login name. */
export const loginName = matching(
  /^[a-z_][a-z0-9_-]{0,31}$/,
  "must be a login name (lower-case letters, digits, '_', '-', at most 32, not starting with a digit)",
);

/** Free text that ends up in a file: one line, no control characters. */
export const oneLine = (what: string) =>
  z
    .string()
    .min(1, { message: "must not be empty" })
    .max(1024, { message: "must be at most 1024 characters" })
    .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
      message: `${what} must be one line without control characters`,
    });

export const quantity = z.string().superRefine((s, ctx) => {
  if (isQuantity(s)) return;
  const hint = quantityHint(s);
  ctx.addIssue({
    code: "custom",
    message: `"${s}" is not a Kubernetes quantity${hint ? ` (try ${hint})` : " (e.g. 500m, 4, 512Mi, 2Ti)"}`,
  });
});

export const port = z.number().int().min(1).max(65535);

/** A secret string (SSH key, password): never printed, wrapped in pulumi.secret by the Platform. */
export const secretString = z.string().min(1, { message: "must not be empty" });

/** A secret that ends up in a host file (a password): one line, no control characters. */
export const secretLine = oneLine("the value");

/** Kubernetes label/annotation key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kubernetes label value: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric. */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** A Kubernetes label (or taint) key. */
export const labelKey = z
  .string()
  .refine((k) => QUALIFIED_NAME.test(k) && (k.split("/")[0].length <= 253 || !k.includes("/")), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a Kubernetes label key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends)`,
  });

/** A Kubernetes label (or taint) value. */
export const labelValue = matching(
  LABEL_VALUE,
  "is not a Kubernetes label value (empty, or at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends)",
);

/** Directories a data, backup or brick path may neither be nor lie inside. */
export const SYSTEM_DIRS: readonly string[] = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib64",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var/lib/containerd",
  "/var/lib/etcd",
  "/var/lib/k8s-platform",
  "/var/lib/kubelet",
];

/** True when `path` is `dir` or lies inside it. */
export const isInside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * An absolute, normalized directory for data the platform writes (no `.`/`..` parts, no
 * doubled or trailing '/', plain file-name characters), outside the system directories.
 */
export const dataPath = (what: string) =>
  z.string().superRefine((p, ctx) => {
    const quoted = JSON.stringify(p);
    if (!/^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/.test(p) || p.split("/").some((part) => part === "." || part === "..")) {
      ctx.addIssue({
        code: "custom",
        message: `${quoted} must be an absolute, normalized path for ${what} (letters, digits, '.', '_', '-'; no '..', no trailing '/')`,
      });
      return;
    }
    const system = SYSTEM_DIRS.find((dir) => isInside(p, dir));
    if (system)
      ctx.addIssue({
        code: "custom",
        message: `${quoted} lies in the system directory ${system}; pick a dedicated directory for ${what} (e.g. under /data or /var/backups)`,
      });
  });
