/**
 * Where each pinned chart is published upstream, for the mirror script: a Helm repository
 * (`helm pull --repo`), or, for local-path-provisioner, which rancher publishes in no Helm
 * repository, the chart directory of the release tag (packaged with `helm package`).
 * Sources: each project's README install instructions at the pinned tag (see the report of
 * issue 17 / docs/operations/mirror-a-new-site.md).
 */

/** An upstream chart source. */
export type ChartUpstream =
  | { readonly kind: "repo"; readonly repo: string }
  | { readonly kind: "git"; readonly archive: (version: string) => string; readonly dir: (version: string) => string };

const PROMETHEUS_COMMUNITY = "https://prometheus-community.github.io/helm-charts";
const OPENSEARCH = "https://opensearch-project.github.io/helm-charts";

/** Upstream of every chart the platform installs, by chart name. */
export const CHART_UPSTREAMS: Readonly<Record<string, ChartUpstream>> = {
  "tigera-operator": { kind: "repo", repo: "https://docs.tigera.io/calico/charts" },
  traefik: { kind: "repo", repo: "https://traefik.github.io/charts" },
  "ingress-nginx": { kind: "repo", repo: "https://kubernetes.github.io/ingress-nginx" },
  "metrics-server": { kind: "repo", repo: "https://kubernetes-sigs.github.io/metrics-server" },
  "kube-prometheus-stack": { kind: "repo", repo: PROMETHEUS_COMMUNITY },
  "prometheus-operator-crds": { kind: "repo", repo: PROMETHEUS_COMMUNITY },
  opensearch: { kind: "repo", repo: OPENSEARCH },
  "opensearch-dashboards": { kind: "repo", repo: OPENSEARCH },
  "fluent-bit": { kind: "repo", repo: "https://fluent.github.io/helm-charts" },
  "local-path-provisioner": {
    kind: "git",
    archive: (v) => `https://github.com/rancher/local-path-provisioner/archive/refs/tags/v${v}.tar.gz`,
    dir: (v) => `local-path-provisioner-${v}/deploy/chart/local-path-provisioner`,
  },
};
