#!/usr/bin/env bash
# Plans a pull request's stack file against the base branch's and writes the Markdown review
# (for a PR/MR comment). Run from the repository root of the PR's checkout.
# usage: plan-pr.sh BASE_REF [STACK_FILE] [OUT]
#   BASE_REF    the base branch's commit or ref (e.g. origin/main)
#   STACK_FILE  the stack file to review (default Pulumi.prod.yaml)
#   OUT         where the Markdown goes (default plan.md)
# PLAN (environment) is the plan command (default: npm run --silent plan --).
# Exit code: the plan's --detailed-exitcode: 0 no changes, 4 changes, 5 changes that delete or
# replace data-bearing or protected resources, 2 invalid config, 3 mandatory policy violation.
set -euo pipefail

base="${1:?usage: plan-pr.sh BASE_REF [STACK_FILE] [OUT]}"
stack="${2:-Pulumi.prod.yaml}"
out="${3:-plan.md}"
read -r -a plan <<<"${PLAN:-npm run --silent plan --}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Keep the file name: the plan takes the stack name from it.
old="${work}/$(basename "$stack")"
if ! git show "${base}:${stack}" >"$old" 2>/dev/null; then
  # A new stack: everything is a create; compare against the same file.
  cp "$stack" "$old"
  echo "plan-pr: ${stack} does not exist at ${base}; planning it alone" >&2
fi

set +e
"${plan[@]}" --config "$stack" --diff "$old" --format markdown --detailed-exitcode >"$out"
code=$?
set -e
case "$code" in
  0 | 4 | 5 | 3) ;;
  *)
    # Invalid config (2) or an error: the message is on stderr; put it in the review too.
    printf '### k8s-platform plan failed (exit %s)\n\nThe stack file or the program is invalid; see the job log.\n' "$code" >>"$out"
    ;;
esac
echo "plan-pr: exit ${code}, review in ${out}" >&2
exit "$code"
