#!/usr/bin/env bash
# Self-test of fake_kinesis (ctest loadtest_fake_kinesis): starts it on a free
# port of 127.0.0.1, sends well-formed and malformed requests with curl, and
# checks answers, shard choice and counters; with kpl_encode (the gateway's
# own KPL encoder, tests/kpl/kpl_encode.c) also that aggregates are taken
# apart and their user records counted.
# Usage: selftest.sh <fake_kinesis> [<kpl_encode>]
set -euo pipefail
bin=$1
kpl_encode=${2:-}
out=$(mktemp)
"$bin" --port 0 --shards 4 >"$out" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$out"' EXIT
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "not ok - fake_kinesis did not start"; exit 1; }

passed=0
failed=0
check() { # name expected actual
    if [[ "$3" == *"$2"* ]]; then
        passed=$((passed + 1)); echo "ok - $1"
    else
        failed=$((failed + 1)); echo "not ok - $1: expected '$2' in '$3'"
    fi
}

date=$(date -u +%Y%m%dT%H%M%SZ)
auth="AWS4-HMAC-SHA256 Credential=AKIDTEST/${date:0:8}/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '%064d' 0)"
call() { # target body [authorization]
    printf '%s' "$2" | curl -s -w ' %{http_code}' -X POST "http://127.0.0.1:$port/" \
        -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: Kinesis_20131202.$1" \
        -H "X-Amz-Date: $date" -H "Authorization: ${3-$auth}" --data-binary @-
}
b64() { printf '%s' "$1" | base64 -w0; }
u1=6f1c2d3e-1111-4222-8333-444455556666
u2=6f1c2d3e-1111-4222-8333-444455556667
e1=$(b64 "{\"event_uuid\":\"$u1\",\"event_name\":\"a:b\",\"created_at\":1}")
e2=$(b64 "{\"event_uuid\":\"$u2\",\"event_name\":\"a:b\",\"created_at\":1}")

# MD5("a") = 0cc175b9...: shard 0 of 4; MD5("b") = 92eb5ffe...: shard 2.
r=$(call PutRecords "{\"StreamName\":\"events\",\"Records\":[{\"Data\":\"$e1\",\"PartitionKey\":\"a\"},{\"Data\":\"$e2\",\"PartitionKey\":\"b\"},{\"Data\":\"$e1\",\"PartitionKey\":\"a\"}]}")
check "PutRecords answers 200" ' 200' "$r"
check "FailedRecordCount 0" '"FailedRecordCount":0' "$r"
check "shard from MD5 (a -> 0)" '"ShardId":"shardId-000000000000"},{' "$r"
check "shard from MD5 (b -> 2)" '"ShardId":"shardId-000000000002"' "$r"
check "three entries" '"SequenceNumber"' "$(grep -o SequenceNumber <<<"$r" | wc -l | sed 's/^3$/"SequenceNumber"/')"
check "ExplicitHashKey picks the shard" 'shardId-000000000003' \
    "$(call PutRecords "{\"StreamName\":\"events\",\"Records\":[{\"Data\":\"$e2\",\"PartitionKey\":\"a\",\"ExplicitHashKey\":\"340282366920938463463374607431768211455\"}]}")"
check "bad base64 refused" 'SerializationException' \
    "$(call PutRecords '{"StreamName":"events","Records":[{"Data":"ab=c","PartitionKey":"a"}]}')"
check "no records refused" 'ValidationException' "$(call PutRecords '{"StreamName":"events","Records":[]}')"
check "missing Authorization" 'MissingAuthenticationTokenException' "$(call PutRecords '{}' '')"
check "malformed signature" 'IncompleteSignatureException' \
    "$(call PutRecords '{}' "${auth%Signature=*}Signature=abc")"
check "wrong service in scope" 'IncompleteSignatureException' "$(call PutRecords '{}' "${auth/kinesis/s3}")"
check "unknown operation" 'UnknownOperationException' "$(call Nope '{}')"
check "DescribeStreamSummary ACTIVE" '"StreamStatus":"ACTIVE"' "$(call DescribeStreamSummary '{"StreamName":"events"}')"
check "ListShards lists 4 shards" 'shardId-000000000003' "$(call ListShards '{"StreamName":"events"}')"
stats=$(curl -s "http://127.0.0.1:$port/stats")
check "stats count records" '"calls":2,"records":4,"unique":2,"duplicates":2' "$stats"
check "stats count rejected" '"rejected":6' "$stats"
check "reset" '"records":0' "$(curl -s -X POST "http://127.0.0.1:$port/stats/reset")"

