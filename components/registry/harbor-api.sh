#!/usr/bin/env bash
# Idempotent Harbor configuration through the REST API v2.0: each object is looked up
# first and created only when missing, so a re-run makes no duplicate.
#   harbor-api.sh replication: the peer instance as a registry endpoint and a push-based,
#     event-triggered replication policy to it (plus one initial run when it is created).
#   harbor-api.sh project: the Harbor project and its robot account (pull, optional push)
#     with the secret the platform generated; prints {"project","username"} on stdout.
# Parameters (environment): HARBOR_URL, HARBOR_CA, and
#   replication: PEER_NAME, PEER_URL
#   project: PROJECT, ROBOT, ROBOT_PUSH (true|false), PROJECT_PUBLIC (true|false, default
#     false: anonymous pulls, for the platform's own images), ROBOT_PREFIX (default 'robot$')
# Secrets (stdin, never arguments): line 1 the local admin password; line 2 the peer's
# admin password (replication) or the robot secret (project).
set -euo pipefail

action=${1:?usage: harbor-api.sh replication|project}
: "${HARBOR_URL:?}"
HARBOR_CA=${HARBOR_CA:-/etc/harbor/ca.crt}

log() { printf '[harbor-api] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

admin_password=
second_secret=
IFS= read -r admin_password || true
IFS= read -r second_secret || true
[ -n "$admin_password" ] || die "stdin line 1 (admin password) is empty"
[ -n "$second_secret" ] || die "stdin line 2 (peer password or robot secret) is empty"

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Credentials go to curl through a config file, so they never appear in a process list.
escaped=${admin_password//\\/\\\\}
printf 'user = "admin:%s"\n' "${escaped//\"/\\\"}" >"$work/curlrc"

# api METHOD PATH [BODY_FILE]: response body in $work/out, HTTP status on stdout.
api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS --max-time 30 --cacert "$HARBOR_CA" -K "$work/curlrc" -H "Accept: application/json"
    -H "X-Is-Resource-Name: true" -o "$work/out" -w "%{http_code}")
  if [ "$method" = HEAD ]; then
    args+=(--head)
  else
    args+=(-X "$method")
  fi
  if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "@$body"); fi
  curl "${args[@]}" "$HARBOR_URL$path"
}

# call METHOD PATH [BODY_FILE] EXPECTED...: fails unless the status is one of EXPECTED.
call() {
  local method=$1 path=$2 body=$3 status
  shift 3
  status=$(api "$method" "$path" "$body")
  for ok in "$@"; do
    if [ "$status" = "$ok" ]; then
      printf '%s' "$status"
      return 0
    fi
  done
  die "$method $path: HTTP $status $(head -c 500 "$work/out" 2>/dev/null || true)"
}

# find_id PATH FIELD VALUE: id of the first element of the list at PATH whose FIELD is VALUE.
find_id() {
  call GET "$1" "" 200 >/dev/null
  jq -r --arg f "$2" --arg v "$3" '[.[] | select(.[$f] == $v)][0].id // empty' "$work/out"
}

