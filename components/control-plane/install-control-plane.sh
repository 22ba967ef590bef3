#!/usr/bin/env bash
# Installs or upgrades the control plane on one master: kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl from the binaries mirror (checksum verified), then the files of
# the bundles (units, configs and certificates; keys, kubeconfigs) with CIS modes. Services restart only when a
# binary or file changed, apiserver first and waited for, so re-running changes nothing.
# A bundle is removed once its files are installed (only the installed files remain); a
# re-run whose bundle was not copied again (unchanged) finds it absent and takes that as
# applied, provided the files its manifest lists are in place.
# Parameters (environment): K8S_VERSION, DOWNLOADS (one "name url checksum-url" line per binary:
# components/control-plane/downloads.ts, the artifact manifest's URLs), BUNDLES (paths of the copied bundles),
# CA_FILE, APISERVER_PORT, READY_TIMEOUT (seconds); ROOT (install under this prefix instead
# of /, and APISERVER_ADDRESS to probe: for tests).
set -euo pipefail

: "${K8S_VERSION:?}" "${DOWNLOADS:?}" "${BUNDLES:?}" "${CA_FILE:?}"
read -r -a bundles <<<"$BUNDLES"
APISERVER_PORT="${APISERVER_PORT:-6443}"
APISERVER_ADDRESS="${APISERVER_ADDRESS:-127.0.0.1}"
READY_TIMEOUT="${READY_TIMEOUT:-300}"
ROOT="${ROOT:-}"
BIN_DIR="${ROOT}/usr/local/bin"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
SERVICES=(kube-apiserver kube-controller-manager kube-scheduler)

tmp_dir="$(mktemp -d)"
trap 'rm -rf "$tmp_dir"' EXIT
# Survives a failed run: a binary or file replaced before the failure still gets its restart.
PENDING="$(dirname "${bundles[0]}")/restart-pending"
changed=0
[ ! -e "$PENDING" ] || changed=1
mark_changed() {
  changed=1
  touch "$PENDING"
}

log() { printf '[control-plane] %s\n' "$*" >&2; }

# Downloads one binary unless the installed one already matches the release checksum.
# The checksum file holds the bare hex digest (dl.k8s.io layout).
install_binary() {
  local name="$1"
  local url sums want have
  url="$(awk -v n="$name" '$1 == n { print $2; exit }' <<<"$DOWNLOADS")"
  sums="$(awk -v n="$name" '$1 == n { print $3; exit }' <<<"$DOWNLOADS")"
  if [ -z "$url" ] || [ -z "$sums" ]; then
    log "no download for ${name} in DOWNLOADS"
    exit 1
  fi
  want="$(curl -fsSL --retry 3 "$sums" | awk 'NR == 1 { print $1 }')"
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    log "no valid sha256 at ${sums}"
    exit 1
  fi
  if [ -x "${BIN_DIR}/${name}" ]; then
    have="$(sha256sum "${BIN_DIR}/${name}" | awk '{ print $1 }')"
    if [ "$have" = "$want" ]; then return 0; fi
  fi
  log "installing ${name} v${K8S_VERSION}"
  curl -fsSL --retry 3 -o "${tmp_dir}/${name}" "$url"
  if ! echo "${want}  ${tmp_dir}/${name}" | sha256sum --check --quiet; then
    log "checksum mismatch for ${url}"
    exit 1
  fi
  mark_changed
  install -m 0755 -o root -g root "${tmp_dir}/${name}" "${BIN_DIR}/${name}"
}

# Writes every `MODE PATH BASE64` line of a bundle whose content, mode or owner differs,
# records the paths in the bundle's manifest, then removes the bundle. An absent bundle was
# applied by an earlier run (the copy step re-copies it only when it changes): every path
# of its manifest must exist.
apply_bundle() {
  local bundle="$1" manifest="$1.applied" mode path b64 file
  if [ ! -e "$bundle" ]; then
    if [ ! -f "$manifest" ]; then
      log "bundle ${bundle} is missing and was never applied: re-copy it (pulumi up --replace the copy step)"
      exit 1
    fi
    while read -r path; do
      [ -e "${ROOT}${path}" ] || {
        log "${path} from ${bundle} is gone and the bundle was removed after install: re-copy it (pulumi up --replace the copy step)"
        exit 1
      }
    done <"$manifest"
    return 0
  fi
  chmod 0600 "$bundle"
  : >"${manifest}.new"
  while read -r mode path b64; do
    [ -n "${mode}" ] || continue
    echo "$path" >>"${manifest}.new"
    file="${tmp_dir}/file"
    printf '%s' "$b64" | base64 -d >"$file"
    path="${ROOT}${path}"
    if [ -f "$path" ] && cmp -s "$file" "$path" &&
      [ "$(stat -c '%a %U:%G' "$path")" = "${mode#0} root:root" ]; then
      continue
    fi
    mark_changed
    install -D -m "$mode" -o root -g root "$file" "$path"
  done <"$bundle"
  mv -f "${manifest}.new" "$manifest"
  rm -f "$bundle"
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  # Anonymous access is allowed on /readyz only; the serving cert covers 127.0.0.1.
  until curl -fsS --max-time 5 --cacert "$CA_FILE" "https://${APISERVER_ADDRESS}:${APISERVER_PORT}/readyz" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "kube-apiserver not ready after ${READY_TIMEOUT}s"
      journalctl -u kube-apiserver -n 40 --no-pager >&2 || true
      exit 1
    fi
    sleep 2
  done
}

install -d -m 0700 -o root -g root "${ROOT}/var/log/kubernetes/audit"
mkdir -p "$BIN_DIR"
for b in "${BINARIES[@]}"; do install_binary "$b"; done
for bundle in "${bundles[@]}"; do apply_bundle "$bundle"; done

systemctl daemon-reload
systemctl enable "${SERVICES[@]}" >/dev/null 2>&1
for s in "${SERVICES[@]}"; do
  if [ "$changed" -eq 1 ]; then
    log "restarting ${s}"
    systemctl restart "$s"
  else
    systemctl start "$s"
  fi
  if [ "$s" = kube-apiserver ]; then wait_ready; fi
done
rm -f "$PENDING"
log "ready (changed=${changed})"
