#!/usr/bin/env bash
# Installs the native GlusterFS client mount on a host that holds PersistentVolumes (every
# kubelet host) or runs the quota agent (storage hosts): the FUSE client package, the mount
# point, the mount script and the systemd service + timer that keep the volume mounted,
# then mounts it. Idempotent: a re-run rewrites nothing that is unchanged and never
# remounts a live mount (that would cut every pod off its volume).
#
# While the volume is not mounted the mount point is immutable (chattr +i), so nothing
# (kubelet creating a hostPath PV directory, a provisioner helper) can write to the local
# disk under it and have the data vanish once the volume is mounted over it.
#
# Parameters (set by the caller before this body):
#   HOST_NAME, MOUNT, UNIT (systemd unit name without suffix),
#   PACKAGES_DEB / PACKAGES_RPM (client packages by package manager, space separated),
#   MOUNT_SCRIPT (content), MOUNT_SCRIPT_PATH, SERVICE, TIMER (unit file contents),
#   SYSTEMD_DIR (default /etc/systemd/system; tests point it elsewhere)
set -euo pipefail

: "${HOST_NAME:?}" "${MOUNT:?}" "${UNIT:?}" "${PACKAGES_DEB:?}" "${PACKAGES_RPM:?}"
: "${MOUNT_SCRIPT:?}" "${MOUNT_SCRIPT_PATH:?}" "${SERVICE:?}" "${TIMER:?}"
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}

log() { printf '[storage-mount %s] %s\n' "$HOST_NAME" "$*"; }
die() {
  printf '[storage-mount %s] %s\n' "$HOST_NAME" "$*" >&2
  exit 1
}

# --- packages --------------------------------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  read -r -a packages <<<"$PACKAGES_DEB"
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confold install "${missing[@]}"
    log "installed ${missing[*]}"
  fi
else
  read -r -a packages <<<"$PACKAGES_RPM"
  for p in "${packages[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    yum -q -y install "${missing[@]}"
    log "installed ${missing[*]}"
  fi
fi

# --- mount point -----------------------------------------------------------------------
# From the mount table: a stat on a mount whose client hangs would hang this step too.
mounted() { awk -v m="$MOUNT" '$5 == m {found = 1} END {exit !found}' /proc/self/mountinfo; }
if ! mounted; then
  if [ ! -d "$MOUNT" ]; then
    mkdir -p "$MOUNT"
    log "created $MOUNT"
  fi
  if [ -n "$(ls -A "$MOUNT")" ]; then
    die "$MOUNT holds files although the volume is not mounted there (written to the local disk while it was not mounted); move them away, then run pulumi up again"
  fi
  if ! lsattr -d "$MOUNT" | awk '{exit !($1 ~ /i/)}'; then
    chattr +i "$MOUNT"
    log "made $MOUNT immutable while the volume is not mounted on it"
  fi
fi

# --- mount script and units ------------------------------------------------------------
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
put "$MOUNT_SCRIPT_PATH" 0755 "$MOUNT_SCRIPT"
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

# --- mount now (returns at once when already mounted and answering) -----------------------
systemctl start "$UNIT.service"
mounted || die "the volume is not mounted at $MOUNT after $UNIT.service ran; see journalctl -u $UNIT.service"
