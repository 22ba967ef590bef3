/**
 * Keys of the containerd 2.x config tables the renderer writes, written down from the
 * upstream Go types (toml tags) of the pinned release, so a misspelt key or one upstream
 * deprecated fails a test instead of a node logging "Ignoring unknown key" or a
 * deprecation warning:
 * - containerd/containerd v2.2.7 internal/cri/config/config.go (ImageConfig, Registry,
 *   RuntimeConfig, ContainerdConfig, Runtime, CniConfig, ServerConfig)
 * - containerd/containerd v2.2.7 plugins/transfer/plugin.go (transferConfig)
 * Only the keys the platform could use are listed; the deprecated ones are kept apart.
 */

/** Table path (keys joined by "/", since plugin ids hold dots) -> allowed keys. */
export const CONTAINERD_TABLE_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": ["version", "root", "state", "imports", "grpc", "plugins"],
  // The plugins the platform configures (their ids from the same release).
  plugins: [
    "io.containerd.transfer.v1.local",
    "io.containerd.cri.v1.images",
    "io.containerd.cri.v1.runtime",
    "io.containerd.grpc.v1.cri",
  ],
  grpc: ["address", "uid", "gid", "max_recv_message_size", "max_send_message_size"],
  "plugins/io.containerd.transfer.v1.local": [
    "max_concurrent_downloads",
    "concurrent_layer_fetch_buffer",
    "max_concurrent_uploaded_layers",
    "check_platform_supported",
    "unpack_config",
    "config_path",
    "max_concurrent_unpacks",
  ],
  "plugins/io.containerd.cri.v1.images": [
    "snapshotter",
    "disable_snapshot_annotations",
    "discard_unpacked_layers",
    "pinned_images",
    "runtime_platforms",
    "registry",
    "image_decryption",
    "max_concurrent_downloads",
    "concurrent_layer_fetch_buffer",
    "image_pull_progress_timeout",
    "image_pull_with_sync_fs",
    "stats_collect_period",
    "use_local_image_pull",
  ],
  "plugins/io.containerd.cri.v1.images/registry": ["config_path", "mirrors", "configs", "auths", "headers"],
  "plugins/io.containerd.cri.v1.runtime": [
    "containerd",
    "cni",
    "enable_selinux",
    "selinux_category_range",
    "max_container_log_line_size",
    "disable_apparmor",
    "restrict_oom_score_adj",
    "disable_proc_mount",
    "unset_seccomp_profile",
    "tolerate_missing_hugetlb_controller",
    "disable_hugetlb_controller",
    "device_ownership_from_security_context",
    "ignore_image_defined_volumes",
    "netns_mounts_under_state_dir",
    "enable_unprivileged_ports",
    "enable_unprivileged_icmp",
    "enable_cdi",
    "cdi_spec_dirs",
    "drain_exec_sync_io_timeout",
    "ignore_deprecation_warnings",
  ],
  "plugins/io.containerd.cri.v1.runtime/containerd": [
    "default_runtime_name",
    "runtimes",
    "ignore_blockio_not_enabled_errors",
    "ignore_rdt_not_enabled_errors",
  ],
  "plugins/io.containerd.cri.v1.runtime/containerd/runtimes/runc": [
    "runtime_type",
    "runtime_path",
    "pod_annotations",
    "container_annotations",
    "options",
    "privileged_without_host_devices",
    "privileged_without_host_devices_all_devices_allowed",
    "cgroup_writable",
    "base_runtime_spec",
    "cni_conf_dir",
    "cni_max_conf_num",
    "snapshotter",
    "sandboxer",
    "io_type",
  ],
  "plugins/io.containerd.cri.v1.runtime/cni": [
    "bin_dir",
    "bin_dirs",
    "conf_dir",
    "max_conf_num",
    "setup_serially",
    "conf_template",
    "ip_pref",
    "use_internal_loopback",
  ],
  "plugins/io.containerd.grpc.v1.cri": [
    "disable_tcp_service",
    "stream_server_address",
    "stream_server_port",
    "stream_idle_timeout",
    "enable_tls_streaming",
    "x509_key_pair_streaming",
  ],
};

/**
 * Keys containerd 2.2 deprecates (removal targeted at 2.4, RELEASES.md of v2.3.4 and
 * v2.4.0-beta.0): CNI `bin_dir` (use `bin_dirs`), and the CRI registry `mirrors`,
 * `configs` (TLS and `auth`) and `auths` (use `config_path` hosts.toml and pull secrets).
 */
export const CONTAINERD_DEPRECATED_KEYS: readonly string[] = [
  "plugins/io.containerd.cri.v1.runtime/cni/bin_dir",
  "plugins/io.containerd.cri.v1.images/registry/mirrors",
  "plugins/io.containerd.cri.v1.images/registry/configs",
  "plugins/io.containerd.cri.v1.images/registry/auths",
  "plugins/io.containerd.cri.v1.runtime/enable_cdi",
];

/**
 * CRI image settings that make the CRI fall back from the transfer service to local pulls
 * (CheckLocalImagePullConfigs in v2.2.7 internal/cri/config/config.go): the key and the
 * value that keeps the transfer service; leaving the key out keeps it too.
 */
export const CONTAINERD_LOCAL_PULL_TRIGGERS: Readonly<Record<string, unknown>> = {
  "plugins/io.containerd.cri.v1.images/disable_snapshot_annotations": true,
  "plugins/io.containerd.cri.v1.images/discard_unpacked_layers": false,
  "plugins/io.containerd.cri.v1.images/max_concurrent_downloads": 3,
  "plugins/io.containerd.cri.v1.images/image_pull_with_sync_fs": false,
  "plugins/io.containerd.cri.v1.images/use_local_image_pull": false,
};