replication() {
  : "${PEER_NAME:?}" "${PEER_URL:?}"
  local registry_id policy_id policy="replicate-to-$PEER_NAME"
  registry_id=$(find_id "/api/v2.0/registries?q=name%3D$PEER_NAME" name "$PEER_NAME")
  if [ -z "$registry_id" ]; then
    PEER_PASSWORD=$second_secret jq -n --arg name "$PEER_NAME" --arg url "$PEER_URL" '{
      name: $name, type: "harbor", url: $url, insecure: false,
      description: "Peer Harbor instance (k8s-platform active/standby)",
      credential: { type: "basic", access_key: "admin", access_secret: $ENV.PEER_PASSWORD }
    }' >"$work/body"
    call POST /api/v2.0/registries "$work/body" 201 >/dev/null
    registry_id=$(find_id "/api/v2.0/registries?q=name%3D$PEER_NAME" name "$PEER_NAME")
    [ -n "$registry_id" ] || die "registry endpoint $PEER_NAME not found after creating it"
    log "created registry endpoint $PEER_NAME ($PEER_URL)"
  fi
  policy_id=$(find_id "/api/v2.0/replication/policies?q=name%3D$policy" name "$policy")
  if [ -z "$policy_id" ]; then
    jq -n --arg name "$policy" --argjson id "$registry_id" '{
      name: $name, description: "Push every artifact to the peer instance (k8s-platform)",
      dest_registry: { id: $id }, dest_namespace: "",
      trigger: { type: "event_based" }, filters: [],
      replicate_deletion: true, override: true, enabled: true
    }' >"$work/body"
    call POST /api/v2.0/replication/policies "$work/body" 201 >/dev/null
    policy_id=$(find_id "/api/v2.0/replication/policies?q=name%3D$policy" name "$policy")
    [ -n "$policy_id" ] || die "replication policy $policy not found after creating it"
    # Events only cover new pushes: one run copies what is already there.
    jq -n --argjson id "$policy_id" '{ policy_id: $id }' >"$work/body"
    call POST /api/v2.0/replication/executions "$work/body" 201 >/dev/null
    log "created replication policy $policy and started its first run"
  fi
}

project() {
  : "${PROJECT:?}" "${ROBOT:?}"
  local push=${ROBOT_PUSH:-false} public=${PROJECT_PUBLIC:-false} prefix=${ROBOT_PREFIX:-robot\$}
  local exists project_id robot_id full
  full="$prefix$PROJECT+$ROBOT"
  exists=$(call HEAD "/api/v2.0/projects?project_name=$PROJECT" "" 200 404)
  if [ "$exists" = 404 ]; then
    jq -n --arg name "$PROJECT" --arg public "$public" '{ project_name: $name, metadata: { public: $public } }' >"$work/body"
    call POST /api/v2.0/projects "$work/body" 201 >/dev/null
    log "created project $PROJECT"
  fi
  call GET "/api/v2.0/projects/$PROJECT" "" 200 >/dev/null
  project_id=$(jq -r '.project_id' "$work/out")
  robot_id=$(find_id "/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D$project_id&page_size=100" name "$full")
  if [ -z "$robot_id" ]; then
    ROBOT_SECRET=$second_secret jq -n --arg name "$ROBOT" --arg project "$PROJECT" --argjson push "$push" '{
      name: $name, description: "Robot account of the \($project) project (k8s-platform)",
      secret: $ENV.ROBOT_SECRET, level: "project", disable: false, duration: -1,
      permissions: [{ kind: "project", namespace: $project,
        access: ([{ resource: "repository", action: "pull" }]
          + (if $push then [{ resource: "repository", action: "push" }] else [] end)) }]
    }' >"$work/body"
    call POST /api/v2.0/robots "$work/body" 201 >/dev/null
    log "created robot account $full"
    # Harbor ignores the secret of a create and generates one (its response carries the id).
    robot_id=$(jq -r '.id // empty' "$work/out" 2>/dev/null || true)
    [ -n "$robot_id" ] || robot_id=$(find_id "/api/v2.0/robots?q=Level%3Dproject%2CProjectID%3D$project_id&page_size=100" name "$full")
    [ -n "$robot_id" ] || die "robot account $full: created, but not found"
  fi
  # Both instances and the pull secret share the platform's secret: set it (a refresh with
  # the given secret), on the first run as on every later one.
  ROBOT_SECRET=$second_secret jq -n '{ secret: $ENV.ROBOT_SECRET }' >"$work/body"
  call PATCH "/api/v2.0/robots/$robot_id" "$work/body" 200 >/dev/null
  jq -n -c --arg project "$PROJECT" --arg username "$full" '{ project: $project, username: $username }'
}

case "$action" in
  replication) replication ;;
  project) project ;;
  *) die "unknown action '$action' (replication|project)" ;;
esac
