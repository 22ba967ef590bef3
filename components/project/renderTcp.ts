/**
 * Pure renderer of a project's TCP entry points (the source's tcp mode, `projects[].tcp`).
 * With traefik each port is an IngressRouteTCP in the project's own namespace, bound to the
 * controller's `tcp-<port>` entry point and to a Service of the same namespace (no
 * `namespace` field: traefik resolves it in the route's namespace, and cross-namespace
 * references are off). ingress-nginx has no route object: its `tcp` map in the
 * controller's values carries the same ports (components/addons/render/ingress.ts).
 */
import { projectTcpRoutes, tcpEntryPoint } from "../../stacks/contract/schema/projects";
import type { ProjectSettings } from "./settings";
import { meta } from "./render";
import type { ObjectMeta } from "./types";

/** traefik's IngressRouteTCP (traefik.io/v1alpha1), the fields this program sets. */
export interface IngressRouteTcp {
  apiVersion: "traefik.io/v1alpha1";
  kind: "IngressRouteTCP";
  metadata: ObjectMeta;
  spec: {
    entryPoints: string[];
    routes: { match: string; services: { name: string; port: number }[] }[];
  };
}

/**
 * One IngressRouteTCP per port, named after the port. `HostSNI(\`*\`)` is traefik's
 * catch-all for plain TCP; the entry point belongs to this project alone (the loader gives
 * a port to one project, the route admission policy holds it to that).
 */
export function renderTcpRoutes(project: ProjectSettings): IngressRouteTcp[] {
  return projectTcpRoutes(project).map((route) => ({
    apiVersion: "traefik.io/v1alpha1",
    kind: "IngressRouteTCP",
    metadata: meta(project, tcpEntryPoint(route.port)),
    spec: {
      entryPoints: [tcpEntryPoint(route.port)],
      routes: [{ match: "HostSNI(`*`)", services: [{ name: route.service, port: route.servicePort }] }],
    },
  }));
}
