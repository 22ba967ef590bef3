#!/usr/bin/env bash
# The source's SDK flow with a project access key: a container of a project asks the
# platform (the Kubernetes API, with the project's key) to run a command in another
# container of the same project. The key's Role allows finding pods and exec into them in
# its own namespace only, so the same call against another project is refused (Forbidden).
#
# Usage:
#   exec.sh [-c CONTAINER] POD -- COMMAND [ARG...]   run COMMAND in POD of the key's project
#   exec.sh -n NAMESPACE POD -- COMMAND [ARG...]      the same against another namespace: Forbidden
#   exec.sh --check NAMESPACE                         may the key exec in NAMESPACE? prints yes or no
#
# Environment:
#   KEY_DIR    the mounted access key Secret `project-access-key-token` (files token, ca.crt,
#              namespace); default /var/run/secrets/project-access-key
#   APISERVER  the apiserver URL; default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
#              the `kubernetes` Service every pod sees
#   KUBECTL    the kubectl binary; default kubectl
#
# The token never appears on a command line: the kubeconfig this script writes (0600, removed
# on exit) points at the token file (`tokenFile`), and kubectl writes the kubeconfig itself,
# so no value is spliced into YAML.
set -euo pipefail

key_dir="${KEY_DIR:-/var/run/secrets/project-access-key}"
kubectl="${KUBECTL:-kubectl}"
server="${APISERVER:-https://${KUBERNETES_SERVICE_HOST:-kubernetes.default.svc}:${KUBERNETES_SERVICE_PORT:-443}}"

die() {
  echo "exec.sh: $*" >&2
  exit 2
}

[[ "$key_dir" =~ ^/[A-Za-z0-9._/-]+$ ]] || die "KEY_DIR must be an absolute path of letters, digits, '.', '_', '-' and '/'"
[[ "$server" =~ ^https://[][A-Za-z0-9.:-]+$ ]] || die "APISERVER must be https://host[:port]"
for f in token ca.crt namespace; do
  [[ -r "$key_dir/$f" ]] || die "$key_dir/$f is missing: mount the Secret project-access-key-token at $key_dir"
done
namespace="$(<"$key_dir/namespace")"
[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || die "$key_dir/namespace is not a namespace name"

umask 077
kubeconfig="$(mktemp)"
trap 'rm -f "$kubeconfig"' EXIT
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }
k config set-cluster platform --server="$server" --certificate-authority="$key_dir/ca.crt" >/dev/null
k config set users.access-key.tokenFile "$key_dir/token" >/dev/null
k config set-context project --cluster=platform --user=access-key --namespace="$namespace" >/dev/null
k config use-context project >/dev/null

if [[ "${1:-}" == "--check" ]]; then
  [[ $# -eq 2 ]] || die "usage: exec.sh --check NAMESPACE"
  # `auth can-i` asks the apiserver (SelfSubjectAccessReview): yes in the key's own
  # project, no in any other. It exits 1 on "no" and on errors alike, so the answer is
  # read from its output: only yes or no is an answer.
  # (`pods/exec` would name a pod called "exec": the subresource is a flag.)
  answer="$(k auth can-i create pods --subresource=exec --namespace "$2")" || true
  [[ "$answer" == "yes" || "$answer" == "no" ]] || die "the apiserver gave no answer for $2"
  echo "$answer"
  exit 0
fi

usage="usage: exec.sh [-n NAMESPACE] [-c CONTAINER] POD -- COMMAND [ARG...]"
container=()
target="$namespace"
while [[ "${1:-}" == "-c" || "${1:-}" == "-n" ]]; do
  [[ $# -ge 2 ]] || die "$usage"
  if [[ "$1" == "-c" ]]; then container=(--container "$2"); else target="$2"; fi
  shift 2
done
[[ $# -ge 3 && "$2" == "--" ]] || die "$usage"
pod="$1"
shift 2
k exec --namespace "$target" "$pod" "${container[@]}" -- "$@"
