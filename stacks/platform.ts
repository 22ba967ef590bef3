/**
 * The Platform: the one place where the components are wired into one graph, in the
 * order of DESIGN.md section 1. Each component gets only what it needs (hosts by role,
 * certificates, the gates it must wait for), so hosts prepare in parallel and a change to
 * one project or node stays local to it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ControlPlane, controlPlaneFingerprint } from "../components/control-plane";
import { CoreDns, Ingress, Logging, Monitoring } from "../components/addons";
import { Calico } from "../components/network";
import { EtcdCluster } from "../components/etcd";
import { Host, type HostRef } from "../components/host";
import { Pki } from "../components/pki";
import { Project, ProjectAdmission } from "../components/project";
import { Registry } from "../components/registry";
import { GlusterStorage } from "../components/storage";
import { createWorkerNodes } from "../components/worker";
import { manifestImages } from "./artifacts/manifest";
import type { PlatformSpec, Role } from "./contract/spec";
import { etcdArgsFromSpec } from "./wiring/etcd";
import { projectArgsFromSpec, type ProjectParts } from "./wiring/projects";

/** Arguments of the Platform. */
export interface PlatformArgs {
  /** The validated stack config (see stacks/load.ts). */
  readonly spec: PlatformSpec;
}

/** The platform: every component of the cluster and its tenant projects. */
export class Platform extends pulumi.ComponentResource {
  /** Hosts by inventory name. */
  readonly hosts: ReadonlyMap<string, Host>;
  /** The stack outputs (see index.ts). */
  readonly outputs: Record<string, pulumi.Input<unknown>>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-platform:index:Platform", name, {}, opts);
    const { spec } = args;
    const privateKey = pulumi.secret(spec.ssh.privateKey ?? "");

    // --- hosts: SSH + baseline prep, all in parallel -------------------------------
    const hosts = new Map(
      spec.hosts.map((h) => [h.name, new Host(h.name, { host: h, spec, privateKey }, { parent: this })]),
    );
    this.hosts = hosts;
    const refs = (role: Role): HostRef[] =>
      spec.hosts.filter((h) => h.roles.includes(role)).map((h) => hosts.get(h.name) as Host);

    // --- PKI: CAs and every certificate; etcd: members, health gate, pre-change snapshot
    const pki = new Pki("pki", { spec }, { parent: this });
    const etcd = new EtcdCluster(
      "etcd",
      etcdArgsFromSpec(spec, {
        hosts: refs("etcd"),
        certs: {
          ca: pki.etcdCa,
          server: (host) => pki.etcdServer(host),
          peer: (host) => pki.etcdPeer(host),
          client: pki.etcdHealthcheckClient,
        },
        // Control-plane config and certificates (public halves): a change re-takes the snapshot first.
        controlPlaneTriggers: [
          controlPlaneFingerprint(spec),
          pki.apiserver.certPem,
          pki.apiserverEtcdClient.certPem,
          pki.apiserverKubeletClient.certPem,
        ],
      }),
      { parent: this },
    );

    // --- control plane: masters one at a time after the etcd snapshot, haproxy + keepalived
    // VIP, /readyz gate through the VIP; its provider is the one in-cluster resources use
    const controlPlane = new ControlPlane(
      "control-plane",
      {
        spec,
        masters: refs("master"),
        certs: {
          clusterCa: pki.clusterCaSigner,
          clusterCaBundle: pki.clusterCa,
          etcdCa: pki.etcdCa,
          frontProxyCa: pki.frontProxyCa,
          apiserver: pki.apiserver,
          apiserverKubeletClient: pki.apiserverKubeletClient,
          apiserverEtcdClient: pki.apiserverEtcdClient,
          frontProxyClient: pki.frontProxyClient,
          serviceAccount: pki.serviceAccount,
        },
        kubeconfigs: {
          admin: pki.adminKubeconfig,
          provider: pki.operatorKubeconfig,
          controllerManager: pki.kubeconfig(pki.controllerManager, { onMaster: true }),
          scheduler: pki.kubeconfig(pki.scheduler, { onMaster: true }),
        },
        etcdReady: [etcd.snapshot, etcd.healthy],
      },
      { parent: this },
    );

    // --- registry: Harbor active/standby on the registry hosts; none -> the external registry.
    // Before the nodes and Calico: their first image pulls go through it, so `registry.ready`
    // includes seeding the platform's images from the bundle (Calico and, after it, the
    // add-ons and the nodes' first pods wait for it).
    const registryHosts = refs("registry");
    const registry =
      registryHosts.length > 0
        ? new Registry(
            "registry",
            {
              spec,
              hosts: registryHosts,
              ca: pki.clusterCaSigner,
              // The artifact manifest's images, seeded into Harbor before the first pull.
              seedImages: manifestImages(spec).map((i) => `${i.repository}:${i.tag}`),
            },
            { parent: this },
          )
        : undefined;

