#!/usr/bin/env bash
# Instructions per event of the batch route, the stable measure on a shared
# machine (wall-clock figures drift with other processes): the Release
# gateway under callgrind (instrumentation on once it is healthy) with
# bench/bench.json and fake_kinesis, driven by wrk with batches of 500 events
# of the 100 benchmark types. Prints the total and the parser's share
# (sg_ingest_parse, inclusive) per event acknowledged by the endpoint.
#
# Usage: loadtest/bench/callgrind_case.sh [STREAM] [SECONDS] [BUILD]
#   STREAM: events (no catalog, default) or events_catalog (bench.json);
#   SECONDS: wrk's duration (default 15); BUILD: a Release build dir
#   (default build-load, built here: streamgate and fake_kinesis).
# Needs valgrind, wrk, curl and python3. Everything listens on 127.0.0.1 and
# is stopped on exit; the callgrind output stays in the printed directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
STREAM=${1:-events}
SECONDS_RUN=${2:-15}
BUILD=${3:-build-load}
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/sg-callgrind.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

[ -f "$BUILD/CMakeCache.txt" ] ||
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSG_BUILD_TESTS=OFF >"$LOGS/cmake.log"
cmake --build "$BUILD" -j2 --target streamgate fake_kinesis >"$LOGS/build.log"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
records() { curl -sf "http://127.0.0.1:$FK_PORT/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }

"$BUILD/fake_kinesis" --port 0 --threads 1 --shards 4 >"$LOGS/fake_kinesis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    FK_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$LOGS/fake_kinesis.log")
    [ -n "$FK_PORT" ] && break
    sleep 0.1
done
GW_PORT=$(free_port)
STREAMGATE_LISTEN="127.0.0.1:$GW_PORT" AWS_ENDPOINT_URL_KINESIS="http://127.0.0.1:$FK_PORT" \
    AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$LOGS/callgrind.out" \
    "$BUILD/streamgate" --config loadtest/bench/bench.json >"$LOGS/streamgate.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GW_PORT/healthz")" = 200 ] && break
    sleep 0.1
done
callgrind_control -i on "$GW_PID" >/dev/null 2>&1
before=$(records)
SG_STREAM=$STREAM wrk -t1 -c4 -d"${SECONDS_RUN}s" -s loadtest/wrk/records.lua \
    "http://127.0.0.1:$GW_PORT" -- 500 >"$LOGS/wrk.log" 2>&1
sleep 2 # the last calls
after=$(records)
callgrind_control -i off "$GW_PID" >/dev/null 2>&1
kill -TERM "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
events=$((after - before))
out=$(ls "$LOGS"/callgrind.out* | head -1)
total=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
parse=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
    sed -n 's/^ *\([0-9,]*\) .*sg_ingest_parse_bounded.*/\1/p' | head -1 | tr -d ,)
echo "stream $STREAM: $events events acknowledged; $total instructions" \
    "($((total / events)) per event), sg_ingest_parse $((parse / events)) per event; logs in $LOGS"
