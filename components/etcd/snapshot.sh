#!/usr/bin/env bash
# Writes an etcd snapshot to the backup directory and keeps the newest ETCD_BACKUP_RETAIN.
# Run by the backup timer ("scheduled") and before every change to etcd or the control
# plane ("pre-change"). On a host where etcd has no data yet (first deployment) there is
# nothing to save and it says so; a member with data that cannot be saved is an error.
# Parameters: ETCD_BACKUP_DIR, ETCD_BACKUP_RETAIN, ETCD_DATA_DIR, ETCD_ENDPOINT,
#   ETCD_CACERT, ETCD_CERT, ETCD_KEY, ETCD_BIN_DIR; label as $1 or SNAPSHOT_LABEL
set -euo pipefail

: "${ETCD_BACKUP_DIR:?}" "${ETCD_BACKUP_RETAIN:?}" "${ETCD_DATA_DIR:?}" "${ETCD_ENDPOINT:?}"
: "${ETCD_CACERT:?}" "${ETCD_CERT:?}" "${ETCD_KEY:?}" "${ETCD_BIN_DIR:?}"
label=${1:-${SNAPSHOT_LABEL:-scheduled}}

if [ ! -d "$ETCD_DATA_DIR/member" ]; then
  echo "etcd has no data in $ETCD_DATA_DIR yet: nothing to snapshot ($label)"
  exit 0
fi

install -d -m 0700 "$ETCD_BACKUP_DIR"
file="$ETCD_BACKUP_DIR/etcd-$(date -u +%Y%m%dT%H%M%SZ)-$label.db"
ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" --endpoints="$ETCD_ENDPOINT" --cacert="$ETCD_CACERT" \
  --cert="$ETCD_CERT" --key="$ETCD_KEY" --command-timeout=120s snapshot save "$file.part" >/dev/null
# etcdutl (3.5+) replaces the deprecated `etcdctl snapshot status`.
if [ -x "$ETCD_BIN_DIR/etcdutl" ]; then
  "$ETCD_BIN_DIR/etcdutl" snapshot status "$file.part" --write-out=table
else
  ETCDCTL_API=3 "$ETCD_BIN_DIR/etcdctl" snapshot status "$file.part" --write-out=table
fi
chmod 0600 "$file.part"
mv "$file.part" "$file"
echo "saved $file"

# Retention: newest first, drop the rest (names sort by time).
find "$ETCD_BACKUP_DIR" -maxdepth 1 -name 'etcd-*.db' -printf '%f\n' | sort -r |
  tail -n +"$((ETCD_BACKUP_RETAIN + 1))" | while read -r old; do
  rm -f -- "$ETCD_BACKUP_DIR/$old"
  echo "removed $old"
done
