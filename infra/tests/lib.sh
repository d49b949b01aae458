# shellcheck shell=bash
# Shared helpers for the infra tests (sourced). Every test works on a scratch copy of infra/, so
# `terraform init`, lock files and state never land in the source tree, and tests can run in parallel.

set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly INFRA_DIR
readonly SKIP_RC=77 # CTest SKIP_RETURN_CODE
# What `terraform init` says when the provider cannot be fetched (registry unreachable, not in any mirror).
readonly PROVIDER_UNAVAILABLE='Failed to query available provider packages|Failed to install provider|Could not retrieve the list of available versions'


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
    # No mirror given and no way to the registry: the same kind of absence as a missing terraform.
    if [[ -z "${TF_PLUGIN_DIR:-}" ]] && grep -qE "$PROVIDER_UNAVAILABLE" <<<"$out"; then
      log "SKIP: terraform cannot obtain the hashicorp/aws provider ($(grep -m1 -oE "$PROVIDER_UNAVAILABLE" <<<"$out"))."
      log "      Point TF_PLUGIN_DIR at a provider mirror (a directory laid out like 'terraform providers mirror' writes,"
      log "      e.g. TF_PLUGIN_DIR=/opt/tf-plugins ./dev test), or configure Terraform's own provider_installation"
      log "      or plugin_cache_dir in ~/.terraformrc (TF_CLI_CONFIG_FILE), or allow access to registry.terraform.io."
      exit "$SKIP_RC"
    fi
    printf '%s\n' "$out" >&2
    fail "terraform init failed in ${dir#"$WORK"/}"
  fi
}

# start_moto_server: a real moto_server on a free loopback port, stopped on exit; sets MOTO_ENDPOINT and
# points boto3 / the aws CLI at nothing else, with throwaway credentials. Needs make_workdir first.
start_moto_server() {
  command -v moto_server >/dev/null 2>&1 || fail "moto_server not found (pip install 'moto[server]>=5'; ./dev setup checks it)"
  command -v python3 >/dev/null 2>&1 || fail "python3 not found"
  python3 -c 'import boto3' 2>/dev/null || fail "python3 cannot import boto3"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  MOTO_ENDPOINT="http://127.0.0.1:$port"
  moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  CLEANUP_HOOKS+=(stop_moto_server)
  local _
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('$MOTO_ENDPOINT/moto-api/', timeout=1)" 2>/dev/null; then
      log "moto_server on $MOTO_ENDPOINT (pid $MOTO_PID)"
      export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
      unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null || true
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log" >&2; fail "moto_server exited"; }
    sleep 0.2 # poll, bounded by the loop
  done
  fail "moto_server did not answer on $MOTO_ENDPOINT"
}
stop_moto_server() {
  if kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}

# make_dummy_zips <dir>: api.zip, stream-handler.zip and monitor.zip with an executable bootstrap at the root, like
# ./dev package builds, for configurations that only need the files to exist.
make_dummy_zips() {
  python3 - "$1" <<'PY'
import os, sys, zipfile
dist = sys.argv[1]
os.makedirs(dist, exist_ok=True)
for name in ("api", "stream-handler", "monitor"):
    info = zipfile.ZipInfo("bootstrap", date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16
    info.create_system = 3
    with zipfile.ZipFile(os.path.join(dist, f"{name}.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(info, f"#!/bin/sh\n# infra test dummy {name}\nexit 1\n")
PY
}
