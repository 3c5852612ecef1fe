#!/usr/bin/env bash
# check_terraform.sh: terraform/ checked by terraform itself (ctest
# infra_terraform, label infra; scripts/test.sh runs it).
#
#   1. node scripts/check_terraform.mjs: the lints terraform cannot make
#      (layout, variable hygiene, IAM wildcards, every bucket's controls, ...).
#   2. terraform fmt -check -recursive over terraform/ (test files included).
#   3. terraform init -backend=false and terraform validate in every
#      environment and every module.
#   4. terraform test wherever a tests/ directory holds *.tftest.hcl:
#      environments/dev (the stack through the environment, mocked provider;
#      the task role rendered by the real provider offline) and modules/stack
#      (its guards, expect_failures).
#   5. tests/terraform/moto_apply.py: plan prod and dev against moto_server,
#      apply dev, read it back with boto3, destroy. It starts first and runs in
#      the background, since it mostly waits on the provider's waiters.
#
# The AWS provider comes from a provider filesystem mirror, never from the
# network: $SG_TF_PROVIDER_MIRROR, or else the first directory holding
# registry.terraform.io/hashicorp/aws/... that find locates. A CLI config
# written to a temporary directory points terraform at it. Every init runs in
# a temporary copy of terraform/, config/ and deploy/ecs/ (the stack renders
# deploy/ecs/task-definition.json.tftpl), so no .terraform directory, lock file
# or state is ever written into the repository.
#
# Without terraform, a mirror, moto or boto3: with CI=true the check fails and
# says what is missing; elsewhere it prints "skipped: ..." for the stages it
# cannot run and still runs the others. SG_TF_NO_MOTO=1 skips stage 5 for a
# quick local run (ignored when CI=true).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
failed=()
skipped=0
started=$SECONDS

