#!/usr/bin/env bash
# Checks from AWS's own rules on what Terraform plans (moto and LocalStack accept what AWS refuses):
#   aws_rules.sh selftest              the dashboard validator on the documented example and its mutations
#   aws_rules.sh plan <plan.json>      plan tests/fixtures/aws_rules and write `terraform show -json` of it
#   aws_rules.sh <check> [<plan.json>] run one check on that plan (planned first when none is given):
#     dashboard    the dashboard bodies against CloudWatch's dashboard body syntax
#     log-levels   every log_level keeps the functions' EMF lines past Lambda's log filter
#     iam-names    IAM names fit IAM's limits and differ between regions (IAM is global)
#     metrics      alarm and dashboard metrics are ones the code (EMF) or AWS emits
# The plan makes no AWS call and needs no credentials: fake keys, and a local moto_server answers the
# network module's plan-time lookups. CTest plans once (infra.aws_rules.plan) for the four checks.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: $0 selftest | plan <plan.json> | {dashboard|log-levels|iam-names|metrics} [<plan.json>]" >&2
  exit 2
}

# plan_fixture <out.json>: the fixture's plan as JSON, written only when the plan succeeds.
plan_fixture() {
  local out="$1" dir="$WORK/infra/tests/fixtures/aws_rules"
  export TF_DATA_DIR="$TF_DATA_DIR_ROOT/aws-rules"
  tf_init "$dir"
  # The fixture's provider blocks are fake; none of the standard credential chain may leak in.
  unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null || true
  start_moto_server
  log "terraform plan tests/fixtures/aws_rules"
  terraform -chdir="$dir" plan -input=false -no-color -lock=false -var "moto_endpoint=$MOTO_ENDPOINT" \
    -out="$WORK/rules.tfplan" >"$WORK/plan.log" 2>&1 || {
    cat "$WORK/plan.log" >&2
    fail "terraform plan of tests/fixtures/aws_rules failed"
  }
  terraform -chdir="$dir" show -json "$WORK/rules.tfplan" >"$WORK/plan.json"
  mkdir -p "$(dirname "$out")"
  mv "$WORK/plan.json" "$out"
}

command -v python3 >/dev/null 2>&1 || fail "python3 not found"
check="${1:-}"
plan="${2:-}"
case "$check" in
  selftest)
    exec python3 "$INFRA_DIR/tests/aws_rules.py" selftest
    ;;
  plan)
    [[ -n "$plan" ]] || usage
    require_terraform
    rm -f "$plan"
    make_workdir
    plan_fixture "$plan"
    log "wrote $plan"
    exit 0
    ;;
  dashboard | log-levels | iam-names | metrics) ;;
  *) usage ;;
esac

require_terraform
if [[ -z "$plan" ]]; then
  make_workdir
  plan="$WORK/checked-plan.json"
  plan_fixture "$plan"
fi
[[ -s "$plan" ]] || fail "no plan at $plan: run infra.aws_rules.plan (aws_rules.sh plan $plan) first"

src="$(cd "$INFRA_DIR/.." && pwd)/src"
[[ -f "$src/items/metrics.h" ]] || fail "$src/items/metrics.h not found: these checks read what the code emits from src/"
args=(--plan "$plan")
case "$check" in
  log-levels) args+=(--src "$src" --module "$INFRA_DIR/modules/functions") ;;
  metrics) args+=(--src "$src") ;;
esac
log "aws_rules.py $check"
python3 "$INFRA_DIR/tests/aws_rules.py" "$check" "${args[@]}" || fail "$check: the plan breaks AWS's rules (above)"
