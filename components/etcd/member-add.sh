#!/usr/bin/env bash
# Registers a joining member with the running cluster (`etcdctl member add`), run on an
# existing member before the new one first starts with --initial-cluster-state=existing.
# Idempotent: a member already registered (by peer URL) is left alone. etcd refuses a
# member add until every member has been connected for a while ("not healthy for
# reconfigure", as right after a bootstrap), so the add is retried within a bound.
# Parameters: ETCD_MEMBER, ETCD_PEER_URL, ETCD_ENDPOINT, ETCD_CACERT, ETCD_CERT, ETCD_KEY,
#   ETCD_BIN_DIR; HEALTH_ATTEMPTS (default 60, 5 s apart)
set -euo pipefail

: "${ETCD_MEMBER:?}" "${ETCD_PEER_URL:?}" "${ETCD_ENDPOINT:?}" "${ETCD_CACERT:?}" "${ETCD_CERT:?}" "${ETCD_KEY:?}" "${ETCD_BIN_DIR:?}"
attempts=${HEALTH_ATTEMPTS:-60}

etcdctl() {
  ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" --endpoints="$ETCD_ENDPOINT" --cacert="$ETCD_CACERT" \
    --cert="$ETCD_CERT" --key="$ETCD_KEY" --command-timeout=15s "$@"
}

out=""
for ((i = 1; i <= attempts; i++)); do
  if members=$(etcdctl member list --write-out=simple 2>&1) && grep -qF ", $ETCD_PEER_URL," <<<"$members"; then
    echo "member $ETCD_MEMBER ($ETCD_PEER_URL) is registered"
    exit 0
  fi
  if etcdctl endpoint health --cluster >/dev/null 2>&1 && out=$(etcdctl member add "$ETCD_MEMBER" --peer-urls="$ETCD_PEER_URL" 2>&1); then
    printf '%s\n' "$out"
    exit 0
  fi
  sleep 5
done
printf 'could not add etcd member %s (%s) after %s attempts:\n%s\n' "$ETCD_MEMBER" "$ETCD_PEER_URL" "$attempts" "$out" >&2
exit 1
