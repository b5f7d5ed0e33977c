#!/usr/bin/env bash
# Builds the image and runs every role from it, as containers, on one MariaDB and one Redis:
# init (`start --no-serve`), two API replicas, two BullMQ workers and the scheduler. Then checks what
# the deployment relies on: the image (non-root, no compiler, no dev dependency), the database URL
# read from a secret file, readiness and a prediction on each replica, the image's HEALTHCHECK, the
# worker health command, a retrain pipeline whose tasks run on both workers, a promotion made by a
# one-shot container served by both replicas within 2 s, and a replica stopped with SIGTERM that
# drains and exits 0 while the other keeps answering. Exits non-zero naming the first check that
# failed; the containers are removed either way.
#
#   deploy/image-smoke.sh                         # docker, or podman when docker is missing
#   ENGINE=podman SMOKE_MYSQL_URL=mysql://root@127.0.0.1:3306/smoke deploy/image-smoke.sh
#
# The containers use the host's network (the database and Redis URLs are the host's). Settings:
#   ENGINE            docker | podman                 (default: docker if found, else podman)
#   IMAGE             the tag built and run           (default: sporeprint:smoke)
#   SKIP_BUILD=1      run an image built before
#   SMOKE_MYSQL_URL   MariaDB/MySQL URL; the database is created by init and should be new (it is
#                     left in place afterwards, for inspection: drop it when done)
#                     (default: mysql://root@127.0.0.1:3306/sporeprint_smoke_<pid>)
#   SMOKE_REDIS_URL   Redis URL for the task queue    (default: redis://127.0.0.1:6379/9)
#   SMOKE_PORT        first API replica's port, the second one's is +1 (default: 18181)
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE=${ENGINE:-$(command -v docker >/dev/null 2>&1 && echo docker || echo podman)}
IMAGE=${IMAGE:-sporeprint:smoke}
MYSQL_URL=${SMOKE_MYSQL_URL:-mysql://root@127.0.0.1:3306/sporeprint_smoke_$$}
REDIS_URL=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/9}
PORT1=${SMOKE_PORT:-18181}
PORT2=$((PORT1 + 1))
PREFIX="sporeprint-smoke-$$"
SECRETS=$(mktemp -d)
MODEL=sporeprint-secondary
STARTED=

# shellcheck source=deploy/smoke-lib.sh
. deploy/smoke-lib.sh
cleanup() {
  local code=$?
  if [ "$code" -ne 0 ] && [ -n "$STARTED" ]; then
    for c in api1 api2 worker1 worker2 scheduler; do
      printf '\n-- logs of %s (last 20 lines)\n' "$c" >&2
      "$ENGINE" logs --tail 20 "$PREFIX-$c" >&2 2>&1 || true
    done
  fi
  "$ENGINE" rm -f "$PREFIX-api1" "$PREFIX-api2" "$PREFIX-worker1" "$PREFIX-worker2" \
    "$PREFIX-scheduler" >/dev/null 2>&1 || true
  rm -rf "$SECRETS"
  exit "$code"
}
trap cleanup EXIT
command -v "$ENGINE" >/dev/null 2>&1 || fail "no container engine: $ENGINE not found"
command -v curl >/dev/null 2>&1 || fail "curl not found"

# The URL comes from a file mounted as a secret, as in compose.yaml and the Kubernetes manifests
printf '%s\n' "$MYSQL_URL" >"$SECRETS/database_url"
chmod 0644 "$SECRETS/database_url"
ROLE_ARGS=(--network host
  -v "$SECRETS/database_url:/run/secrets/database_url:ro"
  -e DATABASE_URL= -e DATABASE_URL_FILE=/run/secrets/database_url
  -e SPOREPRINT_EXECUTOR=bullmq -e "SPOREPRINT_REDIS_URL=$REDIS_URL"
  -e SPOREPRINT_ARTIFACT_STORE=database -e SPOREPRINT_DRAIN_SECONDS=3)
once() { "$ENGINE" run --rm "${ROLE_ARGS[@]}" "$IMAGE" "$@"; }
role() { # role <name> <hostname> [engine options…] -- <sporeprint arguments…>
  local name=$1 host=$2
  shift 2
  local opts=()
  while [ "$1" != "--" ]; do
    opts+=("$1")
    shift
  done
  shift
  STARTED=1
  "$ENGINE" run -d --name "$PREFIX-$name" --hostname "$host" "${ROLE_ARGS[@]}" "${opts[@]}" "$IMAGE" "$@" >/dev/null
}
# the Production version a replica serves (its /health/ready), or nothing
served_version() {
  curl -sf "http://127.0.0.1:$1/health/ready" | sed -n 's/.*"model":{"version":\([0-9]*\).*/\1/p'
}
wait_ready() { # wait_ready <port> <seconds>
  for _ in $(seq 1 "$2"); do
    if curl -sf -o /dev/null "http://127.0.0.1:$1/health/ready"; then return 0; fi
    sleep 1
  done
  fail "the replica on port $1 was not ready within $2 s"
}

