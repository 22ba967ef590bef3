#!/bin/sh
# local-path-provisioner helper (busybox sh), run when a PersistentVolume with reclaim
# policy Delete is released. With capacity enforced the PV's directory moves to the trash,
# where a storage host's quota agent removes its quota limit (while the directory still
# exists) and then the directory; otherwise it is removed here.
#
# Parameters: QUOTA (1/0, set by the renderer); VOL_DIR (set by the provisioner).
set -eu

: "${VOL_DIR:?}"
name=${VOL_DIR##*/}
base=${VOL_DIR%/*}
if [ "$QUOTA" = 1 ]; then
  rm -f "$base/.k8s-platform/quota/requested/$name"
  if [ -e "$VOL_DIR" ]; then
    mkdir -p "$base/.k8s-platform/trash"
    mv "$VOL_DIR" "$base/.k8s-platform/trash/$name"
  fi
else
  rm -rf "$VOL_DIR"
fi
