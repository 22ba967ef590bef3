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

export const url = matching(/^https?:\/\/[^\s/$.?#][^\s]*[^/]$/, "must be an http(s) URL without a trailing '/'");

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