# A hand-made aggregate (python, from the format description): keys "a"
# (shard 0) and "b" (shard 2), an explicit hash key table entry 2^128-1
# (shard 3); sent with ExplicitHashKey 0, so the records keyed "b" and the one
# with the explicit hash key are misplaced.
agg() { # corrupt(0/1) -> base64 aggregate of 4 user records
    python3 - "$1" "$u1" <<'PY'
import base64, hashlib, sys
def varint(v):
    out = b""
    while True:
        b = v & 0x7F; v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v: return out
def ld(n, b): return varint(n << 3 | 2) + varint(len(b)) + b
def rec(k, d, h=None):
    r = varint(1 << 3) + varint(k) + (varint(2 << 3) + varint(h) if h is not None else b"") + ld(3, d)
    return ld(3, r)
u = sys.argv[2][:-4]
ev = lambda i: ('{"event_uuid":"%s%04d","event_name":"a:b","created_at":1}' % (u, i)).encode()
pb = ld(1, b"a") + ld(1, b"b") + ld(2, b"340282366920938463463374607431768211455")
pb += rec(0, ev(1)) + rec(1, ev(2)) + rec(0, ev(3), 0) + ld(5, b"unknown") + rec(0, ev(4))
md = bytearray(hashlib.md5(pb).digest())
if sys.argv[1] == "1": md[0] ^= 1
print(base64.b64encode(b"\xf3\x89\x9a\xc2" + pb + bytes(md)).decode())
PY
}
r=$(call PutRecords "{\"StreamName\":\"events\",\"Records\":[{\"Data\":\"$(agg 0)\",\"PartitionKey\":\"a\",\"ExplicitHashKey\":\"0\"},{\"Data\":\"$(agg 1)\",\"PartitionKey\":\"a\"}]}")
check "aggregates answered as Kinesis records" '"FailedRecordCount":0' "$r"
stats=$(curl -s "http://127.0.0.1:$port/stats")
# The one with a bad digest is a plain record whose bytes hold the first
# event_uuid as text: a duplicate.
check "aggregate: 2 Kinesis records, 5 user records" '"records":2,"unique":4,"duplicates":1,"no_uuid":0' "$stats"
check "aggregate: user records, misplaced, bad digest" \
    '"user_records":5,"aggregates":1,"misplaced":2,"bad_aggregates":1' "$stats"

# Aggregates from the gateway's own encoder: 400 user records of ~300 bytes
# with distinct keys, packed for 4 shards in aggregates of at most 51200 bytes
# (about 35 kB per shard: one aggregate each).
curl -s -X POST "http://127.0.0.1:$port/stats/reset" >/dev/null
if [ -n "$kpl_encode" ]; then
    pad=$(printf '%0240d' 0)
    entries=$(for i in $(seq 1 400); do
        printf 'client-%d\t{"event_uuid":"6f1c2d3e-2222-4222-8333-%012d","event_name":"a:b","created_at":1,"p":"%s"}\n' \
            "$i" "$i" "$pad"
    done | "$kpl_encode" 51200 4)
    n_entries=$(grep -o '"PartitionKey"' <<<"$entries" | wc -l)
    r=$(call PutRecords "{\"StreamName\":\"events\",\"Records\":$entries}")
    check "kpl_encode call accepted" '"FailedRecordCount":0' "$r"
    stats=$(curl -s "http://127.0.0.1:$port/stats")
    check "kpl_encode: every user record counted once" '"unique":400,"duplicates":0,"no_uuid":0' "$stats"
    check "kpl_encode: 400 user records, none misplaced" '"user_records":400,' "$stats"
    check "kpl_encode: none misplaced or bad" '"misplaced":0,"bad_aggregates":0' "$stats"
    check "kpl_encode: one Kinesis record per entry ($n_entries)" "\"records\":$n_entries," "$stats"
    check "kpl_encode: one aggregate per shard" '"aggregates":4,' "$stats"
fi
curl -s -X POST "http://127.0.0.1:$port/stats/reset" >/dev/null
kill -TERM $pid
wait $pid || true
check "prints stats on SIGTERM" 'stats {"calls":0' "$(cat "$out")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
