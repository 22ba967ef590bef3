/**
 * Field names of the two node-agent config APIs, written down from the upstream Go types
 * (json tags) so a misspelt or invented field fails a test instead of being silently
 * ignored by a lenient decoder:
 * - kubelet.config.k8s.io/v1beta1 KubeletConfiguration:
 *   kubernetes/kubernetes staging/src/k8s.io/kubelet/config/v1beta1/types.go
 * - kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration:
 *   kubernetes/kubernetes staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go
 * The lists are read from the upstream main branch (late 2026). Fields that appeared in the
 * newest releases (after 1.34, the oldest line the platform supports) are kept apart in
 * `RECENT_*`: they are valid field names, but the renderers must not use them so that the
 * same files work on every supported Kubernetes minor.
 */

/** A field schema: the allowed keys, and for object-valued keys the schema of the value. */
export interface FieldSchema {
  readonly fields: ReadonlySet<string>;
  /** Nested objects with fixed fields (map-valued fields such as systemReserved are free-form). */
  readonly nested?: Readonly<Record<string, FieldSchema>>;
  /** Lists of objects with fixed fields. */
  readonly items?: Readonly<Record<string, FieldSchema>>;
}

const schema = (fields: readonly string[], more: Omit<FieldSchema, "fields"> = {}): FieldSchema => ({
  fields: new Set(fields),
  ...more,
});

/** component-base LoggingConfiguration (logging:). */
const LOGGING = schema(["format", "flushFrequency", "verbosity", "vmodule", "options"]);

/** KubeletConfiguration fields valid in every supported release (1.34 and later). */
export const KUBELET_FIELDS: readonly string[] = [
  "apiVersion",
  "kind",
  "enableServer",
  "staticPodPath",
  "podLogsDir",
  "syncFrequency",
  "fileCheckFrequency",
  "httpCheckFrequency",
  "staticPodURL",
  "staticPodURLHeader",
  "address",
  "port",
  "readOnlyPort",
  "tlsCertFile",
  "tlsPrivateKeyFile",
  "tlsCipherSuites",
  "tlsMinVersion",
  "rotateCertificates",
  "serverTLSBootstrap",
  "authentication",
  "authorization",
  "registryPullQPS",
  "registryBurst",
  "eventRecordQPS",
  "eventBurst",
  "enableDebuggingHandlers",
  "enableContentionProfiling",
  "healthzPort",
  "healthzBindAddress",
  "oomScoreAdj",
  "clusterDomain",
  "clusterDNS",
  "streamingConnectionIdleTimeout",
  "nodeStatusUpdateFrequency",
  "nodeStatusReportFrequency",
  "nodeLeaseDurationSeconds",
  "imageMinimumGCAge",
  "imageMaximumGCAge",
  "imageGCHighThresholdPercent",
  "imageGCLowThresholdPercent",
  "volumeStatsAggPeriod",
  "kubeletCgroups",
  "systemCgroups",
  "cgroupRoot",
  "cgroupsPerQOS",
  "cgroupDriver",
  "cpuManagerPolicy",
  "cpuManagerPolicyOptions",
  "cpuManagerReconcilePeriod",
  "memoryManagerPolicy",
  "topologyManagerPolicy",
  "topologyManagerScope",
  "topologyManagerPolicyOptions",
  "qosReserved",
  "runtimeRequestTimeout",
  "hairpinMode",
  "maxPods",
  "podCIDR",
  "podPidsLimit",
  "resolvConf",
  "runOnce",
  "cpuCFSQuota",
  "cpuCFSQuotaPeriod",
  "nodeStatusMaxImages",
  "maxOpenFiles",
  "contentType",
  "kubeAPIQPS",
  "kubeAPIBurst",
  "serializeImagePulls",
  "maxParallelImagePulls",
  "evictionHard",
  "evictionSoft",
  "evictionSoftGracePeriod",
  "evictionPressureTransitionPeriod",
  "evictionMaxPodGracePeriod",
  "evictionMinimumReclaim",
  "podsPerCore",
  "enableControllerAttachDetach",
  "protectKernelDefaults",
  "makeIPTablesUtilChains",
  "iptablesMasqueradeBit",
  "iptablesDropBit",
  "featureGates",
  "failSwapOn",
  "memorySwap",
  "containerLogMaxSize",
  "containerLogMaxFiles",
  "containerLogMaxWorkers",
  "containerLogMonitorInterval",
  "configMapAndSecretChangeDetectionStrategy",
  "systemReserved",
  "kubeReserved",
  "reservedSystemCPUs",
  "showHiddenMetricsForVersion",
  "systemReservedCgroup",
  "kubeReservedCgroup",
  "enforceNodeAllocatable",
  "allowedUnsafeSysctls",
  "volumePluginDir",
  "providerID",
  "kernelMemcgNotification",
  "logging",
  "enableSystemLogHandler",
  "enableSystemLogQuery",
  "shutdownGracePeriod",
  "shutdownGracePeriodCriticalPods",
  "shutdownGracePeriodByPodPriority",
  "reservedMemory",
  "enableProfilingHandler",
  "enableDebugFlagsHandler",
  "seccompDefault",
  "memoryThrottlingFactor",
  "registerWithTaints",
  "registerNode",
  "tracing",
  "localStorageCapacityIsolation",
  "containerRuntimeEndpoint",
  "imageServiceEndpoint",
  "failCgroupV1",
  "userNamespaces",
  "singleProcessOOMKill",
  "crashLoopBackOff",
];