say() { echo "check_terraform: $*"; }
fail() {
    say "FAIL: $1"
    failed+=("$1")
}
# missing WHAT: fatal under CI, a skip line elsewhere.
missing() {
    if [ "${CI:-}" = "true" ]; then
        fail "$1 (required when CI=true)"
    else
        say "skipped: $1"
        skipped=$((skipped + 1))
    fi
}
finish() {
    if [ ${#failed[@]} -gt 0 ]; then
        local IFS=';'
        say "${#failed[@]} stage(s) failed in $((SECONDS - started)) s: ${failed[*]}"
        exit 1
    fi
    say "passed in $((SECONDS - started)) s$([ "$skipped" -eq 0 ] || echo ", $skipped stage(s) skipped")"
    exit 0
}

# ---- 1. what terraform cannot check --------------------------------------------------
if command -v node >/dev/null && [ -d node_modules/@cdktf/hcl2json ]; then
    node scripts/check_terraform.mjs || fail "scripts/check_terraform.mjs"
else
    missing "scripts/check_terraform.mjs needs node and npm ci (node_modules/@cdktf/hcl2json)"
fi

# ---- terraform and the provider mirror ----------------------------------------------------
if ! command -v terraform >/dev/null; then
    missing "terraform is not on PATH: fmt, validate, terraform test and the moto apply did not run"
    finish
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sg-check-terraform.XXXXXX")
moto_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# A fresh environment for terraform: only this script's CLI config, no
# inherited variables, arguments or workspace.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^TF_(VAR_|CLI_ARGS|WORKSPACE|DATA_DIR|PLUGIN_CACHE|LOG)' || true)
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
: >"$TF_CLI_CONFIG_FILE" # written below, once the mirror is known

# ---- 2. formatting (needs no provider) -----------------------------------------------------
if terraform fmt -check -recursive -diff terraform >"$work/fmt.log" 2>&1; then
    say "ok: terraform fmt -check -recursive terraform"
else
    cat "$work/fmt.log"
    fail "terraform fmt (run: terraform fmt -recursive terraform)"
fi

mirror=${SG_TF_PROVIDER_MIRROR:-}
if [ -z "$mirror" ]; then
    found=$(find / -maxdepth 9 \( -path /proc -o -path /sys -o -path /dev -o -name .git -o -name node_modules \
        -o -name .terraform \) -prune -o -name 'terraform-provider-aws*' -path '*/registry.terraform.io/hashicorp/aws/*' \
        -print -quit 2>/dev/null)
    [ -n "$found" ] && mirror=${found%%/registry.terraform.io/*}
fi
if [ -z "$mirror" ] || [ ! -d "$mirror/registry.terraform.io/hashicorp/aws" ]; then
    missing "no AWS provider mirror found (set SG_TF_PROVIDER_MIRROR to a directory holding registry.terraform.io/hashicorp/aws/...): validate, terraform test and the moto apply did not run"
    finish
fi
cat >"$TF_CLI_CONFIG_FILE" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
EOF
# An unpacked mirror is symlinked by each init. A packed one (zip files) would
# be unpacked by each init: unpack it once, into a shared cache.
if find "$mirror/registry.terraform.io/hashicorp/aws" -maxdepth 1 -name '*.zip' | grep -q .; then
    export TF_PLUGIN_CACHE_DIR="$work/plugin-cache" TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=true
    mkdir -p "$TF_PLUGIN_CACHE_DIR"
fi
say "provider mirror: $mirror, hashicorp/aws $(cd "$mirror/registry.terraform.io/hashicorp/aws" && echo *)"

# ---- 5 (background). against moto --------------------------------------------------------
if [ -n "${SG_TF_NO_MOTO:-}" ] && [ "${CI:-}" != "true" ]; then
    say "skipped: the plan/apply/destroy against moto (SG_TF_NO_MOTO is set)"
    skipped=$((skipped + 1))
elif command -v python3 >/dev/null && python3 -c 'import boto3, moto' 2>/dev/null; then
    python3 -u tests/terraform/moto_apply.py >"$work/moto.log" 2>&1 &
    moto_pid=$!
else
    missing "python3 with boto3 and moto is needed for the plan/apply/destroy against moto"
fi

# ---- 3. init + validate, in a copy -------------------------------------------------------------
mkdir -p "$work/src/deploy"
cp -r terraform config "$work/src/"
cp -r deploy/ecs "$work/src/deploy/"
find "$work/src/terraform" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \
    -o -name '*_override.tf' -o -name override.tf -o -name '*.tfvars' -o -name '*.tfvars.json' \) -prune -exec rm -rf {} +

roots=()
for d in "$work"/src/terraform/environments/*/ "$work"/src/terraform/modules/*/; do roots+=("${d%/}"); done
validated=0
for root in "${roots[@]}"; do
    rel=${root#"$work"/src/}
    log="$work/$(echo "$rel" | tr / _)"
    if ! (cd "$root" && terraform init -backend=false -no-color >"$log.init" 2>&1); then
        cat "$log.init"
        fail "init $rel"
    elif ! (cd "$root" && terraform validate -no-color >"$log.validate" 2>&1); then
        cat "$log.validate"
        fail "validate $rel"
    else
        validated=$((validated + 1))
    fi
done
say "init -backend=false + validate: $validated of ${#roots[@]} roots passed ($((SECONDS - started)) s)"

# ---- 4. terraform test ------------------------------------------------------------------------------
tested=0
for root in "${roots[@]}"; do
    ls "$root"/tests/*.tftest.hcl >/dev/null 2>&1 || continue
    rel=${root#"$work"/src/}
    if (cd "$root" && terraform test -no-color >"$work/test.log" 2>&1); then
        say "ok: terraform test in $rel: $(grep -E '^(Success|Failure)' "$work/test.log")"
        tested=$((tested + 1))
    else
        cat "$work/test.log"
        fail "terraform test $rel"
    fi
done
[ "$tested" -gt 0 ] || [ ${#failed[@]} -gt 0 ] || fail "no terraform test files found"

# ---- 5. collect the moto run ------------------------------------------------------------------------
if [ -n "$moto_pid" ]; then
    wait "$moto_pid"
    rc=$?
    moto_pid=
    cat "$work/moto.log"
    [ "$rc" -eq 0 ] || fail "terraform against moto (tests/terraform/moto_apply.py)"
fi
finish
