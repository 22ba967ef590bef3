/**
 * Secrets stay secret: a private key, password or token must never sit in a plain
 * (non-secret) input or output, where it would be stored unencrypted in the state and
 * shown by `pulumi preview --diff`.
 *
 * Offline the recorded graph marks secrets (`{ $secret }`), so every unmarked value is
 * checked. Inside the CrossGuard pack the engine hands policies secrets already unwrapped
 * (pulumi/pulumi-policy#241), so there the inputs that legitimately carry secrets (see
 * SECRET_CARRIERS) are skipped and everything else is checked.
 */
import { documents, label, leaves } from "./text";
import type { PolicyResource, ResourceRule, Violation } from "./types";

/** Input paths (regexes over the dotted path) that carry secrets by design; used when marks are unknown. */
export const SECRET_CARRIERS: readonly RegExp[] = [
  /^connection\.(privateKey|password|privateKeyPassword)$/,
  /^connection\.proxy\.(privateKey|password|privateKeyPassword)$/,
  /^(stdin|source|environment(\..*)?)$/,
  /^kubeconfig$/,
];

/** The stack's outputs (kubeconfig, CA, passwords): only checkable where secrets are marked. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/** Kubernetes Secrets: @pulumi/kubernetes marks `data` and `stringData` secret itself. */
const K8S_SECRET_TYPE = "kubernetes:core/v1:Secret";

const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----/;
// "-----BEGIN" in base64 (kubeconfig client-key-data, bundled files) at any of the three alignments.
const B64_PEM = /(?:LS0tLS1CRUdJTi|tLS0tLUJFR0lO|LS0tLUJFR0lO)[A-Za-z0-9+/=]*/g;
/** Property names that hold a credential (case-insensitive, the whole name or its last word). */
const SECRET_KEY =
  /(^|[._-]|[a-z])(password|passwd|passphrase|token|privateKey|privateKeyPem|private_key|apiKey|api_key|secretKey|secret_key|clientSecret|client_secret|auth_pass)$/i;
// `name: value`, `name=value`, `name value` (keepalived's auth_pass) inside texts.
const ASSIGNMENT =
  /(?:^|[\s"'{,;])([A-Za-z0-9_.-]*(?:password|passwd|passphrase|token|auth_pass|secret_key|private_key|client-key-data|client_secret)[A-Za-z0-9_-]*)["']?(?:[ \t]*[:=][ \t]*|[ \t]+)["']?([^\s"',}]+)/gi;

// Names that mention a credential but hold something else (`--token-auth-file`, `tokenTTL`,
// etcd's `--initial-cluster-token`, a cluster id that the etcd docs say is not secret).
const NOT_A_CREDENTIAL_KEY =
  /(file|path|dir|ref|name|env|type|mode|ttl|reviews?|lookup|expiration|length|count|url|secrets|cluster-token)$/i;

/** True for values that are obviously not a credential (references, paths, placeholders). */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v.length < 6 ||
    /^[$%<{[(]/.test(v) ||
    v.startsWith("/") ||
    /^(true|false|null|none|required|optional|\[secret\]|\[unknown\]|changeme)$/i.test(v) ||
    /^[A-Z_]+$/.test(v) // another variable's name
  );
}

/** Why a plain text leaks a credential, or undefined. */
export function textLeak(text: string): string | undefined {
  const pem = PEM_PRIVATE_KEY.exec(text);
  if (pem) return `a PEM ${pem[1]}private key`;
  for (const token of text.match(B64_PEM) ?? []) {
    const decoded = Buffer.from(token, "base64").toString("utf8");
    const inner = PEM_PRIVATE_KEY.exec(decoded);
    if (inner) return `a base64-encoded ${inner[1]}private key`;
  }
  for (const m of text.matchAll(ASSIGNMENT)) {
    const [, key, value] = m;
    if (NOT_A_CREDENTIAL_KEY.test(key)) continue;
    if (isPlaceholder(value)) continue;
    return `a credential assignment (${key}=...)`;
  }
  return undefined;
}

const lastKey = (path: string): string =>
  path
    .replace(/\[\d+\]$/, "")
    .split(".")
    .pop() ?? "";

/**
 * Plain (non-secret) values of a resource that carry a private key, password or token.
 * Without secret marks (inside the pack), inputs that carry secrets by design and fields
 * named as credentials (whose provider schemas make them secret, e.g. tls `privateKeyPem`)
 * are presumed secret; their content is only checked where marks are visible.
 */
export function plaintextSecrets(r: PolicyResource, secretsMarked: boolean): { path: string; what: string }[] {
  const found: { path: string; what: string }[] = [];
  const skip = (path: string): boolean =>
    (r.type === K8S_SECRET_TYPE && /^(data|stringData)(\.|$)/.test(path)) ||
    (!secretsMarked &&
      (r.type === STACK_TYPE || SECRET_KEY.test(lastKey(path)) || SECRET_CARRIERS.some((re) => re.test(path))));
  const reported = new Set<string>();
  for (const leaf of leaves(r.props)) {
    if (leaf.secret || skip(leaf.path) || typeof leaf.value !== "string") continue;
    if (SECRET_KEY.test(leaf.key) && !isPlaceholder(leaf.value)) {
      found.push({ path: leaf.path, what: `a credential in "${leaf.key}"` });
      reported.add(leaf.path);
    }
  }
  for (const doc of documents(r)) {
    if (doc.secret || skip(doc.path) || reported.has(doc.path + (doc.file ?? ""))) continue;
    const what = textLeak(doc.text);
    if (what === undefined) continue;
    reported.add(doc.path + (doc.file ?? ""));
    if (doc.file === undefined) reported.add(doc.path);
    found.push({ path: doc.file !== undefined ? `${doc.path} (file ${doc.file})` : doc.path, what });
  }
  return found;
}

/** No private key, password or token in a non-secret input (or stack output). */
export const secretsNotPlaintext: ResourceRule = {
  scope: "resource",
  name: "secrets-not-plaintext",
  description: "No private key, password or token in a non-secret input or output.",
  level: "mandatory",
  fix: "Wrap the value with pulumi.secret() before it reaches the input (and the whole command/asset that embeds it); pass it to hosts by file copy or stdin.",
  check(r, _config, view) {
    const out: Violation[] = [];
    for (const { path, what } of plaintextSecrets(r, view.secretsMarked)) {
      out.push({
        policy: this.name,
        urn: r.urn,
        message: `${label(r)}: input ${path} holds ${what} in plain text. Fix: make it a Pulumi secret (pulumi.secret(...) on the value and on the command/asset that embeds it).`,
      });
    }
    return out;
  },
};
