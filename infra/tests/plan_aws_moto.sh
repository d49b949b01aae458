#!/usr/bin/env bash
# `terraform plan` of infra/envs/aws, the production composition, against a real moto_server: every
# data source is read over the wire (zones, prefix list, random password, caller identity), and the
# plan must succeed with the defaults and without warnings, and its alarm metrics must be ones the code
# or AWS emits (aws_rules.py metrics).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_terraform
make_workdir
env_dir="$WORK/infra/envs/aws"
export TF_DATA_DIR="$TF_DATA_DIR_ROOT/envs-aws"
tf_init "$env_dir"
start_moto_server
make_dummy_zips "$WORK/dist"

# An override file (scratch copy only) sends every API to moto; the configuration itself is untouched.
cat >"$env_dir/moto_override.tf" <<TF
provider "aws" {
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true

  endpoints {
    apigatewayv2   = "$MOTO_ENDPOINT"
    cloudwatch     = "$MOTO_ENDPOINT"
    dynamodb       = "$MOTO_ENDPOINT"
    ec2            = "$MOTO_ENDPOINT"
    elasticache    = "$MOTO_ENDPOINT"
    iam            = "$MOTO_ENDPOINT"
    kms            = "$MOTO_ENDPOINT"
    lambda         = "$MOTO_ENDPOINT"
    logs           = "$MOTO_ENDPOINT"
    s3             = "$MOTO_ENDPOINT"
    secretsmanager = "$MOTO_ENDPOINT"
    sns            = "$MOTO_ENDPOINT"
    sqs            = "$MOTO_ENDPOINT"
    sts            = "$MOTO_ENDPOINT"
  }
}
TF

log "terraform plan envs/aws (defaults, against moto)"
terraform -chdir="$env_dir" plan -input=false -no-color -out="$WORK/plan.tfplan" \
  -var "region=us-east-1" -var "dist_dir=$WORK/dist" "$@" >"$WORK/plan.log" 2>&1 || {
  tail -n 60 "$WORK/plan.log" >&2
  fail "terraform plan of envs/aws failed against moto"
}
terraform -chdir="$env_dir" show -json "$WORK/plan.tfplan" >"$WORK/plan.json"
grep -E '^Plan: ' "$WORK/plan.log" >&2 || true
warnings="$(grep -cE '^Warning: ' "$WORK/plan.log" || true)"
[[ "$warnings" -eq 0 ]] || {
  grep -A8 -E '^Warning: ' "$WORK/plan.log" >&2
  fail "the plan of envs/aws with its defaults has $warnings warning(s)"
}
# The alarms users deploy alarm on metrics that exist (dashboard and IAM names: infra.aws_rules.*,
# whose fixture knows every value at plan time).
src_dir="$(cd "$INFRA_DIR/../src" && pwd)"
python3 "$INFRA_DIR/tests/aws_rules.py" metrics --plan "$WORK/plan.json" --src "$src_dir" || fail "envs/aws alarms on metrics nobody emits"
log "OK"
