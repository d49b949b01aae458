#!/usr/bin/env bash
# infra/deploy.sh — plan, confirm, then apply exactly that plan, for one environment.
#
#   infra/deploy.sh deploy  aws|localstack [terraform plan options, e.g. -var region=eu-west-1]
#   infra/deploy.sh destroy aws|localstack [terraform plan options]
#
# Settings go in -var/-var-file options (relative paths are taken from the current directory) or in
# infra/envs/<target>/terraform.tfvars, which is git-ignored. For localstack, something must answer
# at the endpoint variable (LocalStack, moto, ...) or deploy.sh stops before terraform runs.
#
# Environment:
#   AUTO_APPROVE=1   apply without asking (CI); otherwise the plan is shown and you type "yes"
#   TF_PLUGIN_DIR    provider mirror for an offline `terraform init -plugin-dir`
#   DIST_DIR         where the zips are (default build/dist, written by `./dev package`)
#   TF_DATA_DIR      terraform's working data (default build/terraform/<target>)
# State stays in infra/envs/<target>/terraform.tfstate (git-ignored) unless a backend_override.tf
# selects a remote backend (docs/deploy.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST_DIR="${DIST_DIR:-$ROOT/build/dist}"
[[ "$DIST_DIR" == /* ]] || DIST_DIR="$PWD/$DIST_DIR" # terraform runs with -chdir
ZIPS=(api stream-handler)
PLAN_FILE=""
EXTRA_ARGS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

confirm() { # question
  [[ "${AUTO_APPROVE:-0}" == "1" ]] && return 0
  [[ -t 0 ]] || die "no terminal to confirm on: review the plan above and rerun with AUTO_APPROVE=1"
  local answer
  read -r -p "$1 Only 'yes' is accepted: " answer
  [[ "$answer" == "yes" ]]
}

tf_init() { # env_dir
  local args=(-input=false)
  if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then
    [[ -d "$TF_PLUGIN_DIR" ]] || die "TF_PLUGIN_DIR=$TF_PLUGIN_DIR is not a directory"
    TF_PLUGIN_DIR="$(cd "$TF_PLUGIN_DIR" && pwd)"
    args+=("-plugin-dir=$TF_PLUGIN_DIR")
    # Link the provider from the mirror instead of copying it into the data dir.
    export TF_PLUGIN_CACHE_DIR="$TF_PLUGIN_DIR" TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1
  fi
  if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then
    log "terraform init (offline from $TF_PLUGIN_DIR)"
  else
    log "terraform init (registry)"
  fi
  terraform -chdir="$1" init "${args[@]}" >/dev/null || die "terraform init failed in $1"
}

# The last `endpoint = "..."` (HCL) or `"endpoint": "..."` (JSON) in a tfvars file; empty if none.
tfvars_endpoint() { # file
  if [[ -f "$1" ]]; then
    sed -nE 's/^[[:space:]{,]*"?endpoint"?[[:space:]]*[=:][[:space:]]*"([^"]*)".*/\1/p' "$1" | tail -n 1
  fi
}

# The localstack environment's endpoint variable as terraform will see it: the default, TF_VAR_endpoint,
# terraform.tfvars, *.auto.tfvars, then -var/-var-file in order (later wins), as terraform does.
localstack_endpoint() { # env_dir args...
  local env_dir="$1" endpoint="${TF_VAR_endpoint:-http://localhost:4566}" file arg found next=""
  shift
  for file in "$env_dir/terraform.tfvars" "$env_dir/terraform.tfvars.json" "$env_dir"/*.auto.tfvars "$env_dir"/*.auto.tfvars.json; do
    found="$(tfvars_endpoint "$file")"
    if [[ -n "$found" ]]; then endpoint="$found"; fi
  done
  for arg in "$@"; do
    found=""
    case "$next:$arg" in
      var:endpoint=*) found="${arg#endpoint=}" ;;
      file:*) found="$(tfvars_endpoint "$arg")" ;;
      :-var=endpoint=*) found="${arg#-var=endpoint=}" ;;
      :-var-file=*) found="$(tfvars_endpoint "${arg#-var-file=}")" ;;
    esac
    if [[ -n "$found" ]]; then endpoint="$found"; fi
    case "$next:$arg" in
      :-var) next="var" ;;
      :-var-file) next="file" ;;
      *) next="" ;;
    esac
  done
  printf '%s\n' "$endpoint"
}

# Fail in a second instead of letting the provider retry for over a minute against a closed port.
# Any HTTP answer will do (LocalStack's health path, or a 404 from moto or another emulator).
require_endpoint() { # url
  local url="${1%/}" code
  command -v curl >/dev/null 2>&1 || return 0
  code="$(curl -sk -o /dev/null --connect-timeout 3 --max-time 5 -w '%{http_code}' "$url/_localstack/health" || true)"
  [[ -n "$code" && "$code" != "000" ]] && return 0
  die "nothing answers at $url (the endpoint variable). Start LocalStack first:
  docker compose -f infra/envs/localstack/docker-compose.yml up -d --wait
LocalStack images published since 23 March 2026 (and :latest) need LOCALSTACK_AUTH_TOKEN in your environment;
the compose file pins an older Community tag (docs/deploy.md, \"Deploying to LocalStack\").
Or point the environment at a running emulator: -var endpoint=http://host:port"
}

# Terraform runs with -chdir, so make -var-file paths absolute against the caller's directory.
absolute_var_files() {
  local arg next_is_file=0
  EXTRA_ARGS=()
  for arg in "$@"; do
    if ((next_is_file)); then
      [[ "$arg" == /* ]] || arg="$PWD/$arg"
      next_is_file=0
    elif [[ "$arg" == -var-file=* && "${arg#-var-file=}" != /* ]]; then
      arg="-var-file=$PWD/${arg#-var-file=}"
    elif [[ "$arg" == -var-file ]]; then
      next_is_file=1
    fi
    EXTRA_ARGS+=("$arg")
  done
}

main() {
  [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" || "$1" == "help" ) ]] && usage
  [[ $# -ge 2 ]] || usage
  local action="$1" target="$2"
  shift 2
  case "$action" in deploy | destroy) ;; *) usage ;; esac
  case "$target" in aws | localstack) ;; *) die "unknown target '$target': use aws or localstack" ;; esac
  command -v terraform >/dev/null 2>&1 || die "terraform is not installed (https://developer.hashicorp.com/terraform/install)"

  if [[ "$action" == "deploy" ]]; then
    local zip
    for zip in "${ZIPS[@]}"; do
      [[ -f "$DIST_DIR/$zip.zip" ]] || die "$DIST_DIR/$zip.zip is missing: run ./dev package first"
    done
  fi

  local env_dir="$ROOT/infra/envs/$target"
  TF_DATA_DIR="${TF_DATA_DIR:-$ROOT/build/terraform/$target}"
  [[ "$TF_DATA_DIR" == /* ]] || TF_DATA_DIR="$PWD/$TF_DATA_DIR"
  export TF_DATA_DIR
  mkdir -p "$TF_DATA_DIR"

  absolute_var_files "$@"
  if [[ "$target" == localstack ]]; then require_endpoint "$(localstack_endpoint "$env_dir" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"})"; fi

  tf_init "$env_dir"

  # The plan file can hold secrets (the generated cache AUTH token): private, and removed on exit.
  PLAN_FILE="$(umask 077 && mktemp "$TF_DATA_DIR/$action.XXXXXX.tfplan")"
  trap 'rm -f "${PLAN_FILE:-}"' EXIT

  local plan_args=(-input=false -detailed-exitcode -out="$PLAN_FILE" -var "dist_dir=$DIST_DIR")
  [[ "$action" == "destroy" ]] && plan_args+=(-destroy)
  log "terraform plan${action/deploy/} ($target)"
  local rc=0
  terraform -chdir="$env_dir" plan "${plan_args[@]}" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} || rc=$?
  case "$rc" in
    0)
      log "nothing to do: $target is up to date"
      return 0
      ;;
    2) ;;
    *) die "terraform plan failed" ;;
  esac

  confirm "${action^} $target with the plan above?" || die "cancelled: nothing was changed"

  log "terraform apply ($target)"
  if ! terraform -chdir="$env_dir" apply -input=false "$PLAN_FILE"; then
    if [[ "$action" == "destroy" && "$target" == "aws" ]]; then
      printf '%s\n' "hint: the table has deletion protection by default. Turn it off, then destroy again:" \
        "  ./dev deploy aws -var 'table={deletion_protection=false}' && ./dev destroy aws" >&2
    fi
    die "terraform apply failed"
  fi

  if [[ "$action" == "deploy" ]]; then
    log "outputs ($target)"
    terraform -chdir="$env_dir" output
  fi
}

main "$@"
