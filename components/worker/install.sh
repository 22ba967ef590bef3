#!/usr/bin/env bash
# Installs (or upgrades) node binaries from the release mirror, each verified against the
# upstream checksum file: containerd, runc, CNI plugins, kubelet, kube-proxy, kubectl.
# Idempotent: a component whose recorded version matches (and whose binary exists) is
# skipped, so a re-run downloads nothing. With RESTART=true, daemons whose binaries
# changed are restarted when running (the upgrade step); the first install leaves starting
# them to the configure step.
# Parameters (set by the caller before this body):
#   DOWNLOADS            one "name url checksum-url" line per requested component (components/worker/
#                        downloads.ts: the artifact manifest's URLs); names as in COMPONENTS
#   COMPONENTS           space separated subset of: containerd runc cni kubelet kube-proxy kubectl
#   KUBERNETES_VERSION, CONTAINERD_VERSION, RUNC_VERSION, CNI_VERSION (no leading v)
#   RESTART              true|false
#   INSTALL_ROOT         optional prefix of every installed path (tests install into a temp dir)
set -euo pipefail

: "${DOWNLOADS:?}" "${COMPONENTS:?}"
KUBERNETES_VERSION=${KUBERNETES_VERSION:-}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-}
RUNC_VERSION=${RUNC_VERSION:-}
CNI_VERSION=${CNI_VERSION:-}
RESTART=${RESTART:-false}
ROOT=${INSTALL_ROOT:-}
BIN_DIR=$ROOT/usr/local/bin
SBIN_DIR=$ROOT/usr/local/sbin
CNI_DIR=$ROOT/opt/cni/bin
STATE_DIR=$ROOT/var/lib/k8s-platform/versions

log() { printf '[node-install %s] %s\n' "$(hostname)" "$*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$STATE_DIR" "$BIN_DIR" "$SBIN_DIR" "$CNI_DIR"

fetch() {
  curl -fsSL --retry 5 --retry-delay 2 --connect-timeout 15 -o "$2" "$1"
}

# download_url NAME FIELD: the URL (FIELD 2) or checksum URL (FIELD 3) of a download.
download_url() {
  local url
  url=$(awk -v name="$1" -v f="$2" '$1 == name { print $f; exit }' <<<"$DOWNLOADS")
  if [ -z "$url" ]; then
    echo "no download for $1 in DOWNLOADS" >&2
    exit 1
  fi
  printf '%s\n' "$url"
}

# get NAME DIR: downloads NAME and its checksum file into DIR, verifies, prints the file path.
get() {
  local url sums file
  url=$(download_url "$1" 2)
  sums=$(download_url "$1" 3)
  file=${url##*/}
  fetch "$url" "$2/$file"
  fetch "$sums" "$2/$file.sums"
  verify "$2/$file" "$2/$file.sums" "$file"
  printf '%s\n' "$2/$file"
}

# expected_sha256 SUMFILE NAME: the digest for NAME; a bare-hex file (dl.k8s.io) holds only it.
expected_sha256() {
  awk -v name="$2" '
    NF == 1 && length($1) == 64 && $1 ~ /^[0-9a-f]+$/ { bare = $1 }
    NF >= 2 && ($2 == name || $2 == "*" name) { print $1; found = 1; exit }
    END { if (!found && bare != "") print bare }
  ' "$1"
}

# verify FILE SUMFILE NAME: fails loudly when the checksum is missing or differs.
verify() {
  local want got
  want=$(expected_sha256 "$2" "$3")
  if [ -z "$want" ]; then
    echo "no sha256 for $3 in $(basename "$2"); refusing to install an unverified file" >&2
    exit 1
  fi
  got=$(sha256sum "$1" | awk '{print $1}')
  if [ "$got" != "$want" ]; then
    echo "sha256 mismatch for $3: got $got, want $want" >&2
    exit 1
  fi
}

# current COMPONENT VERSION FILE: true when VERSION is recorded and FILE exists.
current() {
  [ -e "$3" ] && [ "$(cat "$STATE_DIR/$1" 2>/dev/null || true)" = "$2" ]
}

# place SRC DEST: atomic replace of an executable (a running binary is never written over).
place() {
  install -m 0755 "$1" "$2.k8s-platform-new"
  mv -f "$2.k8s-platform-new" "$2"
}

record() { printf '%s\n' "$2" >"$STATE_DIR/$1"; }

changed=()
want() { case " $COMPONENTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
need_version() {
  if [ -z "$2" ]; then
    echo "$1 requested but its version is empty" >&2
    exit 1
  fi
}

if want containerd; then
  need_version containerd "$CONTAINERD_VERSION"
  if ! current containerd "$CONTAINERD_VERSION" "$BIN_DIR/containerd"; then
    tarball=$(get containerd "$work")
    mkdir -p "$work/containerd"
    tar -xzf "$tarball" -C "$work/containerd"
    for bin in "$work"/containerd/bin/*; do place "$bin" "$BIN_DIR/$(basename "$bin")"; done
    record containerd "$CONTAINERD_VERSION"
    changed+=(containerd)
    log "containerd $CONTAINERD_VERSION installed"
  fi
fi

if want runc; then
  need_version runc "$RUNC_VERSION"
  if ! current runc "$RUNC_VERSION" "$SBIN_DIR/runc"; then
    binary=$(get runc "$work")
    place "$binary" "$SBIN_DIR/runc"
    record runc "$RUNC_VERSION"
    log "runc $RUNC_VERSION installed (running containers keep their runc)"
  fi
fi

if want cni; then
  need_version cni "$CNI_VERSION"
  if ! current cni "$CNI_VERSION" "$CNI_DIR/loopback"; then
    tgz=$(get cni "$work")
    mkdir -p "$work/cni"
    tar -xzf "$tgz" -C "$work/cni"
    for bin in "$work"/cni/*; do
      if [ -f "$bin" ]; then place "$bin" "$CNI_DIR/$(basename "$bin")"; fi
    done
    record cni "$CNI_VERSION"
    log "CNI plugins $CNI_VERSION installed"
  fi
fi

for bin in kubelet kube-proxy kubectl; do
  want "$bin" || continue
  need_version "$bin" "$KUBERNETES_VERSION"
  if ! current "$bin" "$KUBERNETES_VERSION" "$BIN_DIR/$bin"; then
    binary=$(get "$bin" "$work")
    place "$binary" "$BIN_DIR/$bin"
    record "$bin" "$KUBERNETES_VERSION"
    changed+=("$bin")
    log "$bin $KUBERNETES_VERSION installed"
  fi
done

if [ "$RESTART" = true ] && [ "${#changed[@]}" -gt 0 ]; then
  for unit in containerd kubelet kube-proxy; do
    case " ${changed[*]} " in *" $unit "*) ;; *) continue ;; esac
    if systemctl is-active --quiet "$unit"; then
      systemctl restart "$unit"
      log "$unit restarted on the new binary"
    fi
  done
fi
log "binaries current: ${COMPONENTS}"
