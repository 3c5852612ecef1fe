#!/usr/bin/env bash
# One command for a local gateway: installs dependencies, builds, starts
# kinesalite on 127.0.0.1:4567, creates the streams of config/local.json
# (events, raw) and runs streamgate on 127.0.0.1:8080 in the foreground.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DSG_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"

KINESIS_PORT=${KINESIS_PORT:-4567}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ENDPOINT_URL_KINESIS=${AWS_ENDPOINT_URL_KINESIS:-http://127.0.0.1:$KINESIS_PORT}
export AWS_EC2_METADATA_DISABLED=true

node_modules/.bin/kinesalite --port "$KINESIS_PORT" --shardLimit 100 \
    --createStreamMs 0 >/dev/null 2>&1 &
KINESALITE=$!
trap 'kill $KINESALITE 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$KINESIS_PORT" && break
    sleep 0.1
done

# kinesalite does not check signatures, so plain JSON 1.1 calls do.
create_stream() {
    curl -s -o /dev/null -X POST "http://127.0.0.1:$KINESIS_PORT/" \
        -H 'Content-Type: application/x-amz-json-1.1' \
        -H 'X-Amz-Target: Kinesis_20131202.CreateStream' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0' \
        -d "{\"StreamName\":\"$1\",\"ShardCount\":$2}"
}
create_stream events 4
create_stream raw 1
echo "kinesalite on 127.0.0.1:$KINESIS_PORT with streams events (4 shards) and raw (1 shard)"

build/streamgate --config config/local.json
