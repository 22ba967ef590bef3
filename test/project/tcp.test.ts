/**
 * Per-project TCP entry points on the rendered objects: the project's route, the
 * controller's entry points and tcp map, and the seam between the loader's reserved ports
 * and the ports the controller really listens on.
 */
import { strict as assert } from "node:assert";
import { renderIngressNginxValues, renderTraefikValues, tcpRoutes } from "../../components/addons/render/ingress";
import { renderNamespace } from "../../components/project/render";
import { renderTcpRoutes } from "../../components/project/renderTcp";
import { reservedTcpPorts } from "../../stacks/contract/rules/projects";
import type { PlatformSpec } from "../../stacks/contract/spec";
import { loadOrThrow } from "../../stacks/contract/load";
import { clone, prodConfig } from "../support/config";
import { prodSpec, projectFacts } from "./fixtures";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests edit config paths

/** Prod with a second project port and the given ingress settings. */
function withPorts(ingress: Record<string, unknown> = {}): PlatformSpec {
  const raw = clone(prodConfig()) as Raw;
  raw.projects.find((p: Raw) => p.name === "data-pipeline").tcp = { "15432": "pg:5432", "16379": "cache:6379" };
  raw.addons.ingress = { ...raw.addons.ingress, ...ingress };
  return loadOrThrow(raw).spec;
}

/** traefik's chart-default entry points our values do not override (traefik/traefik-helm-chart@v41.3.0 values.yaml `ports`). */
const TRAEFIK_CHART_PORTS = { traefik: 8080, metrics: 9100 };
/** ingress-nginx's host ports with hostNetwork (kubernetes/ingress-nginx@helm-chart-4.15.1 values.yaml, controller flags). */
const INGRESS_NGINX_PORTS = [80, 443, 8443, 8181, 10254, 10245, 10246, 10247];

describe("project TCP ports", () => {
  const spec = withPorts();

  it("each port is an IngressRouteTCP in the project's namespace, to a Service of that namespace", () => {
    const pipeline = spec.projects.find((p) => p.name === "data-pipeline");
    assert.ok(pipeline);
    assert.deepEqual(renderTcpRoutes(pipeline), [
      {
        apiVersion: "traefik.io/v1alpha1",
        kind: "IngressRouteTCP",
        metadata: {
          name: "tcp-15432",
          namespace: "data-pipeline",
          labels: { "k8s-platform.io/project": "data-pipeline", "app.kubernetes.io/managed-by": "k8s-platform" },
        },
        spec: {
          entryPoints: ["tcp-15432"],
          routes: [{ match: "HostSNI(`*`)", services: [{ name: "pg", port: 5432 }] }],
        },
      },
      {
        apiVersion: "traefik.io/v1alpha1",
        kind: "IngressRouteTCP",
        metadata: {
          name: "tcp-16379",
          namespace: "data-pipeline",
          labels: { "k8s-platform.io/project": "data-pipeline", "app.kubernetes.io/managed-by": "k8s-platform" },
        },
        spec: {
          entryPoints: ["tcp-16379"],
          routes: [{ match: "HostSNI(`*`)", services: [{ name: "cache", port: 6379 }] }],
        },
      },
    ]);
    for (const r of renderTcpRoutes(pipeline))
      assert.ok(!("namespace" in r.spec.routes[0].services[0]), "no cross-namespace service");
  });

  it("the namespace records the ports the project was given (the admission policy's input)", () => {
    const facts = projectFacts(spec);
    const annotations = (name: string) =>
      renderNamespace(spec.projects.find((p) => p.name === name) as never, facts).metadata.annotations ?? {};
    assert.equal(annotations("data-pipeline")["k8s-platform.io/tcp-ports"], "15432,16379");
    assert.equal(annotations("search-api")["k8s-platform.io/tcp-ports"], "6379");
    assert.equal(annotations("news-feed")["k8s-platform.io/tcp-ports"], undefined, "absent when unused");
  });

  it("traefik gets one entry point per port, exposed, and only web/websecure are default entry points", () => {
    const ports = renderTraefikValues(spec).ports as Record<
      string,
      { port: number; exposedPort: number; asDefault?: boolean }
    >;
    // Besides the TCP ports: web/websecure, and traefik's own ping (traefik) and metrics ports.
    assert.deepEqual(Object.keys(ports).sort(), [
      "metrics",
      "tcp-15432",
      "tcp-16379",
      "tcp-6379",
      "traefik",
      "web",
      "websecure",
    ]);
    for (const name of ["tcp-15432", "tcp-16379", "tcp-6379"]) {
      assert.equal(ports[name].port, Number(name.slice(4)));
      assert.equal(ports[name].exposedPort, Number(name.slice(4)));
      assert.equal(ports[name].asDefault, undefined);
    }
    assert.equal(ports.web.asDefault, true);
    assert.equal(ports.websecure.asDefault, true);
    const crd = (renderTraefikValues(spec).providers as { kubernetesCRD: { allowCrossNamespace: boolean } })
      .kubernetesCRD;
    assert.equal(crd.allowCrossNamespace, false);
  });

  it("ingress-nginx gets the same ports in its tcp map, namespaced by project", () => {
    const values = renderIngressNginxValues(withPorts({ controller: "ingress-nginx" }));
    assert.deepEqual(values.tcp, {
      "6379": "search-api/redis:6379",
      "15432": "data-pipeline/pg:5432",
      "16379": "data-pipeline/cache:6379",
    });
    assert.deepEqual(
      tcpRoutes(spec).map((r) => r.port),
      [6379, 15432, 16379],
    );
  });

  it("the loader reserves every port the controllers themselves listen on (both controllers, both exposures)", () => {
    const reserved = reservedTcpPorts(prodSpec().apiserver.port);
    const taken = (port: number) => reserved.some((r) => port >= r.from && port <= r.to);
    for (const exposure of ["hostNetwork", "LoadBalancer"]) {
      const ports = renderTraefikValues(withPorts({ exposure })).ports as Record<
        string,
        { port: number; exposedPort?: number }
      >;
      for (const [name, p] of Object.entries(ports)) {
        if (name.startsWith("tcp-")) continue;
        assert.ok(
          taken(p.port) && (p.exposedPort === undefined || taken(p.exposedPort)),
          `${exposure} ${name}: ${p.port}/${p.exposedPort} not reserved`,
        );
      }
    }
    for (const port of [...Object.values(TRAEFIK_CHART_PORTS), ...INGRESS_NGINX_PORTS])
      assert.ok(taken(port), `${port} not reserved`);
    // And the nodes' own services on the edge hosts: kubelet, kube-proxy, node-exporter, Calico.
    for (const port of [10250, 10256, 10249, 9100, 9099, 179, 22]) assert.ok(taken(port), `${port} not reserved`);
  });
});
