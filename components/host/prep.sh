#!/usr/bin/env bash
# Baseline OS preparation of a platform host. It first checks what the host's roles need
# and fails early, naming the host and the fix: a supported OS (EL 9, Ubuntu 24.04,
# Debian 12), cgroup v2 on nodes (kubelet 1.35 refuses v1), the packages of its roles in
# the configured repositories. Then: package repositories (only those providing the OS
# and what the roles need), base packages, time zone and chrony, swap off (checked),
# kernel modules and sysctls (checked after loading), firewalld removed, iptables flushed
# once (policies ACCEPT first, so the running SSH session survives), and on nodes only
# the IP forwarding and FORWARD ACCEPT rule pod traffic needs. Idempotent.
# Parameters (set by the caller before this body):
#   HOST_NAME, HOST_ROLES (space separated), HOST_TIMEZONE, HOST_NTP_SERVERS (space separated),
#   HOST_ROUTES_PODS (true on nodes: kubelet, kube-proxy, calico-node), HOST_MODULES (space
#   separated), HOST_SYSCTLS (lines "key = value"), HOST_NEEDS (repository roles beyond base:
#   storage, docker), HOST_YUM_REPOS (lines "id|baseurl|gpgkey|provides,..."; an empty gpgkey
#   is an allowed unsigned repository), HOST_APT_SOURCES (lines "provides,...|deb ...")
#   HOST_ROOT (tests only): prefix of every file the script reads or writes
set -euo pipefail

: "${HOST_NAME:?}" "${HOST_TIMEZONE:?}" "${HOST_NTP_SERVERS:?}"
HOST_ROLES=${HOST_ROLES:-}
HOST_ROUTES_PODS=${HOST_ROUTES_PODS:-false}
HOST_MODULES=${HOST_MODULES:-}
HOST_SYSCTLS=${HOST_SYSCTLS:-}
HOST_NEEDS=${HOST_NEEDS:-}
HOST_YUM_REPOS=${HOST_YUM_REPOS:-}
HOST_APT_SOURCES=${HOST_APT_SOURCES:-}
ROOT=${HOST_ROOT:-}
STATE_DIR=$ROOT/var/lib/k8s-platform

log() { printf '[host-prep %s] %s\n' "$HOST_NAME" "$*"; }
fail() {
  printf '[host-prep %s] FAILED: %s\n' "$HOST_NAME" "$*" >&2
  exit 1
}

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

has_word() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }

# --- 1. the OS: EL 9, Ubuntu 24.04 or Debian 12 -------------------------------------
[ -r "$ROOT/etc/os-release" ] || fail "no /etc/os-release: cannot tell the OS; the platform supports EL 9, Ubuntu 24.04 and Debian 12"
ID="" VERSION_ID="" PRETTY_NAME=""
# shellcheck source=/dev/null
. "$ROOT/etc/os-release"
case "${ID:-}:${VERSION_ID:-}" in
  rhel:9* | centos:9* | rocky:9* | almalinux:9*) family=rhel release=el9 ;;
  ubuntu:24.04) family=debian release=ubuntu2404 ;;
  debian:12*) family=debian release=debian12 ;;
  *)
    fail "runs ${PRETTY_NAME:-an unknown OS} (ID=${ID:-?}, VERSION_ID=${VERSION_ID:-?}); the platform supports EL 9 (RHEL, CentOS Stream, Rocky Linux, AlmaLinux), Ubuntu 24.04 and Debian 12: reinstall the host with one of them"
    ;;
esac
log "OS: ${PRETTY_NAME:-$ID $VERSION_ID} ($release), roles: ${HOST_ROLES:-none}"

