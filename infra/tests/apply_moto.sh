#!/usr/bin/env bash
# End-to-end check of infra/envs/localstack against a real moto_server on a free loopback port:
# deploy through deploy.sh (endpoint pointed at moto, event source mapping off because moto consumes stream records
# itself, external cache, dummy zips), check outputs and resources with boto3, check that a second
# plan is clean, destroy, and check that nothing is left behind.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_terraform

make_workdir
env_dir="$WORK/infra/envs/localstack"
export TF_DATA_DIR="$TF_DATA_DIR_ROOT/envs-localstack"
[[ -n "${TF_PLUGIN_DIR:-}" ]] && export TF_PLUGIN_DIR
# Init here first, so a machine that cannot obtain the provider skips like the other infra tests.
tf_init "$env_dir"

# Nothing listens on a fresh free port: deploy.sh must refuse at once (it used to retry for 74 s), saying how to start LocalStack.
closed_endpoint="http://127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
probe_dist="$WORK/probe-dist"
mkdir -p "$probe_dist" && : >"$probe_dist/api.zip" && : >"$probe_dist/stream-handler.zip"
log "deploy.sh with no emulator on $closed_endpoint refuses"
if AUTO_APPROVE=1 DIST_DIR="$probe_dist" "$WORK/infra/deploy.sh" deploy localstack -var "endpoint=$closed_endpoint" >"$WORK/probe.log" 2>&1; then
  fail "deploy.sh succeeded with nothing listening on $closed_endpoint"
fi
if ! grep -q "nothing answers at $closed_endpoint" "$WORK/probe.log" || ! grep -q "docker compose -f infra/envs/localstack/docker-compose.yml up" "$WORK/probe.log"; then
  cat "$WORK/probe.log" >&2
  fail "deploy.sh did not say that nothing answers and how to start LocalStack"
fi

start_moto_server
endpoint="$MOTO_ENDPOINT"
dist="$WORK/dist"
make_dummy_zips "$dist"

tf_vars=(
  -var "endpoint=$endpoint"
  -var "name=sc-moto"
  -var "enable_event_source_mapping=false"
  -var "enable_http_api=true"
  -var "redis_url=redis://127.0.0.1:6379"
)
tf() { terraform -chdir="$env_dir" "$@"; }
# Deploy and destroy go through deploy.sh (the code path of `./dev deploy`), in the scratch copy.
deploy() { AUTO_APPROVE=1 DIST_DIR="$dist" "$WORK/infra/deploy.sh" "$@"; }

log "deploy.sh deploy localstack (pointed at moto)"
deploy deploy localstack -no-color "${tf_vars[@]}" >"$WORK/apply.log" 2>&1 || {
  tail -n 60 "$WORK/apply.log" >&2
  fail "deploy against moto failed"
}
tf output -json >"$WORK/outputs.json"

log "check the deployed resources"
python3 "$INFRA_DIR/tests/moto_check.py" applied --endpoint "$endpoint" --outputs "$WORK/outputs.json" --dist "$dist" ||
  fail "deployed resources are not as expected"

log "plan again: nothing may change"
set +e
tf plan -detailed-exitcode -input=false -no-color -out="$WORK/replan.tfplan" -var "dist_dir=$dist" "${tf_vars[@]}" >"$WORK/replan.log" 2>&1
plan_rc=$?
set -e
[[ $plan_rc -eq 0 || $plan_rc -eq 2 ]] || {
  tail -n 40 "$WORK/replan.log" >&2
  fail "second plan failed"
}
tf show -json "$WORK/replan.tfplan" >"$WORK/replan.json"
python3 "$INFRA_DIR/tests/moto_check.py" replan --plan "$WORK/replan.json" || {
  grep -E '^\s+[~+-] |will be|must be' "$WORK/replan.log" >&2 || true
  fail "a second plan wants changes (drift or non-idempotent configuration)"
}

log "deploy.sh destroy localstack"
# The state was refreshed by the plan above; skipping another refresh saves a minute on a busy machine.
deploy destroy localstack -no-color -refresh=false "${tf_vars[@]}" >"$WORK/destroy.log" 2>&1 || {
  tail -n 60 "$WORK/destroy.log" >&2
  fail "destroy against moto failed"
}

log "check that nothing is left behind"
python3 "$INFRA_DIR/tests/moto_check.py" destroyed --endpoint "$endpoint" || fail "resources were left behind"
log "OK"
