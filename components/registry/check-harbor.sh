#!/usr/bin/env bash
# keepalived health check of the local Harbor: exit 0 only when /api/v2.0/health reports
# the instance healthy over TLS verified against the registry CA. keepalived runs it as
# `check-harbor.sh <registry hostname> <https port>`; the name is resolved to 127.0.0.1 so
# the check probes this host's instance, not whichever one holds the VIP.
set -euo pipefail

hostname=${1:?usage: check-harbor.sh HOSTNAME [PORT]}
port=${2:-443}
ca=${HARBOR_CA:-/etc/harbor/ca.crt}
address=${HARBOR_CHECK_ADDRESS:-127.0.0.1}

body=$(curl -fsS --max-time 3 --cacert "$ca" --resolve "$hostname:$port:$address" \
  "https://$hostname:$port/api/v2.0/health")
# The overall status is the first key of the document; components follow in a list.
[ "$(jq -r '.status' <<<"$body")" = healthy ]
