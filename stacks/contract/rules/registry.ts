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
