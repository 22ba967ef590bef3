import { strict as assert } from "node:assert";
import { renderKubePrometheusStackValues } from "../../components/addons/render/monitoring";
import { renderUiAuth } from "../../components/addons/render/uiAuth";
import { load } from "../../stacks/contract/load";
import type { Graph, RecordedResource } from "../../stacks/plan/run";
import { runProgram } from "../../stacks/plan/run";
import { clone, prodConfig } from "../support/config";
import { specOf } from "../network/fixtures";
import { fullRaw, fullSpec } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
type Json = any;

describe("add-ons: the published UIs ask for a login", function () {
  this.timeout(300000);
  let graph: Graph;
  before(async () => {
    graph = await runProgram(fullRaw());
  });
  const find = (type: string, name: string) =>
    graph.resources.find((r) => r.type === type && (r.inputs.metadata as Json)?.name === name) as RecordedResource;

  it("puts traefik's BasicAuth middleware in front of Dashboards, with a generated password as a bcrypt htpasswd Secret", () => {
    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "dashboards");
    assert.equal(
      (ingress.inputs.metadata as Json).annotations["traefik.ingress.kubernetes.io/router.middlewares"],
      "logging-dashboards-auth@kubernetescrd",
    );
    const middleware = find("kubernetes:traefik.io/v1alpha1:Middleware", "dashboards-auth");
    assert.deepEqual((middleware.inputs.spec as Json).basicAuth, {
      secret: "dashboards-basic-auth",
      realm: "dashboards",
      removeHeader: true,
    });
    const secret = find("kubernetes:core/v1:Secret", "dashboards-basic-auth");
    assert.ok("$secret" in (secret.inputs.stringData as object), "the htpasswd line stays secret");
    const password = graph.resources.find(
      (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "logging-dashboards-auth",
    );
    assert.ok(password && secret.dependencies.includes(password.urn), "made from the generated password");
    for (const dep of [secret.urn, middleware.urn]) assert.ok(ingress.dependencies.includes(dep));
    assert.ok("$secret" in (graph.outputs.dashboardsPassword as object), "the password is a secret stack output");
  });

  it("keeps Grafana behind its own login: no anonymous access, no sign-up", () => {
    const values = renderKubePrometheusStackValues(fullSpec()) as Json;
    assert.deepEqual(values.grafana["grafana.ini"], {
      "auth.anonymous": { enabled: false },
      users: { allow_sign_up: false },
    });
    assert.equal(values.grafana.admin.existingSecret, "grafana-admin");
  });

  it("uses ingress-nginx's auth annotations with that controller", () => {
    const raw = fullRaw();
    (raw.addons as { ingress: Record<string, unknown> }).ingress.controller = "ingress-nginx";
    const auth = renderUiAuth(specOf(raw), "logging", "dashboards");
    assert.deepEqual(auth.annotations, {
      "nginx.ingress.kubernetes.io/auth-type": "basic",
      "nginx.ingress.kubernetes.io/auth-secret": "dashboards-basic-auth",
      "nginx.ingress.kubernetes.io/auth-realm": "dashboards",
    });
    assert.equal(auth.secretKey, "auth");
    assert.deepEqual(auth.objects, []);
  });

  it("refuses a published UI without the ingress controller, naming the key", () => {
    const raw = clone(prodConfig());
    const addons = raw.addons as Record<string, Record<string, unknown>>;
    addons.ingress = { ...addons.ingress, enabled: false };
    addons.logging = { ...addons.logging, dashboardsHost: "logs.example.com" };
    const result = load(raw);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.errors.some((e) => e.path === "addons.logging.dashboardsHost"));
  });
});
