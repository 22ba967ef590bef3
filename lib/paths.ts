/**
 * Where things live on the hosts: one layout shared by the renderers (flags and unit files
 * name these paths) and the components (which copy files there). It follows kubeadm's
 * layout so operators find files where Kubernetes documentation says they are.
 */
export const PKI_DIR = "/etc/kubernetes/pki";
export const ETCD_PKI_DIR = "/etc/kubernetes/pki/etcd";
export const KUBE_DIR = "/etc/kubernetes";
export const BIN_DIR = "/usr/local/bin";
export const PLATFORM_STATE_DIR = "/var/lib/k8s-platform";

/** Certificate and key file paths, by role of the certificate. */
export const PKI = {
  clusterCaCert: `${PKI_DIR}/ca.crt`,
  clusterCaKey: `${PKI_DIR}/ca.key`,
  /**
   * The signing cluster CA alone (matching ca.key): the controller-manager's CSR signer
   * takes exactly one certificate, while ca.crt is the trust bundle (two CAs during a
   * CA rotation).
   */
  clusterCaSignerCert: `${PKI_DIR}/ca-signer.crt`,
  frontProxyCaCert: `${PKI_DIR}/front-proxy-ca.crt`,
  etcdCaCert: `${ETCD_PKI_DIR}/ca.crt`,
  etcdServerCert: `${ETCD_PKI_DIR}/server.crt`,
  etcdServerKey: `${ETCD_PKI_DIR}/server.key`,
  etcdPeerCert: `${ETCD_PKI_DIR}/peer.crt`,
  etcdPeerKey: `${ETCD_PKI_DIR}/peer.key`,
  /** Client cert etcdctl uses on etcd members (health gate, backups). */
  etcdctlClientCert: `${ETCD_PKI_DIR}/healthcheck-client.crt`,
  etcdctlClientKey: `${ETCD_PKI_DIR}/healthcheck-client.key`,
  apiserverEtcdClientCert: `${PKI_DIR}/apiserver-etcd-client.crt`,
  apiserverEtcdClientKey: `${PKI_DIR}/apiserver-etcd-client.key`,
  apiserverCert: `${PKI_DIR}/apiserver.crt`,
  apiserverKey: `${PKI_DIR}/apiserver.key`,
  apiserverKubeletClientCert: `${PKI_DIR}/apiserver-kubelet-client.crt`,
  apiserverKubeletClientKey: `${PKI_DIR}/apiserver-kubelet-client.key`,
  frontProxyClientCert: `${PKI_DIR}/front-proxy-client.crt`,
  frontProxyClientKey: `${PKI_DIR}/front-proxy-client.key`,
  serviceAccountKey: `${PKI_DIR}/sa.key`,
  serviceAccountPub: `${PKI_DIR}/sa.pub`,
  kubeletServingCert: "/var/lib/kubelet/pki/kubelet.crt",
  kubeletServingKey: "/var/lib/kubelet/pki/kubelet.key",
} as const;

/** Kubeconfig files. */
export const KUBECONFIG = {
  admin: `${KUBE_DIR}/admin.conf`,
  controllerManager: `${KUBE_DIR}/controller-manager.conf`,
  scheduler: `${KUBE_DIR}/scheduler.conf`,
  kubelet: `${KUBE_DIR}/kubelet.conf`,
  kubeProxy: `${KUBE_DIR}/kube-proxy.conf`,
} as const;
