#!/usr/bin/env bash
# A soak on a local stack of its own (docs/faults.md): starts one on free ports in a fresh state
# directory, runs streamcache-soak against it, stops it, and keeps its logs and report.
#
#   tools/soak.sh [--seconds N] [--seed S] [--build-dir DIR] [--state-dir DIR] [--config FILE]
#                 [streamcache-soak options]
#
# --config: another stack configuration (default local/stack.json), e.g. fewer mapping retries.
#
# Exit codes: streamcache-soak's (0 pass, 1 fail, 2 bad options), 4 a missing build, and
# tools/local-stack.sh's when the stack does not start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT/build/release"
STATE_DIR=""
CONFIG=()
ARGS=()
while (($#)); do
  case "$1" in
    --build-dir) BUILD_DIR="${2:?--build-dir needs a directory}" && shift ;;
    --state-dir) STATE_DIR="${2:?--state-dir needs a directory}" && shift ;;
    --config) CONFIG=(--config "$(realpath -m -- "${2:?--config needs a file}")") && shift ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
BUILD_DIR="$(realpath -m -- "$BUILD_DIR")"
SOAK="$BUILD_DIR/src/soak/streamcache-soak"
[[ -x "$SOAK" ]] || { echo "error: $SOAK is missing: build first (./dev soak builds)" >&2; exit 4; }
# Options are checked before anything starts.
"$SOAK" --state-dir /nonexistent "${ARGS[@]}" --help >/dev/null
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  [[ "${ARGS[$i]}" == -h || "${ARGS[$i]}" == --help ]] && { "$SOAK" --help; exit 0; }
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

[[ -n "$STATE_DIR" ]] || STATE_DIR="$BUILD_DIR/soak/$(date +%Y%m%d-%H%M%S)-$$"
STATE_DIR="$(realpath -m -- "$STATE_DIR")"
mkdir -p "$STATE_DIR"
# A previous run's records name a stream that no longer exists.
rm -f "$STATE_DIR/stream-on-failure.jsonl" "$STATE_DIR/soak-report.md"
stack=(bash "$ROOT/tools/local-stack.sh")
trap '"${stack[@]}" stop --state-dir "$STATE_DIR" >/dev/null 2>&1 || true' EXIT
"${stack[@]}" run --detach --api-port "$(free_port)" --dynamodb-port "$(free_port)" \
  --redis-port "$(free_port)" --state-dir "$STATE_DIR" --build-dir "$BUILD_DIR" "${CONFIG[@]}" >/dev/null
redrive=()
[[ -x "$BUILD_DIR/src/redrive/streamcache-redrive" ]] &&
  redrive=(--redrive "$BUILD_DIR/src/redrive/streamcache-redrive")
status=0
"$SOAK" --state-dir "$STATE_DIR" "${redrive[@]}" "${ARGS[@]}" || status=$?
echo "soak: logs and report in $STATE_DIR" >&2
exit $status
