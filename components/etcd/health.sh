#!/usr/bin/env bash
# The etcd health gate: every member of the cluster answers `endpoint health` over TLS
# with a client certificate of the etcd CA. Retried within a bound, so a bootstrapping
# cluster has time to elect a leader and a broken one fails the deployment.
# Parameters: ETCD_ENDPOINT, ETCD_CACERT, ETCD_CERT, ETCD_KEY, ETCD_BIN_DIR, HEALTH_ATTEMPTS
set -euo pipefail

: "${ETCD_ENDPOINT:?}" "${ETCD_CACERT:?}" "${ETCD_CERT:?}" "${ETCD_KEY:?}" "${ETCD_BIN_DIR:?}"
attempts=${HEALTH_ATTEMPTS:-60}

etcdctl() {
  ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" --endpoints="$ETCD_ENDPOINT" --cacert="$ETCD_CACERT" \
    --cert="$ETCD_CERT" --key="$ETCD_KEY" --command-timeout=5s "$@"
}

for ((i = 1; i <= attempts; i++)); do
  if out=$(etcdctl endpoint health --cluster 2>&1); then
    printf '%s\n' "$out"
    etcdctl member list --write-out=table
    exit 0
  fi
  sleep 5
done
printf 'etcd cluster not healthy after %s attempts:\n%s\n' "$attempts" "$out" >&2
exit 1
