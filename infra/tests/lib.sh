# shellcheck shell=bash
# Shared helpers for the infra tests (sourced). Every test works on a scratch copy of infra/, so
# `terraform init`, lock files and state never land in the source tree, and tests can run in parallel.

set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly INFRA_DIR
readonly SKIP_RC=77 # CTest SKIP_RETURN_CODE

export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
# TF_PLUGIN_DIR from the environment wins; CTest passes the value seen when it was configured.
TF_PLUGIN_DIR="${TF_PLUGIN_DIR:-${STREAMCACHE_TF_PLUGIN_DIR_DEFAULT:-}}"
# A TF_CLI_CONFIG_FILE naming a missing file only adds a warning to every command.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -e "${TF_CLI_CONFIG_FILE}" ]]; then
  unset TF_CLI_CONFIG_FILE
fi

log() { printf '[infra] %s\n' "$*" >&2; }
fail() {
  printf '[infra] FAIL: %s\n' "$*" >&2
  exit 1
}

require_terraform() {
  if ! command -v terraform >/dev/null 2>&1; then
    log "SKIP: terraform is not installed"
    exit "$SKIP_RC"
  fi
}

# make_workdir: WORK=<fresh temp dir> with a clean copy of infra/ in $WORK/infra, removed on exit.
# Local state, data dirs, overrides and tfvars of a developer's own deployments are left behind.
declare -a CLEANUP_HOOKS=()
run_cleanup() {
  local rc=$? hook
  for hook in "${CLEANUP_HOOKS[@]}"; do
    $hook || true
  done
  [[ -n "${WORK:-}" && -d "${WORK}" ]] && rm -rf "${WORK}"
  return $rc
}
make_workdir() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/streamcache-infra.XXXXXX")"
  trap run_cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$WORK/infra"
  tar -C "$INFRA_DIR" \
    --exclude=.terraform --exclude='*.tfstate' --exclude='*.tfstate.*' --exclude=.terraform.lock.hcl \
    --exclude='*_override.tf' --exclude='*_override.tf.json' --exclude='*.tfvars' --exclude='*.tfvars.json' \
    --exclude='*.tfplan' -cf - . | tar -C "$WORK/infra" -xf -
  export TF_DATA_DIR_ROOT="$WORK/data"
}

# tf_init <dir>: offline through TF_PLUGIN_DIR when set (the provider is linked, not copied),
# otherwise a plain init from the registry. Each directory gets its own data dir under $WORK.
tf_init() {
  local dir="$1"
  local args=(-input=false -no-color -backend=false)
  if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then
    [[ -d "$TF_PLUGIN_DIR" ]] || fail "TF_PLUGIN_DIR=$TF_PLUGIN_DIR is not a directory"
    TF_PLUGIN_DIR="$(cd "$TF_PLUGIN_DIR" && pwd)"
    args+=("-plugin-dir=$TF_PLUGIN_DIR")
    # Using the mirror as the plugin cache makes init symlink the ~700 MB provider instead of copying it.
    export TF_PLUGIN_CACHE_DIR="$TF_PLUGIN_DIR" TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1
  fi
  local out
  if ! out="$(terraform -chdir="$dir" init "${args[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    fail "terraform init failed in ${dir#"$WORK"/}"
  fi
}

# start_moto_server: MOTO_ENDPOINT=http://127.0.0.1:<free port> with a moto_server behind it, stopped
# on exit (after make_workdir). Fails when moto_server is not installed or does not answer.
start_moto_server() {
  command -v moto_server >/dev/null 2>&1 || fail "moto_server not found (pip install 'moto[server]>=5'; ./dev setup checks it)"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  MOTO_ENDPOINT="http://127.0.0.1:$port"
  moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  CLEANUP_HOOKS+=(stop_moto_server)
  local _
  for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('$MOTO_ENDPOINT/moto-api/', timeout=1)" 2>/dev/null && return 0
    kill -0 "$MOTO_PID" 2>/dev/null || {
      cat "$WORK/moto.log" >&2
      fail "moto_server exited"
    }
    sleep 0.2
  done
  fail "moto_server did not answer on $MOTO_ENDPOINT"
}
stop_moto_server() {
  if kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}