    // --- nodes: containerd, kubelet, kube-proxy on every worker (and on masters when
    // workers.kubeletOnMasters), each after its own certificates and the control-plane gate,
    // never after another node; upgrades in batches; drains and labels from the first master
    const workers = createWorkerNodes(
      {
        spec,
        hosts,
        pki,
        gate: controlPlane.ready,
        provider: controlPlane.provider,
      },
      this,
    );

    // --- cluster network and add-ons (in-cluster, through the control plane's provider):
    // Calico first (pods need the CNI), then DNS, then the rest in parallel
    const provider = controlPlane.provider;
    // Calico's reflector label patches wait for the node's kubelet to register (its
    // `configured` step), never for its `ready` step, which waits for Calico itself.
    const configured = new Map(workers.nodes.map((n) => [n.nodeName, n.configured]));
    const calico = new Calico(
      "calico",
      {
        spec,
        provider,
        dependsOn: [controlPlane.ready, ...(registry?.ready ?? [])],
        opsHost: refs("master")[0],
        nodeRegistered: (node) => {
          const step = configured.get(node);
          return step ? [step] : [];
        },
      },
      { parent: this },
    );
    const dns = new CoreDns("coredns", { spec, provider, dependsOn: calico.ready }, { parent: this });
    const ingress = spec.addons.ingress.enabled
      ? new Ingress("ingress", { spec, provider, dependsOn: dns.resources }, { parent: this })
      : undefined;
    // --- storage: GlusterFS pool and dispersed volume on the storage hosts, its native
    // mount on every kubelet host (in parallel with the cluster); the provisioner and
    // StorageClass once the cluster runs DNS
    const storage = spec.storage.glusterfs
      ? new GlusterStorage(
          "storage",
          {
            spec,
            hosts: refs("storage"),
            clients: spec.topology.nodes.map((h) => hosts.get(h.name) as Host),
            provider,
            clusterReady: dns.resources,
          },
          { parent: this },
        )
      : undefined;

    // Monitoring and logging claim volumes: they wait for the StorageClass (else their PVCs
    // would sit Pending, or bind to nothing, on a first rollout).
    const volumes = storage?.storageClassReady ?? [];
    const uiGate = [...dns.resources, ...(ingress ? [ingress.release] : []), ...volumes];
    const monitoring = spec.addons.monitoring.enabled
      ? new Monitoring("monitoring", { spec, provider, dependsOn: uiGate }, { parent: this })
      : undefined;
    const logging = spec.addons.logging.enabled
      ? new Logging("logging", { spec, provider, dependsOn: uiGate }, { parent: this })
      : undefined;

    // --- projects: one tenant bundle per projects[] entry, independent of each other (no
    // project depends on another, so adding one adds only its own resources); pull
    // credentials are the project's Harbor robot account, else the shared registry account.
    // The admission policies come first: no member is bound before the boundary holds.
    const admission = new ProjectAdmission("projects", { provider }, { parent: this });
    const projectParts: ProjectParts = {
      provider,
      credentials: registry
        ? Object.fromEntries(
            Object.entries(registry.robots).map(([p, robot]) => [p, { server: registry.server, ...robot }]),
          )
        : undefined,
      ingressReady: ingress ? [ingress.release] : undefined,
      boundary: admission.bindings,
    };
    const projects = spec.projects.map(
      (p) => [p.name, new Project(p.name, projectArgsFromSpec(spec, p, projectParts), { parent: this })] as const,
    );
    const accessKeys = Object.fromEntries(
      projects.flatMap(([name, p]) => (p.accessKeyToken ? [[name, p.accessKeyToken] as const] : [])),
    );

    this.outputs = {
      apiserverEndpoint: spec.endpoints.apiserver,
      // What runs after this update: the next change is checked against it (one minor at a time).
      versions: { kubernetes: spec.versions.kubernetes, etcd: spec.versions.etcd },
      adminKubeconfig: pki.operatorKubeconfig,
      clusterCaCertPem: pki.clusterCa.certPem,
      etcdClientUrls: etcd.clientUrls,
      nodes: spec.hosts.map((h) => ({ name: h.name, address: h.address, roles: h.roles })),
      // Per project, its namespace (plain); the access keys apart, as one secret map, so the
      // namespaces stay readable in `pulumi stack output`.
      projects: Object.fromEntries(projects.map(([name, p]) => [name, p.namespace])),
      projectAccessKeys: pulumi.secret(pulumi.output(accessKeys)),
      routeReflectors: calico.topology.reflectors,
      ...(storage ? { storageClass: spec.storage.glusterfs?.storageClass.name } : {}),
      ...(monitoring ? { grafanaAdminPassword: monitoring.grafanaAdminPassword } : {}),
      ...(logging?.dashboardsPassword ? { dashboardsPassword: logging.dashboardsPassword } : {}),
      ...(registry
        ? {
            registry: { server: registry.server, vip: registry.vip ?? null },
            registryAdminPassword: registry.adminPassword,
            ...(registry.imagesPusher ? { registryImagesPusher: pulumi.secret(registry.imagesPusher) } : {}),
          }
        : {}),
    };
    this.registerOutputs(this.outputs);
  }
}
