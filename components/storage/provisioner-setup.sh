#!/bin/sh
# local-path-provisioner helper (busybox sh), run in a helper pod with the volume's mount
# point mounted, before a PersistentVolume is handed out: creates the PV's directory and,
# with capacity enforced, records the claim's size for the quota agents of the storage
# hosts (outside every PV's directory, so no tenant can edit it).
#
# Parameters: QUOTA (1/0, set by the renderer); VOL_DIR, VOL_SIZE_BYTES (set by the
# provisioner).
set -eu

: "${VOL_DIR:?}" "${VOL_SIZE_BYTES:?}"
name=${VOL_DIR##*/}
base=${VOL_DIR%/*}
# Any UID in the pod may write (as upstream); only this claim's pods mount it.
mkdir -p "$VOL_DIR"
chmod 0777 "$VOL_DIR"
if [ "$QUOTA" = 1 ]; then
  requested=$base/.k8s-platform/quota/requested
  mkdir -p "$requested"
  printf '%s\n' "$VOL_SIZE_BYTES" >"$requested/.$name.tmp"
  mv -f "$requested/.$name.tmp" "$requested/$name"
fi
