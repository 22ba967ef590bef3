/**
 * Worker nodes: containerd + runc + CNI plugins, kubelet and kube-proxy on every node, and
 * the node lifecycle (add, remove with drain, upgrade in batches) driven by config.
 *
 * Per node (WorkerNode), on the node itself:
 *   install      first install of the binaries (runs once; later versions come via `upgrade`)
 *   credentials  secret files (serving key, kubeconfigs, registry auth), mode 0600
 *   configure    configs, units, certificates; starts/restarts the daemons; waits for kubelet
 *   upgrade      the install script again with restarts, ordered by the batch chain
 *   stop         delete-time only: stops and disables kubelet, kube-proxy and containerd
 * and on the operations host (the first master, which holds kubectl and an admin kubeconfig):
 *   retire       delete-time only: cordon, drain (PDB-respecting), delete the Node object;
 *                it depends on `stop`, so Pulumi deletes it, and drains, before the
 *                node's services are stopped; a failed drain stops the removal
 * Steps that put files or services on the node carry its prep id in `triggers`, so a
 * rebuilt machine (`pulumi up --replace <prep URN>`) gets all of them again; the two
 * delete-time steps carry no triggers, so such a replacement never runs them.
 *   drain        before `upgrade`: drains the node when its recorded versions differ
 *   ready        after `upgrade`: waits for registration, reconciles admin-only labels and
 *                taints, uncordons a node it drained, stamps the versions
 * A node depends on its own certificates, the control-plane gate and the operations host,
 * never on another node, except that batch k+1's `drain` waits for batch k's `ready`.
 */
import type { HostRef } from "../host";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remote, types } from "@pulumi/command";
import type { HostConfig, PlatformSpec } from "../../stacks/contract/spec";
import type { KeyPair, TrustAnchor } from "../pki/types";
import { withFingerprint } from "../../lib/shell";
import { asRoot } from "../host/render";
import {
  NODE_COMPONENTS,
  nodeConfigFiles,
  nodeSecretFiles,
  renderDrainScript,
  renderInstallScript,
  renderPutFilesScript,
  renderUncordonScript,
  type NodeFile,
} from "./files";
import { OPS_PATHS } from "./paths";
import { nodeRollout } from "./rollout";

export { upgradeBatches, batchSize } from "./batches";
export { nodeRollout, type RolloutNode } from "./rollout";

/** A node host: the shared host reference (address, SSH connection, baseline prep). */
export type NodeHostRef = HostRef;

/** The operations host where kubectl runs with admin credentials (see NodeOps). */
export interface NodeOpsRef {
  readonly connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  /** kubectl and the admin kubeconfig are in place on it. */
  readonly ready: pulumi.Resource;
}

/** A heredoc command: runs `script` as root without using stdin (delete steps get no stdin). */
function heredoc(spec: PlatformSpec, script: string): string {
  const marker = "K8S_PLATFORM_SCRIPT_END";
  if (script.includes(marker)) throw new Error("script contains the heredoc marker");
  return `${asRoot(spec)} <<'${marker}'\n${script}\n${marker}`;
}

// ------------------------------------------------------------------------------------
// NodeOps: kubectl + admin kubeconfig on the first master, and the cluster-side bootstrap

/** Arguments of NodeOps. */
export interface NodeOpsArgs {
  readonly spec: PlatformSpec;
  /** The operations host: the first master (it reaches the apiserver VIP by construction). */
  readonly opsHost: NodeHostRef;
  /** Admin kubeconfig (Pulumi secret), written to OPS_PATHS.adminKubeconfig with mode 0600. */
  readonly adminKubeconfig: pulumi.Input<string>;
  /** The control-plane readiness gate: the apiserver answers behind the VIP. */
  readonly gate: pulumi.Resource;
  /**
   * Provider for the cluster-side bootstrap objects (RBAC letting the apiserver reach
   * kubelets, auto-approval of kubelet client-certificate renewals). Omit to skip them.
   */
  readonly provider?: k8s.Provider;
  /** User name (certificate CN) the apiserver presents to kubelets. Default: kubeadm's. */
  readonly apiserverKubeletClientUser?: string;
}

/**
 * The operations side of node lifecycle. kubectl runs on the first master, not on the
 * node being drained (a node must never hold admin credentials) and not on the machine
 * running Pulumi (which may not reach the VIP: hosts are often behind a bastion).
 */
