#!/usr/bin/env bash
# The whole system on this machine, no Docker (docs/local.md): redis-server (one node, or a Redis
# Cluster of six), moto_server (DynamoDB and its stream, on the LocalStack port by default) and
# streamcache-local (the Lambda service, the HTTP API and the stream's event source mapping), all
# on 127.0.0.1.
#
#   tools/local-stack.sh run [--detach] [--api-port N] [--dynamodb-port N] [--redis-port N]
#                            [--cache single|cluster] [--seed N] [--state-dir DIR]
#                            [--config FILE] [--build-dir DIR]
#   tools/local-stack.sh check [the options of run]
#   tools/local-stack.sh stop [--state-dir DIR]
#   tools/local-stack.sh status [--state-dir DIR]
#
# `./dev run` calls `check` (the options, a stack already running in the state directory, busy
# ports), then builds and packages, then calls `run`, which checks again. Without --detach, Ctrl-C
# or SIGTERM stops every process this script started. The state directory (default .local) holds
# everything a run writes: logs, pid files, stack.env (which scripts and tests source), the
# unzipped functions and the stream's on-failure file (and, with --cache cluster, the nodes'
# nodes.conf, removed on stop). Nothing else is kept: moto_server and redis-server hold their data
# in memory only, so every run starts with an empty table and cache.
# --cache cluster runs three primaries and three replicas on the ports --redis-port N to N+5, with
# their cluster bus ports N+10000 to N+10005 (Redis's default offset); all twelve must be free.
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
CACHE_MODE=single
CLUSTER_NODES=6          # three primaries, one replica each
CLUSTER_BUS_OFFSET=10000 # a node's cluster bus port is its port + 10000 (Redis's default)
CLUSTER_NODE_CONF="$ROOT/local/redis-cluster-node.conf" # shared with the tests' cluster fixture
TABLE_NAME="${TABLE_NAME:-streamcache-items}"
REGION="${AWS_REGION:-us-east-1}"
DETACH=0
SEED=0
READY_TIMEOUT_S="${READY_TIMEOUT_S:-60}"
# The processes a run starts, in start order (stop goes the other way): redis, or the cluster's
# redis-1 … redis-6 (set_services). Every name a run may use, for stop and the running check.
SERVICES=(redis moto local)
ALL_SERVICES=(redis redis-1 redis-2 redis-3 redis-4 redis-5 redis-6 moto local)

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
      --cache) CACHE_MODE="${2-}" && cache_mode && shift ;;
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
      *) die "unknown option '$1'; the options are --detach, --api-port N, --dynamodb-port N, --redis-port N, --cache single|cluster, --seed N, --state-dir DIR, --config FILE" 2 ;;
    esac
    shift
  done
}

cache_mode() { # checks CACHE_MODE (--cache)
  [[ "$CACHE_MODE" == single || "$CACHE_MODE" == cluster ]] ||
    die "--cache must be single or cluster, got '$CACHE_MODE'" 2
}

set_services() { # from CACHE_MODE
  if [[ "$CACHE_MODE" == cluster ]]; then
    SERVICES=(redis-1 redis-2 redis-3 redis-4 redis-5 redis-6 moto local)
  else
    SERVICES=(redis moto local)
  fi
}

