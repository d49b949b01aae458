#!/usr/bin/env bash
# Checks from AWS's own rules on what Terraform plans (moto and LocalStack accept what AWS refuses):
#   aws_rules.sh selftest     the dashboard validator on the documented example and its mutations
#   aws_rules.sh dashboard    the dashboard bodies against CloudWatch's dashboard body syntax
#   aws_rules.sh log-levels   every log_level keeps the functions' EMF lines past Lambda's log filter
#   aws_rules.sh iam-names    IAM names fit IAM's limits and differ between regions (IAM is global)
#   aws_rules.sh metrics      alarm and dashboard metrics are ones the code (EMF) or AWS emits
# Each plans infra/tests/fixtures/aws_rules offline (no AWS call, no credentials) and runs aws_rules.py.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check="${1:-}"
case "$check" in
  selftest)
    command -v python3 >/dev/null 2>&1 || fail "python3 not found"
    exec python3 "$INFRA_DIR/tests/aws_rules.py" selftest
    ;;
  dashboard | log-levels | iam-names | metrics) ;;
  *)
    echo "usage: $0 selftest | dashboard | log-levels | iam-names | metrics" >&2
    exit 2
    ;;
esac

require_terraform
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
make_workdir
dir="$WORK/infra/tests/fixtures/aws_rules"
export TF_DATA_DIR="$TF_DATA_DIR_ROOT/aws-rules"
tf_init "$dir"
# The fixture's provider blocks are fake; none of the standard credential chain may leak in.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null || true
tf() { terraform -chdir="$dir" "$@"; }
vars=()
if [[ "$check" == iam-names ]]; then
  # Only the network module needs answers at plan time (account id, prefix list): moto gives them.
  start_moto_server
  vars+=(-var "moto_endpoint=$MOTO_ENDPOINT")
fi
tf plan -input=false -no-color -lock=false "${vars[@]}" -out="$WORK/rules.tfplan" >"$WORK/plan.log" 2>&1 || {
  cat "$WORK/plan.log" >&2
  fail "terraform plan of tests/fixtures/aws_rules failed"
}
tf show -json "$WORK/rules.tfplan" >"$WORK/plan.json"

src="$(cd "$INFRA_DIR/.." && pwd)/src"
[[ -f "$src/items/metrics.h" ]] || fail "$src/items/metrics.h not found: these checks read what the code emits from src/"
args=(--plan "$WORK/plan.json")
case "$check" in
  log-levels) args+=(--src "$src" --module "$INFRA_DIR/modules/functions") ;;
  metrics) args+=(--src "$src") ;;
esac
log "aws_rules.py $check"
python3 "$INFRA_DIR/tests/aws_rules.py" "$check" "${args[@]}" || fail "$check: the plan breaks AWS's rules (above)"