export class NodeOps extends pulumi.ComponentResource implements NodeOpsRef {
  readonly connection: pulumi.Input<types.input.remote.ConnectionArgs>;
  readonly ready: remote.Command;
  /** Cluster-side bootstrap bindings (when a provider was given). */
  readonly bindings: k8s.rbac.v1.ClusterRoleBinding[];

  constructor(name: string, args: NodeOpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:worker:NodeOps", name, {}, opts);
    const { spec, opsHost } = args;
    this.connection = opsHost.connection;

    const kubectl = new remote.Command(
      `${name}-kubectl`,
      {
        connection: opsHost.connection,
        create: asRoot(spec),
        stdin: renderInstallScript(spec, ["kubectl"], false),
        triggers: [opsHost.provisioned],
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [opsHost.ready] },
    );
    const adminFile: pulumi.Output<NodeFile[]> = pulumi
      .output(args.adminKubeconfig)
      .apply((content): NodeFile[] => [{ path: OPS_PATHS.adminKubeconfig, mode: "0600", owner: "-", content }]);
    this.ready = new remote.Command(
      `${name}-admin-kubeconfig`,
      {
        connection: opsHost.connection,
        create: asRoot(spec),
        // The host's prep id is in stdin, not in triggers: a rebuilt operations host re-runs
        // this in place, whereas a replacement would end with the old resource's delete
        // removing the file the new one just wrote.
        stdin: pulumi.secret(
          pulumi
            .all([adminFile, opsHost.provisioned])
            .apply(([files, id]) => withFingerprint(renderPutFilesScript(opsHost.name, files, false), id)),
        ),
        delete: asRoot(spec, `rm -f ${OPS_PATHS.adminKubeconfig}`),
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [kubectl, args.gate] },
    );

    this.bindings = args.provider
      ? clusterBootstrap(name, args.provider, args.apiserverKubeletClientUser ?? "kube-apiserver-kubelet-client", this)
      : [];
    this.registerOutputs({ ready: this.ready.id });
  }
}

/** RBAC that node operation needs in the cluster. */
function clusterBootstrap(
  name: string,
  provider: k8s.Provider,
  apiserverUser: string,
  parent: pulumi.Resource,
): k8s.rbac.v1.ClusterRoleBinding[] {
  const rbacGroup = "rbac.authorization.k8s.io";
  const opts = { parent, provider };
  return [
    // kubectl logs/exec/port-forward: the apiserver calls the kubelet API as this user, and
    // kubelets authorize it with a SubjectAccessReview (authorization mode Webhook).
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-apiserver-kubelet-api-admin`,
      {
        metadata: {
          name: "k8s-platform:apiserver-kubelet-api-admin",
          labels: { "app.kubernetes.io/managed-by": "k8s-platform" },
        },
        roleRef: { apiGroup: rbacGroup, kind: "ClusterRole", name: "system:kubelet-api-admin" },
        subjects: [{ apiGroup: rbacGroup, kind: "User", name: apiserverUser }],
      },
      opts,
    ),
    // rotateCertificates: a kubelet renews its client certificate with a CSR for its own
    // node identity; this lets the controller-manager's approver sign it automatically.
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-node-client-cert-renewal`,
      {
        metadata: {
          name: "k8s-platform:node-client-cert-renewal",
          labels: { "app.kubernetes.io/managed-by": "k8s-platform" },
        },
        roleRef: {
          apiGroup: rbacGroup,
          kind: "ClusterRole",
          name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        },
        subjects: [{ apiGroup: rbacGroup, kind: "Group", name: "system:nodes" }],
      },
      opts,
    ),
  ];
}

// ------------------------------------------------------------------------------------
// WorkerNode

/** Arguments of a WorkerNode. */
export interface WorkerNodeArgs {
  readonly spec: PlatformSpec;
  /** The host (connection and baseline prep). */
  readonly host: NodeHostRef;
  /** The inventory entry (labels, taints, roles). */
  readonly hostConfig: HostConfig;
  /** A master running kubelet: labelled control-plane and tainted NoSchedule. Default false. */
  readonly controlPlane?: boolean;
  /** The node's kubelet serving certificate (SANs: node name and address) and key (secret). */
  readonly kubeletServing: KeyPair;
  /** The cluster CA (kubelet's clientCAFile). */
  readonly clusterCa: TrustAnchor;
  /** kubelet's kubeconfig (secret): user `system:node:<name>` in `system:nodes`, server = the VIP. */
  readonly kubeletKubeconfig: pulumi.Input<string>;
  /** kube-proxy's kubeconfig (secret): user `system:kube-proxy`, server = the VIP. */
  readonly kubeProxyKubeconfig: pulumi.Input<string>;
  /** Node-level registry password (secret); with `registry.username` it enables node pull credentials. */
  readonly registryPassword?: pulumi.Input<string>;
  /** The control-plane readiness gate: the kubelet starts once the apiserver answers. */
  readonly gate: pulumi.Resource;
  /** Where kubectl runs for drains and labels. */
  readonly ops: NodeOpsRef;
  /** Upgrade ordering: this node's drain waits for these (the previous batch's `ready`). */
  readonly after?: readonly pulumi.Resource[];
}

