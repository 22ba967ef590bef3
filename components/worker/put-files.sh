#!/usr/bin/env bash
# Writes the files of a node (configs, units, certificates, keys) with their modes, then
# enables and starts the node daemons and restarts those whose files changed. Idempotent:
# unchanged files are not touched and nothing restarts. Files are written to a temporary
# file in the target directory (created 0600) and renamed into place, so a key is never
# readable by others, not even briefly.
# Parameters (set by the caller before this body):
#   NODE_NAME       the Kubernetes node name (the host name is set to it: no --hostname-override)
#   NODE_FILES      lines "service mode path base64-content"; service is containerd, kubelet,
#                   kube-proxy, sysctl or - (none)
#   NODE_RETIRED    lines "service path": files earlier releases wrote that must be gone (may be
#                   empty); removing one restarts its service like a changed file
#   START_SERVICES  space separated daemons to enable and start, in order (may be empty)
#   WAIT_KUBELET    true: wait for the kubelet health endpoint after starting it
set -euo pipefail

: "${NODE_NAME:?}" "${NODE_FILES:?}"
NODE_RETIRED=${NODE_RETIRED:-}
START_SERVICES=${START_SERVICES:-}
WAIT_KUBELET=${WAIT_KUBELET:-false}

log() { printf '[node-files %s] %s\n' "$NODE_NAME" "$*"; }

if [ -n "$START_SERVICES" ] && [ "$(hostname)" != "$NODE_NAME" ]; then
  hostnamectl set-hostname "$NODE_NAME"
  log "host name set to $NODE_NAME"
fi

changed=" "
units_changed=false
while read -r service mode path data; do
  [ -n "${path:-}" ] || continue
  dir=$(dirname "$path")
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.k8s-platform.XXXXXX")
  printf '%s' "$data" | base64 -d >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c %a "$path")" = "${mode#0}" ]; then
    rm -f "$tmp"
    continue
  fi
  chmod "$mode" "$tmp"
  chown root:root "$tmp"
  mv -f "$tmp" "$path"
  log "wrote $path ($mode)"
  case "$path" in /etc/systemd/system/*) units_changed=true ;; esac
  [ "$service" = - ] || changed="$changed$service "
done <<<"$NODE_FILES"

while read -r service path; do
  [ -n "${path:-}" ] || continue
  [ -e "$path" ] || continue
  rm -f -- "$path"
  log "removed $path (no longer used)"
  [ "$service" = - ] || changed="$changed$service "
done <<<"$NODE_RETIRED"

if [ "$units_changed" = true ]; then systemctl daemon-reload; fi
case "$changed" in *" sysctl "*) sysctl --system >/dev/null ;; esac

for unit in $START_SERVICES; do
  if ! systemctl is-enabled --quiet "$unit" || ! systemctl is-active --quiet "$unit"; then
    systemctl enable --now "$unit"
    log "$unit enabled and started"
    changed="${changed// $unit / }"
  fi
done

for unit in containerd kubelet kube-proxy; do
  case "$changed" in *" $unit "*) ;; *) continue ;; esac
  if systemctl is-active --quiet "$unit"; then
    systemctl restart "$unit"
    log "$unit restarted (configuration changed)"
  fi
done

if [ "$WAIT_KUBELET" = true ]; then
  for _ in $(seq 1 60); do
    if curl -fsS --max-time 2 http://127.0.0.1:10248/healthz >/dev/null 2>&1; then
      log "kubelet healthy"
      exit 0
    fi
    sleep 2
  done
  echo "kubelet did not become healthy within 120s; last log lines:" >&2
  journalctl -u kubelet -n 30 --no-pager >&2 || true
  exit 1
fi
