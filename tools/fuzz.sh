#!/usr/bin/env bash
# Runs libFuzzer targets of the fuzz preset (docs/fuzzing.md) on their corpus in fuzz/corpus.
#   tools/fuzz.sh [--build-dir DIR] [--seconds N] [--seed S] [TARGET...]
# Each target first replays its whole corpus (the regression cases), then explores for N seconds
# (from random seed S when given: CTest's runs pass one, so a test run explores the same inputs).
# New inputs go to DIR/corpus/TARGET (never into git's corpus), crashes to DIR/artifacts/TARGET,
# the log to DIR/logs/TARGET.log. Prints executions per second, coverage and features per target.
# Exit 1 when a target found a crash, a leak, a timeout or an out-of-memory input.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$ROOT/build/fuzz"
seconds=60
seed=()
targets=()
while (($#)); do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    --seed) seed=(-seed="${2:?--seed needs a number}"); shift 2 ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "error: fuzz: unknown option '$1'" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "error: --seconds must be a whole number above 0, got '$seconds'" >&2; exit 2; }
if ((${#targets[@]} == 0)); then
  for dir in "$ROOT"/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

# The dictionary a target's inputs are written in.
dictionary_of() {
  case "$1" in
    fuzz_resp) echo "$ROOT/fuzz/dict/resp.dict" ;;
    fuzz_redis_url | fuzz_env_config) echo "$ROOT/fuzz/dict/redis_url.dict" ;;
    *) echo "$ROOT/fuzz/dict/json.dict" ;;
  esac
}

# Options of one target: a RESP reply may not make the reader allocate 64 MB at once (a declared
# 1M-element array did: fuzz/corpus/fuzz_resp/regress-huge-array).
options_of() {
  case "$1" in
    fuzz_resp) echo "-malloc_limit_mb=64" ;;
  esac
}

status=0
printf '%-24s %8s %10s %8s %8s  %s\n' target seconds exec/s cov ft result
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz/$target"
  [[ -x "$binary" ]] || { echo "error: $binary is missing: build the fuzz preset first (./dev fuzz builds it)" >&2; exit 2; }
  [[ -d "$ROOT/fuzz/corpus/$target" ]] || { echo "error: no corpus fuzz/corpus/$target" >&2; exit 2; }
  work="$build_dir/corpus/$target" artifacts="$build_dir/artifacts/$target" log="$build_dir/logs/$target.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  result=ok
  # An input slower than 30 s is a hang (a starved process on a busy machine is not); the RSS
  # limit bounds what a hostile input may take.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    "$binary" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -dict="$(dictionary_of "$target")" -artifact_prefix="$artifacts/" "${seed[@]}" $(options_of "$target") \
    "$work" "$ROOT/fuzz/corpus/$target" >"$log" 2>&1 || result=FAILED
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
  printf '%-24s %8s %10s %8s %8s  %s\n' "$target" "$seconds" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$result${execs:+ ($execs runs)}"
  if [[ "$result" != ok ]]; then
    status=1
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz property failed|.*runtime error)' "$log" | head -5 >&2 || true
    echo "  log: $log; inputs: $(ls "$artifacts" | tr '\n' ' ')" >&2
  fi
done
exit $status