/** One Kubernetes node: its runtime, agents and lifecycle steps. */
export class WorkerNode extends pulumi.ComponentResource {
  readonly nodeName: string;
  /** Daemons configured and kubelet healthy. */
  readonly configured: remote.Command;
  /** Back in service after install or upgrade: the anchor of the next upgrade batch. */
  readonly ready: remote.Command;

  constructor(name: string, args: WorkerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:worker:WorkerNode", name, {}, opts);
    const { spec, host, hostConfig } = args;
    if (hostConfig.name !== host.name)
      throw new Error(`WorkerNode ${name}: hostConfig ${hostConfig.name} is not host ${host.name}`);
    this.nodeName = host.name;
    const render = { spec, host: hostConfig, controlPlane: args.controlPlane ?? false };
    const node = host.connection;
    const drainSeconds = spec.workers.drainTimeoutSeconds;
    const command = (
      suffix: string,
      cmdArgs: remote.CommandArgs,
      dependsOn: pulumi.Input<pulumi.Resource>[],
      extra: pulumi.CustomResourceOptions = {},
    ) =>
      new remote.Command(
        `${name}-${suffix}`,
        { ...cmdArgs, addPreviousOutputInEnv: false },
        { parent: this, dependsOn, ...extra },
      );
    const rebuilt = [host.provisioned];

    // First install only: later version bumps must not reinstall every node at once, so
    // the rendered script is ignored after creation and `upgrade` (batched) applies them.
    const install = command(
      "install",
      {
        connection: node,
        create: asRoot(spec),
        stdin: renderInstallScript(spec, NODE_COMPONENTS, false),
        triggers: rebuilt,
      },
      [host.ready],
      { ignoreChanges: ["stdin"] },
    );

    const secretFiles = pulumi
      .all([args.kubeletServing.keyPem, args.kubeletKubeconfig, args.kubeProxyKubeconfig, args.registryPassword])
      .apply(([servingKeyPem, kubeletKubeconfig, kubeProxyKubeconfig, registryPassword]) =>
        nodeSecretFiles(spec, { servingKeyPem, kubeletKubeconfig, kubeProxyKubeconfig, registryPassword }),
      );
    const credentials = command(
      "credentials",
      {
        connection: node,
        create: asRoot(spec),
        stdin: pulumi.secret(secretFiles.apply((files) => renderPutFilesScript(host.name, files, false))),
        triggers: rebuilt,
      },
      [host.ready],
    );

    const configFiles = pulumi
      .all([args.clusterCa.certPem, args.kubeletServing.certPem])
      .apply(([caPem, servingCertPem]) => nodeConfigFiles(render, { caPem, servingCertPem }));
    this.configured = command(
      "configure",
      {
        connection: node,
        create: asRoot(spec),
        stdin: configFiles.apply((files) => renderPutFilesScript(host.name, files, true)),
        triggers: rebuilt,
      },
      [install, credentials, args.gate],
    );

    // Delete-time only (no create: no SSH session on rollout). Separate from `configure` so
    // that a rebuilt host's replacement of `configure` never stops the new node's services.
    const stop = command(
      "stop",
      { connection: node, delete: asRoot(spec, "systemctl disable --now kubelet kube-proxy containerd") },
      [this.configured],
    );
    // Runs before `stop` on removal (Pulumi deletes dependents first): drain, then stop.
    command(
      "retire",
      { connection: args.ops.connection, delete: heredoc(spec, renderDrainScript(spec, host.name, "remove")) },
      [stop, args.ops.ready],
      { customTimeouts: { delete: `${drainSeconds + 300}s` } },
    );

    const drain = command(
      "drain",
      { connection: args.ops.connection, create: asRoot(spec), stdin: renderDrainScript(spec, host.name, "upgrade") },
      [this.configured, args.ops.ready, ...(args.after ?? [])],
      { customTimeouts: { create: `${drainSeconds + 300}s`, update: `${drainSeconds + 300}s` } },
    );
    const upgrade = command(
      "upgrade",
      { connection: node, create: asRoot(spec), stdin: renderInstallScript(spec, NODE_COMPONENTS, true) },
      [drain],
    );
    this.ready = command(
      "ready",
      // A rebuilt node registers anew: its admin-only labels and taints are set again.
      { connection: args.ops.connection, create: asRoot(spec), stdin: renderUncordonScript(render), triggers: rebuilt },
      [upgrade],
      {
        customTimeouts: { create: "20m", update: "20m" },
      },
    );

    this.registerOutputs({ nodeName: this.nodeName, ready: this.ready.id });
  }
}

