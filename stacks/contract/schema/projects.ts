/**
 * Config section `projects`: the tenant projects, one namespace each. Every free-text
 * field here ends up in a Kubernetes object, a Fluent Bit config or a pull secret, so each
 * gets the syntax of what it is; cross-field and cross-project rules are in ../rules/projects.ts.
 */
import { z } from "zod";
import { projectLogsSchema } from "./addons";
import { INGRESS_DOMAIN, cidr, label, matching, quantity, secretLine } from "./common";

/** A quantity that cannot be negative (quotas and limits: `-1Gi` means nothing useful). */
const amount = quantity.refine((s) => !s.startsWith("-"), {
  error: (issue) => `${JSON.stringify(issue.input)} must not be negative`,
});

/**
 * RBAC user and group names: printable (no control characters, no leading or trailing
 * space: directory group names may contain inner spaces), and never `system:`: those are the
 * identities of Kubernetes itself (`system:authenticated` is every signed-in user,
 * `system:serviceaccounts` every ServiceAccount), so a binding to one would hand the
 * project role to the whole cluster.
 */
const identity = (what: string) =>
  z
    .string()
    .regex(/^[^\s\p{Cc}]([^\p{Cc}]{0,251}[^\s\p{Cc}])?$/u, {
      error: (i) =>
        `${JSON.stringify(i.input)} must be a ${what} name: printable, without control characters or surrounding spaces`,
    })
    .refine((s) => !s.toLowerCase().startsWith("system:"), {
      error: (i) =>
        `${JSON.stringify(i.input)} is a Kubernetes system identity; bind people and groups of your directory, never system: names`,
    });

const memberSchema = z
  .strictObject({
    user: identity("user").optional(),
    group: identity("group").optional(),
    role: z.enum(["admin", "lead", "member"], { message: "must be one of admin, lead, member" }),
  })
  .superRefine((m, ctx) => {
    if ((m.user === undefined) === (m.group === undefined)) {
      ctx.addIssue({ code: "custom", message: "must set exactly one of user or group" });
    }
  });

/** The one host directory a project's application log files may live under: `<root>/<project>/`. */
export const APP_LOG_ROOT = "/var/log/projects";

/**
 * An application log file pattern: absolute, normalized, and made only of the characters a
 * Fluent Bit `Path` takes literally. Commas (Fluent Bit reads a comma-separated list),
 * `$` (its `${VAR}` expansion), spaces and brackets are refused, and no segment may start
 * with `.`, which rules out `..` and hidden directories a glob like `.*` would walk into.
 * That the path lies in the project's own directory is checked by the project rules.
 */
const APP_LOG_PATTERN = /^(\/[A-Za-z0-9_*?-][A-Za-z0-9._*?-]*)+$/;
const appLogPath = matching(
  APP_LOG_PATTERN,
  `must be an absolute file pattern like ${APP_LOG_ROOT}/<project>/*.log (letters, digits, '.', '_', '-', '*' and '?'; no segment starting with '.')`,
);

/** `service:port` of a project Service, the target of a TCP port. */
const TCP_TARGET = /^([a-z]([-a-z0-9]{0,61}[a-z0-9])?):([1-9][0-9]{0,4})$/;

/** A registry host[:port] (no scheme, no path): the key of a dockerconfigjson `auths` entry. */
const REGISTRY_SERVER =
  /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,4})?$/;

const pullSecretSchema = z.strictObject({
  /** Registry host[:port] the credentials are for. */
  server: matching(
    REGISTRY_SERVER,
    "must be a registry host[:port] like registry.partner.example.com (no scheme, no path)",
  ),
  /** Registry user; ':' would break the `user:password` auth field. */
  username: matching(
    /^[A-Za-z0-9._@$+-]{1,255}$/,
    "must be a registry user name (letters, digits, '.', '_', '@', '$', '+', '-'; no ':' or spaces)",
  ),
  /** The password or token (one line). **Secret**: `pulumi config set --secret --path 'projects[i].pullSecrets[j].password'`. */
  password: secretLine,
});

