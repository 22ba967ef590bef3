#!/usr/bin/env bash
# Installs the apiserver load balancer on one master: haproxy and keepalived from the OS
# packages, their configs and the check script from the bundle. New configs are validated
# with `haproxy -c` and `keepalived -t` before they replace the running ones; services
# reload only when something changed.
# Parameters (environment): BUNDLES (paths of the copied bundles), HOST_ADDRESS (this master's
# address, to find the VIP interface when the config says @DETECTED_INTERFACE@); ROOT
# (install under this prefix instead of /: for tests).
set -euo pipefail

: "${BUNDLES:?}" "${HOST_ADDRESS:?}"
read -r -a bundles <<<"$BUNDLES"
ROOT="${ROOT:-}"
PLACEHOLDER="@DETECTED_INTERFACE@"

tmp_dir="$(mktemp -d)"
trap 'rm -rf "$tmp_dir"' EXIT
log() { printf '[apiserver-lb] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  for p in haproxy keepalived curl; do command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
    yum -q -y install "${missing[@]}"
  else
    DEBIAN_FRONTEND=noninteractive apt-get -q -y install "${missing[@]}"
  fi
}

detect_interface() {
  ip -o -4 addr show | awk -v a="$HOST_ADDRESS" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'
}

install_packages

# Stage every file, resolving the interface placeholder.
iface=""
declare -a paths=() modes=() staged=()
stage_bundle() {
  local bundle="$1" mode path b64 file
  while read -r mode path b64; do
    [ -n "${mode}" ] || continue
    file="${tmp_dir}/${#paths[@]}"
    printf '%s' "$b64" | base64 -d >"$file"
    if grep -q "$PLACEHOLDER" "$file"; then
      [ -n "$iface" ] || iface="$(detect_interface)"
      if [ -z "$iface" ]; then
        log "no interface holds ${HOST_ADDRESS}; set apiserver.interface"
        exit 1
      fi
      sed -i "s/${PLACEHOLDER}/${iface}/g" "$file"
    fi
    paths+=("${ROOT}${path}")
    modes+=("$mode")
    staged+=("$file")
  done <"$bundle"
  chmod 0600 "$bundle"
}
for bundle in "${bundles[@]}"; do stage_bundle "$bundle"; done

# Installs file i unless it is already in place; fails (1) when nothing changed.
install_file() {
  local i="$1"
  if [ -f "${paths[$i]}" ] && cmp -s "${staged[$i]}" "${paths[$i]}" &&
    [ "$(stat -c '%a' "${paths[$i]}")" = "${modes[$i]#0}" ]; then
    return 1
  fi
  install -D -m "${modes[$i]}" -o root -g root "${staged[$i]}" "${paths[$i]}"
}

changed_haproxy=0
changed_keepalived=0
# The CA and check script go first: the configs under test refer to them by path.
for i in "${!paths[@]}"; do
  case "${paths[$i]}" in
    *.cfg | *.conf) ;;
    *) if install_file "$i"; then changed_haproxy=1; changed_keepalived=1; fi ;;
  esac
done
# Validate both new configs before either replaces a running one.
for i in "${!paths[@]}"; do
  case "${paths[$i]}" in
    *haproxy.cfg) haproxy -c -q -f "${staged[$i]}" ;;
    *keepalived.conf) keepalived -t -f "${staged[$i]}" ;;
  esac
done
for i in "${!paths[@]}"; do
  case "${paths[$i]}" in
    *haproxy.cfg) if install_file "$i"; then changed_haproxy=1; fi ;;
    *keepalived.conf) if install_file "$i"; then changed_keepalived=1; fi ;;
  esac
done

systemctl enable haproxy keepalived >/dev/null 2>&1
if [ "$changed_haproxy" -eq 1 ] && systemctl is-active --quiet haproxy; then systemctl reload haproxy; fi
if [ "$changed_keepalived" -eq 1 ] && systemctl is-active --quiet keepalived; then systemctl reload keepalived; fi
systemctl start haproxy keepalived
log "ready (haproxy changed=${changed_haproxy}, keepalived changed=${changed_keepalived})"
