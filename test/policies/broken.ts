/**
 * A deliberately broken copy of the prod graph: each edit breaks one rule on one known
 * resource, so tests can assert exactly which violations the pack reports, and where.
 */
import assert from "node:assert/strict";
import type { Graph, RecordedResource } from "../../stacks/plan/run";
import { clone } from "../support/config";
import { deployment } from "./fixtures";

/** A copy of the graph with some resources edited, dropped or added. */
export function editGraph(
  graph: Graph,
  edit: (resources: RecordedResource[]) => RecordedResource[],
  outputs = graph.outputs,
): Graph {
  const resources = edit(clone(graph.resources) as RecordedResource[]);
  return { ...graph, resources, byUrn: new Map(resources.map((r) => [r.urn, r])), outputs };
}

function named(resources: RecordedResource[], pattern: RegExp): RecordedResource {
  const r = resources.find((x) => pattern.test(x.name));
  if (!r) throw new Error(`no resource named like ${pattern} in the prod graph`);
  return r;
}

/** Rewrites one base64 file of a bundle ("MODE PATH B64" lines) inside a text. */
function editBundledFile(text: string, path: string, edit: (content: string) => string): string {
  let hit = false;
  const out = text
    .split("\n")
    .map((line) => {
      const m = /^(.*0[0-7]{3} )(\S+) ([A-Za-z0-9+/=]+)(['"]?)$/.exec(line);
      if (!m || m[2] !== path) return line;
      hit = true;
      return `${m[1]}${m[2]} ${Buffer.from(edit(Buffer.from(m[3], "base64").toString("utf8"))).toString("base64")}${m[4]}`;
    })
    .join("\n");
  assert.ok(hit, `no bundled ${path}`);
  return out;
}

/** The broken graph, and per broken policy the URN its violation must name (plus apiserver-behind-vip on the stack outputs). */
export function brokenProd(prod: Graph): { graph: Graph; urns: Record<string, string> } {
  const urns: Record<string, string> = {};
  const graph = editGraph(
    prod,
    (rs) => {
      // etcd: member etcd-1 without client cert auth; etcd-3's unit gone (2 members).
      const unit = named(rs, /^etcd-etcd-1-etcd\.service$/);
      const source = unit.inputs.source as { $asset: string };
      assert.match(source.$asset, /--client-cert-auth=true/);
      (unit.inputs as Record<string, unknown>).source = {
        $asset: source.$asset.replace("--client-cert-auth=true", "--client-cert-auth=false"),
      };
      urns["etcd-cert-auth"] = unit.urn;
      urns["etcd-quorum"] = unit.urn;
      const withoutEtcd3 = rs.filter((r) => r.name !== "etcd-etcd-3-etcd.service");
      // apiserver on master-1 with AlwaysAllow, inside its (reviewable) config bundle.
      const bundle = named(withoutEtcd3, /control-plane-master-1-config$/);
      const text = (bundle.inputs.source as { $asset: string }).$asset;
      assert.equal(typeof text, "string", "the config bundle is a plain asset");
      const edited = editBundledFile(text, "/etc/systemd/system/kube-apiserver.service", (unitText) =>
        unitText.replace("--authorization-mode=Node,RBAC", "--authorization-mode=AlwaysAllow"),
      );
      (bundle.inputs as Record<string, unknown>).source = { $asset: edited };
      urns["control-plane-flags"] = bundle.urn;
      // The search-web project loses its quota.
      const quota = named(withoutEtcd3, /^search-web-quota$/);
      urns["project-isolation"] = (
        withoutEtcd3.find(
          (r) => r.type === "kubernetes:core/v1:Namespace" && /search-web/.test(r.name),
        ) as RecordedResource
      ).urn;
      // etcd-1's server key copied without the secret mark.
      const keyCopy = named(withoutEtcd3, /^etcd-etcd-1-server\.key$/);
      const keySource = keyCopy.inputs.source as { $secret: unknown };
      assert.ok("$secret" in keySource, "the key copy is a secret in the prod graph");
      (keyCopy.inputs as Record<string, unknown>).source = keySource.$secret;
      urns["secrets-not-plaintext"] = keyCopy.urn;
      // A privileged Docker Hub workload in search-web.
      const d = deployment("search-web", "miner", (_p, c) => {
        c.image = "docker.io/library/miner:2";
        (c.securityContext as Record<string, unknown>).privileged = true;
      });
      const workload: RecordedResource = {
        ...clone(quota),
        urn: d.urn,
        type: d.type,
        name: d.name,
        inputs: d.props,
        dependencies: [],
      };
      urns["workload-no-privileged"] = d.urn;
      urns["workload-image-registry"] = d.urn;
      return [...withoutEtcd3.filter((r) => r !== quota), workload];
    },
    {
      ...prod.outputs,
      adminKubeconfig: {
        $secret: String((prod.outputs.adminKubeconfig as { $secret: string }).$secret).replace(
          "https://10.10.1.20:8443",
          "https://10.10.1.21:6443",
        ),
      },
    },
  );
  return { graph, urns };
}
