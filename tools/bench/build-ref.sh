#!/usr/bin/env bash
# tools/bench/build-ref.sh REF — builds REF's release api and stream-handler bootstraps in
# build/bench-baseline/<sha> (a `git archive` export, not a git worktree: nothing is registered in
# the shared repository) and prints that directory's build tree. Cached by sha; ccache makes the
# first build of a new sha cheap for unchanged files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ref="${1:?usage: build-ref.sh REF}"
jobs="${JOBS:-2}"

sha="$(git -C "$ROOT" rev-parse --verify --quiet "$ref^{commit}")" ||
  { echo "error: '$ref' is not a commit in this repository" >&2; exit 2; }
src="$ROOT/build/bench-baseline/$sha"
build="$src/build/release"

if [[ ! -f "$src/.exported" ]]; then
  rm -rf "$src"
  mkdir -p "$src"
  git -C "$ROOT" archive "$sha" | tar -x -C "$src"
  touch "$src/.exported"
fi
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-/work}"
# A tree configured elsewhere (a copied or moved checkout) cannot be reused: CMake refuses it.
if [[ -f "$build/CMakeCache.txt" ]] &&
  ! grep -qxF "CMAKE_CACHEFILE_DIR:INTERNAL=$build" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  (cd "$src" && cmake --preset release -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" \
    -DSTREAMCACHE_DIST_DIR="$src/build/dist") >"$src/configure.log" 2>&1 ||
    { cat "$src/configure.log" >&2; echo "error: configuring $ref ($sha) failed" >&2; exit 1; }
fi
# The zips' targets: the bootstraps are built, stripped, gated and zipped exactly as they ship.
(cd "$src" && cmake --build --preset release -j "$jobs" \
  --target lambda_api_zip lambda_stream-handler_zip) >"$src/build.log" 2>&1 ||
  { tail -40 "$src/build.log" >&2; echo "error: building $ref ($sha) failed (log: $src/build.log)" >&2; exit 1; }
echo "$build"