export const projectSchema = z.strictObject({
  /** DNS-1123 label; becomes the namespace. */
  name: label("project name"),
  quota: z.strictObject({
    /** Total CPU requests (`requests.cpu`) of the project's pods. */
    cpu: amount,
    /** Total memory requests (`requests.memory`). */
    memory: amount,
    /** Total CPU limits (`limits.cpu`); defaults to `cpu` (no overcommit). */
    limitsCpu: amount.optional(),
    /** Total memory limits (`limits.memory`); defaults to `memory`. */
    limitsMemory: amount.optional(),
    /** Total PVC storage requests (`requests.storage`). */
    storage: amount,
    /** Total ephemeral storage requests (container writable layers, logs, emptyDirs) on the nodes' disks. */
    ephemeralStorage: amount.default("100Gi"),
    /** Total ephemeral storage limits; kubelet evicts a pod that writes beyond its limits. */
    limitsEphemeralStorage: amount.default("200Gi"),
    pods: z.number().int().min(1).default(200),
    services: z.number().int().min(0).default(50),
    persistentVolumeClaims: z.number().int().min(0).default(50),
    /** Secrets (`count/secrets`): each may hold up to 1 MiB of etcd. */
    secrets: z.number().int().min(0).default(100),
    /** ConfigMaps (`count/configmaps`), the namespace's `kube-root-ca.crt` included. */
    configMaps: z.number().int().min(1).default(100),
    /** NodePort and LoadBalancer Services (0 by default: exposure goes through ingress). */
    nodePorts: z.number().int().min(0).default(0),
    loadBalancers: z.number().int().min(0).default(0),
    /** Per-StorageClass storage quota: class name -> quantity. */
    storageClasses: z.record(label("storage class"), amount).default({}),
  }),
  limits: z
    .strictObject({
      defaultCpu: amount.default("500m"),
      defaultMemory: amount.default("512Mi"),
      defaultRequestCpu: amount.default("100m"),
      defaultRequestMemory: amount.default("128Mi"),
      maxCpu: amount.optional(),
      maxMemory: amount.optional(),
      /** Default ephemeral storage limit of a container (kubelet evicts beyond it). */
      defaultEphemeralStorage: amount.default("1Gi"),
      /** Default ephemeral storage request of a container. */
      defaultRequestEphemeralStorage: amount.default("256Mi"),
      maxEphemeralStorage: amount.optional(),
    })
    .prefault({}),
  members: z.array(memberSchema).default([]),
  domains: z
    .array(
      z.string().regex(INGRESS_DOMAIN, { message: "must be a DNS name like app.example.com or *.app.example.com" }),
    )
    .default([]),
  /** Name of a wildcard TLS secret (in the project's namespace) ingresses may reference. */
  tlsSecret: label("tlsSecret").optional(),
  /** Pod Security Admission level enforced in the namespace. */
  podSecurity: z.enum(["privileged", "baseline", "restricted"]).default("baseline"),
  /** Extra egress CIDRs allowed (beyond DNS and the project itself). */
  egress: z.array(cidr).default([]),
  /** A ServiceAccount + token letting the project's SDK exec into its own pods. */
  accessKey: z.boolean().default(false),
  /** A Harbor project + robot account when registry hosts exist. */
  registry: z.boolean().default(true),
  /** Credentials for further registries, merged into the project's pull secret. */
  pullSecrets: z.array(pullSecretSchema).default([]),
  /** TCP entry points: external port -> `service:port` of one of the project's own Services. */
  tcp: z
    .record(z.string(), matching(TCP_TARGET, "must be service:port of a Service in the project (e.g. redis:6379)"))
    .superRefine((ports, ctx) => {
      // Checked here rather than as the record's key schema so the problem names the key.
      for (const port of Object.keys(ports)) {
        if (!/^[1-9][0-9]{0,4}$/.test(port)) {
          ctx.addIssue({
            code: "custom",
            path: [port],
            message: `${JSON.stringify(port)} must be a port number (1024-65535)`,
          });
        }
      }
    })
    .default({}),
  /** Application log file patterns, under `/var/log/projects/<project>/` (the source's custom logs). */
  appLogPaths: z.array(appLogPath).default([]),
  /** The project's log retention, index name prefix and application-log parsers. */
  logs: projectLogsSchema.prefault({}),
  /** Removal from config keeps the namespace unless false. */
  protect: z.boolean().default(true),
});

/** One TCP entry point of a project, parsed. */
export interface ProjectTcpRoute {
  /** The external port (entry point) on the ingress controller. */
  readonly port: number;
  /** Service in the project's namespace. */
  readonly service: string;
  readonly servicePort: number;
}

/** The project's TCP entry points, sorted by port (stable names and value order). */
export function projectTcpRoutes(project: { readonly tcp: Readonly<Record<string, string>> }): ProjectTcpRoute[] {
  return Object.entries(project.tcp)
    .map(([port, target]) => {
      const [service, servicePort] = target.split(":");
      return { port: Number(port), service, servicePort: Number(servicePort) };
    })
    .sort((a, b) => a.port - b.port);
}

/** The ingress controller's entry point name for a TCP port (traefik `ports.<name>`, IngressRouteTCP `entryPoints`). */
export const tcpEntryPoint = (port: number): string => `tcp-${port}`;

/** The host directory of a project's application log files. */
export const appLogDir = (project: string): string => `${APP_LOG_ROOT}/${project}`;
