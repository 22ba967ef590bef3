#!/usr/bin/env bash
# Starts or restarts one etcd member after its files changed. A bootstrap member that is
# not running yet is started without waiting (it needs its peers for a quorum; the health
# gate waits for the whole cluster). A running member is restarted and must report
# healthy before the next member's turn, so changes roll through the cluster one member
# at a time. A joining member (state existing) starts against the running cluster and
# must become healthy too.
# Parameters: ETCD_MEMBER, ETCD_JOIN_STATE (new|existing), ETCD_ENDPOINT, ETCD_CACERT,
#   ETCD_CERT, ETCD_KEY, ETCD_BIN_DIR; HEALTH_ATTEMPTS (default 60, 5 s apart)
set -euo pipefail

: "${ETCD_MEMBER:?}" "${ETCD_JOIN_STATE:?}" "${ETCD_ENDPOINT:?}" "${ETCD_CACERT:?}" "${ETCD_CERT:?}" "${ETCD_KEY:?}" "${ETCD_BIN_DIR:?}"
attempts=${HEALTH_ATTEMPTS:-60}

log() { printf '[etcd-start %s] %s\n' "$ETCD_MEMBER" "$*"; }

wait_healthy() {
  local i
  for ((i = 1; i <= attempts; i++)); do
    if ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" --endpoints="$ETCD_ENDPOINT" --cacert="$ETCD_CACERT" \
      --cert="$ETCD_CERT" --key="$ETCD_KEY" --command-timeout=5s endpoint health >/dev/null 2>&1; then
      log "healthy"
      return 0
    fi
    sleep 5
  done
  echo "etcd member $ETCD_MEMBER is not healthy after $attempts attempts; see journalctl -u etcd" >&2
  return 1
}

if systemctl is-active --quiet etcd; then
  log "restarting to apply changed files"
  systemctl restart etcd
  wait_healthy
elif [ "$ETCD_JOIN_STATE" = existing ]; then
  log "joining the running cluster"
  systemctl start etcd
  wait_healthy
else
  log "starting (bootstrap; peers start alongside)"
  systemctl start --no-block etcd
fi
