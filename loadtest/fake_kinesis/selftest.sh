#!/usr/bin/env bash
# Self-test of fake_kinesis (ctest loadtest_fake_kinesis): starts it on a free
# port of 127.0.0.1, sends well-formed and malformed requests with curl, and
# checks answers, shard choice and counters. Usage: selftest.sh <fake_kinesis>
set -euo pipefail
bin=$1
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
    curl -s -w ' %{http_code}' -X POST "http://127.0.0.1:$port/" \
        -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: Kinesis_20131202.$1" \
        -H "X-Amz-Date: $date" -H "Authorization: ${3-$auth}" -d "$2"
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
kill -TERM $pid
wait $pid || true
check "prints stats on SIGTERM" 'stats {"calls":0' "$(cat "$out")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
