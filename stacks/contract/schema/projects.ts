/**
 * Config section `projects`: the tenant projects, one namespace each.
 */
import { z } from "zod";
import { INGRESS_DOMAIN, cidr, label, matching, quantity } from "./common";
const memberSchema = z
  .strictObject({
    user: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    role: z.enum(["admin", "lead", "member"], { message: "must be one of admin, lead, member" }),
  })
  .superRefine((m, ctx) => {
    if ((m.user === undefined) === (m.group === undefined)) {
      ctx.addIssue({ code: "custom", message: "must set exactly one of user or group" });
    }
  });

export const projectSchema = z.strictObject({
  /** DNS-1123 label; becomes the namespace. */
  name: label("project name"),
  quota: z.strictObject({
    /** Total CPU requests (`requests.cpu`) of the project's pods. */
    cpu: quantity,
    /** Total memory requests (`requests.memory`). */
    memory: quantity,
    /** Total CPU limits (`limits.cpu`); defaults to `cpu` (no overcommit). */
    limitsCpu: quantity.optional(),
    /** Total memory limits (`limits.memory`); defaults to `memory`. */
    limitsMemory: quantity.optional(),
    /** Total PVC storage requests (`requests.storage`). */
    storage: quantity,
    pods: z.number().int().min(1).default(200),
    services: z.number().int().min(0).default(50),
    persistentVolumeClaims: z.number().int().min(0).default(50),
    /** NodePort and LoadBalancer Services (0 by default: exposure goes through ingress). */
    nodePorts: z.number().int().min(0).default(0),
    loadBalancers: z.number().int().min(0).default(0),
    /** Per-StorageClass storage quota: class name -> quantity. */
    storageClasses: z.record(label("storage class"), quantity).default({}),
  }),
  limits: z
    .strictObject({
      defaultCpu: quantity.default("500m"),
      defaultMemory: quantity.default("512Mi"),
      defaultRequestCpu: quantity.default("100m"),
      defaultRequestMemory: quantity.default("128Mi"),
      maxCpu: quantity.optional(),
      maxMemory: quantity.optional(),
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
  /** Glob of application log files collected per project (the source's custom logs). */
  appLogPaths: z.array(matching(/^\/\S+$/, "must be an absolute path pattern")).default([]),
  /** Removal from config keeps the namespace unless false. */
  protect: z.boolean().default(true),
});
