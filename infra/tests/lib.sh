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
