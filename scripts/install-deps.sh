#!/usr/bin/env bash
# Installs what streamgate needs on a fresh Debian 12 machine: the build
# toolchain and -dev libraries (apt), wrk for the benchmark, jq 1.6 for the
# local lake's partitioning, and the npm tools pinned in package-lock.json
# (kinesalite, @cdktf/hcl2json, and for the local lake DuckDB, the AWS SDK
# Kinesis client and aws-kinesis-agg). Skips whatever is already there, so it
# is cheap to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake pkg-config clang libclang-rt-14-dev
              libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev
              curl python3 wrk jq)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js may come from elsewhere than Debian's packages; only ask apt for it
# when there is no node at all.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x node_modules/.bin/kinesalite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

# The integration tests drive the gateway with Python: boto3 to read streams
# back, moto_server as a second, signature-checking Kinesis.
python3 -c 'import boto3' 2>/dev/null || { echo "python3 boto3 is required (python3-boto3)"; exit 1; }
command -v moto_server >/dev/null || echo "note: moto_server not found; the moto test will fail"
