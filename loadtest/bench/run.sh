#!/usr/bin/env bash
# The local benchmark of streamgate, one command:
#
#   loadtest/bench/run.sh [options]
#
# Builds the gateway and fake_kinesis if needed (Release), starts fake_kinesis
# (a fast PutRecords endpoint, loadtest/fake_kinesis/) on a free port, and for
# each case and run starts a fresh gateway (build/streamgate --config
# loadtest/bench/bench.json) pointed at it, drives it with wrk and the Lua
# scripts of loadtest/wrk/ for a fixed duration, and measures:
#   requests/s, events/s and latency p50/p90/p99 (wrk, acknowledged answers),
#   the gateway's CPU seconds per 1,000 events (/proc/<pid>/stat) and peak RSS
#   (VmHWM), the PutRecords calls, Kinesis records, user records and bytes
#   fake_kinesis received (it takes KPL aggregates apart: the *_kpl cases send
#   to the stream events_kpl, "aggregation": "kpl"), and checks it received
#   every acknowledged event (unique event_uuids >= events acknowledged, no
#   user record outside its aggregate's shard) and counts duplicates.
# Medians of the runs go to loadtest/RESULTS.md between the bench markers
# (the rest of the file, e.g. profiling notes, is kept).
#
# Options:
#   --duration S     seconds per run (10)        --runs N      runs per case (3)
#   --cases a,b,...  cases to run (default: all of the mode; see CASES below;
#                    "none" with --soak for a soak alone)
#   --build DIR      build directory (build-load)
#   --wrk-threads N  wrk threads (2)             --fk-threads N fake_kinesis threads (1)
#   --shards N       shards of the fake stream (4)
#   --fk-latency-ms N  fake_kinesis answers each call N ms late (0), as real
#                    Kinesis takes tens of ms: calls pile up to max_in_flight
#   --kinesalite     run the reduced-rate cases against kinesalite instead
#   --soak S         also run record_c64 for S seconds, sampling RSS every 10 s
#   --no-write       print the results, leave RESULTS.md alone
#   --out FILE       results file (loadtest/RESULTS.md)
#   --block TAG      the RESULTS.md block to write (default: the mode, fake or
#                    kinesalite), e.g. --block kpl to keep the fake block
# Everything listens on 127.0.0.1 only; every run stops by itself.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

DURATION=10
RUNS=3
CASE_LIST=""
BUILD=build-load
WRK_THREADS=2
FK_THREADS=1
FK_LATENCY_MS=0
SHARDS=4
MODE=fake
SOAK=0
WRITE=1
OUT=loadtest/RESULTS.md
BLOCK=""
ARGS="$*"

# name -> "script connections events_per_request invalid_share [http_floor mode]"
# A fifth field runs loadtest/http_floor (libmicrohttpd alone, answering
# without any work) in that mode instead of the gateway: the floor under the
# single route.
declare -A CASES=(
    [record_c64]="record.lua 64 1 0"
    [record_c256]="record.lua 256 1 0"
    [records_b100]="records.lua 32 100 0"
    [records_b500]="records.lua 32 500 0"
    [record_c64_invalid10]="record.lua 64 1 0.1"
    [endpoint_b500]="putrecords.lua 16 500 0"
    [floor_direct_c64]="record.lua 64 1 0 direct"
    [floor_deferred_c64]="record.lua 64 1 0 deferred"
    [kinesalite_record_c16]="record.lua 16 1 0"
    [kinesalite_records_b100]="records.lua 8 100 0"
    [record_c64_kpl]="record.lua 64 1 0"
    [records_b500_kpl]="records.lua 32 500 0"
    [records_b500_catalog]="records.lua 32 500 0"
)
# The stream of a case (SG_STREAM of the wrk scripts), when not events:
# events_kpl aggregates (bench.json: "aggregation": "kpl", KPL's defaults);
# events_catalog checks each event against the catalog of the 100 types
# (bench.json: "catalog": "catalog", written by bench/make_catalog.mjs).
declare -A CASE_STREAM=(
    [record_c64_kpl]=events_kpl
    [records_b500_kpl]=events_kpl
    [records_b500_catalog]=events_catalog
)
FAKE_ORDER="record_c64 record_c256 records_b100 records_b500 record_c64_invalid10 endpoint_b500"
FAKE_ORDER="$FAKE_ORDER floor_direct_c64 floor_deferred_c64 record_c64_kpl records_b500_kpl"
FAKE_ORDER="$FAKE_ORDER records_b500_catalog"
KINESALITE_ORDER="kinesalite_record_c16 kinesalite_records_b100"

