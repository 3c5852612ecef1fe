#!/usr/bin/env bash
# The repeatable measure of issue 21: instructions per event of each route,
# which do not depend on the machine or on the other processes on it (wall
# clock figures do). The Release gateway runs under callgrind (instrumentation
# on once it is healthy) with bench/bench.json against fake_kinesis; one
# client (wrk -t1 -c1, a fixed seed) sends a fixed workload one request after
# another, and each phase is counted apart (callgrind_control -z / -d):
#
#   batch          40 requests of 500 events (~330 bytes, the 100 types) to
#                  /streams/events/records
#   batch_catalog  the same to events_catalog (the catalog of the 100 types)
#   batch_kpl      the same to events_kpl (KPL aggregation)
#   single         2,000 requests of one event to /streams/events/record
#   single_c64     4,000 requests of one event from 64 connections at once
#                  (wrk -t1 -c64): the calls carry many records each, as in
#                  the bench's record_c64, so what is paid per call is shared
#
# For each phase it prints the instructions per event (user space, every
# thread of the gateway: the HTTP threads, the senders, the answer), checks
# that fake_kinesis received every event before the last answer was read, and
# prints the top functions (exclusive) with their instructions per event.
#
# Usage: loadtest/bench/callgrind.sh [--phases a,b,...] [--build DIR] [--top N]
#   --phases  phases to run (default: all five, in the order above)
#   --build   a Release build dir (default build-load, built here)
#   --top     functions listed per phase (default 12)
# Needs valgrind, wrk, curl and python3. Everything listens on 127.0.0.1 and
# is stopped on exit; the callgrind files stay in the printed directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
PHASES=batch,batch_catalog,batch_kpl,single,single_c64
BUILD=build-load
TOP=12
while [ $# -gt 0 ]; do
    case "$1" in
    --phases) PHASES=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --top) TOP=$2; shift 2 ;;
    *) echo "usage: $0 [--phases a,b] [--build DIR] [--top N]" >&2; exit 2 ;;
    esac
done
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
stat_of() { curl -sf "http://127.0.0.1:$FK_PORT/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

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
# callgrind_control, retried: under load it may miss the instrumented
# process's answer the first time.
cg() {
    for _ in 1 2 3 4 5; do
        callgrind_control "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "callgrind_control $* failed" >&2
    return 1
}
# wrk's main thread sleeps for its whole duration even when its thread stops
# after SG_REQUESTS answers: run it in the background, wait until fake_kinesis
# has the events, give the last answer a second, and interrupt it (SIGINT:
# it prints its summary).
# With more than one connection, the requests still in flight when wrk stops
# are answered too: GOT is then read again once fake_kinesis is settled.
drive() { # stream script requests per log [connections]
    local expected=$(($3 * $4)) before got conns=${6:-1} calls_before
    before=$(stat_of user_records)
    calls_before=$(stat_of calls)
    SG_STREAM=$1 SG_SEED=11 SG_REQUESTS=$3 wrk -t1 -c"$conns" -d3600s -s "loadtest/wrk/$2" \
        "http://127.0.0.1:$GW_PORT" -- "$4" >"$5" 2>&1 &
    local wrk_pid=$!
    for _ in $(seq 3000); do
        got=$(($(stat_of user_records) - before))
        [ "$got" -ge "$expected" ] && break
        sleep 0.2
    done
    sleep 1
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || true
    if [ "$conns" -gt 1 ]; then
        local last=-1
        while [ "$got" != "$last" ]; do
            last=$got
            sleep 1
            got=$(($(stat_of user_records) - before))
        done
    fi
    GOT=$got
    CALLS=$(($(stat_of calls) - calls_before))
}
# A first request of each kind outside the count (connections, caches).
drive events records.lua 2 500 "$LOGS/warm.log"
case ",$PHASES," in *,single_c64,*) drive events record.lua 200 1 "$LOGS/warm-c64.log" 64 ;; esac
drive events_kpl records.lua 2 500 "$LOGS/warm-kpl.log"
cg -i on "$GW_PID"

IFS=, read -r -a LIST <<<"$PHASES"
for phase in "${LIST[@]}"; do
    case "$phase" in
    batch) stream=events script=records.lua requests=40 per=500 conns=1 ;;
    batch_catalog) stream=events_catalog script=records.lua requests=40 per=500 conns=1 ;;
    batch_kpl) stream=events_kpl script=records.lua requests=40 per=500 conns=1 ;;
    single) stream=events script=record.lua requests=2000 per=1 conns=1 ;;
    single_c64) stream=events script=record.lua requests=4000 per=1 conns=64 ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
    esac
    cg -z "$GW_PID"
    drive "$stream" "$script" "$requests" "$per" "$LOGS/wrk-$phase.log" "$conns"
    got=$GOT
    cg -d "$phase" "$GW_PID"
    expected=$((requests * per))
    [ "$conns" -gt 1 ] && expected=$got # every event answered, the ones in flight included
    acked=$(sed -n 's/.* events_acked=\([0-9]*\).*/\1/p' "$LOGS/wrk-$phase.log")
    file=$(ls -t "$LOGS"/callgrind.out.* | head -1)
    mv "$file" "$LOGS/$phase.callgrind"
    total=$(callgrind_annotate "$LOGS/$phase.callgrind" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
    printf '%s: %s requests of %s to %s, %s events acknowledged, %s received by fake_kinesis;' \
        "$phase" "$requests" "$per" "$stream" "${acked:-?}" "$got"
    printf ' %d instructions per event' "$((total / expected))"
    # Under valgrind the batches depend on timing (and so on the machine's
    # load) when many connections wait: what a call costs is shared by its
    # records.
    printf ' (%s PutRecords calls, %s records per call)\n' "$CALLS" \
        "$(awk -v g="$got" -v c="$CALLS" 'BEGIN { printf "%.1f", c ? g / c : 0 }')"
    # name (the library's for a function without symbols) and its share.
    callgrind_annotate "$LOGS/$phase.callgrind" 2>/dev/null | grep -v 'PROGRAM TOTALS' |
        sed -n 's/^ *\([0-9,][0-9,]*\) *([ 0-9.]*%) *\(.*\)$/\1 \2/p' | head -n "$TOP" |
        awk -v n="$expected" '{
            c = $1; gsub(",", "", c); f = $2; lib = $NF
            sub(/^.*:/, "", f); gsub(/[\[\]]/, "", lib); sub(/^.*\//, "", lib)
            if (f ~ /^0x/) f = f " (" lib ")"
            printf "    %8.0f  %s\n", c / n, f }' || true # head closes the pipe early
done
echo "callgrind files in $LOGS"