if [ "${SKIP_BUILD:-}" != 1 ]; then
  step "build $IMAGE with $ENGINE"
  # podman keeps HEALTHCHECK only in the docker image format
  if [ "$ENGINE" = podman ]; then "$ENGINE" build --format docker -t "$IMAGE" .; else "$ENGINE" build -t "$IMAGE" .; fi
fi

step "the image: non-root, no build tools, no dev dependencies"
uid=$("$ENGINE" run --rm --entrypoint id "$IMAGE" -u)
[ "$uid" != 0 ] || fail "the image runs as root"
tools=$("$ENGINE" run --rm --entrypoint sh "$IMAGE" -c \
  'for t in gcc g++ cc make python3; do command -v "$t" || true; done')
[ -z "$tools" ] || fail "build tools in the runtime image: $tools"
dev=$("$ENGINE" run --rm --entrypoint sh "$IMAGE" -c \
  'cd node_modules && for d in typescript vitest tsx vite @biomejs; do [ -e "$d" ] && echo "$d"; done; true')
[ -z "$dev" ] || fail "dev dependencies in the runtime image: $dev"
echo "uid $uid; no gcc, g++, make or python3; no typescript, vitest, tsx, vite or biome"

step "init: start --no-serve (migrate, ETL, train, register, promote)"
once start --no-serve | tail -n 1 || fail "init (start --no-serve) exited non-zero"
once models list --json >/dev/null || fail "models list after init"

step "two API replicas, two workers, one scheduler"
role api1 api1 -e "SPOREPRINT_PORT=$PORT1" -- serve
role api2 api2 -e "SPOREPRINT_PORT=$PORT2" -- serve
role worker1 worker1 -- worker --grace 20
role worker2 worker2 -- worker --grace 20
role scheduler scheduler -- scheduler
wait_ready "$PORT1" 120
wait_ready "$PORT2" 120
echo "both replicas ready"

step "a prediction from each replica"
example=$(example_mushroom "$ENGINE" "$IMAGE" "http://127.0.0.1:$PORT1")
for port in "$PORT1" "$PORT2"; do
  answer=$(curl -sf -X POST -H 'content-type: application/json' -d "$example" "http://127.0.0.1:$port/v1/predict") ||
    fail "POST /v1/predict on port $port"
  case $answer in
  *'"decision":"'*) echo "port $port: $(printf '%s' "$answer" | sed -n 's/.*\("decision":"[a-z]*"\).*/\1/p')" ;;
  *) fail "no decision from port $port: $answer" ;;
  esac
done

step "health commands"
if [ "$ENGINE" = podman ]; then
  podman healthcheck run "$PREFIX-api1" || fail "the image's HEALTHCHECK failed on a ready replica"
else
  for _ in $(seq 1 60); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$PREFIX-api1")
    [ "$status" = healthy ] && break
    sleep 1
  done
  [ "$status" = healthy ] || fail "the image's HEALTHCHECK: $status"
fi
echo "HEALTHCHECK passes on a ready replica"
"$ENGINE" exec "$PREFIX-worker1" sporeprint worker --health || fail "sporeprint worker --health"

step "a retrain pipeline on the two workers, while the replicas serve"
once pipeline run retrain >/dev/null 2>&1 || fail "pipeline run retrain"
for w in worker1 worker2; do
  n=$("$ENGINE" logs "$PREFIX-$w" 2>&1 | grep -c '^task .* done in ' || true)
  [ "$n" -gt 0 ] || fail "$w finished no task of the pipeline"
  echo "$w: $n tasks done"
done

step "a promotion by a one-shot container, served by both replicas within 2 s"
before=$(served_version "$PORT1")
target=$(once models list --json | image_node "$ENGINE" "$IMAGE" -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const m = JSON.parse(s).find((x) => x.name === process.argv[1]);
    // the newest version that is not in Production (the pipeline registered new ones)
    const v = m.latestVersion === m.productionVersion ? m.latestVersion - 1 : m.latestVersion;
    process.stdout.write(String(v));
  });' "$MODEL")
once models promote "$MODEL" "$target" --force --reason "image smoke test" >/dev/null ||
  fail "models promote $MODEL $target"
for _ in $(seq 1 20); do
  if [ "$(served_version "$PORT1")" = "$target" ] && [ "$(served_version "$PORT2")" = "$target" ]; then break; fi
  sleep 0.1
done
[ "$(served_version "$PORT1")" = "$target" ] && [ "$(served_version "$PORT2")" = "$target" ] ||
  fail "version $target not served by both replicas within 2 s (was $before)"
echo "version $before -> $target on both replicas"

step "SIGTERM to one replica: it drains and exits 0, the other keeps answering"
"$ENGINE" stop -t 30 "$PREFIX-api1" >/dev/null
code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$PREFIX-api1")
[ "$code" = 0 ] || fail "the stopped replica exited $code"
"$ENGINE" logs "$PREFIX-api1" 2>&1 | grep -q 'draining' || fail "the stopped replica did not drain"
curl -sf -o /dev/null "http://127.0.0.1:$PORT2/health/ready" || fail "the other replica stopped answering"
echo "api1 exited 0 after draining; api2 ready"

printf '\nimage-smoke: every check passed (%s, %s)\n' "$ENGINE" "$IMAGE"
