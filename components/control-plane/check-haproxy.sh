#!/usr/bin/env bash
# keepalived vrrp_script: succeeds only while the local haproxy answers its monitor URI,
# which fails when haproxy has no ready apiserver backend. Usage: check-haproxy.sh URL
set -euo pipefail

url="${1:?usage: check-haproxy.sh MONITOR_URL}"
exec curl --silent --show-error --fail --max-time 2 --output /dev/null "$url"
