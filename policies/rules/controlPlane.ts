/**
 * Control-plane flags, read from the kube-apiserver / controller-manager / scheduler / etcd
 * invocations the resources carry (systemd units, scripts, bundles). Config files the
 * flags name (authentication, encryption) are looked up by path among every file the
 * stack installs, so the rule checks their content, not only that a flag is set.
 */
import {
  asArray,
  asRecord,
  asString,
  documents,
  hasUnknownText,
  invocations,
  label,
  parseYaml,
  type Doc,
} from "./text";
import type { PolicyResource, ResourceRule, StackRule, StackView, Violation } from "./types";

/** Endpoints anonymous requests may reach when anonymous auth is limited by an AuthenticationConfiguration. */
export const HEALTH_PATHS: readonly string[] = ["/healthz", "/readyz", "/livez"];

/** The content of the file installed at `path`: same resource first, then anywhere in the stack. */
function fileContent(view: StackView, near: PolicyResource, path: string): string | undefined {
  const match = (docs: Doc[]) => docs.find((d) => d.file === path)?.text;
  const local = match(documents(near));
  if (local !== undefined) return local;
  for (const r of view.resources) {
    const text = match(documents(r));
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Why anonymous auth is not off, or undefined when it is (explicitly, or limited to health endpoints). */
function anonymousProblem(view: StackView, r: PolicyResource, flags: ReadonlyMap<string, string>): string | undefined {
  if (flags.get("anonymous-auth") === "false") return undefined;
  if (flags.get("anonymous-auth") === "true") return "--anonymous-auth=true";
  const path = flags.get("authentication-config");
  if (path === undefined)
    return "anonymous auth is on by default (no --anonymous-auth=false and no --authentication-config)";
  const text = fileContent(view, r, path);
  const config = text !== undefined ? asRecord(parseYaml(text)) : undefined;
  if (!config) {
    if (hasUnknownText(view.resources)) return undefined;
    return `--authentication-config=${path} is not installed by the stack, so anonymous access cannot be verified`;
  }
  const anonymous = asRecord(config.anonymous);
  if (!anonymous || anonymous.enabled !== true) return undefined;
  const paths = asArray(anonymous.conditions).map((c) => asString(asRecord(c)?.path));
  if (paths.length > 0 && paths.every((p) => p !== undefined && HEALTH_PATHS.includes(p))) return undefined;
  return `${path} enables anonymous requests beyond ${HEALTH_PATHS.join(",")}`;
}

/** Why Secrets are not encrypted at rest, or undefined. */
function encryptionProblem(view: StackView, r: PolicyResource, flags: ReadonlyMap<string, string>): string | undefined {
  const path = flags.get("encryption-provider-config");
  if (path === undefined) return "no --encryption-provider-config (Secrets stored in plain text in etcd)";
  const text = fileContent(view, r, path);
  if (text === undefined) return undefined;
  const config = asRecord(parseYaml(text));
  const entry = asArray(config?.resources).find((e) =>
    asArray(asRecord(e)?.resources).some((x) => x === "secrets" || x === "*.*"),
  );
  const firstProvider = asRecord(asArray(asRecord(entry)?.providers)[0]);
  if (!firstProvider || "identity" in firstProvider)
    return `${path} does not encrypt secrets (first provider must not be identity)`;
  return undefined;
}

/** Problems of one kube-apiserver invocation. */
function apiserverProblems(view: StackView, r: PolicyResource, flags: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const anonymous = anonymousProblem(view, r, flags);
  if (anonymous)
    problems.push(
      `${anonymous} (fix: --anonymous-auth=false, or an AuthenticationConfiguration allowing only ${HEALTH_PATHS.join(",")})`,
    );
  const modes = (flags.get("authorization-mode") ?? "").split(",");
  if (!modes.includes("Node") || !modes.includes("RBAC") || modes.includes("AlwaysAllow")) {
    problems.push(
      `--authorization-mode=${flags.get("authorization-mode") ?? "(unset: AlwaysAllow)"} (fix: --authorization-mode=Node,RBAC)`,
    );
  }
  const encryption = encryptionProblem(view, r, flags);
  if (encryption)
    problems.push(`${encryption} (fix: --encryption-provider-config with a secretbox/aescbc/kms provider first)`);
  if (!flags.has("audit-policy-file") || !(flags.has("audit-log-path") || flags.has("audit-webhook-config-file"))) {
    problems.push("audit logging is not configured (fix: --audit-policy-file and --audit-log-path)");
  }
  if (flags.get("profiling") !== "false") problems.push("profiling is on (fix: --profiling=false)");
  return problems;
}

/** Security flags of the apiserver (and profiling of the controller manager and scheduler). */
export const controlPlaneFlags: StackRule = {
  scope: "stack",
  name: "control-plane-flags",
  description:
    "kube-apiserver: anonymous auth off (or limited to health endpoints), Node,RBAC authorization, Secrets encrypted at rest, audit log, profiling off; controller manager and scheduler: profiling off.",
  level: "mandatory",
  fix: "Render the control plane with components/control-plane (its flags satisfy CIS 1.2-1.4); do not override these flags.",
  check(view) {
    const out: Violation[] = [];
    for (const r of view.resources) {
      const reported = new Set<string>();
      for (const doc of documents(r)) {
        for (const inv of invocations(doc.text, "kube-apiserver")) {
          for (const problem of apiserverProblems(view, r, inv.flags)) {
            if (reported.has(problem)) continue;
            reported.add(problem);
            out.push({
              policy: this.name,
              urn: r.urn,
              message: `${label(r)}: kube-apiserver in ${doc.file ?? doc.path}: ${problem}.`,
            });
          }
        }
        for (const binary of ["kube-controller-manager", "kube-scheduler"]) {
          for (const inv of invocations(doc.text, binary)) {
            const problem = `${binary} profiling is on`;
            if (inv.flags.get("profiling") === "false" || reported.has(problem)) continue;
            reported.add(problem);
            out.push({
              policy: this.name,
              urn: r.urn,
              message: `${label(r)}: ${binary} in ${doc.file ?? doc.path}: profiling is on (fix: --profiling=false).`,
            });
          }
        }
      }
    }
    return out;
  },
};

/** Problems of one etcd invocation. */
export function etcdProblems(flags: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  if (flags.get("client-cert-auth") !== "true" || !flags.has("trusted-ca-file"))
    problems.push("client cert auth is off (fix: --client-cert-auth=true --trusted-ca-file=<etcd CA>)");
  if (flags.get("peer-client-cert-auth") !== "true" || !flags.has("peer-trusted-ca-file")) {
    problems.push("peer cert auth is off (fix: --peer-client-cert-auth=true --peer-trusted-ca-file=<etcd CA>)");
  }
  for (const flag of [
    "listen-client-urls",
    "listen-peer-urls",
    "advertise-client-urls",
    "initial-advertise-peer-urls",
  ]) {
    const plain = (flags.get(flag) ?? "").split(",").filter((u) => u.startsWith("http://"));
    if (plain.length > 0)
      problems.push(`--${flag} has plain http ${plain.join(",")} (fix: https URLs with --cert-file/--key-file)`);
  }
  if (flags.get("auto-tls") === "true" || flags.get("peer-auto-tls") === "true")
    problems.push("auto-tls is on: self-signed certs defeat cert auth (fix: --auto-tls=false --peer-auto-tls=false)");
  return problems;
}

/** etcd members require client and peer certificates signed by the etcd CA. */
export const etcdCertAuth: ResourceRule = {
  scope: "resource",
  name: "etcd-cert-auth",
  description:
    "Every etcd member requires client and peer TLS certificates (client-cert-auth, peer-client-cert-auth, https URLs, no auto-tls).",
  level: "mandatory",
  fix: "Render etcd with components/etcd (TLS everywhere); do not override these flags.",
  check(r) {
    const out: Violation[] = [];
    const reported = new Set<string>();
    for (const doc of documents(r)) {
      for (const inv of invocations(doc.text, "etcd")) {
        const member = inv.flags.get("name") ?? "?";
        for (const problem of etcdProblems(inv.flags)) {
          if (reported.has(member + problem)) continue;
          reported.add(member + problem);
          out.push({
            policy: this.name,
            urn: r.urn,
            message: `${label(r)}: etcd member ${member} in ${doc.file ?? doc.path}: ${problem}.`,
          });
        }
      }
    }
    return out;
  },
};
