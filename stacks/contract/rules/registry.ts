/** Rules of the registry hosts: the VIP Harbor active/standby needs. */
import { hostsWith } from "./util";
import { defineRule } from "./types";

export const registry = defineRule(["hosts", "registry", "apiserver"], (config, out) => {
  const hosts = hostsWith(config, "registry");
  if (hosts.length >= 2 && !config.registry.vip) {
    out.push({
      path: "registry.vip",
      message: `${hosts.length} registry hosts run Harbor active/standby and need a floating VIP`,
    });
  }
  if (config.registry.vip && config.hosts.some((h) => h.address === config.registry.vip)) {
    out.push({
      path: "registry.vip",
      message: `${config.registry.vip} is a host address; the VIP must be a free address`,
    });
  }
  if (config.registry.vip && config.registry.vip === config.apiserver.vip) {
    out.push({ path: "registry.vip", message: "must differ from apiserver.vip" });
  }
});

/**
 * With Harbor in the inventory, `mirrors.images`' first path element is the Harbor project
 * of the platform's own images (public, with a push robot); a tenant project of the same
 * name would get a second, private Harbor project of that name.
 */
export const imagesProject = defineRule(["hosts", "mirrors", "registry", "projects"], (config, out) => {
  if (hostsWith(config, "registry").length === 0) return;
  const [host, project] = config.mirrors.images.split("/");
  const server = config.registry.server ?? host;
  if (host !== server || !project) return;
  const clash = config.projects.findIndex((p) => p.name === project);
  if (clash >= 0)
    out.push({
      path: "mirrors.images",
      message: `uses Harbor project "${project}" for the platform's images, which is also the name of projects[${clash}]; pick another path (e.g. ${server}/platform)`,
    });
});
