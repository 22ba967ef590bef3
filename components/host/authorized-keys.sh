#!/usr/bin/env bash
# Keeps SSH_USER's authorized_keys in line with the stack config: the block between the
# k8s-platform markers holds exactly AUTHORIZED_KEYS (one key per line, validated by the
# config loader), every line elsewhere that carries a key blob of REVOKED_BLOBS is removed,
# other lines stay as they are. The file is replaced atomically (0600, owned by the user)
# and only when its content changes, so a re-run changes nothing.
# Parameters (set by the caller before this body): SSH_USER, AUTHORIZED_KEYS, REVOKED_BLOBS,
# ROOT (prefix for tests; empty on hosts), HOME_DIR (the user's home; default from passwd).
set -euo pipefail

: "${SSH_USER:?}"
AUTHORIZED_KEYS=${AUTHORIZED_KEYS:-}
REVOKED_BLOBS=${REVOKED_BLOBS:-}
ROOT=${ROOT:-}
HOME_DIR=${HOME_DIR:-$(getent passwd "$SSH_USER" | cut -d: -f6)}
: "${HOME_DIR:?no home directory for $SSH_USER}"
BEGIN="# BEGIN k8s-platform managed keys (ssh.authorizedKeys)"
END="# END k8s-platform managed keys"

dir="$ROOT$HOME_DIR/.ssh"
file="$dir/authorized_keys"
install -d -m 0700 "$dir"
current=""
[ -f "$file" ] && current=$(cat "$file")

# Other lines, without the managed block and without revoked keys (matched on any field,
# so a line with options in front of the key is found too).
kept=$(printf '%s\n' "$current" | awk -v b="$BEGIN" -v e="$END" -v revoked="$REVOKED_BLOBS" '
  BEGIN { n = split(revoked, r, "\n"); for (i = 1; i <= n; i++) if (r[i] != "") bad[r[i]] = 1 }
  $0 == b { skip = 1; next }
  $0 == e { skip = 0; next }
  skip { next }
  { for (i = 1; i <= NF; i++) if ($i in bad) next; print }
')

next=$kept
if [ -n "$AUTHORIZED_KEYS" ]; then
  block=$(printf '%s\n%s\n%s' "$BEGIN" "$AUTHORIZED_KEYS" "$END")
  next=$(printf '%s\n%s' "$kept" "$block" | sed '/./,$!d')
fi

if [ -f "$file" ] && [ "$next" = "$current" ]; then
  echo "authorized_keys of $SSH_USER unchanged"
  exit 0
fi
tmp=$(mktemp "$dir/.authorized_keys.XXXXXX")
printf '%s\n' "$next" >"$tmp"
chmod 0600 "$tmp"
if [ -z "$ROOT" ]; then chown "$SSH_USER": "$tmp" "$dir"; fi
mv -f "$tmp" "$file"
echo "authorized_keys of $SSH_USER updated"
