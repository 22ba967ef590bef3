#!/usr/bin/env bash
# NFS-Ganesha on a storage host, exporting the Gluster volume through libgfapi
# (FSAL_GLUSTER): writes /etc/ganesha/ganesha.conf, restarts the service only when the
# file changed, keeps it enabled and running. Idempotent.
#
# Parameters (set by the caller before this body):
#   HOST_NAME, GANESHA_CONF (the whole configuration file)
set -euo pipefail

: "${HOST_NAME:?}" "${GANESHA_CONF:?}"
CONF=/etc/ganesha/ganesha.conf
SERVICE=nfs-ganesha

log() { printf '[ganesha %s] %s\n' "$HOST_NAME" "$*"; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "$GANESHA_CONF" >"$tmp"
restart=0
if ! cmp -s "$tmp" "$CONF"; then
  install -D -m 0644 "$tmp" "$CONF"
  log "wrote $CONF"
  restart=1
fi
if ! systemctl is-enabled --quiet "$SERVICE"; then
  systemctl enable "$SERVICE"
  log "enabled $SERVICE"
fi
if ! systemctl is-active --quiet "$SERVICE"; then
  systemctl start "$SERVICE"
  log "started $SERVICE"
elif [ "$restart" = 1 ]; then
  systemctl restart "$SERVICE"
  log "restarted $SERVICE"
fi
