#!/usr/bin/env bash
# Installs one etcd member from the staged files: the etcd release from the binaries
# mirror (checked against the release's SHA256SUMS), the etcd system user, the data dir
# (0700, etcd), certificates (keys 0600), the systemd units (0600) and the backup timer. It
# does not start etcd (start.sh does, one member at a time). Idempotent. Each staged file
# is removed once installed, so only the installed files remain; a staged file that is
# absent was installed by an earlier run (its copy step re-copies it only when it changes).
# The caller defines fetch_etcd (the body of fetch.sh) before this body.
# Parameters (set by the caller before this body):
#   ETCD_VERSION, ETCD_TARBALL_URL + ETCD_SUMS_URL + ETCD_ARCH (the download, for fetch_etcd), ETCD_DATA_DIR, ETCD_BIN_DIR, ETCD_STAGE_DIR,
#   ETCD_CACERT, ETCD_SERVER_CERT, ETCD_SERVER_KEY, ETCD_PEER_CERT, ETCD_PEER_KEY,
#   ETCD_CLIENT_CERT, ETCD_CLIENT_KEY, ETCD_SNAPSHOT_SCRIPT, ETCD_BACKUP_DIR, ETCD_UNIT_DIR
set -euo pipefail

: "${ETCD_VERSION:?}" "${ETCD_TARBALL_URL:?}" "${ETCD_SUMS_URL:?}" "${ETCD_ARCH:?}" "${ETCD_DATA_DIR:?}" "${ETCD_BIN_DIR:?}" "${ETCD_STAGE_DIR:?}"
: "${ETCD_CACERT:?}" "${ETCD_SERVER_CERT:?}" "${ETCD_SERVER_KEY:?}" "${ETCD_PEER_CERT:?}" "${ETCD_PEER_KEY:?}"
: "${ETCD_CLIENT_CERT:?}" "${ETCD_CLIENT_KEY:?}" "${ETCD_SNAPSHOT_SCRIPT:?}" "${ETCD_BACKUP_DIR:?}" "${ETCD_UNIT_DIR:?}"

log() { printf '[etcd-install] %s\n' "$*"; }

# place SRC DST MODE OWNER: installs SRC at DST unless identical (content, mode, owner),
# then removes SRC. An absent SRC was installed before: DST must exist.
place() {
  local src=$1 dst=$2 mode=$3 owner=$4
  if [ ! -f "$src" ]; then
    [ -f "$dst" ] || { echo "staged file $src is missing and $dst is not installed: re-copy it (pulumi up --replace its copy step)" >&2; exit 1; }
    return 0
  fi
  if ! { [ -f "$dst" ] && cmp -s "$src" "$dst" && [ "$(stat -c '%a %U:%G' "$dst")" = "$mode $owner" ]; }; then
    install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dst"
    log "installed $dst"
  fi
  rm -f "$src"
}

# --- user and directories -------------------------------------------------------------
if ! getent passwd etcd >/dev/null; then
  nologin=$(command -v nologin || echo /sbin/nologin)
  useradd --system --home-dir "$ETCD_DATA_DIR" --no-create-home --shell "$nologin" etcd
  log "created user etcd"
fi
install -d -m 0700 -o etcd -g etcd "$ETCD_DATA_DIR"
install -d -m 0700 -o root -g root "$ETCD_BACKUP_DIR"

# --- binaries -------------------------------------------------------------------------
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
if [ "$arch" != "$ETCD_ARCH" ]; then
  echo "this host is $(uname -m) but the platform downloads etcd for $ETCD_ARCH ($ETCD_TARBALL_URL)" >&2
  exit 1
fi
installed=$("$ETCD_BIN_DIR/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p' || true)
if [ "$installed" != "$ETCD_VERSION" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ETCD_FETCH_DIR=$work fetch_etcd
  for bin in etcd etcdctl etcdutl; do
    if [ -f "$work/etcd-v${ETCD_VERSION}-linux-${arch}/$bin" ]; then
      install -m 0755 "$work/etcd-v${ETCD_VERSION}-linux-${arch}/$bin" "$ETCD_BIN_DIR/$bin"
    fi
  done
  log "installed etcd $ETCD_VERSION (was '${installed:-none}')"
fi

# --- certificates: all root:root, keys 0600 (CIS 1.1.19-1.1.21 where etcd shares a master);
# etcd reads its keys as systemd credentials (LoadCredential= in the unit)
place "$ETCD_STAGE_DIR/ca.crt" "$ETCD_CACERT" 644 root:root
place "$ETCD_STAGE_DIR/server.crt" "$ETCD_SERVER_CERT" 644 root:root
place "$ETCD_STAGE_DIR/server.key" "$ETCD_SERVER_KEY" 600 root:root
place "$ETCD_STAGE_DIR/peer.crt" "$ETCD_PEER_CERT" 644 root:root
place "$ETCD_STAGE_DIR/peer.key" "$ETCD_PEER_KEY" 600 root:root
place "$ETCD_STAGE_DIR/healthcheck-client.crt" "$ETCD_CLIENT_CERT" 644 root:root
place "$ETCD_STAGE_DIR/healthcheck-client.key" "$ETCD_CLIENT_KEY" 600 root:root

# --- units and the backup script ------------------------------------------------------
place "$ETCD_STAGE_DIR/etcd-snapshot.sh" "$ETCD_SNAPSHOT_SCRIPT" 755 root:root
# (on a first install the units do not exist yet: cat fails, which pipefail must not see)
before=$( { cat "$ETCD_UNIT_DIR"/etcd.service "$ETCD_UNIT_DIR"/etcd-backup.service "$ETCD_UNIT_DIR"/etcd-backup.timer 2>/dev/null || true; } | sha256sum)
# The unit is etcd's "pod specification" for CIS 1.1.7/1.1.8: 0600 root:root.
place "$ETCD_STAGE_DIR/etcd.service" "$ETCD_UNIT_DIR"/etcd.service 600 root:root
place "$ETCD_STAGE_DIR/etcd-backup.service" "$ETCD_UNIT_DIR"/etcd-backup.service 600 root:root
place "$ETCD_STAGE_DIR/etcd-backup.timer" "$ETCD_UNIT_DIR"/etcd-backup.timer 600 root:root
after=$(cat "$ETCD_UNIT_DIR"/etcd.service "$ETCD_UNIT_DIR"/etcd-backup.service "$ETCD_UNIT_DIR"/etcd-backup.timer | sha256sum)
if [ "$before" != "$after" ]; then
  systemctl daemon-reload
fi
systemctl enable etcd.service >/dev/null 2>&1
systemctl enable --now etcd-backup.timer >/dev/null 2>&1
log "member files in place"
