/**
 * Plain Kubernetes object shapes the project renderers produce: only the fields they set,
 * spelled as in the Kubernetes API so the objects pass straight to @pulumi/kubernetes args
 * and to the OpenAPI validation in the tests.
 */

/** ObjectMeta subset. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Namespace {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: ObjectMeta;
}

export interface ResourceQuota {
  apiVersion: "v1";
  kind: "ResourceQuota";
  metadata: ObjectMeta;
  spec: { hard: Record<string, string> };
}

export interface LimitRangeItem {
  type: "Container" | "Pod" | "PersistentVolumeClaim";
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
  max?: Record<string, string>;
}

export interface LimitRange {
  apiVersion: "v1";
  kind: "LimitRange";
  metadata: ObjectMeta;
  spec: { limits: LimitRangeItem[] };
}

/** One RBAC PolicyRule (resource rules only; project roles never use nonResourceURLs). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "Role";
  metadata: ObjectMeta;
  rules: PolicyRule[];
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  /** rbac.authorization.k8s.io for User and Group; empty for ServiceAccount. */
  apiGroup?: string;
  namespace?: string;
}

export interface RoleBinding {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "RoleBinding";
  metadata: ObjectMeta;
  /** Always a Role of the same namespace: project bindings never reference ClusterRoles. */
  roleRef: { apiGroup: "rbac.authorization.k8s.io"; kind: "Role"; name: string };
  subjects: Subject[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol: "TCP" | "UDP" | "SCTP";
  port?: number;
}

export interface NetworkPolicyRule {
  /** `from` for ingress rules, `to` for egress rules (exactly one is set). */
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ObjectMeta;
  spec: {
    podSelector: LabelSelector;
    policyTypes: ("Ingress" | "Egress")[];
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
  };
}

export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type: string;
  /** Plain text values (the API server stores them base64-encoded). */
  stringData?: Record<string, string>;
}

export interface ServiceAccount {
  apiVersion: "v1";
  kind: "ServiceAccount";
  metadata: ObjectMeta;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
}

/** One resource rule of an admission policy's match constraints. */
export interface NamedRuleWithOperations {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  operations: ("CREATE" | "UPDATE" | "DELETE" | "CONNECT" | "*")[];
}

/** A CEL validation of a ValidatingAdmissionPolicy. */
export interface Validation {
  expression: string;
  /** Shown when the expression is false and messageExpression fails or is unset. */
  message: string;
  /** A CEL expression giving the message (names the offending host, volume, port). */
  messageExpression?: string;
  reason?: "Unauthorized" | "Forbidden" | "Invalid" | "RequestEntityTooLarge";
}

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (GA since Kubernetes 1.30). */
export interface ValidatingAdmissionPolicy {
  apiVersion: "admissionregistration.k8s.io/v1";
  kind: "ValidatingAdmissionPolicy";
  metadata: ObjectMeta;
  spec: {
    failurePolicy: "Fail" | "Ignore";
    matchConstraints: { resourceRules: NamedRuleWithOperations[] };
    variables?: { name: string; expression: string }[];
    validations: Validation[];
  };
}

/** admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding. */
export interface ValidatingAdmissionPolicyBinding {
  apiVersion: "admissionregistration.k8s.io/v1";
  kind: "ValidatingAdmissionPolicyBinding";
  metadata: ObjectMeta;
  spec: {
    policyName: string;
    validationActions: ("Deny" | "Warn" | "Audit")[];
    matchResources: {
      namespaceSelector: { matchExpressions: { key: string; operator: "Exists"; values?: string[] }[] };
    };
  };
}