# --- 2. nodes: cgroup v2 (the kubelet refuses v1: failCgroupV1) -------------------------
# cgroup.controllers exists only at the root of the unified (v2) hierarchy; a v1 or hybrid
# host has a tmpfs there instead.
if [ "$HOST_ROUTES_PODS" = true ]; then
  controllers="$ROOT/sys/fs/cgroup/cgroup.controllers"
  if [ ! -f "$controllers" ]; then
    if [ "$family" = rhel ]; then
      how="grubby --update-kernel=ALL --args=systemd.unified_cgroup_hierarchy=1"
    else
      how="add systemd.unified_cgroup_hierarchy=1 to GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub"
    fi
    fail "/sys/fs/cgroup is not cgroup v2 (unified); kubelet 1.35 refuses to start on cgroup v1 (failCgroupV1). Switch the host to cgroup v2: $how, then reboot"
  fi
  for c in cpu memory pids; do
    has_word "$(cat "$controllers")" "$c" ||
      fail "the cgroup v2 controller '$c' is not available (/sys/fs/cgroup/cgroup.controllers: $(cat "$controllers")); kubelet needs cpu, memory and pids: check the kernel command line (cgroup_disable=...)"
  done
fi

# --- 3. package repositories: those providing the OS and what the roles need ----------
wanted() { # wanted PROVIDES: the repository provides base or something the host needs
  local p
  for p in ${1//,/ }; do
    if [ "$p" = base ] || has_word "$HOST_NEEDS" "$p"; then return 0; fi
  done
  return 1
}
if [ "$family" = rhel ] && [ -n "$HOST_YUM_REPOS" ]; then
  if while IFS='|' read -r id baseurl gpgkey provides; do
    [ -n "$id" ] || continue
    wanted "$provides" || continue
    printf '[%s]\nname=%s (k8s-platform mirror: %s)\nbaseurl=%s\nenabled=1\n' "$id" "$id" "$provides" "$baseurl"
    if [ -n "$gpgkey" ]; then printf 'gpgcheck=1\ngpgkey=%s\n\n' "$gpgkey"; else printf 'gpgcheck=0\n\n'; fi
  done <<<"$HOST_YUM_REPOS" | write_file "$ROOT/etc/yum.repos.d/k8s-platform.repo" 0644; then
    yum -q makecache
  fi
fi
if [ "$family" = debian ] && [ -n "$HOST_APT_SOURCES" ]; then
  while IFS='|' read -r provides line; do
    [ -n "$line" ] || continue
    wanted "$provides" || continue
    case "$line" in
      *signed-by=*)
        key=${line#*signed-by=}
        key=${key%%[] ,]*}
        [ -f "$ROOT$key" ] ||
          fail "apt source '$line' needs its signing key at $key (signed-by), which is missing: put the repository's key there (e.g. curl -fsSL <mirror>/gpg -o $key)"
        ;;
    esac
  done <<<"$HOST_APT_SOURCES"
  if while IFS='|' read -r provides line; do
    [ -n "$line" ] || continue
    if wanted "$provides"; then printf '%s\n' "$line"; fi
  done <<<"$HOST_APT_SOURCES" | write_file "$ROOT/etc/apt/sources.list.d/k8s-platform.list" 0644; then
    apt-get -q update
  fi
fi

available() { # available PACKAGE: some enabled repository has it (or it is installed)
  if [ "$family" = rhel ]; then
    yum -q info "$1" >/dev/null 2>&1
  else
    [ -n "$(apt-cache madison "$1" 2>/dev/null)" ]
  fi
}
# require ROLE "what" "where": the packages of a repository role, each available, or fail.
require() {
  local role=$1 what=$2 where=$3 p missing=()
  shift 3
  for p in "$@"; do available "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local key=mirrors.packages.yum
  [ "$family" = debian ] && key=mirrors.packages.apt
  fail "$what (${missing[*]}) is in none of this host's repositories; $where. Add it to $key with provides: [$role]"
}
if has_word "$HOST_NEEDS" storage; then
  case "$release" in
    el9) where="on EL 9 the CentOS Storage SIG provides it (SIGs/9-stream/storage/\$basearch/gluster-11 and nfsganesha-5, key RPM-GPG-KEY-CentOS-SIG-Storage)" ;;
    ubuntu2404) where="on Ubuntu 24.04 it is in the universe component" ;;
    *) where="on Debian 12 it is in main" ;;
  esac
  require storage "GlusterFS server and NFS-Ganesha" "$where" glusterfs-server nfs-ganesha nfs-ganesha-gluster
