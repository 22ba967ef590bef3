#!/usr/bin/env bash
# Downloads the etcd release tarball and its SHA256SUMS from the binaries mirror, checks
# the tarball against its line in SHA256SUMS and unpacks it. Some releases shipped an
# incomplete SHA256SUMS (etcd-io/etcd#19268): a missing line is an error, never a skip.
# install.sh embeds this body as its fetch step; tests run it on its own.
# Parameters: ETCD_VERSION, ETCD_TARBALL_URL and ETCD_SUMS_URL (components/etcd/downloads.ts,
#   the artifact manifest's URLs), ETCD_ARCH (amd64, arm64), ETCD_FETCH_DIR (existing, empty).
#   Result: $ETCD_FETCH_DIR/etcd-v<V>-linux-<arch>/
set -euo pipefail

: "${ETCD_VERSION:?}" "${ETCD_TARBALL_URL:?}" "${ETCD_SUMS_URL:?}" "${ETCD_ARCH:?}" "${ETCD_FETCH_DIR:?}"
tarball="etcd-v${ETCD_VERSION}-linux-${ETCD_ARCH}.tar.gz"
if [ "${ETCD_TARBALL_URL##*/}" != "$tarball" ]; then
  echo "ETCD_TARBALL_URL $ETCD_TARBALL_URL is not $tarball (etcd v$ETCD_VERSION for $ETCD_ARCH)" >&2
  exit 1
fi
curl -fsSL --retry 3 --connect-timeout 20 -o "$ETCD_FETCH_DIR/$tarball" "$ETCD_TARBALL_URL"
curl -fsSL --retry 3 --connect-timeout 20 -o "$ETCD_FETCH_DIR/SHA256SUMS" "$ETCD_SUMS_URL"
if ! grep -E "^[0-9a-f]{64}  (\./)?${tarball//./\\.}\$" "$ETCD_FETCH_DIR/SHA256SUMS" | sed 's#  \./#  #' >"$ETCD_FETCH_DIR/sum"; then
  echo "SHA256SUMS of etcd v$ETCD_VERSION has no line for $tarball; refusing to install an unverified binary" >&2
  exit 1
fi
if ! (cd "$ETCD_FETCH_DIR" && sha256sum --check --strict --quiet sum); then
  echo "checksum mismatch for $ETCD_TARBALL_URL" >&2
  exit 1
fi
tar -xzf "$ETCD_FETCH_DIR/$tarball" -C "$ETCD_FETCH_DIR"
[ -x "$ETCD_FETCH_DIR/etcd-v${ETCD_VERSION}-linux-${ETCD_ARCH}/etcd" ] || { echo "$tarball has no etcd binary" >&2; exit 1; }
