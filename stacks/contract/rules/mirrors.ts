/**
 * Rules of the OS package repositories: every repository is signed unless the config says
 * plainly it is not, and the roles that need a repository beyond the OS (the Storage SIG
 * on EL, Docker's for Harbor) get one, or the plan says which is missing.
 */
import type { RepositoryRole } from "../schema/versions";
import { hostsWith } from "./util";
import { defineRule, type Problem } from "./types";

/** The OS releases the hosts may run, by apt suite (the first word of the suite). */
const APT_RELEASES: Readonly<Record<string, "debian12" | "ubuntu2404">> = { bookworm: "debian12", noble: "ubuntu2404" };

/** Parts of an apt line: `deb [options] URL suite components...`. */
function aptParts(line: string): { options: string[]; suite: string; components: string[] } {
  const words = line.split(" ");
  const options: string[] = [];
  let i = 1;
  if (words[i]?.startsWith("[")) {
    while (i < words.length) {
      const w = words[i++];
      options.push(...w.replace(/^\[|\]$/g, "").split(","));
      if (w.endsWith("]")) break;
    }
  }
  return { options, suite: words[i + 1] ?? "", components: words.slice(i + 2) };
}

export const packageSignatures = defineRule(["mirrors"], (config, out, warnings) => {
  config.mirrors.packages.yum.forEach((repo, i) => {
    const at = `mirrors.packages.yum[${i}]`;
    if (repo.gpgkey === undefined && !repo.allowUnsigned)
      out.push({
        path: `${at}.gpgkey`,
        message: `is required for repository "${repo.id}": packages are checked against it (gpgcheck=1); set allowUnsigned: true to install unverified packages`,
      });
    if (repo.gpgkey !== undefined && repo.allowUnsigned)
      out.push({ path: `${at}.allowUnsigned`, message: "contradicts gpgkey: drop one" });
    if (repo.allowUnsigned)
      warnings.push({
        path: `${at}.allowUnsigned`,
        message: `repository "${repo.id}" is installed from without signature checks (gpgcheck=0): whoever can answer for ${repo.baseurl} controls what the hosts run`,
      });
  });
  config.mirrors.packages.apt.forEach((source, i) => {
    const at = `mirrors.packages.apt[${i}]`;
    const trusted = aptParts(source.line).options.some((o) => /^trusted=yes$/.test(o));
    if (trusted && !source.allowUnsigned)
      out.push({
        path: at,
        message: `"${source.line}" skips apt's signature check ([trusted=yes]); give the source's key with signed-by=, or set allowUnsigned: true`,
      });
    if (source.allowUnsigned)
      warnings.push({
        path: `${at}.allowUnsigned`,
        message: `"${source.line}" is accepted without a valid signature`,
      });
  });
});

/** What each repository role is for, in the warning. */
const NEEDS: Readonly<Record<Exclude<RepositoryRole, "base">, string>> = {
  storage: "GlusterFS server and NFS-Ganesha",
  docker: "Docker Engine, containerd.io and the compose v2 plugin (Harbor)",
};

export const packageSources = defineRule(["hosts", "mirrors"], (config, _out, warnings) => {
  const { yum, apt } = config.mirrors.packages;
  const names = (role: "storage" | "registry") => {
    const hosts = hostsWith(config, role).map(({ host }) => host.name);
    return hosts.length > 3 ? `${hosts.slice(0, 3).join(", ")} and ${hosts.length - 3} more` : hosts.join(", ");
  };
  const need = (role: "storage" | "registry") => hostsWith(config, role).length > 0;
  const missing = (path: string, role: "storage" | "registry", repo: "storage" | "docker", where: string): Problem => ({
    path,
    message: `the ${role} hosts (${names(role)}) need ${NEEDS[repo]}, which ${where}; add a repository with provides: [${repo}] (their host prep fails naming it otherwise)`,
  });
  if (yum.length > 0) {
    const has = (r: RepositoryRole) => yum.some((repo) => repo.provides.includes(r));
    if (need("storage") && !has("storage"))
      warnings.push(
        missing(
          "mirrors.packages.yum",
          "storage",
          "storage",
          "EL 9 ships in no base repository: the CentOS Storage SIG has them (SIGs/9-stream/storage/x86_64/gluster-11/ and nfsganesha-5/, key RPM-GPG-KEY-CentOS-SIG-Storage)",
        ),
      );
    if (need("registry") && !has("docker"))
      warnings.push(
        missing(
          "mirrors.packages.yum",
          "registry",
          "docker",
          "EL 9 does not ship: Docker's repository has them (download.docker.com/linux/rhel/9/$basearch/stable)",
        ),
      );
  }
  if (apt.length > 0) {
    const base = apt.filter((s) => s.provides.includes("base")).map((s) => aptParts(s.line));
    apt.forEach((source, i) => {
      const { suite } = aptParts(source.line);
      if (source.provides.includes("base") && !(suite.split("-")[0] in APT_RELEASES))
        warnings.push({
          path: `mirrors.packages.apt[${i}]`,
          message: `suite "${suite}" is not a supported OS release: the hosts must run Debian 12 (bookworm) or Ubuntu 24.04 (noble)`,
        });
    });
    const releases = new Set(base.map((p) => APT_RELEASES[p.suite.split("-")[0]]).filter(Boolean));
    const universe = base.some((p) => p.components.includes("universe"));
    const hasDocker = apt.some((s) => s.provides.includes("docker"));
    if (need("registry") && !hasDocker && releases.has("debian12"))
      warnings.push(
        missing(
          "mirrors.packages.apt",
          "registry",
          "docker",
          "Debian 12 does not ship (it has no compose v2): Docker's repository has them (download.docker.com/linux/debian bookworm stable)",
        ),
      );
    if (releases.has("ubuntu2404") && !universe) {
      if (need("registry") && !hasDocker)
        warnings.push(
          missing(
            "mirrors.packages.apt",
            "registry",
            "docker",
            "Ubuntu 24.04 has only in universe (docker.io, docker-compose-v2), which no base source lists",
          ),
        );
      if (need("storage") && !apt.some((s) => s.provides.includes("storage")))
        warnings.push(
          missing(
            "mirrors.packages.apt",
            "storage",
            "storage",
            "Ubuntu 24.04 has only in universe, which no base source lists",
          ),
        );
    }
  }
});
