/**
 * The config contract (keys under `k8s-platform:`), as zod schemas, one file per section.
 * Field-level rules (types, formats, enums, defaults) live here; rules that relate several
 * fields live in `../rules`. Every key is documented in the configuration reference.
 */
import { z } from "zod";
import { addonsSchema } from "./addons";
import { apiserverSchema, etcdSchema, pkiSchema } from "./control-plane";
import { clusterSchema, hostSchema, sshSchema } from "./hosts";
import { networkSchema } from "./network";
import { projectSchema } from "./projects";
import { registrySchema } from "./registry";
import { glusterSchema, storageSchema } from "./storage";
import { mirrorsSchema, versionsSchema } from "./versions";
import { workersSchema } from "./workers";

export { DNS1123_LABEL } from "./common";
export { ROLES, type Role } from "./hosts";

export const platformSchema = z.strictObject({
  cluster: clusterSchema,
  ssh: sshSchema.prefault({}),
  hosts: z.array(hostSchema).min(1, { message: "must list the inventory" }),
  versions: versionsSchema.prefault({}),
  mirrors: mirrorsSchema,
  pki: pkiSchema.prefault({}),
  etcd: etcdSchema.prefault({}),
  apiserver: apiserverSchema,
  network: networkSchema.prefault({}),
  storage: storageSchema.prefault({}),
  registry: registrySchema.prefault({}),
  addons: addonsSchema.prefault({}),
  workers: workersSchema.prefault({}),
  projects: z.array(projectSchema).default([]),
});

/** The top-level config keys, in the order the README documents them. */
export const CONFIG_KEYS = Object.keys(platformSchema.shape) as (keyof typeof platformSchema.shape)[];

/** The validated config, defaults applied (before derived fields are added). */
export type PlatformConfig = z.output<typeof platformSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type ProjectConfig = z.output<typeof projectSchema>;
export type GlusterConfig = z.output<typeof glusterSchema>;
