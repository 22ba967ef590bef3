#!/usr/bin/env bash
# Quota agent: turns the provisioner's capacity requests into GlusterFS directory quotas.
# Run by a systemd timer on every storage host (the gluster CLI can change a volume only
# through the local glusterd socket; glusterd answers read-only commands over TCP).
#
# The provisioner's helper pod writes, on the volume itself:
#   .k8s-platform/quota/requested/<pv-dir>   the claim's size in bytes, when it creates a PV
#   .k8s-platform/trash/<pv-dir>             the PV's directory, moved there when it deletes one
# This agent sets `limit-usage /<pv-dir> <bytes>` and records it in
# .k8s-platform/quota/applied/<pv-dir>; for a trashed directory it removes the limit (by
# the directory's gfid, which the move kept) and then the directory. Only names of the
# provisioner's form and sizes of digits are used. Several storage hosts may run at once:
# every step is idempotent, and a step another host's CLI transaction blocked is retried
# on the next run.
#
# Parameters (set by the caller before this body):
#   VOLUME, MOUNT (where the volume is mounted on this host),
#   GLUSTERD_SOCK, CLI_LOG (optional: which glusterd the CLI talks to; tests)
set -euo pipefail

: "${VOLUME:?}" "${MOUNT:?}"
GLUSTERD_SOCK=${GLUSTERD_SOCK:-}
CLI_LOG=${CLI_LOG:-}

cli=(gluster --mode=script)
if [ -n "$GLUSTERD_SOCK" ]; then cli+=("--glusterd-sock=$GLUSTERD_SOCK"); fi
if [ -n "$CLI_LOG" ]; then cli+=("--log-file=$CLI_LOG"); fi
log() { printf '[gluster-quota %s] %s\n' "$VOLUME" "$*"; }

# From the mount table, then a bounded stat: a hung client must not hang the agent.
if ! awk -v m="$MOUNT" '$5 == m {found = 1} END {exit !found}' /proc/self/mountinfo ||
  ! timeout -k 5 15 stat -t "$MOUNT" >/dev/null 2>&1; then
  log "$MOUNT is not mounted or does not answer; nothing to do until it does"
  exit 0
fi
state=$MOUNT/.k8s-platform/quota
trash=$MOUNT/.k8s-platform/trash
mkdir -p "$state/requested" "$state/applied" "$trash"

# <pv>_<namespace>_<claim>: local-path-provisioner's directory name for a claim.
name_ok() { [[ $1 =~ ^pvc-[0-9a-f-]{1,64}_[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?_[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; }

failed=0
for request in "$state/requested"/*; do
  [ -f "$request" ] || continue
  name=${request##*/}
  name_ok "$name" || {
    log "ignoring request $name: not a provisioner directory name"
    continue
  }
  bytes=$(head -c 32 "$request" | tr -d '\n')
  [[ $bytes =~ ^[1-9][0-9]{0,18}$ ]] || {
    log "ignoring request $name: size '$bytes' is not a byte count"
    continue
  }
  [ -d "$MOUNT/$name" ] || continue
  if [ "$(cat "$state/applied/$name" 2>/dev/null || true)" = "$bytes" ]; then continue; fi
  if out=$("${cli[@]}" volume quota "$VOLUME" limit-usage "/$name" "$bytes" 2>&1); then
    printf '%s\n' "$bytes" >"$state/applied/$name"
    log "limit /$name to $bytes bytes"
  else
    log "limit /$name to $bytes bytes failed (retried next run): $out"
    failed=1
  fi
done

for dir in "$trash"/*; do
  [ -d "$dir" ] || continue
  name=${dir##*/}
  name_ok "$name" || {
    log "ignoring trash entry $name: not a provisioner directory name"
    continue
  }
  if [ -e "$state/applied/$name" ]; then
    if ! out=$("${cli[@]}" volume quota "$VOLUME" remove "/.k8s-platform/trash/$name" 2>&1); then
      log "removing the limit of $name failed (retried next run): $out"
      failed=1
      continue
    fi
    rm -f "$state/applied/$name"
  fi
  rm -rf "$dir"
  log "deleted $name and its limit"
done
exit "$failed"
