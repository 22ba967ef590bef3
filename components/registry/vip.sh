#!/usr/bin/env bash
# The registry VIP on one Harbor host: keepalived from the package mirror, run as its own
# unit (harbor-keepalived.service, own config and pid files) with the Harbor health check.
# Idempotent: files are rewritten only when their content changes; keepalived is reloaded
# only then.
# Parameters (set by the caller before this body):
#   VIP_HOST_ADDRESS, VIP_IFACE_PLACEHOLDER, VIP_CONF + VIP_CONF_TEXT, VIP_UNIT + VIP_UNIT_TEXT,
#   VIP_CHECK_SCRIPT + VIP_CHECK_SCRIPT_TEXT
set -euo pipefail

: "${VIP_HOST_ADDRESS:?}" "${VIP_IFACE_PLACEHOLDER:?}" "${VIP_CONF:?}" "${VIP_CONF_TEXT:?}"
: "${VIP_UNIT:?}" "${VIP_UNIT_TEXT:?}" "${VIP_CHECK_SCRIPT:?}" "${VIP_CHECK_SCRIPT_TEXT:?}"

log() { printf '[harbor-vip] %s\n' "$*"; }

# write_file PATH MODE: content on stdin; exit status 0 when the file changed.
write_file() {
  local path=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
    rm -f "$tmp"
    return 1
  fi
  install -D -m "$mode" "$tmp" "$path"
  rm -f "$tmp"
  log "wrote $path"
  return 0
}

if ! command -v keepalived >/dev/null; then
  if command -v yum >/dev/null; then
    yum -y -q install keepalived
  else
    DEBIAN_FRONTEND=noninteractive apt-get -y -q install keepalived
  fi
fi

# The interface that holds the host address carries the VIP unless the config names one.
iface=$(ip -o -4 addr show | awk -v a="$VIP_HOST_ADDRESS" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')
if [ -z "$iface" ] && grep -q "$VIP_IFACE_PLACEHOLDER" <<<"$VIP_CONF_TEXT"; then
  echo "no interface holds $VIP_HOST_ADDRESS; set registry.interface" >&2
  exit 1
fi

changed=false
# enable_script_security refuses a check script that is not root-owned and non-writable.
if printf '%s\n' "$VIP_CHECK_SCRIPT_TEXT" | write_file "$VIP_CHECK_SCRIPT" 0755; then changed=true; fi
if printf '%s\n' "${VIP_CONF_TEXT//"$VIP_IFACE_PLACEHOLDER"/$iface}" | write_file "$VIP_CONF" 0640; then changed=true; fi
keepalived -t -f "$VIP_CONF"
if printf '%s\n' "$VIP_UNIT_TEXT" | write_file "$VIP_UNIT" 0644; then
  systemctl daemon-reload
  changed=true
fi
systemctl enable harbor-keepalived.service >/dev/null 2>&1
if ! systemctl is-active --quiet harbor-keepalived.service; then
  systemctl start harbor-keepalived.service
elif [ "$changed" = true ]; then
  systemctl reload harbor-keepalived.service
fi
log "keepalived for the registry VIP is running on $iface"