die() {
    echo "run.sh: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --duration) DURATION=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --cases) CASE_LIST=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --wrk-threads) WRK_THREADS=$2; shift ;;
    --fk-threads) FK_THREADS=$2; shift ;;
    --shards) SHARDS=$2; shift ;;
    --fk-latency-ms) FK_LATENCY_MS=$2; shift ;;
    --kinesalite) MODE=kinesalite ;;
    --soak) SOAK=$2; shift ;;
    --no-write) WRITE=0 ;;
    --out) OUT=$2; shift ;;
    --block) BLOCK=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
for n in "$DURATION" "$RUNS" "$WRK_THREADS" "$FK_THREADS" "$SHARDS" "$SOAK" "$FK_LATENCY_MS"; do
    [[ "$n" =~ ^[0-9]+$ ]] || die "numeric option expected, got '$n'"
done
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 3600 ] || die "--duration must be 1..3600"
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || die "--runs must be 1..20"
[ "$SOAK" -le 7200 ] || die "--soak must be at most 7200 seconds"
[[ "$BLOCK" =~ ^[a-z0-9_-]*$ ]] || die "--block must be [a-z0-9_-]"
if [ -z "$CASE_LIST" ]; then
    [ "$MODE" = fake ] && CASE_LIST=$FAKE_ORDER || CASE_LIST=$KINESALITE_ORDER
fi
[ "$CASE_LIST" = none ] && CASE_LIST=""
CASE_LIST=${CASE_LIST//,/ }
for c in $CASE_LIST; do
    [ -n "${CASES[$c]:-}" ] || die "unknown case $c (known: ${!CASES[*]})"
done

for tool in wrk curl python3 cmake awk; do
    command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install $tool)"
done

# ---- processes: every one started here is stopped on exit, by pid ----

