#!/usr/bin/env bash
# Static infra checks, one per CTest test:
#   run.sh fmt                 terraform fmt -check over infra/
#   run.sh validate <env>      terraform validate of infra/envs/<env>
#   run.sh test <dir>          terraform test of infra/<dir> (a module or an environment)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 fmt | validate <aws|localstack> | test <modules/NAME|envs/NAME>" >&2
  exit 2
}

require_terraform
cmd="${1:-}"
case "$cmd" in
  fmt)
    log "terraform fmt -check -recursive infra"
    terraform fmt -check -recursive -diff -no-color "$INFRA_DIR" || fail "run: terraform fmt -recursive infra"
    ;;
  validate)
    env="${2:-}"
    [[ -d "$INFRA_DIR/envs/$env" ]] || usage
    make_workdir
    dir="$WORK/infra/envs/$env"
    export TF_DATA_DIR="$TF_DATA_DIR_ROOT/envs-$env"
    tf_init "$dir"
    log "terraform validate envs/$env"
    terraform -chdir="$dir" validate -no-color || fail "envs/$env is not valid"
    ;;
  test)
    target="${2:-}"
    [[ -n "$target" && -d "$INFRA_DIR/$target/tests" ]] || usage
    make_workdir
    dir="$WORK/infra/$target"
    export TF_DATA_DIR="$TF_DATA_DIR_ROOT/${target//\//-}"
    tf_init "$dir"
    log "terraform test $target"
    terraform -chdir="$dir" test -no-color || fail "terraform test failed in $target"
    ;;
  *) usage ;;
esac
