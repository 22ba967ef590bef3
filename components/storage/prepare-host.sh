#!/usr/bin/env bash
# Storage host preparation: the GlusterFS server from the package mirror the Host prep
# configured, glusterd enabled and running, the optional brick device formatted as XFS and
# mounted, the bricks checked and their directories created. Idempotent: a re-run changes
# nothing.
#
# `gluster volume create` refuses, without `force`, a brick on the root filesystem and a
# brick that is itself a mount point. Both are checked here first, so the run fails on the
# host that needs fixing, with the fix: a brick device, a filesystem mounted on the bricks'
# parent, or ALLOW_ROOT_BRICKS=1 (storage.glusterfs.allowRootBricks, which passes `force`).
#
# A device is formatted only when `blkid` finds no filesystem on it, or when it already
# carries this script's XFS label (nothing to do then). Any other filesystem stops the run
# unless FORCE_FORMAT=1 (storage.glusterfs.forceFormat).
#
# Parameters (set by the caller before this body):
#   HOST_NAME, BRICKS (one directory per line), PACKAGES (space separated),
#   BRICK_DEVICE (optional), BRICK_MOUNT (mount point of BRICK_DEVICE), FORCE_FORMAT (0/1),
#   ALLOW_ROOT_BRICKS (0/1), ROOT_FS (default /: the filesystem that counts as root),
#   FSTAB (default /etc/fstab; tests point it elsewhere)
set -euo pipefail

: "${HOST_NAME:?}" "${BRICKS:?}" "${PACKAGES:?}"
BRICK_DEVICE=${BRICK_DEVICE:-}
BRICK_MOUNT=${BRICK_MOUNT:-}
FORCE_FORMAT=${FORCE_FORMAT:-0}
ALLOW_ROOT_BRICKS=${ALLOW_ROOT_BRICKS:-0}
ROOT_FS=${ROOT_FS:-/}
FSTAB=${FSTAB:-/etc/fstab}
# XFS labels hold at most 12 characters.
LABEL=glusterbrick

log() { printf '[storage-prep %s] %s\n' "$HOST_NAME" "$*"; }

# --- packages --------------------------------------------------------------------------
read -r -a packages <<<"$PACKAGES"
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Options::=--force-confold install "${missing[@]}"
    log "installed ${missing[*]}"
  fi
else
  for p in "${packages[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    yum -q -y install "${missing[@]}"
    log "installed ${missing[*]}"
  fi
fi

if ! systemctl is-enabled --quiet glusterd; then
  systemctl enable glusterd
  log "enabled glusterd"
fi
if ! systemctl is-active --quiet glusterd; then
  systemctl start glusterd
  log "started glusterd"
fi

# --- brick device ----------------------------------------------------------------------
if [ -n "$BRICK_DEVICE" ]; then
  : "${BRICK_MOUNT:?BRICK_MOUNT is required with BRICK_DEVICE}"
  [ -b "$BRICK_DEVICE" ] || { echo "$BRICK_DEVICE is not a block device" >&2; exit 1; }
  fstype=$(blkid -o value -s TYPE "$BRICK_DEVICE" || true)
  label=$(blkid -o value -s LABEL "$BRICK_DEVICE" || true)
  if [ "$fstype" = xfs ] && [ "$label" = "$LABEL" ]; then
    :
  elif [ -z "$fstype" ]; then
    # 512-byte inodes keep Gluster's extended attributes inside the inode.
    mkfs.xfs -q -i size=512 -L "$LABEL" "$BRICK_DEVICE"
    log "formatted $BRICK_DEVICE as XFS"
  elif [ "$FORCE_FORMAT" = 1 ]; then
    if findmnt -rn -S "$BRICK_DEVICE" >/dev/null; then
      echo "$BRICK_DEVICE holds $fstype and is mounted; refusing to format a mounted device" >&2
      exit 1
    fi
    mkfs.xfs -q -f -i size=512 -L "$LABEL" "$BRICK_DEVICE"
    log "formatted $BRICK_DEVICE as XFS (it held $fstype; forceFormat is set)"
  else
    echo "$BRICK_DEVICE already holds a $fstype filesystem; not formatting it (set storage.glusterfs.forceFormat to allow)" >&2
    exit 1
  fi
  uuid=$(blkid -o value -s UUID "$BRICK_DEVICE")
  mkdir -p "$BRICK_MOUNT"
  if ! awk -v m="$BRICK_MOUNT" '$1 !~ /^#/ && $2 == m {found=1} END {exit !found}' "$FSTAB"; then
    printf 'UUID=%s %s xfs defaults,inode64,noatime 0 0\n' "$uuid" "$BRICK_MOUNT" >>"$FSTAB"
    log "added $BRICK_MOUNT to $FSTAB"
  fi
  if ! mountpoint -q "$BRICK_MOUNT"; then
    mount --fstab "$FSTAB" "$BRICK_MOUNT"
    log "mounted $BRICK_MOUNT"
  fi
fi

# --- brick checks ----------------------------------------------------------------------
# The device a path is (or would be) created on: that of its deepest existing ancestor.
device_of() {
  local path=$1
  until [ -e "$path" ]; do path=$(dirname "$path"); done
  stat -c %d "$path"
}
root_device=$(stat -c %d "$ROOT_FS")
problems=0
while IFS= read -r brick; do
  [ -n "$brick" ] || continue
  if [ -d "$brick" ] && mountpoint -q "$brick"; then
    echo "[storage-prep $HOST_NAME] brick $brick is itself a mount point; GlusterFS refuses that: use a sub-directory of it as the brick (e.g. $brick/brick) in hosts[].bricks" >&2
    problems=$((problems + 1))
  elif [ "$(device_of "$brick")" = "$root_device" ] && [ "$ALLOW_ROOT_BRICKS" != 1 ]; then
    echo "[storage-prep $HOST_NAME] brick $brick is on the root filesystem, which GlusterFS refuses without force: set hosts[].brickDevice for $HOST_NAME, mount a filesystem on $(dirname "$brick"), or set storage.glusterfs.allowRootBricks: true" >&2
    problems=$((problems + 1))
  fi
done <<<"$BRICKS"
[ "$problems" -eq 0 ] || exit 1

# --- brick directories -----------------------------------------------------------------
while IFS= read -r brick; do
  [ -n "$brick" ] || continue
  if [ ! -d "$brick" ]; then
    mkdir -p "$brick"
    log "created brick directory $brick"
  fi
done <<<"$BRICKS"