PIDS=()
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process: SIGTERM, then SIGKILL after $2 seconds (default 15).
stop_pid() {
    local pid=$1 limit=${2:-15} i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

LOGS=$(mktemp -d -t sg-bench.XXXXXX)
TICKS=$(getconf CLK_TCK)

# CPU seconds (user + system) of a process, in clock ticks.
proc_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
# Peak RSS (VmHWM) of a process, in kB.
proc_hwm() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}
proc_rss() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
# Machine CPU ticks: "busy total".
machine_ticks() {
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
# One field of a flat JSON object (numbers only).
json_num() {
    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"
}

# ---- build ----

echo "== build ($BUILD, Release)"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSG_BUILD_TESTS=OFF >"$LOGS/cmake.log" ||
        die "cmake configure failed, see $LOGS/cmake.log"
fi
cmake --build "$BUILD" -j"$(nproc)" --target fake_kinesis >"$LOGS/build-fk.log" 2>&1 ||
    die "fake_kinesis build failed, see $LOGS/build-fk.log"
need_gateway=0
need_floor=0
for c in $CASE_LIST; do
    spec=(${CASES[$c]})
    if [ -n "${spec[4]:-}" ]; then
        need_floor=1
    elif [ "${spec[0]}" != putrecords.lua ]; then
        need_gateway=1
    fi
done
if [ "$need_floor" = 1 ]; then
    cmake --build "$BUILD" -j"$(nproc)" --target http_floor >"$LOGS/build-floor.log" 2>&1 ||
        die "http_floor build failed, see $LOGS/build-floor.log"
fi
[ "$SOAK" -gt 0 ] && need_gateway=1
if [ "$need_gateway" = 1 ]; then
    cmake --build "$BUILD" -j"$(nproc)" --target streamgate >"$LOGS/build-gw.log" 2>&1 ||
        die "streamgate build failed, see $LOGS/build-gw.log"
fi

# ---- the Kinesis side ----

FK_PID=""
FK_PORT=""
KL_PID=""
KL_PORT=""

# The port a tool printed as "listening on 127.0.0.1:PORT" in its log;
# fails after 10 s without it.
listening_port() { # log
    local i port
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1")
        [ -n "$port" ] && echo "$port" && return 0
        sleep 0.1
    done
    return 1
}

start_fake() {
    "$BUILD/fake_kinesis" --port 0 --threads "$FK_THREADS" --shards "$SHARDS" \
        --latency-ms "$FK_LATENCY_MS" >"$LOGS/fake_kinesis.log" 2>&1 &
    FK_PID=$!
    PIDS+=("$FK_PID")
    FK_PORT=$(listening_port "$LOGS/fake_kinesis.log") ||
        die "fake_kinesis did not start, see $LOGS/fake_kinesis.log"
}

fake_stats() {
    curl -sf "http://127.0.0.1:$FK_PORT/stats"
}

# Waits until fake_kinesis has seen no new record for 0.3 s (at most 10 s):
# the gateway finishes the calls of requests wrk gave up on at its deadline.
settle_fake() {
    local last=-1 same=0 i n
    for ((i = 0; i < 100 && same < 3; i++)); do
        n=$(json_num "$(fake_stats)" records)
        if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
        last=$n
        sleep 0.1
    done
}

kinesis_call() { # target body
    curl -sf -X POST "http://127.0.0.1:$KL_PORT/" \
        -H 'Content-Type: application/x-amz-json-1.1' \
        -H "X-Amz-Target: Kinesis_20131202.$1" \
        -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
        -H "Authorization: AWS4-HMAC-SHA256 Credential=bench/$(date -u +%Y%m%d)/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000" \
        -d "$2"
}

# A fresh in-memory kinesalite with the streams of bench.json.
start_kinesalite() {
    local bin=node_modules/.bin/kinesalite i
    [ -x "$bin" ] || die "kinesalite not installed: run npm ci at the repository root"
    KL_PORT=$(free_port)
    "$bin" --port "$KL_PORT" --createStreamMs 0 --shardLimit 100 >"$LOGS/kinesalite.log" 2>&1 &
    KL_PID=$!
    PIDS+=("$KL_PID")
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$KL_PORT/" && break
        sleep 0.1
    done
    kinesis_call CreateStream "{\"StreamName\":\"events\",\"ShardCount\":$SHARDS}" >/dev/null ||
        die "kinesalite CreateStream failed"
    kinesis_call CreateStream '{"StreamName":"raw","ShardCount":1}' >/dev/null || true
    kinesis_call CreateStream "{\"StreamName\":\"events_kpl\",\"ShardCount\":$SHARDS}" >/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kinesis_call DescribeStreamSummary '{"StreamName":"events"}' | grep -q '"ACTIVE"' && return 0
        sleep 0.1
    done
    die "kinesalite stream did not become ACTIVE"
}

# ---- the gateway ----

GW_PID=""
GW_PORT=""

start_gateway() { # endpoint-url
    GW_PORT=$(free_port)
    STREAMGATE_LISTEN="127.0.0.1:$GW_PORT" AWS_ENDPOINT_URL_KINESIS="$1" \
        AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
        AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
        "$BUILD/streamgate" --config loadtest/bench/bench.json >>"$LOGS/streamgate.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    local i code
    for ((i = 0; i < 200; i++)); do
        kill -0 "$GW_PID" 2>/dev/null || die "streamgate exited, see $LOGS/streamgate.log"
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GW_PORT/healthz" || true)
        [ "$code" = 200 ] && return 0
        if [ "$code" = 404 ]; then # no /healthz: any answer on the route will do
            code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
                -d '{"Data":{}}' "http://127.0.0.1:$GW_PORT/streams/events/record" || true)
            [ "$code" != 000 ] && return 0
        fi
        sleep 0.1
    done
    die "streamgate did not become healthy, see $LOGS/streamgate.log"
}