# The Redis nodes' ports: REDIS_PORT, or six consecutive ones from it for a cluster.
redis_ports() {
  local count=1
  [[ "$CACHE_MODE" == cluster ]] && count=$CLUSTER_NODES
  seq "$REDIS_PORT" $((REDIS_PORT + count - 1))
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

check_port_free() { # port option [what it is for]
  if port_busy "$1"; then
    die "port $1 on 127.0.0.1${3:+ ($3)} is already in use; stop what uses it or choose another with $2 N" 3
  fi
}

# A cluster's node and bus ports: in range, and none of them the API's or DynamoDB's.
check_cluster_ports() {
  local last=$((REDIS_PORT + CLUSTER_NODES - 1)) i names=(--api-port --dynamodb-port)
  local ports=("$API_PORT" "$DYNAMODB_PORT")
  ((last + CLUSTER_BUS_OFFSET <= 65535)) ||
    die "--cache cluster uses ports N to N+$((CLUSTER_NODES - 1)) and their cluster bus ports N+$CLUSTER_BUS_OFFSET to N+$((CLUSTER_BUS_OFFSET + CLUSTER_NODES - 1)): --redis-port must be at most $((65535 - CLUSTER_BUS_OFFSET - CLUSTER_NODES + 1)), got $REDIS_PORT" 2
  for i in 0 1; do
    if ((ports[i] >= REDIS_PORT && ports[i] <= last)) ||
      ((ports[i] >= REDIS_PORT + CLUSTER_BUS_OFFSET && ports[i] <= last + CLUSTER_BUS_OFFSET)); then
      die "${names[i]} ${ports[i]} is one of the cluster's ports ($REDIS_PORT to $last, bus $((REDIS_PORT + CLUSTER_BUS_OFFSET)) to $((last + CLUSTER_BUS_OFFSET))); give each its own port" 2
    fi
  done
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
  cache_mode
  set_services
  [[ "$CACHE_MODE" == single ]] || check_cluster_ports
  [[ -f "$CONFIG" ]] || die "no stack configuration at $CONFIG (--config FILE)" 2
  for service in "${ALL_SERVICES[@]}"; do
    if pid="$(running_pid "$service")"; then
      die "the local stack is already running ($service, pid $pid); $(stop_command) first, or give this one another --state-dir and other ports" 3
    fi
  done
  for i in 0 1; do
    check_port_free "${ports[i]}" "${names[i]}"
  done
  for i in $(redis_ports); do
    check_port_free "$i" --redis-port
  done
  if [[ "$CACHE_MODE" == cluster ]]; then
    for i in $(redis_ports); do
      check_port_free $((i + CLUSTER_BUS_OFFSET)) --redis-port "the cluster bus of node $i"
    done
  fi
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
  for ((i = ${#ALL_SERVICES[@]} - 1; i >= 0; i--)); do
    service="${ALL_SERVICES[i]}"
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
  # The cluster's nodes.conf files: a next run's nodes must start blank to be joined again.
  rm -rf "$STATE_DIR/cluster"
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
export STREAMCACHE_LOCAL_CACHE=$CACHE_MODE
EOF
}

# Three primaries and three replicas, joined by redis-cli; returns once the cluster is ready.
start_redis_cluster() {
  local node=0 port dir addresses=()
  rm -rf "$STATE_DIR/cluster"
  for port in $(redis_ports); do
    node=$((node + 1))
    dir="$STATE_DIR/cluster/$port"
    mkdir -p "$dir"
    start "redis-$node" redis-server "$CLUSTER_NODE_CONF" --bind 127.0.0.1 --port "$port" --dir "$dir"
    addresses+=("127.0.0.1:$port")
  done
  for port in $(redis_ports); do
    wait_until "redis-server on $port" redis-cli -p "$port" ping ||
      die "redis-server on $port did not start"
  done
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes \
    >"$STATE_DIR/logs/cluster-create.log" 2>&1 ||
    die "redis-cli --cluster create failed (log: $STATE_DIR/logs/cluster-create.log)"
  wait_until "the Redis cluster" cluster_ready ||
    die "the Redis cluster was not ready after ${READY_TIMEOUT_S}s (redis-cli --cluster check 127.0.0.1:$REDIS_PORT says why)"
}

# Every node says cluster_state:ok with all slots assigned, every replica's link to its primary
# is up, and redis-cli finds that all nodes agree on the slots and cover all 16384.
cluster_ready() {
  local port info
  for port in $(redis_ports); do
    info="$(redis-cli -p "$port" cluster info)" || return 1
    [[ "$info" == *cluster_state:ok* && "$info" == *cluster_slots_assigned:16384* ]] || return 1
    info="$(redis-cli -p "$port" info replication)" || return 1
    [[ "$info" != *master_link_status:down* ]] || return 1
  done
  redis-cli --cluster check "127.0.0.1:$REDIS_PORT"
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
  local seeded="" redis="redis://127.0.0.1:$REDIS_PORT" cache="single node"
  ((SEED == 0)) || seeded=" (then $SEED demo items)"
  if [[ "$CACHE_MODE" == cluster ]]; then
    local last=$((REDIS_PORT + CLUSTER_NODES - 1))
    cache="Redis Cluster, 3 primaries + 3 replicas (nodes 127.0.0.1:$REDIS_PORT-$last, bus ports $((REDIS_PORT + CLUSTER_BUS_OFFSET))-$((last + CLUSTER_BUS_OFFSET)))"
    redis+="  (a seed node: the functions detect the cluster, REDIS_CLUSTER=auto; use redis-cli -c)"
  fi
  cat <<EOF

streamcache is running locally
  API           http://127.0.0.1:$API_PORT  (open, no authorization: loopback only; the deployed API requires SigV4)
  dashboard     http://127.0.0.1:$API_PORT/_local  (live: requests, cache, cold starts, stream, traces)
  DynamoDB      http://127.0.0.1:$DYNAMODB_PORT  (table $TABLE_NAME, with its stream)
  cache mode    $cache
  Redis         $redis
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

  log "starting moto_server (DynamoDB + Streams) on 127.0.0.1:$DYNAMODB_PORT"
  start moto moto_server -H 127.0.0.1 -p "$DYNAMODB_PORT"
  if [[ "$CACHE_MODE" == cluster ]]; then
    log "starting a Redis Cluster (3 primaries, 3 replicas) on 127.0.0.1:$REDIS_PORT-$((REDIS_PORT + CLUSTER_NODES - 1))"
    start_redis_cluster
  else
    log "starting redis-server on 127.0.0.1:$REDIS_PORT"
    start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
      --dir "$STATE_DIR"
    wait_until "redis-server" redis-cli -p "$REDIS_PORT" ping || die "redis-server did not start"
  fi
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
  while all_running; do
    sleep 1
  done
  kill "$tail_pid" 2>/dev/null || true
  echo "error: a process of the stack exited; stopping the rest" >&2
  stop_stack
  exit 1
}

all_running() {
  local service
  for service in "${SERVICES[@]}"; do
    running_pid "$service" >/dev/null || return 1
  done
}

cmd_stop() {
  parse_args "$@"
  stop_stack
}

cmd_status() {
  parse_args "$@"
  local service pid up=0
  # The mode of the run in this state directory, whatever the options say.
  CACHE_MODE=single
  grep -qx 'export STREAMCACHE_LOCAL_CACHE=cluster' "$STATE_DIR/stack.env" 2>/dev/null &&
    CACHE_MODE=cluster
  set_services
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
