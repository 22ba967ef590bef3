#!/usr/bin/env bash
# Installs one Harbor instance from the offline installer: docker + compose from the package
# mirror, the installer tarball from the binaries mirror (checksum verified), the TLS files,
# the harbor.service unit, and `./install.sh` - run only when the version or harbor.yml
# changed since the last successful install (hash marker). A re-run changes nothing.
# The staged secrets (harbor.yml, TLS key) are moved into place (0600, root) and removed
# from the staging directory; a staged file that is absent was installed by an earlier run
# (its copy step re-copies it only when it changes).
# Parameters (set by the caller before this body):
#   HARBOR_VERSION, HARBOR_HOSTNAME, HARBOR_HTTPS_PORT, HARBOR_INSTALLER_URL, HARBOR_MD5_URL, HARBOR_INSTALLER_SHA256 (may be empty),
#   HARBOR_WITH_TRIVY (true|false), HARBOR_DATA_DIR, HARBOR_STAGED_CONFIG + HARBOR_STAGED_TLS_KEY
#   (copied by the caller, secret), HARBOR_CONFIG + HARBOR_TLS_KEY (where they are installed),
#   HARBOR_LEGACY_CONFIG (an earlier release's copy, removed), HARBOR_CONFIG_DIR,
#   HARBOR_INSTALL_PARENT, HARBOR_INSTALL_DIR, HARBOR_MARKER, HARBOR_DOWNLOAD_DIR,
#   HARBOR_TLS_CERT + HARBOR_TLS_CERT_PEM, HARBOR_CA_CERT + HARBOR_CA_PEM, HARBOR_UNIT +
#   HARBOR_UNIT_TEXT, HARBOR_API_SCRIPT + HARBOR_API_SCRIPT_TEXT
set -euo pipefail

: "${HARBOR_VERSION:?}" "${HARBOR_HOSTNAME:?}" "${HARBOR_HTTPS_PORT:?}" "${HARBOR_INSTALLER_URL:?}" "${HARBOR_MD5_URL:?}" "${HARBOR_DATA_DIR:?}"
: "${HARBOR_STAGED_CONFIG:?}" "${HARBOR_STAGED_TLS_KEY:?}" "${HARBOR_LEGACY_CONFIG:?}" "${HARBOR_CONFIG_DIR:?}"
: "${HARBOR_CONFIG:?}" "${HARBOR_INSTALL_PARENT:?}" "${HARBOR_INSTALL_DIR:?}" "${HARBOR_MARKER:?}"
: "${HARBOR_DOWNLOAD_DIR:?}" "${HARBOR_TLS_CERT:?}" "${HARBOR_TLS_CERT_PEM:?}" "${HARBOR_TLS_KEY:?}" "${HARBOR_CA_CERT:?}"
: "${HARBOR_CA_PEM:?}" "${HARBOR_UNIT:?}" "${HARBOR_UNIT_TEXT:?}" "${HARBOR_API_SCRIPT:?}"
: "${HARBOR_API_SCRIPT_TEXT:?}"
HARBOR_INSTALLER_SHA256=${HARBOR_INSTALLER_SHA256:-}
HARBOR_WITH_TRIVY=${HARBOR_WITH_TRIVY:-false}

log() { printf '[harbor-install] %s\n' "$*"; }

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

# staged_or_installed STAGED INSTALLED: one of them must exist (absent staged = installed before).
staged_or_installed() {
  [ -f "$1" ] || [ -f "$2" ] ||
    { echo "missing $1 (copied by the Registry component) and nothing installed at $2: re-copy it (pulumi up --replace its copy step)" >&2; exit 1; }
}
staged_or_installed "$HARBOR_STAGED_CONFIG" "$HARBOR_CONFIG"
staged_or_installed "$HARBOR_STAGED_TLS_KEY" "$HARBOR_TLS_KEY"
# consume STAGED INSTALLED: moves a staged secret into place (root, 0600) and removes it.
consume() {
  [ -f "$1" ] || return 0
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    install -D -m 0600 -o root -g root "$1" "$2"
    log "installed $2"
  fi
  chmod 0600 "$2"
  rm -f "$1"
}

# --- container engine: docker + compose v2 from the package mirror -------------------
# Host prep has checked that the host's repositories provide them (provides: [docker]):
# Docker's repository on EL 9 and Debian 12 (Debian has no compose v2); on Ubuntu 24.04
# Docker's repository or universe's docker.io + docker-compose-v2 (never both: the two
# compose packages install the same plugin file).
if ! docker compose version >/dev/null 2>&1; then
  # shellcheck source=/dev/null
  . /etc/os-release
  case "${ID:-}" in
    rhel | centos | rocky | almalinux)
      yum -y -q install docker-ce docker-ce-cli containerd.io docker-compose-plugin curl jq
      ;;
    debian | ubuntu)
      export DEBIAN_FRONTEND=noninteractive
      if [ -n "$(apt-cache madison docker-ce 2>/dev/null)" ]; then
        apt-get -y -q install docker-ce docker-ce-cli containerd.io docker-compose-plugin curl jq
      elif [ "${ID:-}" = ubuntu ]; then
        apt-get -y -q install docker.io docker-compose-v2 curl jq
      else
        echo "Debian has no docker compose v2: add Docker's repository to mirrors.packages.apt with provides: [docker]" >&2
        exit 1
      fi
      ;;
    *)
      echo "unsupported OS '${ID:-unknown}' for the Harbor hosts (EL 9, Ubuntu 24.04, Debian 12)" >&2
      exit 1
      ;;
  esac