# ---- the floor: libmicrohttpd alone ----

FLOOR_PID=""
FLOOR_PORT=""

start_floor() { # mode
    "$BUILD/http_floor" --port 0 --threads 2 --mode "$1" >"$LOGS/http_floor.log" 2>&1 &
    FLOOR_PID=$!
    PIDS+=("$FLOOR_PID")
    FLOOR_PORT=$(listening_port "$LOGS/http_floor.log") ||
        die "http_floor did not start, see $LOGS/http_floor.log"
}

# ---- one run ----

RUNS_TSV=$LOGS/runs.tsv
COLUMNS="case run requests_per_s events_per_s p50_ms p90_ms p99_ms cpu_s_per_1k cpu_pct rss_mb"
COLUMNS="$COLUMNS calls calls_per_s records_per_call received unique duplicates acked answered"
COLUMNS="$COLUMNS loss machine_cpu_pct fk_cpu_s_per_1k wrk_cpu_pct others_cpu_pct non_200 socket_errors"
COLUMNS="$COLUMNS kinesis_records_per_s user_records users_per_record bytes_per_record aggregates misplaced bad_aggregates"
echo "$COLUMNS" | tr ' ' '\t' >"$RUNS_TSV"

wrk_command() { # case -> the wrk command line, relative paths
    local spec=(${CASES[$1]}) url=$2
    local cmd=""
    [ -n "${CASE_STREAM[$1]:-}" ] && cmd="SG_STREAM=${CASE_STREAM[$1]} "
    cmd="${cmd}wrk -t$WRK_THREADS -c${spec[1]} -d${DURATION}s --timeout 10s -s loadtest/wrk/${spec[0]} $url"
    [ "${spec[0]}" = record.lua ] || cmd="$cmd -- ${spec[2]}"
    echo "$cmd"
}

# Reads key=value pairs of the SG_RESULT line into the array R.
declare -A R
read_result() {
    R=()
    local kv
    for kv in $(grep '^SG_RESULT' "$1" | tail -1); do
        [[ "$kv" == *=* ]] && R[${kv%%=*}]=${kv#*=}
    done
    [ -n "${R[requests]:-}" ] || die "no SG_RESULT line in $1"
}

run_once() { # case run
    local name=$1 run=$2 spec=(${CASES[$1]}) target pid stats
    local direct=0 # 1: the endpoint alone; 2: http_floor, no Kinesis side
    [ "${spec[0]}" = putrecords.lua ] && direct=1
    [ -n "${spec[4]:-}" ] && direct=2
    if [ "$direct" = 2 ]; then
        curl -sf -X POST "http://127.0.0.1:$FK_PORT/stats/reset" >/dev/null
        start_floor "${spec[4]}"
        target="http://127.0.0.1:$FLOOR_PORT"
        pid=$FLOOR_PID
    elif [ "$MODE" = kinesalite ]; then
        start_kinesalite
        start_gateway "http://127.0.0.1:$KL_PORT"
        target="http://127.0.0.1:$GW_PORT"
        pid=$GW_PID
    else
        curl -sf -X POST "http://127.0.0.1:$FK_PORT/stats/reset" >/dev/null
        if [ "$direct" = 1 ]; then
            target="http://127.0.0.1:$FK_PORT"
            pid=$FK_PID
        else
            start_gateway "http://127.0.0.1:$FK_PORT"
            target="http://127.0.0.1:$GW_PORT"
            pid=$GW_PID
        fi
    fi
    local log="$LOGS/wrk-$name-$run.txt"
    local c0 f0 m0 c1 f1 m1
    local ep=${FK_PID:-$KL_PID}
    c0=$(proc_ticks "$pid")
    f0=$(proc_ticks "$ep")
    m0=($(machine_ticks))
    # In a subshell whose `times` gives wrk's CPU time (second line: children).
    (
        SG_INVALID_SHARE=${spec[3]} SG_STREAM=${CASE_STREAM[$name]:-events} \
            $(wrk_command "$name" "$target" | sed 's/^SG_STREAM=[^ ]* //') >"$log" 2>&1
        rc=$?
        times >"$log.times"
        exit $rc
    ) || die "wrk failed, see $log"
    m1=($(machine_ticks))
    f1=$(proc_ticks "$ep") # before the read-back, which kinesalite also serves
    if [ "$MODE" = kinesalite ]; then
        sleep 1
        local calls
        calls=$(curl -s "http://127.0.0.1:$GW_PORT/metrics" |
            awk '$1 == "streamgate_putrecords_calls_total" { print $2 }')
        stats=$(node loadtest/bench/kinesis_count.mjs "http://127.0.0.1:$KL_PORT" events "${calls:-0}")
    else
        settle_fake
        stats=$(fake_stats)
    fi
    c1=$(proc_ticks "$pid")
    [ "$direct" = 1 ] && f1=$c1
    local hwm
    hwm=$(proc_hwm "$pid")
    if [ "$direct" = 0 ]; then
        stop_pid "$GW_PID"
    elif [ "$direct" = 2 ]; then
        stop_pid "$FLOOR_PID"
    fi
    if [ "$MODE" = kinesalite ]; then
        stop_pid "$KL_PID" 5
    fi
    read_result "$log"
    local wrk_cpu
    wrk_cpu=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }' "$log.times")
    record_row "$name" "$run" "$((c1 - c0))" "$((f1 - f0))" "$hwm" "$stats" \
        "$((m1[0] - m0[0]))" "$((m1[1] - m0[1]))" "$wrk_cpu" "$direct"
}

