#!/usr/bin/env bash
# Trusted pool and (distributed-)dispersed volume, run on the first storage host.
# Idempotent: probes only peers not yet in the pool, creates the volume only when it does
# not exist, adds only whole disperse sets that are missing (then rebalances), starts the
# volume only when stopped, switches directory quota only when it differs, sets only
# options whose value differs. A re-run with the same parameters changes nothing and says
# so ("unchanged").
#
# Parameters (environment):
#   VOLUME, DISPERSE, REDUNDANCY    volume name and geometry
#   BRICK_SETS                      one disperse set per line: "addr:/path addr:/path ..."
#   PEERS                           addresses to probe (space separated; not this host)
#   OPTIONS                         "key=value" per line, for `gluster volume set`
#   QUOTA                           1: directory quota enabled (PV sizes enforced), 0: disabled
#   FORCE                           1: append `force` to create/add-brick (bricks on the root fs)
#   GLUSTERD_SOCK                   optional: which glusterd the CLI talks to
#   CLI_LOG                         optional: CLI log file
#   WAIT_SECONDS                    bound for waiting on peers (default 120)
set -euo pipefail

: "${VOLUME:?}" "${DISPERSE:?}" "${REDUNDANCY:?}" "${BRICK_SETS:?}"
PEERS=${PEERS:-}
OPTIONS=${OPTIONS:-}
QUOTA=${QUOTA:-0}
FORCE=${FORCE:-0}
GLUSTERD_SOCK=${GLUSTERD_SOCK:-}
CLI_LOG=${CLI_LOG:-}
WAIT_SECONDS=${WAIT_SECONDS:-120}

cli=(gluster --mode=script)
if [ -n "$GLUSTERD_SOCK" ]; then cli+=("--glusterd-sock=$GLUSTERD_SOCK"); fi
if [ -n "$CLI_LOG" ]; then cli+=("--log-file=$CLI_LOG"); fi
force=()
if [ "$FORCE" = 1 ]; then force=(force); fi

g() { "${cli[@]}" "$@"; }
changes=0
changed() {
  echo "changed: $*"
  changes=$((changes + 1))
}
die() {
  echo "volume.sh: $*" >&2
  exit 1
}

# --- trusted pool ----------------------------------------------------------------------
# Names a peer is known by: the probed hostname plus any "Other names" glusterd learnt.
known_peers() {
  g peer status | awk '/^Hostname: /{print $2; next} /^Other names:/{other=1; next} /^$/{other=0} other{print $1}'
}
known=$(known_peers)
for peer in $PEERS; do
  if ! grep -qxF "$peer" <<<"$known"; then
    g peer probe "$peer" >/dev/null
    changed "peer probe $peer"
  fi
done

# Volume operations need every peer in the cluster and connected: "Connected" alone can
# show while the peer is still "Accepted peer request", and add-brick then fails.
in_cluster() {
  g peer status | awk -v p="$1" '
    function check() { if (named && state ~ /^State: Peer in Cluster \(Connected\)/) found = 1 }
    /^Hostname: / { check(); named = ($2 == p); state = ""; other = 0; next }
    /^State: / { state = $0; next }
    /^Other names:/ { other = 1; next }
    /^$/ { other = 0; next }
    other && $1 == p { named = 1 }
    END { check(); exit !found }'
}
deadline=$((SECONDS + WAIT_SECONDS))
for peer in $PEERS; do
  until in_cluster "$peer"; do
    [ "$SECONDS" -lt "$deadline" ] || die "peer $peer is not in the cluster (Peer in Cluster, Connected) after ${WAIT_SECONDS}s"
    sleep 1
  done
done

# --- volume ----------------------------------------------------------------------------
mapfile -t sets < <(grep -v '^[[:space:]]*$' <<<"$BRICK_SETS")
rebalance=0
if ! g volume info "$VOLUME" >/dev/null 2>&1; then
  read -r -a bricks <<<"${sets[*]}"
  g volume create "$VOLUME" disperse "$DISPERSE" redundancy "$REDUNDANCY" transport tcp "${bricks[@]}" "${force[@]}" >/dev/null
  changed "volume create $VOLUME (${#sets[@]} x $DISPERSE bricks)"
