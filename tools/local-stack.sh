#!/usr/bin/env bash
# The whole system on this machine, no Docker (docs/local.md): redis-server, moto_server (DynamoDB
# and its stream, on the LocalStack port by default) and streamcache-local (the Lambda service,
# the HTTP API and the stream's event source mapping), all on 127.0.0.1.
#
#   tools/local-stack.sh run [--detach] [--api-port N] [--dynamodb-port N] [--redis-port N]
#                            [--seed N] [--state-dir DIR] [--config FILE] [--build-dir DIR]
#   tools/local-stack.sh check [the options of run]
#   tools/local-stack.sh stop [--state-dir DIR]
#   tools/local-stack.sh status [--state-dir DIR]
#
# `./dev run` calls `check` (the options, a stack already running in the state directory, busy
# ports), then builds and packages, then calls `run`, which checks again. Without --detach, Ctrl-C
# or SIGTERM stops every process this script started. The state directory (default .local) holds
# everything a run writes: logs, pid files, stack.env (which scripts and tests source), the
# unzipped functions and the stream's on-failure file. Nothing else is kept: moto_server and
# redis-server hold their data in memory only, so every run starts with an empty table and cache.
# Exit codes: 2 a bad option, 3 a busy port or a stack already running, 4 a missing program or
# build, 1 anything else.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

STATE_DIR="$ROOT/.local"
CONFIG="$ROOT/local/stack.json"
BUILD_DIR="$ROOT/build/release"
API_PORT="${API_PORT:-8080}"
DYNAMODB_PORT="${DYNAMODB_PORT:-4566}"
REDIS_PORT="${REDIS_PORT:-6390}"
TABLE_NAME="${TABLE_NAME:-streamcache-items}"
REGION="${AWS_REGION:-us-east-1}"
DETACH=0
SEED=0
READY_TIMEOUT_S="${READY_TIMEOUT_S:-60}"
# The processes this script starts, in start order; stop goes the other way.
SERVICES=(redis moto local)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { # message [exit code]
  printf 'error: %s\n' "$1" >&2
  exit "${2:-1}"
}

usage() { # exit code: 0 prints to stdout (--help), anything else to stderr
  local text
  text="$(sed -n '/^#   tools\/local-stack.sh run/,/^#   tools\/local-stack.sh status/p' \
    "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//')"
  if (($1 == 0)); then printf 'usage:\n%s\n' "$text"; else printf 'usage:\n%s\n' "$text" >&2; fi
  exit "$1"
}

port_number() { # option value → sets PORT_VALUE
  [[ "$2" =~ ^[0-9]{1,5}$ ]] && ((10#$2 >= 1 && 10#$2 <= 65535)) ||
    die "$1 must be a port number from 1 to 65535, got '$2'" 2
  PORT_VALUE=$((10#$2))
}

parse_args() {
  while (($#)); do
    case "$1" in
      --detach) DETACH=1 ;;
      --api-port) port_number "$1" "${2-}" && API_PORT=$PORT_VALUE && shift ;;
      --dynamodb-port) port_number "$1" "${2-}" && DYNAMODB_PORT=$PORT_VALUE && shift ;;
      --redis-port) port_number "$1" "${2-}" && REDIS_PORT=$PORT_VALUE && shift ;;
      --seed)
        [[ "${2-}" =~ ^[0-9]+$ ]] || die "--seed needs a number of items, got '${2-}'" 2
        SEED="$2" && shift
        ;;
      --state-dir)
        [[ -n "${2-}" ]] || die "--state-dir needs a directory" 2
        # Resolved, not created: a rejected run leaves nothing behind.
        STATE_DIR="$(realpath -m -- "$2")" && shift
        ;;
      --config)
        [[ -n "${2-}" ]] || die "--config needs a file" 2
        CONFIG="$(realpath -m -- "$2")" && shift
        ;;
      --build-dir)
        [[ -n "${2-}" ]] || die "--build-dir needs a directory" 2
        BUILD_DIR="$2" && shift
        ;;
      -h | --help) usage 0 ;;
      *) die "unknown option '$1'; the options are --detach, --api-port N, --dynamodb-port N, --redis-port N, --seed N, --state-dir DIR, --config FILE" 2 ;;
    esac
    shift
  done
}

pid_file() { echo "$STATE_DIR/$1.pid"; }

# How to stop the stack of this state directory.
stop_command() {
  if [[ "$STATE_DIR" == "$ROOT/.local" ]]; then echo "./dev stop"; else echo "./dev stop --state-dir $STATE_DIR"; fi
}