fi
if has_word "$HOST_NEEDS" docker; then
  case "$release" in
    el9) require docker "Docker Engine with the compose v2 plugin (Harbor)" "Docker's repository provides it (download.docker.com/linux/rhel/9/\$basearch/stable)" docker-ce docker-ce-cli containerd.io docker-compose-plugin ;;
    debian12) require docker "Docker Engine with the compose v2 plugin (Harbor)" "Debian 12 has no compose v2: Docker's repository provides it (download.docker.com/linux/debian bookworm stable)" docker-ce docker-ce-cli containerd.io docker-compose-plugin ;;
    ubuntu2404)
      if ! { available docker-ce && available docker-compose-plugin; }; then
        require docker "Docker Engine with the compose v2 plugin (Harbor)" "Docker's repository (download.docker.com/linux/ubuntu noble stable) or universe (docker.io, docker-compose-v2) provides it" docker.io docker-compose-v2
      fi
      ;;
  esac
fi

# --- 4. base packages: every host; IPVS and proxy tools on nodes only --------------------
if [ "$family" = rhel ]; then
  packages=(chrony iptables curl tar)
  [ "$HOST_ROUTES_PODS" = true ] && packages+=(ipvsadm ipset conntrack-tools socat)
  missing=()
  for p in "${packages[@]}"; do rpm -q "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then yum -q -y install "${missing[@]}"; fi
  chrony_conf=$ROOT/etc/chrony.conf
  chrony_unit=chronyd
else
  packages=(chrony iptables curl tar)
  [ "$HOST_ROUTES_PODS" = true ] && packages+=(ipvsadm ipset conntrack socat)
  missing=()
  for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get -q -y install "${missing[@]}"; fi
  chrony_conf=$ROOT/etc/chrony/chrony.conf
  chrony_unit=chrony
fi
mkdir -p "$STATE_DIR"

# --- 5. time: one time zone, chrony against the configured servers ----------------------
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

# --- 6. swap off, now and at boot (kubelet's failSwapOn; etcd latency) ------------------
swapoff -a
if grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' "$ROOT/etc/fstab"; then
  sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# disabled by k8s-platform: \1/' "$ROOT/etc/fstab"
  log "swap disabled in /etc/fstab"
fi
# Swap units made by generators (zram-generator, systemd-gpt-auto) are wanted by swap.target.
systemctl mask swap.target >/dev/null 2>&1
active=$(awk 'NR > 1 { print $1 }' "$ROOT/proc/swaps" | tr '\n' ' ')
[ -z "$active" ] ||
  fail "swap is still active on ${active% } after swapoff -a; kubelet refuses to start with swap on: find what re-enables it (systemctl list-units --type swap) and disable it"