record_row() { # case run cpu_ticks fk_ticks hwm_kb stats machine_busy machine_total wrk_cpu_s direct
    local calls records unique dups users bytes aggs misplaced bad
    users=$(json_num "$6" user_records)
    bytes=$(json_num "$6" bytes)
    aggs=$(json_num "$6" aggregates)
    misplaced=$(json_num "$6" misplaced)
    bad=$(json_num "$6" bad_aggregates)
    calls=$(json_num "$6" calls)
    records=$(json_num "$6" records)
    unique=$(json_num "$6" unique)
    dups=$(json_num "$6" duplicates)
    awk -v OFS='\t' -v name="$1" -v run="$2" -v ticks="$3" -v fkticks="$4" -v hz="$TICKS" \
        -v hwm="$5" -v calls="$calls" -v records="$records" -v unique="$unique" -v dups="$dups" \
        -v busy="$7" -v total="$8" -v wrkcpu="$9" -v direct="${10}" -v ncpu="$(nproc)" \
        -v rps="${R[requests_per_s]}" -v secs="${R[duration_s]}" -v p50="${R[p50_ms]}" \
        -v p90="${R[p90_ms]}" -v p99="${R[p99_ms]}" -v acked="${R[events_acked]}" \
        -v failed="${R[events_failed]:-0}" -v s200="${R[status_200]}" \
        -v requests="${R[requests]}" -v users="${users:-}" -v bytes="${bytes:-0}" \
        -v aggs="${aggs:-0}" -v misplaced="${misplaced:-0}" -v bad="${bad:-0}" \
        -v sockerr="$((R[errors_connect] + R[errors_read] + R[errors_write] + R[errors_timeout]))" \
        'BEGIN {
            if (users == "") users = records # kinesalite: no de-aggregation
            answered = acked + failed
            cpu = ticks / hz
            print name, run, sprintf("%.0f", rps), sprintf("%.0f", acked / secs),
                p50, p90, p99,
                answered ? sprintf("%.4f", cpu / answered * 1000) : "-",
                sprintf("%.0f", 100 * cpu / secs),
                sprintf("%.1f", hwm / 1024),
                calls, sprintf("%.0f", calls / secs),
                calls ? sprintf("%.1f", records / calls) : "-",
                records, unique, dups, acked, answered,
                (direct == 2 ? "n/a" : unique < acked ? "LOST " acked - unique : misplaced > 0 ? "MISPLACED " misplaced : "none"),
                total ? sprintf("%.0f", 100 * ncpu * busy / total) : "-",
                records ? sprintf("%.4f", fkticks / hz / records * 1000) : "-",
                sprintf("%.0f", 100 * wrkcpu / secs),
                total ? sprintf("%.0f", 100 * ncpu * busy / total - 100 * (cpu + (direct == 1 ? 0 : fkticks / hz) + wrkcpu) / secs) : "-",
                requests - s200, sockerr,
                sprintf("%.0f", records / secs), users,
                records ? sprintf("%.1f", users / records) : "-",
                records ? sprintf("%.0f", bytes / records) : "-",
                aggs, misplaced, bad
        }' >>"$RUNS_TSV"
    tail -1 "$RUNS_TSV" | awk -F'\t' '{ printf "   run %s: %s req/s, %s events/s, p99 %s ms, CPU %s s/1k events, RSS %s MB, %s records/call, %s Kinesis records/s, %s user records and %s bytes per Kinesis record, loss: %s\n", $2, $3, $4, $7, $8, $10, $13, $26, $28, $29, $19 }'
}

