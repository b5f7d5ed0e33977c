#!/usr/bin/env bash
# Runs compose.yaml as a user does (`docker compose up --build`, secrets from deploy/secrets/create.sh)
# and checks it from outside, through HAProxy on :8080: init exited 0, both API replicas and both
# workers healthy, HAProxy sees two API servers up, a prediction answered, a retrain pipeline run by
# the workers, and one API replica stopped with SIGTERM and started again while requests flow through
# HAProxy with none failing. Removes the project (`down -v`) at the end unless KEEP=1; on a failure it
# prints `docker compose ps` and the services' last log lines first.
#
#   deploy/compose-smoke.sh            # needs Docker with the compose plugin, curl, ports 8080 and 8404
#
# Written for hosted CI (.github/workflows/ci.yml, job `compose`); the machine this project is
# developed on has no container engine, so it has not been run there (see README, Deployment).
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=${COMPOSE_PROJECT_NAME:-sporeprint-smoke}
BASE=http://127.0.0.1:8080
dc() { docker compose -p "$PROJECT" "$@"; }
# shellcheck source=deploy/smoke-lib.sh
. deploy/smoke-lib.sh
cleanup() {
  local code=$?
  if [ "$code" -ne 0 ]; then
    dc ps -a >&2 || true
    dc logs --tail 30 >&2 || true
  fi
  if [ "${KEEP:-}" != 1 ]; then dc down -v --remove-orphans >/dev/null 2>&1 || true; fi
  exit "$code"
}
trap cleanup EXIT
# the Health.Status of each of a service's containers, one per line
health() { for id in $(dc ps -q "$1"); do docker inspect -f '{{.State.Health.Status}}' "$id"; done; }
wait_healthy() { # wait_healthy <service> <count> <seconds>
  local ok
  for _ in $(seq 1 "$3"); do
    ok=$(health "$1" | grep -c '^healthy$' || true)
    if [ "$ok" -ge "$2" ]; then return 0; fi
    sleep 1
  done
  fail "$1: $ok of $2 containers healthy after $3 s"
}

step "secrets and docker compose up --build"
./deploy/secrets/create.sh
dc up -d --build

step "ready through HAProxy"
for _ in $(seq 1 300); do
  if curl -sf -o /dev/null "$BASE/health/ready"; then break; fi
  sleep 2
done
curl -sf "$BASE/health/ready" || fail "no ready API behind HAProxy within 600 s"
echo
init=$(dc ps -a -q init)
[ "$(docker inspect -f '{{.State.ExitCode}}' "$init")" = 0 ] || fail "init did not exit 0"
wait_healthy api 2 120
wait_healthy worker 2 120
up=$(curl -sf "http://127.0.0.1:8404/stats;csv" | grep -c '^api,api[0-9]*,.*,UP' || true)
[ "$up" -ge 2 ] || fail "HAProxy sees $up API servers up, expected 2"
echo "init exited 0; api 2/2 and worker 2/2 healthy; HAProxy: $up API servers up"

step "a prediction through HAProxy"
example=$(example_mushroom docker sporeprint:latest "$BASE")
answer=$(curl -sf -X POST -H 'content-type: application/json' -d "$example" "$BASE/v1/predict") ||
  fail "POST /v1/predict through HAProxy"
case $answer in *'"decision":"'*) echo "$answer" ;; *) fail "no decision: $answer" ;; esac

step "a retrain pipeline on the workers"
dc run --rm --no-deps init pipeline run retrain >/dev/null || fail "pipeline run retrain"
echo "succeeded"

step "one API replica stopped (SIGTERM) and started again under traffic: no request fails"
results=$(mktemp)
(
  n=0 failed=0
  end=$((SECONDS + 20))
  while [ "$SECONDS" -lt "$end" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
      -d "$example" "$BASE/v1/predict" || true)
    n=$((n + 1))
    if [ "$code" != 200 ]; then failed=$((failed + 1)); fi
  done
  echo "$n $failed" >"$results"
) &
load=$!
sleep 3
first=$(dc ps -q api | head -n 1)
docker stop -t 30 "$first" >/dev/null
docker start "$first" >/dev/null
wait "$load"
read -r n failed <"$results"
rm -f "$results"
[ "$n" -gt 0 ] && [ "$failed" = 0 ] || fail "$failed of $n predictions failed while a replica restarted"
echo "$n predictions, none failed"

printf '\ncompose-smoke: every check passed\n'
