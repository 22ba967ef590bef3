#!/usr/bin/env bash
# Waits, bounded, until each named CustomResourceDefinition exists and is Established: the
# Calico objects the platform patches (FelixConfiguration, BGPConfiguration, BGPPeer) are
# kinds whose CRDs the tigera-operator creates and upgrades when it starts. Runs kubectl on
# the first master with the admin kubeconfig; `get --raw` needs no API discovery.
# Parameters (environment): ADMIN_KUBECONFIG, KUBECTL, CRDS (space-separated names),
# TIMEOUT (seconds, for all of them), INTERVAL (seconds between tries), CALICO_VERSION
# (informational: a new Calico release re-runs the wait).
set -euo pipefail

: "${ADMIN_KUBECONFIG:?}" "${CRDS:?}"
KUBECTL="${KUBECTL:-/usr/local/bin/kubectl}"
TIMEOUT="${TIMEOUT:-300}"
INTERVAL="${INTERVAL:-5}"

established() {
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=10s \
    get --raw "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$1" 2>/dev/null |
    grep -q '"type":"Established","status":"True"'
}

deadline=$((SECONDS + TIMEOUT))
for crd in $CRDS; do
  until established "$crd"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "CRD $crd is not Established after ${TIMEOUT}s (Calico ${CALICO_VERSION:-?}): the tigera-operator creates it when it starts;" \
        "see 'kubectl -n tigera-operator logs deploy/tigera-operator' and 'kubectl get tigerastatus'" >&2
      exit 1
    fi
    sleep "$INTERVAL"
  done
  echo "CRD $crd Established"
done