else
  info=$(g volume info "$VOLUME")
  geometry=$(sed -n 's/^Number of Bricks: //p' <<<"$info")
  data=$((DISPERSE - REDUNDANCY))
  case "$geometry" in
    *"($data + $REDUNDANCY) = "*) ;;
    *) die "volume $VOLUME has geometry '$geometry', the config asks for disperse $DISPERSE redundancy $REDUNDANCY; change it by hand" ;;
  esac
  existing=$(sed -n 's/^Brick[0-9]*: //p' <<<"$info")
  wanted=$(tr -s ' \t' '\n' <<<"$BRICK_SETS")
  missing=()
  for set in "${sets[@]}"; do
    read -r -a bricks <<<"$set"
    present=0
    for brick in "${bricks[@]}"; do
      if grep -qxF "$brick" <<<"$existing"; then present=$((present + 1)); fi
    done
    if [ "$present" -eq 0 ]; then
      missing+=("${bricks[@]}")
    elif [ "$present" -ne "${#bricks[@]}" ]; then
      die "disperse set '$set' is only partly in volume $VOLUME: the brick layout changed; add storage hosts in groups of $DISPERSE"
    fi
  done
  while read -r brick; do
    if [ -n "$brick" ] && ! grep -qxF -- "$brick" <<<"$wanted"; then
      echo "volume.sh: brick $brick is in volume $VOLUME but not in the inventory; remove it by hand (remove-brick)" >&2
    fi
  done <<<"$existing"
  if [ "${#missing[@]}" -gt 0 ]; then
    g volume add-brick "$VOLUME" "${missing[@]}" "${force[@]}" >/dev/null
    changed "volume add-brick $VOLUME (${#missing[@]} bricks)"
    rebalance=1
  fi
fi

# --- start -----------------------------------------------------------------------------
status=$(g volume info "$VOLUME" | sed -n 's/^Status: //p')
if [ "$status" != "Started" ]; then
  g volume start "$VOLUME" >/dev/null
  changed "volume start $VOLUME"
fi

# --- capacity: directory quota (the quota agents on the storage hosts set the limits) ---
# `volume set features.quota` is refused ("deprecated"); `volume quota` is the interface.
quota=$(g volume get "$VOLUME" features.quota | awk '$1 == "features.quota" {print $2; exit}')
if [ "$QUOTA" = 1 ] && [ "$quota" != on ]; then
  g volume quota "$VOLUME" enable >/dev/null
  changed "volume quota $VOLUME enable"
elif [ "$QUOTA" = 0 ] && [ "$quota" = on ]; then
  g volume quota "$VOLUME" disable >/dev/null
  changed "volume quota $VOLUME disable"
fi

# --- options ---------------------------------------------------------------------------
while IFS= read -r line; do
  [ -n "$line" ] || continue
  key=${line%%=*}
  value=${line#*=}
  current=$(g volume get "$VOLUME" "$key" | awk -v k="$key" '$1 == k {sub(/^[^ \t]+[ \t]+/, ""); sub(/[ \t]+$/, ""); print; exit}')
  # `volume get` marks values nobody set with " (DEFAULT)".
  if [ "$current" != "$value" ]; then
    g volume set "$VOLUME" "$key" "$value" >/dev/null
    changed "volume set $VOLUME $key $value (was '${current}')"
  fi
done <<<"$OPTIONS"

# --- rebalance -------------------------------------------------------------------------
if [ "$rebalance" = 1 ]; then
  g volume rebalance "$VOLUME" start >/dev/null
  changed "volume rebalance $VOLUME start"
fi

if [ "$changes" -eq 0 ]; then echo "volume $VOLUME unchanged"; fi
