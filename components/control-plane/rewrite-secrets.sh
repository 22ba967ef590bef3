#!/usr/bin/env bash
# Rewrites every Secret through the apiserver, which stores each one encrypted with the
# first key of its EncryptionConfiguration (WRITE_KEY). Runs on the first master with the
# admin kubeconfig once every apiserver has the configuration, i.e. after the control
# plane's gate. A conflict means the Secret was written meanwhile, so with WRITE_KEY too;
# the whole pass is retried up to TRIES times and then fails, keeping `pulumi up` from
# reporting success while a Secret may still be under the old key.
# Parameters (set by the caller before this body): ADMIN_KUBECONFIG, WRITE_KEY, TRIES, KUBECTL.
set -euo pipefail

: "${ADMIN_KUBECONFIG:?}" "${WRITE_KEY:?}" "${TRIES:?}"
KUBECTL="${KUBECTL:-/usr/local/bin/kubectl}"
k() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=120s "$@"; }

for attempt in $(seq 1 "$TRIES"); do
  count=$(k get secrets --all-namespaces -o name | wc -l)
  if k get secrets --all-namespaces -o json | k replace -f - >/dev/null; then
    echo "rewrote ${count} Secret(s): stored with encryption key ${WRITE_KEY}"
    exit 0
  fi
  echo "rewrite pass ${attempt}/${TRIES} had errors (a Secret changed meanwhile?); retrying" >&2
  sleep 2
done
echo "could not rewrite every Secret with encryption key ${WRITE_KEY} after ${TRIES} passes;" >&2
echo "do not drop the previous key until 'pulumi up' succeeds (docs/operations/encryption-key.md)" >&2
exit 1