# ---- soak: RSS over a long run ----

SOAK_TSV=$LOGS/soak.tsv
run_soak() {
    local spec=(${CASES[record_c64]}) t=0
    curl -sf -X POST "http://127.0.0.1:$FK_PORT/stats/reset" >/dev/null
    start_gateway "http://127.0.0.1:$FK_PORT"
    echo "== soak: record_c64 for ${SOAK}s"
    local cmd="wrk -t$WRK_THREADS -c${spec[1]} -d${SOAK}s --timeout 10s -s loadtest/wrk/record.lua http://127.0.0.1:$GW_PORT"
    $cmd >"$LOGS/wrk-soak.txt" 2>&1 &
    local wrk_pid=$!
    PIDS+=("$wrk_pid")
    echo -e "t_s\trss_mb" >"$SOAK_TSV"
    while kill -0 "$wrk_pid" 2>/dev/null; do
        awk -v t="$t" -v kb="$(proc_rss "$GW_PID")" 'BEGIN { printf "%d\t%.1f\n", t, kb / 1024 }' >>"$SOAK_TSV"
        sleep 10
        t=$((t + 10))
    done
    wait "$wrk_pid" || true
    settle_fake
    SOAK_HWM=$(proc_hwm "$GW_PID")
    SOAK_STATS=$(fake_stats)
    stop_pid "$GW_PID"
    read_result "$LOGS/wrk-soak.txt"
    SOAK_CMD=${cmd/127.0.0.1:$GW_PORT/127.0.0.1:PORT}
}

# ---- main ----

MACHINE_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$MODE" = fake ]; then
    start_fake
fi
for name in $CASE_LIST; do
    echo "== $name: $(wrk_command "$name" "http://127.0.0.1:PORT")"
    for ((run = 1; run <= RUNS; run++)); do
        run_once "$name" "$run"
    done
done
SOAK_HWM=""
if [ "$SOAK" -gt 0 ]; then
    [ "$MODE" = fake ] || start_fake
    run_soak
fi

# ---- report ----

# Median of a column for one case (numbers; "-" when none).
median() { # case column-name
    awk -F'\t' -v c="$1" -v col="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; next }
        $1 == c && $k != "-" { v[n++] = $k }
        END {
            if (n == 0) { print "-"; exit }
            for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
            m = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
            print m
        }' "$RUNS_TSV"
}
# Loss verdict of a case over all runs, and the total duplicates.
loss_of() {
    awk -F'\t' -v c="$1" '$1 == c && $19 == "n/a" { na = 1 }
        $1 == c && $19 != "none" && $19 != "n/a" { bad = bad " " $19 }
        END { print bad ? "LOST:" bad : na ? "n/a" : "none" }' "$RUNS_TSV"
}
dups_of() {
    awk -F'\t' -v c="$1" '$1 == c { d += $16 } END { print d + 0 }' "$RUNS_TSV"
}

