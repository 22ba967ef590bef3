/** The kubeconfig renderer and the admin kubeconfig the program outputs. */
import { strict as assert } from "node:assert";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { parse } from "yaml";
import { renderKubeconfig } from "../../components/pki/kubeconfig";
import { runProgram, type Graph } from "../../stacks/plan/run";
import { prodConfig } from "../support/config";
import { issuedCa, issuedLeaf } from "./issued";

type Kubeconfig = {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  "current-context": string;
};
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

describe("kubeconfig", function () {
  this.timeout(120_000);

  it("renders one cluster, user and current context with embedded PEMs", () => {
    const text = renderKubeconfig({
      clusterName: "prod",
      server: "https://127.0.0.1:6443",
      user: "system:kube-scheduler",
      caPem: "CA\n",
      certPem: "CERT\n",
      keyPem: "KEY\n",
    });
    const k = parse(text) as Kubeconfig;
    assert.equal(k.apiVersion, "v1");
    assert.equal(k.kind, "Config");
    assert.deepEqual(k.clusters, [
      {
        name: "prod",
        cluster: {
          server: "https://127.0.0.1:6443",
          "certificate-authority-data": Buffer.from("CA\n").toString("base64"),
        },
      },
    ]);
    assert.equal(unb64(k.users[0].user["client-certificate-data"]), "CERT\n");
    assert.equal(unb64(k.users[0].user["client-key-data"]), "KEY\n");
    assert.deepEqual(k.contexts, [
      { name: "system:kube-scheduler@prod", context: { cluster: "prod", user: "system:kube-scheduler" } },
    ]);
    assert.equal(k["current-context"], "system:kube-scheduler@prod");
  });

  describe("the admin kubeconfig stack output", () => {
    let graph: Graph;
    before(async () => {
      graph = await runProgram(prodConfig());
    });

    it("is a secret that reaches the apiserver through the VIP as kubernetes-admin (system:masters)", () => {
      const output = graph.outputs.adminKubeconfig as { $secret?: string };
      assert.equal(typeof output.$secret, "string", "adminKubeconfig must be a secret string");
      const k = parse(output.$secret as string) as Kubeconfig;
      assert.equal(k.clusters[0].cluster.server, "https://10.10.1.20:8443");
      assert.equal(unb64(k.clusters[0].cluster["certificate-authority-data"]), issuedCa(graph, "cluster-ca").certPem);
      const admin = issuedLeaf(graph, "admin");
      const cert = new X509Certificate(unb64(k.users[0].user["client-certificate-data"]));
      assert.equal(cert.subject, "O=system:masters\nCN=kubernetes-admin");
      assert.equal(cert.fingerprint256, admin.cert.fingerprint256);
      const key = createPrivateKey(unb64(k.users[0].user["client-key-data"]));
      assert.ok(cert.checkPrivateKey(key), "the embedded key belongs to the embedded certificate");
      assert.ok(cert.publicKey.equals(createPublicKey(key)));
      // The apiserver serving certificate verifies under the embedded CA for the server name used.
      const serving = issuedLeaf(graph, "apiserver").cert;
      assert.ok(serving.checkIssued(new X509Certificate(unb64(k.clusters[0].cluster["certificate-authority-data"]))));
      assert.equal(serving.checkIP("10.10.1.20"), "10.10.1.20");
    });
  });
});
