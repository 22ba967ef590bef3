/**
 * Config section `workers`: node lifecycle and kubelet reservations.
 */
import { z } from "zod";
import { matching, quantity } from "./common";
export const workersSchema = z.strictObject({
  /** Workers upgraded per batch: a count, or a percentage like "10%". */
  upgradeBatch: z
    .union([z.number().int().min(1), matching(/^([1-9]\d?|100)%$/, "must be a percentage like 10%")])
    .default("10%"),
  /**
   * Run kubelet, kube-proxy and calico-node on the masters too (tainted NoSchedule, labelled
   * node-role.kubernetes.io/control-plane), so the apiserver reaches aggregated APIs and
   * admission webhooks through their ClusterIPs. Turn off only where no add-on serves the
   * apiserver from a pod.
   */
  kubeletOnMasters: z.boolean().default(true),
  /** Seconds a drain may take before the removal of a node stops. */
  drainTimeoutSeconds: z.number().int().min(30).default(600),
  /** kubelet systemReserved: resources kept for the OS daemons (sshd, journald, chrony). */
  systemReserved: z
    .partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity)
    .default({ cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" }),
  /** kubelet kubeReserved: resources kept for kubelet, containerd and kube-proxy. */
  kubeReserved: z
    .partialRecord(z.enum(["cpu", "memory", "ephemeral-storage", "pid"]), quantity)
    .default({ cpu: "500m", memory: "1Gi", "ephemeral-storage": "2Gi" }),
  /** kubelet podPidsLimit: the most processes one pod may run (CIS 4.2.13). */
  podPidsLimit: z.number().int().min(64).default(4096),
  /** kubelet maxPods. */
  maxPods: z.number().int().min(10).max(1000).default(110),
});