describe_case() {
    local spec=(${CASES[$1]})
    case "${spec[0]}" in
    record.lua) [ -n "${spec[4]:-}" ] && echo "http_floor, ${spec[4]}" || echo "PUT .../record" ;;
    records.lua) echo "PUT .../records" ;;
    putrecords.lua) echo "fake_kinesis alone (PutRecords)" ;;
    esac
}

REPORT=$LOGS/report.md
{
    local_date=$(date -u '+%Y-%m-%d %H:%M UTC')
    cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem_gb=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
    echo "### Benchmark ($MODE endpoint), $local_date"
    echo
    echo "- Machine: $(nproc) CPUs, $cpu_model, ${mem_gb} GB RAM, Linux $(uname -r);" \
        "load average before the run: $MACHINE_LOAD (the machine is shared)."
    dirty=""
    git diff --quiet HEAD -- server 2>/dev/null || dirty=" (server/ had uncommitted changes)"
    echo "- Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty."
    echo "- Command: \`loadtest/bench/run.sh${ARGS:+ $ARGS}\` ($RUNS runs of ${DURATION}s per case; figures are medians)."
    echo "- Gateway: \`$BUILD/streamgate --config loadtest/bench/bench.json\` with STREAMGATE_LISTEN," \
        "AWS_ENDPOINT_URL_KINESIS, dummy AWS credentials and AWS_REGION=us-east-1; a fresh process per run."
    if [ "$MODE" = fake ]; then
        echo "- Endpoint: \`$BUILD/fake_kinesis --port 0 --threads $FK_THREADS --shards $SHARDS --latency-ms $FK_LATENCY_MS\`," \
            "counters reset before each run."
    else
        echo "- Endpoint: \`node_modules/.bin/kinesalite --createStreamMs 0\` (fresh per run, stream events" \
            "with $SHARDS shards); records read back with \`node loadtest/bench/kinesis_count.mjs\`."
    fi
    case " $CASE_LIST " in *" floor_"*)
        echo "- Floor (floor_* cases): \`$BUILD/http_floor --port 0 --threads 2 --mode direct|deferred\`:" \
            "libmicrohttpd with the gateway's flags answering every request without any work," \
            "inside the handler (direct) or after suspend and resume by another thread (deferred, as" \
            "the gateway answers once Kinesis has)." ;;
    esac
    echo "- Load: wrk (Debian $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')), one command per case:"
    echo
    for name in $CASE_LIST; do
        spec=(${CASES[$name]})
        extra=""
        [ "${spec[3]}" != 0 ] && extra="SG_INVALID_SHARE=${spec[3]} "
        echo "  - $name: \`${extra}$(wrk_command "$name" "http://127.0.0.1:PORT")\`"
    done
    echo
    echo "| case | route | conns | events/req | requests/s | events/s | p50 ms | p90 ms | p99 ms |" \
        "gateway CPU s per 1k events | gateway CPU % | peak RSS MB | PutRecords calls/s |" \
        "records/call | Kinesis records/s | user records per Kinesis record | bytes per Kinesis record |" \
        "loss | duplicates | wrk CPU % | other processes CPU % |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|"
    for name in $CASE_LIST; do
        spec=(${CASES[$name]})
        echo "| $name | $(describe_case "$name") | ${spec[1]} | ${spec[2]} |" \
            "$(median "$name" requests_per_s) | $(median "$name" events_per_s) |" \
            "$(median "$name" p50_ms) | $(median "$name" p90_ms) | $(median "$name" p99_ms) |" \
            "$(median "$name" cpu_s_per_1k) | $(median "$name" cpu_pct) | $(median "$name" rss_mb) |" \
            "$(median "$name" calls_per_s) | $(median "$name" records_per_call) |" \
            "$(median "$name" kinesis_records_per_s) | $(median "$name" users_per_record) |" \
            "$(median "$name" bytes_per_record) |" \
            "$(loss_of "$name") | $(dups_of "$name") | $(median "$name" wrk_cpu_pct) |" \
            "$(median "$name" others_cpu_pct) |"
    done
    echo
    echo "CPU % are of one core ($(nproc) cores = $(($(nproc) * 100))%); \"other processes\" is the machine's" \
        "busy time minus the gateway, the endpoint and wrk: other work on the shared machine during the run." \
        "For endpoint_b500 the gateway columns are fake_kinesis's own (no gateway); for floor_* they are" \
        "http_floor's (no gateway, no Kinesis)." \
        "Loss: runs where the endpoint received fewer distinct event_uuids than wrk saw acknowledged" \
        "(MISPLACED: user records of an aggregate whose hash key is outside the aggregate's shard," \
        "which KCL drops). Kinesis records are PutRecords entries; user records are the events in" \
        "them (an aggregate holds many, a plain record one); bytes per Kinesis record are Data plus" \
        "PartitionKey, as Kinesis counts them."
    echo
    echo "<details><summary>Every run</summary>"
    echo
    echo "| $(head -1 "$RUNS_TSV" | sed 's/\t/ | /g') |"
    echo "|$(head -1 "$RUNS_TSV" | awk -F'\t' '{ for (i = 1; i <= NF; i++) printf "---|" }')"
    tail -n +2 "$RUNS_TSV" | sed 's/\t/ | /g; s/^/| /; s/$/ |/'
    echo
    echo "</details>"
} >"$REPORT"

