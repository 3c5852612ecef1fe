#!/usr/bin/env bash
# One command for the whole local pipeline: installs dependencies, builds,
# starts kinesalite, creates the streams of config/local.json (events with 4
# shards, raw with 1, and events-dead-letter with 1 for the events stream's
# refused events), waits until they are ACTIVE, runs streamgate, and once
# /readyz answers 200 starts the local deliveries (deploy/local/delivery.mjs:
# the stand-in for Firehose + S3 + Glue, writing the lake that
# scripts/lake.sh queries; one for events, one for the bad rows of
# events-dead-letter) and prints their "ready" lines. Runs in the
# foreground; Ctrl-C or SIGTERM stops everything it started.
#
# From the environment: KINESIS_PORT (default 4567), GATEWAY_PORT (default
# 8080), STREAMGATE_LAKE_DIR (default ./lake). The gateway is built in
# build-local/ (tests off), so it never changes the test build in build/.
set -euo pipefail
cd "$(dirname "$0")/.."

KINESIS_PORT=${KINESIS_PORT:-4567}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
LAKE_DIR=${STREAMGATE_LAKE_DIR:-lake}
STREAMS=("events 4" "raw 1" "events-dead-letter 1")

die() { echo "run-local: $*" >&2; exit 1; }

bash scripts/install-deps.sh
cmake -S . -B build-local -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_BUILD_TESTS=OFF >/dev/null
cmake --build build-local -j"$(nproc)" >/dev/null || die "the build failed (cmake --build build-local)"

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-local}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-local}
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:$KINESIS_PORT
export AWS_EC2_METADATA_DISABLED=true
export STREAMGATE_LISTEN=127.0.0.1:$GATEWAY_PORT

# Everything started here is stopped here, whatever ends the script.
PIDS=()
stop_all() {
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

node_modules/.bin/kinesalite --port "$KINESIS_PORT" --shardLimit 100 --createStreamMs 0 \
    >/dev/null 2>&1 &
PIDS+=($!)

# A Kinesis API call signed with SigV4 by curl itself, as any client would
# sign it (kinesalite checks that the signature headers are there). Prints the
# answer; fails with Kinesis' own error text on any status but 200.
kinesis_call() {
    local target=$1 body=$2 out status
    out=$(curl -sS -X POST "$AWS_ENDPOINT_URL_KINESIS/" \
        --aws-sigv4 "aws:amz:$AWS_REGION:kinesis" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H 'Content-Type: application/x-amz-json-1.1' \
        -H "X-Amz-Target: Kinesis_20131202.$target" \
        -w '\n%{http_code}' -d "$body") || return 1
    status=${out##*$'\n'}
    out=${out%$'\n'*}
    if [ "$status" != 200 ]; then
        echo "$target answered $status: $out" >&2
        return 1
    fi
    printf '%s\n' "$out"
}

up=0
for _ in $(seq 100); do
    if curl -s -o /dev/null "$AWS_ENDPOINT_URL_KINESIS"; then up=1; break; fi
    sleep 0.1
done
[ $up = 1 ] || die "kinesalite did not start on 127.0.0.1:$KINESIS_PORT (is the port taken?)"

for s in "${STREAMS[@]}"; do
    read -r name shards <<<"$s"
    kinesis_call CreateStream "{\"StreamName\":\"$name\",\"ShardCount\":$shards}" >/dev/null ||
        die "could not create stream $name"
done
for s in "${STREAMS[@]}"; do
    read -r name _ <<<"$s"
    active=0
    for _ in $(seq 100); do
        summary=$(kinesis_call DescribeStreamSummary "{\"StreamName\":\"$name\"}") ||
            die "could not describe stream $name"
        case "$summary" in *'"StreamStatus":"ACTIVE"'*) active=1; break ;; esac
        sleep 0.1
    done
    [ $active = 1 ] || die "stream $name did not become ACTIVE"
done
echo "kinesalite on 127.0.0.1:$KINESIS_PORT with streams events (4 shards), raw (1 shard)" \
    "and events-dead-letter (1 shard)"

build-local/streamgate --config config/local.json &
GATEWAY=$!
PIDS+=($GATEWAY)

G=http://127.0.0.1:$GATEWAY_PORT
ready=0
for _ in $(seq 200); do
    kill -0 "$GATEWAY" 2>/dev/null || die "streamgate exited before it was ready"
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$G/readyz")" = 200 ]; then ready=1; break; fi
    sleep 0.1
done
[ $ready = 1 ] || die "streamgate did not become ready: $(curl -s "$G/readyz")"

# The deliveries (they flush on SIGTERM): the events stream into the Parquet
# and raw zones, the dead-letter stream's bad rows into the bad zone, as the
# Terraform's three Firehose delivery streams do. A 64 MiB young generation:
# the delivery holds each GetRecords batch briefly, and V8's default made it
# scavenge and promote them, 10-15% of its CPU per record (loadtest/RESULTS.md).
DELIVERY_NODE=(node --max-semi-space-size=64)
"${DELIVERY_NODE[@]}" deploy/local/delivery.mjs --endpoint "$AWS_ENDPOINT_URL_KINESIS" --stream events \
    --lake "$LAKE_DIR" &
PIDS+=($!)
"${DELIVERY_NODE[@]}" deploy/local/delivery.mjs --endpoint "$AWS_ENDPOINT_URL_KINESIS" --stream events-dead-letter \
    --lake "$LAKE_DIR" &
PIDS+=($!)

cat <<EOF
streamgate ready on $G (Kinesis: kinesalite on 127.0.0.1:$KINESIS_PORT). Try:
  curl -s -X PUT $G/streams/events/record -H 'Content-Type: application/json' \\
    -d '{"Data": {"event_uuid": "123e4567-e89b-12d3-a456-426614174000", "event_name": "payment:order:completed", "created_at": 1712514065.123, "amount": 9.99, "currency": "EUR"}, "PartitionKey": "customer-42"}'
  curl -s $G/metrics
Events land in the local lake ($LAKE_DIR) within seconds; query them with SQL:
  scripts/lake.sh --lake "$LAKE_DIR" query "SELECT event_type, dt, count(*) FROM events GROUP BY ALL"
  scripts/lake.sh --lake "$LAKE_DIR" query "SELECT amount, currency FROM payment_order_completed"
Ctrl-C stops the gateway, the delivery and kinesalite.
EOF

# Waits for the gateway; a signal interrupts the wait and runs the trap.
set +e
wait "$GATEWAY"
rc=$?
set -e
echo "run-local: streamgate exited with status $rc" >&2
exit "$rc"
