#!/usr/bin/env bash
# Fills a bundle directory with every artifact of one stack's manifest, on a machine that
# reaches the upstream sources (made by `npm run artifacts -- --mirror-script`). The bundle
# is laid out as the site's mirror serves it, as-is, at mirrors.binaries:
#   <bundle>/<upstream host>/<path>   release files and their checksum files (verified here)
#   <bundle>/images/                  one OCI archive per image + index.txt (the seeding step's input)
#   <bundle>/charts/                  the charts + index.yaml (a Helm repository: mirrors.charts)
# Re-running skips what is already there and verified. Usage: bash mirror.sh [BUNDLE_DIR]
# Needs curl, sha256sum, md5sum, skopeo, helm (and tar for charts published from git).
# Parameters (set by the generator before this body):
#   MIRROR_BINARIES  one `path checksum-path algorithm file` per line (upstream: https://<path>)
#   MIRROR_IMAGES    one `source repository tag` per line
#   MIRROR_CHARTS    one `name version repo URL` or `name version git ARCHIVE-URL DIR` per line
#   MIRROR_ARCH      the image architecture copied (amd64; the OS is linux)
set -euo pipefail

: "${MIRROR_BINARIES:?}" "${MIRROR_IMAGES:?}" "${MIRROR_CHARTS:?}" "${MIRROR_ARCH:?}"
bundle=${1:-bundle}
log() { printf '[mirror] %s\n' "$*" >&2; }
fail() {
  printf '[mirror] %s\n' "$*" >&2
  exit 1
}
for tool in curl sha256sum md5sum skopeo helm tar; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
mkdir -p "$bundle/images" "$bundle/charts"

fetch() { # fetch URL FILE
  mkdir -p "$(dirname "$2")"
  curl -fsSL --retry 5 --retry-delay 3 --connect-timeout 20 -o "$2.part" "$1"
  mv "$2.part" "$2"
}

# verify FILE SUMFILE NAME ALGORITHM: the digest of NAME in SUMFILE (a bare digest, or
# `digest  name` lines) matches FILE.
verify() {
  local want got
  want=$(awk -v name="$3" '
    NF == 1 && $1 ~ /^[0-9a-f]+$/ { bare = $1 }
    NF >= 2 && ($2 == name || $2 == "*" name || $2 == "./" name) { print $1; found = 1; exit }
    END { if (!found && bare != "") print bare }
  ' "$2")
  [ -n "$want" ] || return 1
  got=$("${4}sum" "$1" | cut -d' ' -f1)
  [ "$got" = "$want" ]
}

# --- release files ------------------------------------------------------------------------
while read -r path sums algorithm file; do
  [ -n "$path" ] || continue
  if [ -f "$bundle/$path" ] && [ -f "$bundle/$sums" ] && verify "$bundle/$path" "$bundle/$sums" "$file" "$algorithm"; then
    continue
  fi
  log "binary https://$path"
  fetch "https://$sums" "$bundle/$sums"
  fetch "https://$path" "$bundle/$path"
  verify "$bundle/$path" "$bundle/$sums" "$file" "$algorithm" || {
    rm -f "$bundle/$path"
    fail "$path does not match its $algorithm in $sums"
  }
done <<<"$MIRROR_BINARIES"

# --- images: one OCI archive each, indexed by the digest of its manifest --------------------
index="$bundle/images/index.txt"
touch "$index"
while read -r source repository tag; do
  [ -n "$source" ] || continue
  archive="$repository/$tag.tar"
  if [ -f "$bundle/images/$archive" ] && awk -v i="$repository:$tag" '$1 == i { found = 1 } END { exit !found }' "$index"; then
    continue
  fi
  log "image $source"
  mkdir -p "$(dirname "$bundle/images/$archive")"
  rm -f "$bundle/images/$archive"
  skopeo copy --quiet --override-os linux --override-arch "$MIRROR_ARCH" \
    "docker://$source" "oci-archive:$bundle/images/$archive"
  digest=$(skopeo inspect --raw "oci-archive:$bundle/images/$archive" | sha256sum | cut -d' ' -f1)
  awk -v i="$repository:$tag" '$1 != i' "$index" >"$index.new"
  printf '%s sha256:%s %s\n' "$repository:$tag" "$digest" "$archive" >>"$index.new"
  sort -o "$index" "$index.new"
  rm -f "$index.new"
done <<<"$MIRROR_IMAGES"

# --- charts: a Helm repository --------------------------------------------------------------
while read -r name version kind from dir; do
  [ -n "$name" ] || continue
  [ -f "$bundle/charts/$name-$version.tgz" ] && continue
  log "chart $name $version"
  if [ "$kind" = repo ]; then
    helm pull "$name" --repo "$from" --version "$version" --destination "$bundle/charts"
  else
    work=$(mktemp -d)
    curl -fsSL --retry 5 -o "$work/source.tar.gz" "$from"
    tar -xzf "$work/source.tar.gz" -C "$work"
    helm package "$work/$dir" --version "$version" --destination "$bundle/charts" >/dev/null
    rm -rf "$work"
  fi
  [ -f "$bundle/charts/$name-$version.tgz" ] || fail "chart $name $version: no $name-$version.tgz after the pull"
done <<<"$MIRROR_CHARTS"
helm repo index "$bundle/charts"
log "bundle $bundle complete"
