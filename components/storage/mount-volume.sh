#!/usr/bin/env bash
# Mounts the GlusterFS volume with the native FUSE client, where PersistentVolumes live.
# Run by the host's systemd timer (at boot, then every 30 s) and by the platform's mount
# step: returns at once when the volume is mounted and answering; remounts a mount whose
# client died ("Transport endpoint is not connected").
#
# The client fetches the volume layout from one storage host's glusterd and then talks to
# every brick itself, so after mounting no single storage host matters. Only the fetch
# does: a glusterd that accepts the connection but never answers (a hung host) stalls a
# mount indefinitely, so each storage host gets ATTEMPT_SECONDS as the first server (the
# others are the client's backup-volfile-servers) before the next one is tried.
#
# Parameters (set by the caller before this body):
#   HOST_NAME, VOLUME, MOUNT (mount point), SERVERS (storage host addresses, in the order
#   this host tries them), MOUNT_OPTIONS (extra comma-separated mount options, may be
#   empty), ATTEMPT_SECONDS (per server), READ_AHEAD_KB (kernel read-ahead of the mount;
#   0 leaves the kernel's default)
set -euo pipefail

: "${HOST_NAME:?}" "${VOLUME:?}" "${MOUNT:?}" "${SERVERS:?}" "${ATTEMPT_SECONDS:?}"
MOUNT_OPTIONS=${MOUNT_OPTIONS:-}
READ_AHEAD_KB=${READ_AHEAD_KB:-0}

log() { printf '[glusterfs-mount %s] %s\n' "$HOST_NAME" "$*"; }

# Mount checks read the mount table, never the mount point: a stat on a FUSE mount whose
# client hangs (e.g. still waiting for a hung glusterd) would hang too.
fstype() { awk -v m="$MOUNT" '$5 == m { for (i = 7; i < NF; i++) if ($i == "-") { t = $(i + 1) } } END { print t }' /proc/self/mountinfo; }
mounted() { [ -n "$(fstype)" ]; }

# Mounted, a GlusterFS client, and answering within a bound (a dead client hangs or fails).
live() {
  [ "$(fstype)" = fuse.glusterfs ] && timeout -k 5 15 stat -t "$MOUNT" >/dev/null 2>&1
}

# The FUSE client process serving this mount point (its last argument), if any.
client_pids() {
  ps -eo pid=,args= | awk -v m="$MOUNT" '$2 ~ /glusterfs$/ && $NF == m {print $1}'
}

# Ends the mount point's client, then detaches its mount (without touching the mount point:
# -c skips canonicalizing the path), so the next attempt starts clean.
clean() {
  local pid
  for pid in $(client_pids); do kill -9 "$pid" 2>/dev/null || true; done
  while mounted; do
    timeout -k 5 15 umount -l -c "$MOUNT" || break
  done
}

# The kernel reads ahead of a sequential reader on the FUSE mount's own bdi; its default
# (128 KiB) keeps one 128 KiB request in flight, which leaves the bricks idle between
# round trips. Set on every run: a remount gets a new bdi.
read_ahead() {
  [ "$READ_AHEAD_KB" != 0 ] || return 0
  local file
  file=/sys/class/bdi/$(mountpoint -d "$MOUNT")/read_ahead_kb
  if [ -w "$file" ] && [ "$(cat "$file")" != "$READ_AHEAD_KB" ]; then
    echo "$READ_AHEAD_KB" >"$file"
    log "read-ahead of $MOUNT set to $READ_AHEAD_KB KiB"
  fi
}

if live; then
  read_ahead
  exit 0
fi
if mounted; then
  log "$MOUNT is mounted but does not answer; detaching it (pods using it must be restarted)"
fi
clean
[ -d "$MOUNT" ] || { log "$MOUNT does not exist" >&2; exit 1; }

# Under systemd the client runs in its own scope, so it outlives this oneshot service.
launcher=()
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
  launcher=(systemd-run --scope --quiet --collect "--description=GlusterFS client of $VOLUME at $MOUNT")
fi

read -r -a servers <<<"$SERVERS"
count=${#servers[@]}
for ((i = 0; i < count; i++)); do
  primary=${servers[i]}
  backups=()
  for ((j = 1; j < count; j++)); do backups+=("${servers[(i + j) % count]}"); done
  options="backup-volfile-servers=$(
    IFS=:
    echo "${backups[*]}"
  )"
  if [ -n "$MOUNT_OPTIONS" ]; then options="$options,$MOUNT_OPTIONS"; fi
  if timeout -k 5 "$ATTEMPT_SECONDS" "${launcher[@]}" mount -t glusterfs -o "$options" "$primary:/$VOLUME" "$MOUNT" && live; then
    log "mounted $VOLUME at $MOUNT (volume layout from $primary)"
    read_ahead
    exit 0
  fi
  log "no usable mount of $VOLUME from $primary within ${ATTEMPT_SECONDS}s; trying the next storage host"
  clean
done
log "could not mount $VOLUME from any storage host ($SERVERS)" >&2
exit 1
