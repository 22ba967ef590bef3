/**
 * Resources for the policy tests, made by the program's own renderers wherever one
 * exists, so "compliant" means what the components really render.
 */
import {
  renderAuditPolicy,
  renderAuthenticationConfig,
  renderEncryptionConfig,
} from "../../components/control-plane/renderSecurity";
import { renderApiServerUnit } from "../../components/control-plane/renderApiserver";
import { renderControllerManagerUnit, renderSchedulerUnit } from "../../components/control-plane/renderControllers";
import { renderControlPlaneBundle } from "../../components/control-plane/files";
import { keepalivedConfigFor, renderKeepalivedConfig } from "../../components/control-plane/renderKeepalived";
import { planEtcd, renderEtcdFlags, renderEtcdUnit } from "../../components/etcd/render";
import { renderKubeconfig } from "../../components/pki/kubeconfig";
import { projectFacts, renderLimitRange, renderNamespace, renderResourceQuota } from "../../components/project/render";
import { renderNetworkPolicies } from "../../components/project/renderNetwork";
import { renderDockerConfigJson, renderPullSecret } from "../../components/project/renderRegistry";
import { renderStorageClass } from "../../components/storage/kube";
import { brickHosts, planVolume, renderVolumeScript } from "../../components/storage/render";
import { loadOrThrow } from "../../stacks/contract/load";
import type { PlatformSpec, ProjectConfig } from "../../stacks/contract/spec";
import type { PolicyResource, StackView } from "../../policies/rules";
import { prodConfig } from "../support/config";

/** The prod spec. */
export const spec: PlatformSpec = loadOrThrow(prodConfig()).spec;

/** A PEM-looking private key (the rules only look at its armour). */
export const FAKE_KEY =
  "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";
const FAKE_CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

/** A resource with a test URN. */
export function resource(type: string, name: string, props: Record<string, unknown>): PolicyResource {
  return { urn: `urn:pulumi:test::k8s-platform::${type}::${name}`, type, name, props };
}

const connection = (host: string) => ({ host, port: 22, user: "root", privateKey: { $secret: FAKE_KEY } });

/** A remote.Command on `host` running `stdin` (a secret when `secret`). */
export function command(name: string, host: string, stdin: string, secret = false): PolicyResource {
  return resource("command:remote:Command", name, {
    connection: connection(host),
    create: "sudo bash -s",
    stdin: secret ? { $secret: stdin } : stdin,
  });
}

/** A remote.CopyToRemote of `text` to `remotePath` on `host`. */
export function copy(name: string, host: string, remotePath: string, text: string, secret = false): PolicyResource {
  const source = { $asset: text };
  return resource("command:remote:CopyToRemote", name, {
    connection: connection(host),
    remotePath,
    source: secret ? { $secret: source } : source,
  });
}

/** A Kubernetes resource from a rendered object. */
export function kube(type: string, name: string, object: object): PolicyResource {
  return resource(type, name, JSON.parse(JSON.stringify(object)) as Record<string, unknown>);
}

/** A view over resources (secrets marked, as offline). */
export function view(resources: readonly PolicyResource[], secretsMarked = true): StackView {
  return { resources, secretsMarked };
}

const ENCRYPTION_KEY = { name: "key1", secretBase64: Buffer.alloc(32, 7).toString("base64") };

/** The control-plane files of one master, by the control-plane renderers. */
export function controlPlaneFiles(master = spec.topology.masters[0]): Record<string, string> {
  return {
    apiserverUnit: renderApiServerUnit(spec, master),
    controllerManagerUnit: renderControllerManagerUnit(spec),
    schedulerUnit: renderSchedulerUnit(),
    authenticationConfig: renderAuthenticationConfig(spec.versions.kubernetes),
    encryptionConfig: renderEncryptionConfig([ENCRYPTION_KEY]),
    auditPolicy: renderAuditPolicy(),
    adminKubeconfig: kubeconfig("https://127.0.0.1:6443", "admin"),
  };
}

/** A kubeconfig with an embedded (fake) client key. */
export function kubeconfig(server: string, user: string): string {
  return renderKubeconfig({
    clusterName: spec.cluster.name,
    server,
    user,
    caPem: FAKE_CERT,
    certPem: FAKE_CERT,
    keyPem: FAKE_KEY,
  });
}

/** The control plane of one master: its bundle (a secret: keys and the encryption key) and keepalived.conf. */
export function controlPlaneOf(master = spec.topology.masters[0], files = controlPlaneFiles(master)): PolicyResource[] {
  return [
    command(`control-plane-${master.name}-install`, master.address, renderControlPlaneBundle(files), true),
    copy(
      `control-plane-${master.name}-keepalived`,
      master.address,
      "/etc/keepalived/keepalived.conf",
      renderKeepalivedConfig(keepalivedConfigFor(spec, master)),
    ),
  ];
}

