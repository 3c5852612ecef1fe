#!/usr/bin/env bash
# Compressed against plain batches (issue 19): the gateway on fake_kinesis,
# driven by wrk with the same batches of 500 events sent plain, gzip and
# deflate (SG_CODINGS), each for DURATION seconds; prints events/s, the
# gateway's CPU per event (utime + stime from /proc/<pid>/stat over the
# run, divided by the events acknowledged), the bytes per batch as sent and
# latency. Everything on 127.0.0.1; every process started is stopped.
#
#   loadtest/gzip_bench/run.sh [BUILD_DIR (build)] [DURATION (10)] [RUNS (3)]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
DURATION=${2:-10}
RUNS=${3:-3}
CODINGS=${SG_CODINGS:-"none gzip deflate"}
N_BODIES=64
cmake --build "$BUILD" -j2 --target streamgate fake_kinesis >/dev/null
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# Bodies: N_BODIES batches of 500 distinct events, each as plain, gzip, deflate.
python3 - "$TMP" "$N_BODIES" <<'PY'
import gzip, json, os, random, sys, uuid, zlib
d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(19)
names = ["payment:order:completed", "lesson:started", "page:view", "cart:item:added"]
for c in ("none", "gzip", "deflate"):
    os.makedirs(os.path.join(d, c), exist_ok=True)
sizes = {"none": 0, "gzip": 0, "deflate": 0}
for i in range(1, n + 1):
    recs = []
    for _ in range(500):
        u = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        ev = {"event_uuid": u, "event_name": rnd.choice(names),
              "created_at": 1712514065 + rnd.randint(0, 86400),
              "user_id": "user-%06d" % rnd.randint(0, 999999),
              "amount": round(rnd.random() * 100, 2), "currency": "EUR",
              "context": {"app": "web", "version": "4.%d.%d" % (rnd.randint(0, 9), rnd.randint(0, 99))}}
        recs.append({"data": ev, "partition-key": u})
    plain = json.dumps({"records": recs}, separators=(",", ":")).encode()
    bodies = {"none": plain, "gzip": gzip.compress(plain, 6), "deflate": zlib.compress(plain, 6)}
    for c, b in bodies.items():
        open(os.path.join(d, c, "body-%d" % i), "wb").write(b)
        sizes[c] += len(b)
for c in sizes:
    open(os.path.join(d, c, "size"), "w").write(str(sizes[c] // n))
PY

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_log_port() { # file
    for _ in $(seq 100); do
        p=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1")
        [ -n "$p" ] && { echo "$p"; return; }
        sleep 0.1
    done
    return 1
}
"$BUILD/fake_kinesis" --port 0 --threads 1 --shards 4 >"$TMP/fk.log" 2>&1 &
PIDS+=($!)
FK_PORT=$(wait_log_port "$TMP/fk.log") || { cat "$TMP/fk.log"; exit 1; }

cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# Runs alternate between the codings (plain, gzip, deflate, plain, ...) so
# that a busy neighbour on a shared machine weighs on each alike; the table
# has every run, then the medians.
ROWS="$TMP/rows"
: >"$ROWS"
for run in $(seq "$RUNS"); do
    for coding in $CODINGS; do
        GW_PORT=$(free_port)
        STREAMGATE_LISTEN="127.0.0.1:$GW_PORT" AWS_ENDPOINT_URL_KINESIS="http://127.0.0.1:$FK_PORT" \
            AWS_ACCESS_KEY_ID=AKIDBENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-not-real \
            AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
            "$BUILD/streamgate" --config loadtest/bench/bench.json >"$TMP/gw.log" 2>&1 &
        GW=$!
        PIDS+=($GW)
        for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GW_PORT/healthz" >/dev/null && break; sleep 0.1; done
        c0=$(cpu_ticks "$GW")
        out=$(SG_BODIES="$TMP/$coding" SG_BODY_COUNT=$N_BODIES SG_CODING=$coding \
            wrk -t2 -c32 -d"${DURATION}s" -s "$HERE/bodies.lua" "http://127.0.0.1:$GW_PORT")
        c1=$(cpu_ticks "$GW")
        kill -TERM "$GW"
        wait "$GW" 2>/dev/null || true
        res=$(echo "$out" | grep SG_RESULT)
        field() { echo "$res" | sed "s/.*$1=\([0-9.]*\).*/\1/"; }
        # coding run bytes events/s cpu_us p50 p99 non200
        awk -v c="$coding" -v run="$run" -v a="$(field acked)" -v d="$DURATION" -v t=$((c1 - c0)) \
            -v hz="$HZ" -v sz="$(cat "$TMP/$coding/size")" -v p50="$(field p50_ms)" \
            -v p99="$(field p99_ms)" -v n="$(field non200)" \
            'BEGIN { printf "%s %d %d %.0f %.2f %s %s %d\n", c, run, sz, a / d,
                     a ? t / hz / a * 1e6 : 0, p50, p99, n }' >>"$ROWS"
    done
done
printf '| coding | run | bytes per batch as sent | events/s | gateway CPU per event | p50 | p99 | non-200 |\n'
printf '|---|--:|--:|--:|--:|--:|--:|--:|\n'
awk '{ printf "| %s | %d | %d | %d | %.2f us | %s ms | %s ms | %d |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$ROWS"
median() { sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)'; }
for coding in $CODINGS; do
    ev=$(awk -v c="$coding" '$1 == c { print $4 }' "$ROWS" | median)
    cpu=$(awk -v c="$coding" '$1 == c { print $5 }' "$ROWS" | median)
    printf '| %s | median | %s | %s | %s us | | | |\n' "$coding" "$(cat "$TMP/$coding/size")" "$ev" "$cpu"
done
rm -rf "$TMP"
