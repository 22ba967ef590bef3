import { strict as assert } from "node:assert";
import { parse } from "yaml";
import {
  HARBOR_PATHS,
  HARBOR_REQUIRED_KEYS,
  harborConfigVersion,
  installerMd5Url,
  installerUrl,
  registryAddress,
  renderApiCommand,
  renderHarborUnit,
  renderHarborYml,
  renderInstallScript,
  renderKeepalivedConf,
  robotUsername,
} from "../../components/registry/render";
import { keepalivedInput, prodSpec } from "./fixtures";

/** The value at a dotted key path, or undefined. */
function at(doc: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
      doc,
    );
}

const input = {
  hostname: "reg.example.internal",
  httpsPort: 443,
  version: "2.14.4",
  dataDir: "/data/harbor",
  adminPassword: "Adm1nPassw0rdXyz",
  databasePassword: `db"pa:ss'#{}`,
};

describe("registry: harbor.yml", () => {
  const doc = parse(renderHarborYml(input)) as Record<string, unknown>;

  it("parses as YAML and carries every key Harbor's prepare requires", () => {
    const missing = HARBOR_REQUIRED_KEYS.filter((k) => at(doc, k) === undefined || at(doc, k) === null);
    assert.deepEqual(missing, []);
  });

  it("lists the keys prepare reads without a default", () => {
    for (const key of [
      "hostname",
      "data_volume",
      "harbor_admin_password",
      "jobservice.max_job_workers",
      "notification.webhook_job_max_retry",
      "log.level",
      "https.certificate",
      "https.private_key",
    ]) {
      assert.ok(HARBOR_REQUIRED_KEYS.includes(key), key);
    }
  });

  it("carries the passwords verbatim (YAML-quoted where needed) and the https files", () => {
    assert.equal(at(doc, "harbor_admin_password"), input.adminPassword);
    assert.equal(at(doc, "database.password"), input.databasePassword);
    assert.equal(at(doc, "https.certificate"), HARBOR_PATHS.tlsCert);
    assert.equal(at(doc, "https.private_key"), HARBOR_PATHS.tlsKey);
    assert.equal(at(doc, "hostname"), "reg.example.internal");
    assert.equal(at(doc, "data_volume"), "/data/harbor");
    assert.equal(at(doc, "http"), undefined, "https only: no plain http listener");
  });

  it("sets _version to the release's minor (what the migrator expects)", () => {
    assert.equal(at(doc, "_version"), "2.14.0");
    assert.equal(harborConfigVersion("2.13.3"), "2.13.0");
  });

  it("uses a valid log level and rotation", () => {
    assert.ok(["debug", "info", "warning", "error", "fatal"].includes(at(doc, "log.level") as string));
    assert.equal(at(doc, "log.local.rotate_count"), 50);
    assert.equal(at(doc, "log.local.rotate_size"), "200M");
  });

  it("trusts the registry CA in every Harbor component (replication to the peer verifies TLS)", () => {
    assert.equal(at(doc, "storage_service.ca_bundle"), HARBOR_PATHS.caCert);
  });
});

describe("registry: addresses, installer, unit", () => {
  const spec = prodSpec();

  it("derives the Harbor hostname and port from endpoints.registry", () => {
    assert.deepEqual(registryAddress(spec), { hostname: "reg.example.internal", port: 443 });
    assert.deepEqual(registryAddress({ endpoints: { ...spec.endpoints, registry: "reg.x:8443" } }), {
      hostname: "reg.x",
      port: 8443,
    });
  });

  it("downloads the offline installer from the mirror's GitHub release layout", () => {
    assert.equal(
      installerUrl("https://m/releases", "2.14.4"),
      "https://m/releases/github.com/goharbor/harbor/releases/download/v2.14.4/harbor-offline-installer-v2.14.4.tgz",
    );
    assert.equal(
      installerMd5Url("https://m", "2.14.4"),
      "https://m/github.com/goharbor/harbor/releases/download/v2.14.4/md5sum",
    );
  });

  it("renders the install script with the pinned sha256 when configured, else the md5 fallback", () => {
    const plain = renderInstallScript(spec, { certPem: "CERT", caPem: "CA" });
    assert.match(plain, /^HARBOR_INSTALLER_SHA256=''$/m);
    assert.match(plain, /^HARBOR_VERSION=2\.14\.4$/m);
    const pinned = renderInstallScript(
      { ...spec, registry: { ...spec.registry, installerSha256: "a".repeat(64) } },
      { certPem: "C", caPem: "A" },
    );
    assert.match(pinned, new RegExp(`^HARBOR_INSTALLER_SHA256=${"a".repeat(64)}$`, "m"));
  });

  it("brings compose up at boot after docker", () => {
    const unit = renderHarborUnit();
    assert.match(unit, /^Requires=docker\.service$/m);
    assert.match(unit, /^ExecStart=\/usr\/bin\/docker compose -f \/opt\/harbor\/docker-compose\.yml up -d/m);
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
  });

  it("keeps the VIP config unicast, nopreempt, with the health check tracked", () => {
    const conf = renderKeepalivedConf(keepalivedInput(spec, "eth0"));
    assert.match(conf, /unicast_src_ip 10\.10\.4\.11/);
    assert.match(conf, /unicast_peer \{\n\s+10\.10\.4\.12\n\s+\}/);
    assert.match(conf, /10\.10\.4\.10\/24 dev eth0/);
    assert.match(conf, /nopreempt/);
    assert.match(conf, /script "\/usr\/local\/libexec\/k8s-platform\/check-harbor\.sh reg\.example\.internal 443"/);
    assert.match(conf, /virtual_router_id 52/);
  });
});

describe("registry: API command lines", () => {
  it("passes parameters as an env prefix and never a secret", () => {
    const cmd = renderApiCommand({
      action: "project",
      url: "https://10.10.4.11",
      ca: "/etc/harbor/ca.crt",
      project: "search-web",
      robot: "puller",
      push: false,
    });
    assert.equal(
      cmd,
      "env HARBOR_URL=https://10.10.4.11 HARBOR_CA=/etc/harbor/ca.crt PROJECT=search-web ROBOT=puller ROBOT_PUSH=false PROJECT_PUBLIC=false bash /usr/local/libexec/k8s-platform/harbor-api.sh project",
    );
  });

  it("names robots the way Harbor shows them", () => {
    assert.equal(robotUsername("search-web"), "robot$search-web+puller");
  });
});