fi
command -v jq >/dev/null || { echo "jq is required (package mirror)" >&2; exit 1; }
systemctl enable --now docker >/dev/null

# --- TLS files and the API helper ---------------------------------------------------
install -d -m 0700 -o root -g root "$HARBOR_CONFIG_DIR"
consume "$HARBOR_STAGED_TLS_KEY" "$HARBOR_TLS_KEY"
printf '%s\n' "$HARBOR_TLS_CERT_PEM" | write_file "$HARBOR_TLS_CERT" 0644 || true
# prepare checks the ca_bundle is readable by the registry's uid 10000 or by others.
printf '%s\n' "$HARBOR_CA_PEM" | write_file "$HARBOR_CA_CERT" 0644 || true
printf '%s\n' "$HARBOR_API_SCRIPT_TEXT" | write_file "$HARBOR_API_SCRIPT" 0750 || true
install -d -m 0755 "$HARBOR_DATA_DIR"

# --- installer: download once per version, verify, unpack ---------------------------
tarball="$HARBOR_DOWNLOAD_DIR/harbor-offline-installer-v$HARBOR_VERSION.tgz"
if [ ! -f "$tarball" ]; then
  install -d -m 0755 "$HARBOR_DOWNLOAD_DIR"
  log "downloading $HARBOR_INSTALLER_URL"
  curl -fsSL --retry 5 --retry-delay 3 -o "$tarball.part" "$HARBOR_INSTALLER_URL"
  if [ -n "$HARBOR_INSTALLER_SHA256" ]; then
    echo "$HARBOR_INSTALLER_SHA256  $tarball.part" | sha256sum --check --quiet
  else
    # Upstream publishes only md5sum; pin registry.installerSha256 for a stronger check.
    expected=$(curl -fsSL --retry 5 "$HARBOR_MD5_URL" | awk -v f="harbor-offline-installer-v$HARBOR_VERSION.tgz" '$2 == f { print $1 }')
    [ -n "$expected" ] || { echo "no md5 line for the offline installer in $HARBOR_MD5_URL" >&2; exit 1; }
    echo "$expected  $tarball.part" | md5sum --check --quiet
    log "verified against upstream md5sum only (set registry.installerSha256 to pin a sha256)"
  fi
  mv "$tarball.part" "$tarball"
fi
if [ ! -f "$HARBOR_INSTALL_DIR/.version" ] || [ "$(cat "$HARBOR_INSTALL_DIR/.version")" != "$HARBOR_VERSION" ]; then
  # An upgrade stops the old release first; its data under HARBOR_DATA_DIR is migrated on start.
  if [ -f "$HARBOR_INSTALL_DIR/docker-compose.yml" ]; then
    docker compose -f "$HARBOR_INSTALL_DIR/docker-compose.yml" down
  fi
  tar -xzf "$tarball" -C "$HARBOR_INSTALL_PARENT"
  echo "$HARBOR_VERSION" >"$HARBOR_INSTALL_DIR/.version"
fi
consume "$HARBOR_STAGED_CONFIG" "$HARBOR_CONFIG"
rm -f "$HARBOR_LEGACY_CONFIG"

# --- unit: compose up at boot ------------------------------------------------------
if printf '%s\n' "$HARBOR_UNIT_TEXT" | write_file "$HARBOR_UNIT" 0644; then
  systemctl daemon-reload
fi
systemctl enable harbor.service >/dev/null 2>&1

# --- install.sh only when the version, harbor.yml or the TLS files changed --------------
# (prepare copies the certificate into Harbor's own config, so a renewed one needs a run)
want=$( { echo "$HARBOR_VERSION $HARBOR_WITH_TRIVY"; cat "$HARBOR_CONFIG" "$HARBOR_TLS_CERT" "$HARBOR_TLS_KEY"; } | sha256sum | cut -d' ' -f1)
have=$(cat "$HARBOR_MARKER" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  flags=()
  if [ "$HARBOR_WITH_TRIVY" = true ]; then flags+=(--with-trivy); fi
  log "running install.sh ${flags[*]:-}"
  (cd "$HARBOR_INSTALL_DIR" && ./install.sh "${flags[@]}")
  install -D -m 0600 /dev/null "$HARBOR_MARKER"
  echo "$want" >"$HARBOR_MARKER"
else
  systemctl start harbor.service
fi

# --- wait until Harbor reports healthy (bounded) -------------------------------------
health="https://$HARBOR_HOSTNAME:$HARBOR_HTTPS_PORT/api/v2.0/health"
for _ in $(seq 1 60); do
  if curl -fsS --max-time 5 --cacert "$HARBOR_CA_CERT" --resolve "$HARBOR_HOSTNAME:$HARBOR_HTTPS_PORT:127.0.0.1" "$health" 2>/dev/null |
    jq -e '.status == "healthy"' >/dev/null; then
    log "harbor $HARBOR_VERSION is healthy"
    exit 0
  fi
  sleep 5
done
echo "harbor did not become healthy within 5 minutes ($health)" >&2
exit 1
