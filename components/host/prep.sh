#!/usr/bin/env bash
# Baseline OS preparation of a platform host: package mirrors, base packages, time zone
# and chrony, swap off, kernel modules, sysctls, firewalld removed, iptables flushed once,
# the FORWARD ACCEPT rule the source design needs. Idempotent: a re-run changes nothing.
# Parameters (set by the caller before this body):
#   HOST_NAME, HOST_TIMEZONE, HOST_NTP_SERVERS (space separated),
#   HOST_YUM_REPOS (lines "id|baseurl|gpgkey"), HOST_APT_SOURCES (lines "deb ...")
set -euo pipefail

: "${HOST_NAME:?}" "${HOST_TIMEZONE:?}" "${HOST_NTP_SERVERS:?}"
HOST_YUM_REPOS=${HOST_YUM_REPOS:-}
HOST_APT_SOURCES=${HOST_APT_SOURCES:-}
STATE_DIR=/var/lib/k8s-platform

log() { printf '[host-prep %s] %s\n' "$HOST_NAME" "$*"; }

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

# shellcheck source=/dev/null
. /etc/os-release
case " ${ID:-} ${ID_LIKE:-} " in
  *" rhel "* | *" centos "* | *" fedora "* | *" rocky "* | *" almalinux "*) family=rhel ;;
  *" debian "* | *" ubuntu "*) family=debian ;;
  *)
    echo "unsupported OS '${ID:-unknown}': the platform supports the RHEL and Debian families" >&2
    exit 1
    ;;
esac
mkdir -p "$STATE_DIR"

# --- package mirrors ---------------------------------------------------------------
if [ "$family" = rhel ] && [ -n "$HOST_YUM_REPOS" ]; then
  if while IFS='|' read -r id baseurl gpgkey; do
    [ -n "$id" ] || continue
    printf '[%s]\nname=%s (k8s-platform mirror)\nbaseurl=%s\nenabled=1\n' "$id" "$id" "$baseurl"
    if [ -n "$gpgkey" ]; then printf 'gpgcheck=1\ngpgkey=%s\n\n' "$gpgkey"; else printf 'gpgcheck=0\n\n'; fi
  done <<<"$HOST_YUM_REPOS" | write_file /etc/yum.repos.d/k8s-platform.repo 0644; then
    yum -q makecache
  fi
fi
if [ "$family" = debian ] && [ -n "$HOST_APT_SOURCES" ]; then
  if printf '%s\n' "$HOST_APT_SOURCES" | write_file /etc/apt/sources.list.d/k8s-platform.list 0644; then
    apt-get -q update
  fi
fi

# --- base packages -----------------------------------------------------------------
if [ "$family" = rhel ]; then
  packages=(chrony ipvsadm ipset conntrack-tools socat iptables curl tar)
  missing=()
  for p in "${packages[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then yum -q -y install "${missing[@]}"; fi
  chrony_conf=/etc/chrony.conf
  chrony_unit=chronyd
else
  packages=(chrony ipvsadm ipset conntrack socat iptables curl tar)
  missing=()
  for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get -q -y install "${missing[@]}"; fi
  chrony_conf=/etc/chrony/chrony.conf
  chrony_unit=chrony
fi

# --- time: one time zone, chrony against the configured servers ----------------------
if [ "$(timedatectl show -p Timezone --value 2>/dev/null || true)" != "$HOST_TIMEZONE" ]; then
  timedatectl set-timezone "$HOST_TIMEZONE"
  log "time zone set to $HOST_TIMEZONE"
fi
read -r -a ntp_servers <<<"$HOST_NTP_SERVERS"
if {
  echo "# managed by k8s-platform"
  for s in "${ntp_servers[@]}"; do echo "server $s iburst"; done
  echo "driftfile /var/lib/chrony/drift"
  echo "makestep 1.0 3"
  echo "rtcsync"
} | write_file "$chrony_conf" 0644; then
  systemctl restart "$chrony_unit"
fi
systemctl enable --now "$chrony_unit" >/dev/null

# --- swap off, now and at boot -----------------------------------------------------
swapoff -a
if grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' /etc/fstab; then
  sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# disabled by k8s-platform: \1/' /etc/fstab
  log "swap disabled in /etc/fstab"
fi

# --- kernel modules, now and at boot -----------------------------------------------
modules=(overlay br_netfilter ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh nf_conntrack)
printf '%s\n' "${modules[@]}" | write_file /etc/modules-load.d/k8s-platform.conf 0644 || true
for m in "${modules[@]}"; do modprobe "$m"; done

# --- sysctls ---------------------------------------------------------------------
if write_file /etc/sysctl.d/90-k8s-platform.conf 0644 <<'SYSCTL'
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.conf.all.rp_filter = 0
net.ipv4.neigh.default.gc_thresh1 = 8192
net.ipv4.neigh.default.gc_thresh2 = 32768
net.ipv4.neigh.default.gc_thresh3 = 65536
net.netfilter.nf_conntrack_max = 1048576
fs.inotify.max_user_watches = 1048576
fs.inotify.max_user_instances = 8192
vm.swappiness = 0
vm.overcommit_memory = 1
vm.panic_on_oom = 0
kernel.panic = 10
kernel.panic_on_oops = 1
SYSCTL
then
  sysctl --system >/dev/null
fi

# --- firewalld conflicts with calico and kube-proxy: remove it ------------------------
if systemctl list-unit-files firewalld.service >/dev/null 2>&1 && systemctl cat firewalld.service >/dev/null 2>&1; then
  systemctl disable --now firewalld >/dev/null 2>&1 || true
  if [ "$family" = rhel ]; then yum -q -y remove firewalld; else apt-get -q -y purge firewalld; fi
  log "firewalld removed"
fi

# --- flush iptables once, on first preparation only ---------------------------------
if [ ! -e "$STATE_DIR/iptables-flushed" ]; then
  for table in filter nat mangle raw; do
    iptables -t "$table" -F
    iptables -t "$table" -X
  done
  iptables -P FORWARD ACCEPT
  touch "$STATE_DIR/iptables-flushed"
  log "iptables flushed (first preparation)"
fi

# --- FORWARD ACCEPT (container runtimes set the FORWARD policy to DROP), now and at boot --
iptables -C FORWARD -s 0.0.0.0/0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -s 0.0.0.0/0 -j ACCEPT
if write_file /etc/systemd/system/k8s-platform-forward.service 0644 <<'UNIT'
[Unit]
Description=k8s-platform: accept forwarded pod traffic (FORWARD policy may be DROP)
After=network-pre.target containerd.service
Wants=network-pre.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'iptables -C FORWARD -s 0.0.0.0/0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -s 0.0.0.0/0 -j ACCEPT'
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
UNIT
then
  systemctl daemon-reload
fi
systemctl enable k8s-platform-forward.service >/dev/null 2>&1

log "prepared"
