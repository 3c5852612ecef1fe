#!/usr/bin/env bash
# Installs what streamgate needs on a fresh Debian 12 machine: the build
# toolchain and -dev libraries (apt), wrk for the benchmark, jq 1.6 for the
# local lake's partitioning, the npm tools pinned in package-lock.json
# (kinesalite, @cdktf/hcl2json, and for the local lake DuckDB, the AWS SDK
# Kinesis client and aws-kinesis-agg), python3-boto3 for the integration
# tests. Skips whatever is already there, so it is cheap to run again, and
# says plainly what it cannot install.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
              libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
              curl python3 wrk jq)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js may come from elsewhere than Debian's packages; only ask apt for it
# when there is no node at all.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# The integration tests drive the gateway with Python and read streams back
# with boto3: Debian's python3-boto3 when the python3 on PATH has none.
python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)

apt_install() {
    echo "installing with apt: $*"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}
[ ${#missing[@]} -gt 0 ] && apt_install "${missing[@]}"

if [ ! -x node_modules/.bin/kinesalite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

# What apt cannot provide, said plainly.
if ! python3 -c 'import boto3' 2>/dev/null; then
    echo "install-deps: python3 ($(command -v python3)) cannot import boto3 although Debian's" \
         "python3-boto3 is installed: that python3 is not Debian's; put Debian's python3 first" \
         "on PATH or install boto3 for it" >&2
    exit 1
fi
command -v moto_server >/dev/null ||
    echo "install-deps: moto_server is not packaged by Debian 12 and was not installed;" \
         "the tests against moto (integration_test_moto_iam, _creds, _creds_rotation) will fail" >&2
