#!/usr/bin/env bash
# Registers a joining member with the running cluster (`etcdctl member add`), run on an
# existing member before the new one first starts with --initial-cluster-state=existing.
# Idempotent: a member already registered (by peer URL) is left alone.
# Parameters: ETCD_MEMBER, ETCD_PEER_URL, ETCD_ENDPOINT, ETCD_CACERT, ETCD_CERT, ETCD_KEY, ETCD_BIN_DIR
set -euo pipefail

: "${ETCD_MEMBER:?}" "${ETCD_PEER_URL:?}" "${ETCD_ENDPOINT:?}" "${ETCD_CACERT:?}" "${ETCD_CERT:?}" "${ETCD_KEY:?}" "${ETCD_BIN_DIR:?}"

etcdctl() {
  ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" --endpoints="$ETCD_ENDPOINT" --cacert="$ETCD_CACERT" \
    --cert="$ETCD_CERT" --key="$ETCD_KEY" --command-timeout=15s "$@"
}

if etcdctl member list --write-out=simple | grep -qF ", $ETCD_PEER_URL,"; then
  echo "member $ETCD_MEMBER ($ETCD_PEER_URL) is already registered"
  exit 0
fi
etcdctl member add "$ETCD_MEMBER" --peer-urls="$ETCD_PEER_URL"
