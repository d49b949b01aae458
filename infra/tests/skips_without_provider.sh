#!/usr/bin/env bash
# A machine that cannot obtain the hashicorp/aws provider (no TF_PLUGIN_DIR, no registry, no mirror)
# must skip the infra tests with a message saying what to provide; a broken TF_PLUGIN_DIR must fail.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_terraform
scratch="$(mktemp -d "${TMPDIR:-/tmp}/streamcache-noprovider.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/empty-mirror"
# Terraform's own mirror setting, pointed at an empty directory: the registry is never asked.
cat >"$scratch/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path = "$scratch/empty-mirror"
  }
}
RC

set +e
out="$(env TF_PLUGIN_DIR= STREAMCACHE_TF_PLUGIN_DIR_DEFAULT= TF_CLI_CONFIG_FILE="$scratch/terraformrc" \
  bash "$INFRA_DIR/tests/run.sh" validate localstack 2>&1)"
rc=$?
set -e
[[ $rc -eq $SKIP_RC ]] || {
  printf '%s\n' "$out" >&2
  fail "without a provider, run.sh exited $rc instead of skipping ($SKIP_RC)"
}
grep -q "TF_PLUGIN_DIR" <<<"$out" || fail "the skip message does not say how to provide the provider: $out"

set +e
out="$(env TF_PLUGIN_DIR="$scratch/no-such-dir" bash "$INFRA_DIR/tests/run.sh" validate localstack 2>&1)"
rc=$?
set -e
[[ $rc -ne 0 && $rc -ne $SKIP_RC ]] || fail "a TF_PLUGIN_DIR that does not exist must fail, not pass or skip (exit $rc)"
log "OK: skipped without a provider, failed with a broken TF_PLUGIN_DIR"