# --- 7. kernel modules the units need, now and at boot; checked ------------------------
module_loaded() {
  local m=${1//-/_}
  grep -q "^$m " "$ROOT/proc/modules" 2>/dev/null && return 0
  [ -d "$ROOT/sys/module/$m" ] && return 0
  grep -Eq "/${m//_/[-_]}\.ko(\.[a-z]+)?\$" "$ROOT/lib/modules/$(uname -r)/modules.builtin" 2>/dev/null
}
read -r -a modules <<<"$HOST_MODULES"
if [ "${#modules[@]}" -gt 0 ]; then
  printf '%s\n' "${modules[@]}" | write_file "$ROOT/etc/modules-load.d/k8s-platform.conf" 0644 || true
  for m in "${modules[@]}"; do
    if ! out=$(modprobe "$m" 2>&1) || ! module_loaded "$m"; then
      fail "kernel module $m does not load (modprobe $m: ${out:-loaded nothing}); the node's units need it: install the running kernel's modules package (EL 9: kernel-modules-extra; Ubuntu: linux-modules-extra-$(uname -r)) and reboot into that kernel"
    fi
  done
elif [ -e "$ROOT/etc/modules-load.d/k8s-platform.conf" ]; then
  rm -f "$ROOT/etc/modules-load.d/k8s-platform.conf"
  log "removed /etc/modules-load.d/k8s-platform.conf (no node agents here)"
fi

# --- 8. sysctls, applied and read back ------------------------------------------------
# sysctl_mismatch: the first configured key whose live value differs (empty: all hold).
sysctl_mismatch() {
  local key want file have
  while IFS='=' read -r key want; do
    key=${key// /}
    want=${want# }
    [ -n "$key" ] || continue
    file="$ROOT/proc/sys/${key//.//}"
    if [ ! -e "$file" ]; then
      echo "sysctl $key does not exist on this kernel (/proc/sys/${key//.//}): the module providing it is not loaded"
      return
    fi
    have=$(tr -s '[:space:]' ' ' <"$file")
    have=${have% }
    if [ "$have" != "$want" ]; then
      echo "sysctl $key is '$have', not '$want', after sysctl --system: a later file in /etc/sysctl.d, /run/sysctl.d or /usr/lib/sysctl.d overrides /etc/sysctl.d/90-k8s-platform.conf; remove that setting"
      return
    fi
  done <<<"$HOST_SYSCTLS"
}
if printf '%s\n' "$HOST_SYSCTLS" | write_file "$ROOT/etc/sysctl.d/90-k8s-platform.conf" 0644; then
  sysctl --system >/dev/null
fi
if [ -n "$(sysctl_mismatch)" ]; then
  # Changed since the last run (by hand or by a package): apply the files again, then judge.
  sysctl --system >/dev/null
  problem=$(sysctl_mismatch)
  [ -z "$problem" ] || fail "$problem"
fi

# --- 9. firewalld conflicts with calico and kube-proxy: remove it ----------------------
if systemctl list-unit-files firewalld.service >/dev/null 2>&1 && systemctl cat firewalld.service >/dev/null 2>&1; then
  systemctl disable --now firewalld >/dev/null 2>&1 || true
  if [ "$family" = rhel ]; then yum -q -y remove firewalld; else apt-get -q -y purge firewalld; fi
  log "firewalld removed"
fi

# --- 10. flush iptables once, on first preparation only --------------------------------
# Policies first: flushing the rules under a DROP policy would cut this SSH session.
if [ ! -e "$STATE_DIR/iptables-flushed" ]; then
  iptables -P INPUT ACCEPT
  iptables -P OUTPUT ACCEPT
  [ "$HOST_ROUTES_PODS" = true ] && iptables -P FORWARD ACCEPT
  for table in filter nat mangle raw; do
    iptables -t "$table" -F
    iptables -t "$table" -X
  done
  touch "$STATE_DIR/iptables-flushed"
  log "iptables flushed (first preparation)"
fi

# --- 11. nodes: FORWARD ACCEPT (container runtimes set the FORWARD policy to DROP) -------
forward_unit=$ROOT/etc/systemd/system/k8s-platform-forward.service
if [ "$HOST_ROUTES_PODS" = true ]; then
  iptables -C FORWARD -s 0.0.0.0/0 -j ACCEPT 2>/dev/null || iptables -I FORWARD -s 0.0.0.0/0 -j ACCEPT
  if write_file "$forward_unit" 0644 <<'UNIT'
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
elif [ -e "$forward_unit" ]; then
  # An earlier release accepted forwarding on every host; this one routes no pod traffic.
  systemctl disable k8s-platform-forward.service >/dev/null 2>&1 || true
  rm -f "$forward_unit"
  systemctl daemon-reload
  while iptables -C FORWARD -s 0.0.0.0/0 -j ACCEPT 2>/dev/null; do iptables -D FORWARD -s 0.0.0.0/0 -j ACCEPT; done
  log "removed the FORWARD ACCEPT rule (no pod traffic here)"
fi

log "prepared"
