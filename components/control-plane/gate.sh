#!/usr/bin/env bash
# Readiness gate of the control plane: /readyz through the VIP (the admin kubeconfig's
# server) with the admin client certificate. Succeeds once the load balancer, a ready
# apiserver behind it and client-certificate authentication all work end to end.
# Parameters (environment): ADMIN_KUBECONFIG, KUBECTL, TRIES, INTERVAL (seconds).
set -euo pipefail

: "${ADMIN_KUBECONFIG:?}"
KUBECTL="${KUBECTL:-/usr/local/bin/kubectl}"
TRIES="${TRIES:-60}"
INTERVAL="${INTERVAL:-5}"

for _ in $(seq 1 "$TRIES"); do
  if "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=5s get --raw /readyz >/dev/null 2>&1; then
    echo "control plane ready through $("$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" config view -o jsonpath='{.clusters[0].cluster.server}')"
    exit 0
  fi
  sleep "$INTERVAL"
done
echo "control plane not ready after $((TRIES * INTERVAL))s:" >&2
"$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=5s get --raw '/readyz?verbose' >&2 || true
exit 1
