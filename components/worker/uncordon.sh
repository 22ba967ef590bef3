#!/usr/bin/env bash
# Returns a node to service after its install or upgrade, on the operations host with the
# admin credentials: waits for the Node to register, reconciles the labels the kubelet may
# not set itself and the taints, uncordons a node this platform drained (once it is Ready)
# and stamps the versions it runs. Idempotent; labels and taints it no longer manages are
# removed (the managed keys are remembered in annotations).
# Parameters (set by the caller before this body):
#   NODE_NAME, KUBECTL, KUBECONFIG_FILE, STAMP, WAIT_SECONDS
#   ADMIN_LABELS  lines "key=value"
#   TAINTS        lines "key=value:Effect" (value may be empty)
set -euo pipefail

: "${NODE_NAME:?}" "${KUBECTL:?}" "${KUBECONFIG_FILE:?}" "${STAMP:?}" "${WAIT_SECONDS:?}"
ADMIN_LABELS=${ADMIN_LABELS:-}
TAINTS=${TAINTS:-}

log() { printf '[node-ready %s] %s\n' "$NODE_NAME" "$*"; }
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s "$@"; }
annotation() { k get node "$NODE_NAME" -o "jsonpath={.metadata.annotations.k8s-platform/$1}"; }

deadline=$((SECONDS + WAIT_SECONDS))
until [ -n "$(k get node "$NODE_NAME" --ignore-not-found -o name)" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "node $NODE_NAME did not register within ${WAIT_SECONDS}s (see 'journalctl -u kubelet' on it)" >&2
    exit 1
  fi
  sleep 5
done

# --- labels the kubelet may not self-set --------------------------------------------
wanted_keys=()
label_args=()
while IFS= read -r pair; do
  [ -n "$pair" ] || continue
  wanted_keys+=("${pair%%=*}")
  label_args+=("$pair")
done <<<"$ADMIN_LABELS"
IFS=, read -r -a previous_keys <<<"$(annotation admin-labels)"
for key in "${previous_keys[@]}"; do
  case " ${wanted_keys[*]} " in *" $key "*) ;; *) k label node "$NODE_NAME" "$key-" >/dev/null && log "label $key removed" ;; esac
done
if [ "${#label_args[@]}" -gt 0 ]; then k label node "$NODE_NAME" --overwrite "${label_args[@]}" >/dev/null; fi
managed_labels=$(IFS=,; echo "${wanted_keys[*]}")

# --- taints -------------------------------------------------------------------------
wanted_taints=()
taint_args=()
while IFS= read -r taint; do
  [ -n "$taint" ] || continue
  key_value=${taint%:*}
  wanted_taints+=("${key_value%%=*}:${taint##*:}")
  taint_args+=("$taint")
done <<<"$TAINTS"
IFS=, read -r -a previous_taints <<<"$(annotation taints)"
for t in "${previous_taints[@]}"; do
  case " ${wanted_taints[*]} " in *" $t "*) ;; *) k taint node "$NODE_NAME" "$t-" >/dev/null && log "taint $t removed" ;; esac
done
if [ "${#taint_args[@]}" -gt 0 ]; then k taint node "$NODE_NAME" --overwrite "${taint_args[@]}" >/dev/null; fi
managed_taints=$(IFS=,; echo "${wanted_taints[*]}")

# --- back into service after a platform drain -----------------------------------------
if [ -n "$(annotation drained)" ]; then
  if ! k wait --for=condition=Ready "node/$NODE_NAME" --timeout="${WAIT_SECONDS}s"; then
    echo "node $NODE_NAME is not Ready after the upgrade; it stays cordoned" >&2
    exit 1
  fi
  k uncordon "$NODE_NAME"
  k annotate node "$NODE_NAME" k8s-platform/drained- >/dev/null
  log "uncordoned"
fi

k annotate node "$NODE_NAME" --overwrite \
  "k8s-platform/versions=$STAMP" \
  "k8s-platform/admin-labels=$managed_labels" \
  "k8s-platform/taints=$managed_taints" >/dev/null
log "ready at $STAMP"