// ------------------------------------------------------------------------------------
// Wiring: every node of the rollout plan, batched, with the operations host

/** What the nodes need from the PKI (the Pki component satisfies this). */
export interface NodeCertificateSource {
  readonly clusterCa: TrustAnchor;
  readonly adminKubeconfig: pulumi.Input<string>;
  readonly kubeProxy: KeyPair;
  kubeletClient(node: string): KeyPair;
  kubeletServing(node: string): KeyPair;
  kubeconfig(pair: KeyPair, options?: { onMaster?: boolean }): pulumi.Output<string>;
}

/** Arguments of createWorkerNodes. */
export interface WorkerNodesArgs {
  readonly spec: PlatformSpec;
  /** Hosts by inventory name (every node of `spec.topology.nodes` and the first master). */
  readonly hosts: ReadonlyMap<string, NodeHostRef>;
  readonly pki: NodeCertificateSource;
  /** The control-plane readiness gate (apiserver answering through the VIP). */
  readonly gate: pulumi.Resource;
  /** Provider for the cluster-side bootstrap RBAC. */
  readonly provider?: k8s.Provider;
  /** Node-level registry password (secret), see WorkerNodeArgs.registryPassword. */
  readonly registryPassword?: pulumi.Input<string>;
}

/** The nodes and their operations host. */
export interface WorkerNodes {
  readonly ops: NodeOps;
  /** In rollout order (masters running kubelet first, then the workers by batch). */
  readonly nodes: readonly WorkerNode[];
}

/**
 * Creates NodeOps on the first master and a WorkerNode per node of the rollout plan;
 * each batch's drains wait for the previous batch's `ready`, nothing else links nodes.
 */
export function createWorkerNodes(args: WorkerNodesArgs, parent: pulumi.Resource): WorkerNodes {
  const { spec, hosts, pki } = args;
  const hostRef = (name: string): NodeHostRef => {
    const ref = hosts.get(name);
    if (!ref) throw new Error(`createWorkerNodes: no host ${name}`);
    return ref;
  };
  const firstMaster = spec.topology.masters[0];
  if (!firstMaster) throw new Error("createWorkerNodes: the spec has no master to run node operations from");
  const ops = new NodeOps(
    "node-ops",
    {
      spec,
      opsHost: hostRef(firstMaster.name),
      adminKubeconfig: pki.adminKubeconfig,
      gate: args.gate,
      provider: args.provider,
    },
    { parent },
  );
  const nodes: WorkerNode[] = [];
  const readyByBatch = new Map<number, pulumi.Resource[]>();
  for (const { host, controlPlane, batch } of nodeRollout(spec)) {
    const onMaster = host.roles.includes("master");
    const node = new WorkerNode(
      `${host.name}-node`,
      {
        spec,
        host: hostRef(host.name),
        hostConfig: host,
        controlPlane,
        kubeletServing: pki.kubeletServing(host.name),
        clusterCa: pki.clusterCa,
        kubeletKubeconfig: pki.kubeconfig(pki.kubeletClient(host.name), { onMaster }),
        kubeProxyKubeconfig: pki.kubeconfig(pki.kubeProxy, { onMaster }),
        registryPassword: args.registryPassword,
        gate: args.gate,
        ops,
        after: readyByBatch.get(batch - 1) ?? [],
      },
      { parent },
    );
    nodes.push(node);
    readyByBatch.set(batch, [...(readyByBatch.get(batch) ?? []), node.ready]);
  }
  return { ops, nodes };
}
