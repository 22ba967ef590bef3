#!/usr/bin/env bash
# Cordons and drains a node with the admin credentials on the operations host (the first
# master). kubectl drain evicts through the Eviction API, so PodDisruptionBudgets hold: a
# drain that cannot finish within the timeout fails, and this script exits non-zero so
# Pulumi stops (the node keeps running; nothing is deleted).
#   MODE=remove   cordon, drain, delete the Node object (before the node's services stop)
#   MODE=upgrade  drain ahead of a binary upgrade, unless the node is absent, was never
#                 stamped (installed in this same deployment) or already runs TARGET_STAMP;
#                 the node is marked so the uncordon step returns it to service
# Parameters (set by the caller before this body):
#   NODE_NAME, MODE, TIMEOUT_SECONDS, KUBECTL, KUBECONFIG_FILE, TARGET_STAMP (upgrade)
set -euo pipefail

: "${NODE_NAME:?}" "${MODE:?}" "${TIMEOUT_SECONDS:?}" "${KUBECTL:?}" "${KUBECONFIG_FILE:?}"
TARGET_STAMP=${TARGET_STAMP:-}
STAMP_KEY=k8s-platform/versions
DRAINED_KEY=k8s-platform/drained

log() { printf '[node-drain %s] %s\n' "$NODE_NAME" "$*"; }
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s "$@"; }

# An API error must fail the step (never read as "node absent").
found=$(k get node "$NODE_NAME" --ignore-not-found -o name)
if [ -z "$found" ]; then
  log "node not registered; nothing to drain"
  exit 0
fi

drain() {
  k cordon "$NODE_NAME"
  if ! k drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout="${TIMEOUT_SECONDS}s"; then
    echo "drain of $NODE_NAME did not finish within ${TIMEOUT_SECONDS}s (PodDisruptionBudgets or stuck pods);" >&2
    echo "the node stays cordoned and running. Fix the blocking pods and run 'pulumi up' again." >&2
    exit 1
  fi
}

case "$MODE" in
  remove)
    drain
    k delete node "$NODE_NAME" --wait=true
    log "drained and deleted"
    ;;
  upgrade)
    stamp=$(k get node "$NODE_NAME" -o "jsonpath={.metadata.annotations.$STAMP_KEY}")
    if [ -z "$stamp" ] || [ "$stamp" = "$TARGET_STAMP" ]; then
      log "no upgrade needed (versions '${stamp:-fresh install}')"
      exit 0
    fi
    k annotate node "$NODE_NAME" --overwrite "$DRAINED_KEY=upgrade"
    drain
    log "drained for the upgrade $stamp -> $TARGET_STAMP"
    ;;
  *)
    echo "MODE must be remove or upgrade, not '$MODE'" >&2
    exit 2
    ;;
esac
