#!/usr/bin/env bash
# Seeds the platform's images into this Harbor from the bundle the mirror script made
# (`npm run artifacts -- --mirror-script`): each image the rollout pulls, from its OCI
# archive, with skopeo. Runs after Harbor is up and before any node, Calico or add-on pull,
# so one `pulumi up` on an empty site converges. Idempotent: an image whose manifest digest
# in the registry equals the bundle's is not downloaded or pushed again. Every image the
# bundle lacks is named, and nothing is pushed then.
# Parameters (set by the caller before this body):
#   SEED_BUNDLE         the bundle's images/ directory: an http(s) URL, or a local path
#   SEED_IMAGES         one `repository:tag` per line (the artifact manifest's images)
#   SEED_REGISTRY       registry[:port]/project the images are pushed under
#   SEED_CA             CA certificate file the registry's serving certificate chains to
#   SEED_AUTH_STAGED    the push credentials (containers-auth.json), copied by the caller
#   SEED_AUTH           where they are kept (root, 0600)
#   SEED_WORK           work directory (certificates, downloaded archives)
# The bundle's index.txt holds `repository:tag sha256:<manifest digest> <archive path>`.
set -euo pipefail

: "${SEED_BUNDLE:?}" "${SEED_IMAGES:?}" "${SEED_REGISTRY:?}" "${SEED_CA:?}" "${SEED_AUTH_STAGED:?}" "${SEED_AUTH:?}" "${SEED_WORK:?}"

log() { printf '[image-seed] %s\n' "$*"; }
fail() {
  printf '[image-seed] %s\n' "$*" >&2
  exit 1
}

if ! command -v skopeo >/dev/null 2>&1; then
  if command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
    yum -y -q install skopeo
  else
    DEBIAN_FRONTEND=noninteractive apt-get -y -q install skopeo
  fi
fi
command -v skopeo >/dev/null || fail "skopeo is required on the registry host (package mirror: mirrors.packages, role base)"

# --- credentials: moved into place once, like the other staged secrets --------------------
if [ -f "$SEED_AUTH_STAGED" ]; then
  install -D -m 0600 "$SEED_AUTH_STAGED" "$SEED_AUTH"
  rm -f "$SEED_AUTH_STAGED"
fi
[ -f "$SEED_AUTH" ] || fail "missing $SEED_AUTH_STAGED (copied by the Registry component) and nothing installed at $SEED_AUTH: re-copy it (pulumi up --replace its copy step)"

# skopeo reads every *.crt of a certificate directory as a CA (and *.key as client keys), so
# the CA gets a directory of its own.
install -d -m 0700 "$SEED_WORK" "$SEED_WORK/certs"
install -m 0644 "$SEED_CA" "$SEED_WORK/certs/ca.crt"
tls=(--cert-dir "$SEED_WORK/certs" --authfile "$SEED_AUTH")

# fetch PATH DEST: a file of the bundle, from its URL or its directory.
fetch() {
  case "$SEED_BUNDLE" in
    http://* | https://*) curl -fsSL --retry 5 --retry-delay 3 -o "$2" "$SEED_BUNDLE/$1" ;;
    *) cp "$SEED_BUNDLE/$1" "$2" ;;
  esac
}

# archive_of PATH: a local path of the archive (downloaded into the work dir from a URL).
archive_of() {
  case "$SEED_BUNDLE" in
    http://* | https://*)
      fetch "$1" "$SEED_WORK/archive.tar" || return 1
      printf '%s\n' "$SEED_WORK/archive.tar"
      ;;
    *) printf '%s\n' "$SEED_BUNDLE/$1" ;;
  esac
}

digest_of() { # digest_of REFERENCE [skopeo options]: sha256 of its raw manifest, or nothing
  local out
  out=$(skopeo inspect --raw "${@:2}" "$1" 2>/dev/null | sha256sum) || return 0
  printf 'sha256:%s\n' "${out%% *}"
}

fetch index.txt "$SEED_WORK/index.txt" || fail "the bundle has no index.txt at $SEED_BUNDLE (make it with the mirror script)"

# --- every image must be in the bundle before anything is pushed ------------------------
missing=()
declare -A want path
while read -r image; do
  [ -n "$image" ] || continue
  line=$(awk -v i="$image" '$1 == i { print $2, $3; exit }' "$SEED_WORK/index.txt")
  if [ -z "$line" ]; then
    missing+=("$image")
    continue
  fi
  want[$image]=${line%% *}
  path[$image]=${line#* }
done <<<"$SEED_IMAGES"
if [ "${#missing[@]}" -gt 0 ]; then
  fail "the bundle at $SEED_BUNDLE lacks ${#missing[@]} image(s) the rollout pulls: ${missing[*]} (re-run the mirror script of this stack's manifest)"
fi

# --- push what the registry does not hold at the bundle's digest ------------------------
pushed=0 present=0
while read -r image; do
  [ -n "$image" ] || continue
  dest="docker://$SEED_REGISTRY/$image"
  if [ "$(digest_of "$dest" "${tls[@]}")" = "${want[$image]}" ]; then
    present=$((present + 1))
    continue
  fi
  archive=$(archive_of "${path[$image]}") || fail "image $image: cannot read ${path[$image]} from $SEED_BUNDLE"
  got=$(digest_of "oci-archive:$archive")
  [ "$got" = "${want[$image]}" ] || fail "image $image: the archive ${path[$image]} has manifest ${got:-none}, the bundle index says ${want[$image]}"
  skopeo copy --quiet --preserve-digests --dest-cert-dir "$SEED_WORK/certs" --dest-authfile "$SEED_AUTH" \
    "oci-archive:$archive" "$dest" || fail "image $image: push to $SEED_REGISTRY failed"
  [ "$(digest_of "$dest" "${tls[@]}")" = "${want[$image]}" ] || fail "image $image: $SEED_REGISTRY does not serve ${want[$image]} after the push"
  log "pushed $image (${want[$image]})"
  pushed=$((pushed + 1))
  rm -f "$SEED_WORK/archive.tar"
done <<<"$SEED_IMAGES"
log "images current in $SEED_REGISTRY: $pushed pushed, $present already present"
