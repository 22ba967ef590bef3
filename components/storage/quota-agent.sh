#!/usr/bin/env bash
# Installs (ENFORCE=1) or removes (ENFORCE=0) the quota agent on a storage host: the
# reconcile script and a systemd service + timer running it every 10 s. Idempotent.
#
# Parameters (set by the caller before this body):
#   HOST_NAME, ENFORCE (1/0), UNIT (unit name without suffix), SCRIPT (content),
#   SCRIPT_PATH, SERVICE, TIMER (unit file contents),
#   SYSTEMD_DIR (default /etc/systemd/system; tests point it elsewhere)
set -euo pipefail

: "${HOST_NAME:?}" "${ENFORCE:?}" "${UNIT:?}" "${SCRIPT:?}" "${SCRIPT_PATH:?}" "${SERVICE:?}" "${TIMER:?}"
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}

log() { printf '[storage-quota %s] %s\n' "$HOST_NAME" "$*"; }

if [ "$ENFORCE" != 1 ]; then
  if systemctl is-enabled --quiet "$UNIT.timer" 2>/dev/null; then
    systemctl disable --now "$UNIT.timer"
    log "disabled $UNIT.timer (storage.glusterfs.enforceCapacity is off)"
  fi
  removed=0
  for f in "$SYSTEMD_DIR/$UNIT.timer" "$SYSTEMD_DIR/$UNIT.service" "$SCRIPT_PATH"; do
    if [ -e "$f" ]; then
      rm -f "$f"
      removed=1
    fi
  done
  if [ "$removed" = 1 ]; then
    systemctl daemon-reload
    log "removed the quota agent"
  fi
  exit 0
fi

reload=0
put() {
  local dest=$1 mode=$2 content=$3 tmp
  tmp=$(mktemp)
  printf '%s\n' "$content" >"$tmp"
  if ! cmp -s "$tmp" "$dest"; then
    install -D -m "$mode" "$tmp" "$dest"
    log "wrote $dest"
    reload=1
  fi
  rm -f "$tmp"
}
put "$SCRIPT_PATH" 0755 "$SCRIPT"
put "$SYSTEMD_DIR/$UNIT.service" 0644 "$SERVICE"
put "$SYSTEMD_DIR/$UNIT.timer" 0644 "$TIMER"
if [ "$reload" = 1 ]; then systemctl daemon-reload; fi
if ! systemctl is-enabled --quiet "$UNIT.timer"; then
  systemctl enable "$UNIT.timer"
  log "enabled $UNIT.timer"
fi
if ! systemctl is-active --quiet "$UNIT.timer"; then
  systemctl start "$UNIT.timer"
  log "started $UNIT.timer"
fi