running_pid() { # service → pid if alive
  local file pid
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_port_free() { # port option
  if port_busy "$1"; then
    die "port $1 on 127.0.0.1 is already in use; stop what uses it or choose another with $2 N" 3
  fi
}

# Everything that can be checked before building and starting: the options (also the ports
# from API_PORT, DYNAMODB_PORT, REDIS_PORT), the configuration file, a stack already running in
# the state directory, and busy ports. Fails with exit 2 or 3; creates nothing.
preflight() {
  local names=(--api-port --dynamodb-port --redis-port) variables=(API_PORT DYNAMODB_PORT REDIS_PORT)
  local i j service pid ports=()
  for i in 0 1 2; do
    port_number "${variables[i]}" "${!variables[i]}"
    ports+=("$PORT_VALUE")
  done
  for i in 0 1; do
    for ((j = i + 1; j < 3; j++)); do
      if ((ports[i] == ports[j])); then
        die "${names[i]} and ${names[j]} are both ${ports[i]}; give each its own port" 2
      fi
    done
  done
  API_PORT=${ports[0]} DYNAMODB_PORT=${ports[1]} REDIS_PORT=${ports[2]}
  [[ -f "$CONFIG" ]] || die "no stack configuration at $CONFIG (--config FILE)" 2
  for service in "${SERVICES[@]}"; do
    if pid="$(running_pid "$service")"; then
      die "the local stack is already running ($service, pid $pid); $(stop_command) first, or give this one another --state-dir and other ports" 3
    fi
  done
  for i in 0 1 2; do
    check_port_free "${ports[i]}" "${names[i]}"
  done
}

# Starts a command in its own session (so Ctrl-C reaches only this script, which stops it) with
# output in <state>/logs/<service>.log (fresh each run), and records its pid.
start() { # service command...
  local service="$1"
  shift
  (exec setsid "$@" >"$STATE_DIR/logs/$service.log" 2>&1 </dev/null) &
  echo $! >"$(pid_file "$service")"
}

wait_until() { # what command...
  local what="$1" deadline=$((SECONDS + READY_TIMEOUT_S))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    for service in "${SERVICES[@]}"; do
      if [[ -f "$(pid_file "$service")" ]] && ! running_pid "$service" >/dev/null; then
        echo "error: $service exited while waiting for $what; its log:" >&2
        tail -n 40 "$STATE_DIR/logs/$service.log" >&2 || true
        return 1
      fi
    done
    sleep 0.1
  done
}

stop_stack() {
  local i service pid deadline stopped=0
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    service="${SERVICES[i]}"
    if pid="$(running_pid "$service")"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      echo "stopped $service (pid $pid)" >&2
      stopped=1
    fi
    rm -f "$(pid_file "$service")"
  done
  ((stopped)) || echo "no local stack was running (state in $STATE_DIR)" >&2
}

local_binary() {
  local bin="$BUILD_DIR/src/local/streamcache-local"
  [[ -x "$bin" ]] || die "$bin is missing: run ./dev run (it builds), or build the release preset" 4
  echo "$bin"
}

write_env() {
  cat >"$STATE_DIR/stack.env" <<EOF
# Written by tools/local-stack.sh: source it to talk to the local stack.
export API_URL=http://127.0.0.1:$API_PORT
export AWS_ENDPOINT_URL=http://127.0.0.1:$DYNAMODB_PORT
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export TABLE_NAME=$TABLE_NAME
export AWS_REGION=$REGION
export AWS_DEFAULT_REGION=$REGION
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export STREAMCACHE_LOCAL_DIR=$STATE_DIR
EOF
}

seed_items() { # count
  local count="$1"
  ((count > 0)) || return 0
  log "seeding $count demo items"
  # Eight requests in flight; PUT makes reruns idempotent. Fails on the first non-2xx answer.
  seq 1 "$count" | xargs -P 8 -I{} curl -sS -o /dev/null --fail-with-body -X PUT \
    "http://127.0.0.1:$API_PORT/items/demo-{}" -H 'content-type: application/json' \
    -d '{"name":"demo item {}","price":9.99,"tags":["demo"]}' ||
    die "seeding failed (see $STATE_DIR/logs/local.log)"
}

print_banner() {
  local seeded=""
  ((SEED == 0)) || seeded=" (then $SEED demo items)"
  cat <<EOF

streamcache is running locally
  API           http://127.0.0.1:$API_PORT  (open, no authorization: loopback only; the deployed API requires SigV4)
  DynamoDB      http://127.0.0.1:$DYNAMODB_PORT  (table $TABLE_NAME, with its stream)
  Redis         redis://127.0.0.1:$REDIS_PORT
  environment   $STATE_DIR/stack.env   (source it for scripts)
  logs          $STATE_DIR/logs/
  data          in memory only: this run started with an empty table and cache$seeded; stopping discards it

Try:
  curl -si -X POST http://127.0.0.1:$API_PORT/items -H 'content-type: application/json' -d '{"id":"lamp-1","name":"lamp","price":19.90}'
  curl -si http://127.0.0.1:$API_PORT/items/lamp-1
  curl -s 'http://127.0.0.1:$API_PORT/items?limit=10'

EOF
}

cmd_check() {
  parse_args "$@"
  preflight
}

cmd_run() {
  parse_args "$@"
  # Again after ./dev run's build: a port may have been taken meanwhile.
  preflight
  command -v redis-server >/dev/null || die "redis-server is missing: run ./dev setup" 4
  command -v moto_server >/dev/null || die "moto_server is missing: run ./dev setup" 4
  local bin
  bin="$(local_binary)"
  mkdir -p "$STATE_DIR/logs"
  # A previous run's failed batches name a stream that this run replaces: keep them, aside.
  if [[ -s "$STATE_DIR/stream-on-failure.jsonl" ]]; then
    local aside
    aside="$STATE_DIR/stream-on-failure.jsonl.previous-run-$(date +%Y%m%d-%H%M%S)"
    mv "$STATE_DIR/stream-on-failure.jsonl" "$aside"
    echo "note: the previous run's on-failure records are in $aside (their stream is gone)" >&2
  fi

  ((DETACH)) || trap 'echo >&2; stop_stack; exit 130' INT TERM
  trap 'status=$?; ((status == 0)) || stop_stack; exit $status' EXIT

  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$STATE_DIR"
  log "starting moto_server (DynamoDB + Streams) on 127.0.0.1:$DYNAMODB_PORT"
  start moto moto_server -H 127.0.0.1 -p "$DYNAMODB_PORT"
  wait_until "redis-server" redis-cli -p "$REDIS_PORT" ping || die "redis-server did not start"
  wait_until "moto_server" curl -sf "http://127.0.0.1:$DYNAMODB_PORT/moto-api/" ||
    die "moto_server did not start"

  write_env
  log "starting streamcache-local (functions, HTTP API on 127.0.0.1:$API_PORT, stream mapping)"
  # shellcheck disable=SC1091
  rm -f "$STATE_DIR/local.ready"
  (
    # shellcheck disable=SC1091
    source "$STATE_DIR/stack.env"
    # The functions run from the zips that ship (the build tree's copies, so tests can pick a build).
    export STREAMCACHE_API_CODE="$BUILD_DIR/lambda/api.zip" \
      STREAMCACHE_STREAM_HANDLER_CODE="$BUILD_DIR/lambda/stream-handler.zip" API_PORT
    # The consistency monitor's timer runs when its zip is built (a tree configured before it: none).
    if [[ -f "$BUILD_DIR/lambda/monitor.zip" ]]; then
      export STREAMCACHE_MONITOR_CODE="$BUILD_DIR/lambda/monitor.zip"
    fi
    start local "$bin" --config "$CONFIG" --create-table --ready-file "$STATE_DIR/local.ready"
  )
  wait_until "streamcache-local" test -f "$STATE_DIR/local.ready" ||
    die "streamcache-local did not become ready (log: $STATE_DIR/logs/local.log)"

  seed_items "$SEED"
  print_banner
  trap - EXIT
  if ((DETACH)); then
    echo "detached: $(stop_command) stops it" >&2
    return 0
  fi
  echo "function logs follow; Ctrl-C stops everything" >&2
  tail -n +1 -f "$STATE_DIR/logs/local.log" &
  local tail_pid=$!
  trap 'kill $tail_pid 2>/dev/null; echo >&2; stop_stack; exit 130' INT TERM
  while running_pid local >/dev/null && running_pid redis >/dev/null && running_pid moto >/dev/null; do
    sleep 1
  done
  kill "$tail_pid" 2>/dev/null || true
  echo "error: a process of the stack exited; stopping the rest" >&2
  stop_stack
  exit 1
}

cmd_stop() {
  parse_args "$@"
  stop_stack
}

cmd_status() {
  parse_args "$@"
  local service pid up=0
  for service in "${SERVICES[@]}"; do
    if pid="$(running_pid "$service")"; then
      echo "$service: running (pid $pid)"
      up=1
    else
      echo "$service: stopped"
    fi
  done
  ((up)) && [[ -f "$STATE_DIR/stack.env" ]] && cat "$STATE_DIR/stack.env"
  return 0
}

case "${1:-}" in
  run | check | stop | status)
    command="$1"
    shift
    "cmd_$command" "$@"
    ;;
  -h | --help) usage 0 ;;
  *) usage 2 ;;
esac