/** etcd member units, one CopyToRemote each (optionally only the first `count` members, flags edited). */
export function etcdUnits(
  count = spec.topology.etcd.length,
  edit: (flags: string[]) => string[] = (f) => f,
): PolicyResource[] {
  const plan = planEtcd(spec);
  return plan.members
    .slice(0, count)
    .map((m) =>
      copy(
        `etcd-${m.name}-etcd.service`,
        m.address,
        "/var/lib/k8s-platform/etcd/etcd.service",
        renderEtcdUnit(m, edit(renderEtcdFlags(spec, plan, m))),
      ),
    );
}

/** A worker's credentials (kubelet kubeconfig) pointing at `server`. */
export function workerCredentials(
  server = spec.endpoints.apiserver,
  worker = spec.topology.workers[0],
): PolicyResource {
  const kc = kubeconfig(server, `system:node:${worker.name}`);
  const b64 = Buffer.from(kc).toString("base64");
  return command(
    `${worker.name}-credentials`,
    worker.address,
    `NODE_FILES='kubelet 0600 /etc/kubernetes/kubelet.conf ${b64}'\n`,
    true,
  );
}

/** The whole compliant cluster: etcd, two masters with their VIP, one worker. */
export function cluster(): PolicyResource[] {
  return [...etcdUnits(), ...spec.topology.masters.flatMap((m) => controlPlaneOf(m)), workerCredentials()];
}

/** The prod project `name`. */
export function project(name = "search-web"): ProjectConfig {
  const p = spec.projects.find((x) => x.name === name);
  if (!p) throw new Error(`no project ${name}`);
  return p;
}

/** A project's namespace bundle as the Project component renders it. */
export function projectBundle(p = project(), withPullSecret = true): PolicyResource[] {
  const facts = projectFacts(spec);
  const out = [
    kube("kubernetes:core/v1:Namespace", `${p.name}-namespace`, renderNamespace(p, facts)),
    kube("kubernetes:core/v1:ResourceQuota", `${p.name}-quota`, renderResourceQuota(p)),
    kube("kubernetes:core/v1:LimitRange", `${p.name}-limits`, renderLimitRange(p)),
    ...renderNetworkPolicies(p, facts).map((np) =>
      kube("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${p.name}-${np.metadata.name}`, np),
    ),
  ];
  if (withPullSecret) {
    const secret = {
      ...renderPullSecret(p, ""),
      stringData: {
        ".dockerconfigjson": {
          $secret: renderDockerConfigJson([
            { server: spec.endpoints.registry, username: "robot", password: "pw-123456" },
          ]),
        },
      },
    };
    out.push(
      resource(
        "kubernetes:core/v1:Secret",
        `${p.name}-registry-pull`,
        JSON.parse(JSON.stringify(secret)) as Record<string, unknown>,
      ),
    );
  }
  return out;
}

/** A compliant Deployment in `namespace`; `edit` changes its pod spec / container. */
export function deployment(
  namespace: string,
  name = "web",
  edit: (pod: Record<string, unknown>, container: Record<string, unknown>) => void = () => undefined,
): PolicyResource {
  const container: Record<string, unknown> = {
    name: "app",
    image: `${spec.endpoints.registry}/${namespace}/web:1.4.2`,
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
    securityContext: { allowPrivilegeEscalation: false },
  };
  const pod: Record<string, unknown> = { containers: [container] };
  edit(pod, container);
  return kube("kubernetes:apps/v1:Deployment", `${namespace}-${name}`, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod } },
  });
}

/** An Ingress in `namespace` serving `hosts` (TLS for `tls` hosts). */
export function ingress(
  namespace: string,
  name: string,
  hosts: readonly string[],
  tls: readonly string[] = hosts,
): PolicyResource {
  return kube("kubernetes:networking.k8s.io/v1:Ingress", `${namespace}-${name}`, {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace },
    spec: {
      rules: hosts.map((host) => ({
        ...(host === "" ? {} : { host }),
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }] },
      })),
      ...(tls.length > 0 ? { tls: [{ hosts: [...tls], secretName: `${name}-tls` }] } : {}),
    },
  });
}

function glusterConfig() {
  const gluster = spec.storage.glusterfs;
  if (!gluster) throw new Error("the prod stack has storage.glusterfs");
  return gluster;
}

/** The Gluster volume command for a geometry, by the storage renderer. */
export function volumeCommand(
  disperse = glusterConfig().disperse,
  redundancy = glusterConfig().redundancy,
): PolicyResource {
  const gluster = { ...glusterConfig(), disperse, redundancy };
  const nodes = spec.topology.nodes.map((h) => h.address);
  const script = renderVolumeScript(planVolume(gluster, brickHosts(spec.topology.storage), nodes));
  return command("storage-volume", spec.topology.storage[0].address, script);
}

/** The StorageClass with a reclaim policy, by the storage renderer. */
export function storageClass(reclaimPolicy: "Retain" | "Delete" = "Retain"): PolicyResource {
  const gluster = { ...glusterConfig(), storageClass: { ...glusterConfig().storageClass, reclaimPolicy } };
  return kube("kubernetes:storage.k8s.io/v1:StorageClass", "glusterfs", renderStorageClass(gluster));
}