/** KubeletConfiguration fields of the newest releases (valid names; not used by the renderer). */
export const RECENT_KUBELET_FIELDS: readonly string[] = [
  "tlsCurvePreferences",
  "imagePullCredentialsVerificationPolicy",
  "preloadedImagesVerificationAllowlist",
  "mergeDefaultEvictionSettings",
  "draManagerReconcilePeriod",
  "memoryReservationPolicy",
];

/**
 * Recent fields the renderer does use, from the minor on which they take effect: the image
 * credential verification fields exist from 1.33, but their feature gate
 * (KubeletEnsureSecretPulledImages) is alpha and off until 1.35, where it is beta and on
 * (kubernetes/website feature-gates/KubeletEnsureSecretPulledImages.md).
 */
export const RECENT_KUBELET_FIELDS_FROM = {
  imagePullCredentialsVerificationPolicy: 35,
  preloadedImagesVerificationAllowlist: 35,
} as const satisfies Partial<Record<(typeof RECENT_KUBELET_FIELDS)[number], number>>;

/**
 * The KubeletConfiguration schema of a Kubernetes minor, with the nested objects the
 * renderer fills: the common fields and the recent ones in use by then.
 */
export function kubeletSchemaFor(minor: number): FieldSchema {
  const recent = Object.entries(RECENT_KUBELET_FIELDS_FROM)
    .filter(([, from]) => minor >= from)
    .map(([field]) => field);
  return schema([...KUBELET_FIELDS, ...recent], {
    nested: {
      authentication: schema(["x509", "webhook", "anonymous"], {
        nested: {
          x509: schema(["clientCAFile"]),
          webhook: schema(["enabled", "cacheTTL"]),
          anonymous: schema(["enabled"]),
        },
      }),
      authorization: schema(["mode", "webhook"], {
        nested: { webhook: schema(["cacheAuthorizedTTL", "cacheUnauthorizedTTL"]) },
      }),
      memorySwap: schema(["swapBehavior"]),
      logging: LOGGING,
      crashLoopBackOff: schema(["maxContainerRestartPeriod"]),
      userNamespaces: schema(["idsPerPod"]),
    },
    items: {
      // core/v1 Taint
      registerWithTaints: schema(["key", "value", "effect", "timeAdded"]),
      shutdownGracePeriodByPodPriority: schema(["priority", "shutdownGracePeriodSeconds"]),
      reservedMemory: schema(["numaNode", "limits"]),
    },
  });
}

/** KubeProxyConfiguration fields. */
export const KUBE_PROXY_FIELDS: readonly string[] = [
  "apiVersion",
  "kind",
  "featureGates",
  "clientConnection",
  "logging",
  "hostnameOverride",
  "bindAddress",
  "healthzBindAddress",
  "metricsBindAddress",
  "bindAddressHardFail",
  "enableProfiling",
  "showHiddenMetricsForVersion",
  "mode",
  "iptables",
  "ipvs",
  "nftables",
  "winkernel",
  "detectLocalMode",
  "detectLocal",
  "clusterCIDR",
  "nodePortAddresses",
  "oomScoreAdj",
  "conntrack",
  "configSyncPeriod",
  "portRange",
  "windowsRunAsService",
];

/** KubeProxyConfiguration nested fields of the newest releases (not used by the renderer). */
export const RECENT_KUBE_PROXY_FIELDS: readonly string[] = ["iptables.snatNodeInternalIP"];

/** The KubeProxyConfiguration schema with its nested objects. */
export const KUBE_PROXY_SCHEMA: FieldSchema = schema(KUBE_PROXY_FIELDS, {
  nested: {
    clientConnection: schema(["kubeconfig", "acceptContentTypes", "contentType", "qps", "burst"]),
    logging: LOGGING,
    iptables: schema(["masqueradeBit", "masqueradeAll", "localhostNodePorts", "syncPeriod", "minSyncPeriod"]),
    ipvs: schema([
      "syncPeriod",
      "minSyncPeriod",
      "scheduler",
      "excludeCIDRs",
      "strictARP",
      "tcpTimeout",
      "tcpFinTimeout",
      "udpTimeout",
    ]),
    nftables: schema(["masqueradeBit", "masqueradeAll", "syncPeriod", "minSyncPeriod"]),
    winkernel: schema(["networkName", "sourceVip", "enableDSR", "rootHnsEndpointName", "forwardHealthCheckVip"]),
    detectLocal: schema(["bridgeInterface", "interfaceNamePrefix"]),
    conntrack: schema([
      "maxPerCore",
      "min",
      "tcpEstablishedTimeout",
      "tcpCloseWaitTimeout",
      "tcpBeLiberal",
      "udpTimeout",
      "udpStreamTimeout",
    ]),
  },
});

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Dotted paths of every key in `value` that `schema` does not allow (empty: all known). */
export function unknownFields(value: Record<string, unknown>, fieldSchema: FieldSchema, prefix = ""): string[] {
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!fieldSchema.fields.has(key)) {
      problems.push(path);
      continue;
    }
    const nested = fieldSchema.nested?.[key];
    if (nested && isObject(child)) problems.push(...unknownFields(child, nested, path));
    const items = fieldSchema.items?.[key];
    if (items && Array.isArray(child)) {
      child.forEach((item, i) => {
        if (isObject(item)) problems.push(...unknownFields(item, items, `${path}[${i}]`));
      });
    }
  }
  return problems;
}