SOAK_REPORT=$LOGS/soak.md
if [ -n "$SOAK_HWM" ]; then
    {
        echo "### Soak ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
        echo
        echo "- Command: \`loadtest/bench/run.sh${ARGS:+ $ARGS}\`; load: \`$SOAK_CMD\` (a fresh gateway on fake_kinesis)."
        echo "- ${R[requests_per_s]} requests/s, p50 ${R[p50_ms]} ms, p99 ${R[p99_ms]} ms;" \
            "peak RSS (VmHWM) $(awk -v k="$SOAK_HWM" 'BEGIN { printf "%.1f", k / 1024 }') MB."
        echo "- Loss check: the endpoint received $(json_num "$SOAK_STATS" unique) distinct events," \
            "wrk saw ${R[events_acked]} acknowledged; $(json_num "$SOAK_STATS" duplicates) duplicates."
        echo "- RSS every 10 s (MB): $(tail -n +2 "$SOAK_TSV" | cut -f2 | tr '\n' ' ')"
    } >"$SOAK_REPORT"
fi

[ -n "$CASE_LIST" ] && cat "$REPORT"
[ -n "$SOAK_HWM" ] && cat "$SOAK_REPORT"

# Replaces the block between <!-- bench:<tag>:begin/end --> in $OUT (appends it when absent).
write_block() { # tag file
    local begin="<!-- bench:$1:begin -->" end="<!-- bench:$1:end -->"
    if [ ! -f "$OUT" ]; then
        printf '# Load test results\n\nGenerated by loadtest/bench/run.sh (see loadtest/README.md).\n' >"$OUT"
    fi
    if grep -qF "$begin" "$OUT" && grep -qF "$end" "$OUT"; then
        awk -v b="$begin" -v e="$end" -v f="$2" '
            $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
            $0 == e { skip = 0 }
            !skip { print }' "$OUT" >"$LOGS/out.md"
        cp "$LOGS/out.md" "$OUT"
    else
        { echo; echo "$begin"; cat "$2"; echo "$end"; } >>"$OUT"
    fi
}

if [ "$WRITE" = 1 ]; then
    [ -n "$CASE_LIST" ] && write_block "${BLOCK:-$MODE}" "$REPORT"
    [ -n "$SOAK_HWM" ] && write_block soak "$SOAK_REPORT"
    echo "== results written to $OUT"
fi
echo "== logs in $LOGS"
