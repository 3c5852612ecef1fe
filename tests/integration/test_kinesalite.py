"""End to end against kinesalite: what clients send is what lands in the stream.

Single records and batches of 1, 499 and 500 (both body shapes), a mix of valid
and invalid events, byte-faithful storage, pass-through streams, and every
gateway-level error. At the end every record is read back with GetRecords:
each acknowledged event is in the stream exactly once, with the sequence
number and shard the client was given, and equals the sent event plus the
three derived fields; nothing refused reached Kinesis.
"""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, enriched,  # noqa: E402
                     finish, kinesis_client, make_event, read_stream, request, run_concurrently)

NAMES = ["account:created", "lesson:started", "payment:order:completed", "session",
         "video:played:to:the:end"]


def put_single(base, ev, key=None):
    body = {"Data": ev}
    if key is not None:
        body["PartitionKey"] = key
    return request(base, "PUT", "/streams/events/record", body)


def test_single_records(base, acked):
    events = [make_event(NAMES[i % len(NAMES)], 1712514065 + i, amount=i * 1.5, n=i)
              for i in range(60)]
    results = run_concurrently(lambda ev: put_single(base, ev, None if ev["n"] % 2 else "key"),
                               events)
    ok = 0
    for ev, (status, headers, body) in zip(events, results):
        good = (status == 200 and isinstance(body, dict) and body.get("SequenceNumber")
                and body.get("ShardId", "").startswith("shardId-"))
        ok += bool(good)
        if good:
            acked[ev["event_uuid"]] = (json.dumps(ev), body["SequenceNumber"], body["ShardId"])
        check("x-amzn-requestid" in headers, "every response carries x-amzn-RequestId")
    check(ok == len(events), f"single route: {ok}/{len(events)} acknowledged")


def test_batches(base, acked):
    for size, shape in ((1, "records"), (499, "records"), (500, "Records")):
        events = [make_event(NAMES[i % len(NAMES)], 1712514065.25, i=i) for i in range(size)]
        if shape == "records":
            body = {"records": [{"data": ev, "partition-key": f"k{i}"} for i, ev in enumerate(events)]}
        else:
            body = {"Records": [{"Data": ev} for ev in events]}
        status, _, resp = request(base, "PUT", "/streams/events/records", body)
        check(status == 200 and resp["FailedRecordCount"] == 0 and len(resp["Records"]) == size,
              f"batch of {size} ({shape}): status {status}")
        for ev, r in zip(events, resp.get("Records", [])):
            if "SequenceNumber" in r:
                acked[ev["event_uuid"]] = (json.dumps(ev), r["SequenceNumber"], r["ShardId"])


def test_mixed_batch(base, acked):
    good = [make_event("account:created", 1712514065 + i) for i in range(15)]
    bad = [
        ({"event_uuid": "not-a-uuid", "event_name": "a:b", "created_at": 1}, "event_uuid"),
        ({"event_uuid": good[0]["event_uuid"][:-1] + "0", "event_name": "a::b", "created_at": 1},
         "event_name"),
        ({"event_uuid": good[0]["event_uuid"][:-1] + "1", "event_name": "a", "created_at": -5},
         "created_at"),
        ({"event_uuid": good[0]["event_uuid"][:-1] + "2", "event_name": "a",
          "created_at": 1712514065000}, "milliseconds"),
        ({"event_name": "a", "created_at": 1}, "event_uuid"),
    ]
    records, expect = [], []
    for i in range(20):
        if i % 4 == 1 and bad:
            ev, word = bad.pop(0)
            records.append({"data": ev, "partition-key": "p"})
            expect.append(word)
        else:
            ev = good.pop(0)
            records.append({"data": ev, "partition-key": "p"})
            expect.append(ev)
    status, _, resp = request(base, "PUT", "/streams/events/records", {"records": records})
    check(status == 200 and resp["FailedRecordCount"] == 5,
          f"mixed batch: 200 with FailedRecordCount 5, got {status} {resp}")
    for want, r in zip(expect, resp.get("Records", [])):
        if isinstance(want, str):
            check(r.get("ErrorCode") == "InvalidEvent" and want in r.get("ErrorMessage", ""),
                  f"invalid record names {want}: {r}")
        else:
            check("SequenceNumber" in r, f"valid record in mixed batch stored: {r}")
            if "SequenceNumber" in r:
                acked[want["event_uuid"]] = (json.dumps(want), r["SequenceNumber"], r["ShardId"])


def test_string_wrapped_and_overrides(base, acked):
    ev = make_event("lesson:started", 1712514065.5, event_type="spoof", created_datetime="x")
    status, _, body = request(base, "PUT", "/streams/events/record", {"Data": json.dumps(ev)})
    check(status == 200, f"event inside a JSON string accepted: {status} {body}")
    if status == 200:
        acked[ev["event_uuid"]] = (json.dumps(ev), body["SequenceNumber"], body["ShardId"])


def test_byte_faithful(base, raw_expect):
    uid = "0b7c9a52-3f0e-4c55-8a4b-5c8a7f3e2d10"
    text = ('{ "event_uuid" : "%s", "event_name":"payment:order:completed",\n'
            '  "created_at": 1712514065.123, "price": 9.99, "big": 123456789012345678901234567890,'
            ' "tiny": 1e-7, "s": "caf\\u00e9 \\"q\\"", "nested": {"a": [1, 2.50, {"b": null}]},'
            ' "event_subtype": "client" }' % uid)
    body = '{"Data": %s, "PartitionKey": "faithful"}' % text
    status, _, resp = request(base, "PUT", "/streams/events/record", body)
    check(status == 200, f"byte-faithful event accepted: {status} {resp}")
    raw_expect[uid] = ('{"event_uuid":"%s","event_name":"payment:order:completed",'
                       '"created_at":1712514065.123,"price":9.99,'
                       '"big":123456789012345678901234567890,"tiny":1e-7,'
                       '"s":"caf\\u00e9 \\"q\\"","nested":{"a":[1,2.50,{"b":null}]},'
                       '"created_datetime":"2024-04-07T18:21:05.123Z","event_type":"payment",'
                       '"event_subtype":"order"}' % uid)


def test_passthrough(base):
    cases = [
        ("/streams/raw/record", {"Data": "some data", "PartitionKey": "k"}, b'"some data"'),
        ("/streams/raw/record", {"Data": {"a": [1, 2]}, "PartitionKey": "k"}, b'{"a":[1,2]}'),
        ("/streams/raw/records", {"records": [{"data": "some data", "partition-key": "k"}]},
         b"some data"),
        ("/streams/raw/records", {"Records": [{"Data": "x", "PartitionKey": "k"}]}, b'"x"'),
    ]
    want = []
    for path, body, stored in cases:
        status, _, resp = request(base, "PUT", path, body)
        check(status == 200, f"pass-through {path} {body}: {status} {resp}")
        want.append(stored)
    status, _, resp = request(base, "PUT", "/streams/raw/record", {"Data": "no key"})
    check(status == 400 and "PartitionKey" in resp.get("message", ""),
          f"pass-through without PartitionKey is 400 naming it: {status} {resp}")
    return want


def test_errors(base):
    ev = make_event()
    cases = [
        ("PUT", "/streams/nope/record", {"Data": ev}, None, 404, "nope"),
        ("PUT", "/streams/bad%20name!/record", {"Data": ev}, None, 400, "stream name"),
        ("GET", "/streams/events/record", None, None, 405, "Method"),
        ("POST", "/streams/events/records", {"records": []}, None, 405, "Method"),
        ("PUT", "/streams/events/record", {"Data": ev}, {"Content-Type": "text/plain"}, 415,
         "Content-Type"),
        ("PUT", "/streams/events/record", '{"Data": {', None, 400, "Invalid request body"),
        ("PUT", "/streams/events/record", "[1,2]", None, 400, "object"),
        ("PUT", "/streams/events/record", {"Data": {"event_name": "a"}}, None, 400, "event_uuid"),
        ("PUT", "/streams/events/record", {"Data": dict(ev, created_at="now")}, None, 400,
         "created_at"),
        ("PUT", "/streams/events/record", {"Data": ev, "PartitionKey": ""}, None, 400,
         "PartitionKey"),
        ("PUT", "/streams/events/record", {"Data": ev, "PartitionKey": "k" * 257}, None, 400,
         "PartitionKey"),
        ("PUT", "/streams/events/records", {"records": [{"data": ev}] * 501}, None, 400, "501"),
        ("PUT", "/streams/events/records", {"records": []}, None, 400, "at least one"),
        ("PUT", "/streams/events/records", {"records": [{"data": {"x": 1}}]}, None, 400,
         "no valid records"),
        ("PUT", "/streams/events/record", {"Data": dict(ev, pad="x" * (1 << 20))}, None, 413,
         "limit"),
        ("GET", "/nowhere", None, None, 404, "Not Found"),
    ]
    for method, path, body, headers, want, word in cases:
        status, hdrs, resp = request(base, method, path, body, headers)
        msg = resp.get("message", "") if isinstance(resp, dict) else ""
        check(status == want and word in msg and "x-amzn-errortype" in hdrs,
              f"{method} {path[:40]} -> {status} (want {want}) {msg[:120]!r}")
    # A declared length over the limit is refused before the body is read.
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    conn.putrequest("PUT", "/streams/events/record")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(3 << 20))
    conn.endheaders()
    resp = conn.getresponse()
    msg = json.loads(resp.read()).get("message", "")
    check(resp.status == 413 and "limit" in msg, f"declared length over the limit: {resp.status}")
    conn.close()
    rid = "8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b"
    status, hdrs, _ = request(base, "PUT", "/streams/events/record", {"Data": {}},
                              {"x-amzn-RequestId": rid})
    check(hdrs.get("x-amzn-requestid") == rid, "a valid client request id is echoed")
    status, hdrs, _ = request(base, "PUT", "/streams/events/record", {"Data": {}},
                              {"x-amzn-RequestId": "not-a-uuid"})
    check(hdrs.get("x-amzn-requestid", "") not in ("", "not-a-uuid"), "an invalid one is replaced")
    status, _, body = request(base, "GET", "/healthz")
    check(status == 200, "healthz answers 200")


def verify_stream(client, acked, raw_expect):
    stored = read_stream(client, "events")
    by_uuid = {}
    for r in stored:
        ev = json.loads(r["data"], object_pairs_hook=list)
        uid = dict(ev)["event_uuid"]
        by_uuid.setdefault(uid, []).append(r)
    dups = sum(len(v) - 1 for v in by_uuid.values())
    missing = [u for u in list(acked) + list(raw_expect) if u not in by_uuid]
    unexpected = [u for u in by_uuid if u not in acked and u not in raw_expect]
    print(f"events stream: sent-and-acknowledged {len(acked) + len(raw_expect)}, "
          f"found {len(stored)}, missing {len(missing)}, duplicates {dups}, "
          f"unexpected {len(unexpected)}", flush=True)
    check(not missing, f"every acknowledged record is in the stream (missing {missing[:3]})")
    check(dups == 0, "no record is stored twice")
    check(not unexpected, f"no refused record reached Kinesis ({unexpected[:3]})")
    mismatched = 0
    for uid, (text, seq, shard) in acked.items():
        for r in by_uuid.get(uid, [])[:1]:
            want = list(enriched(text).items())
            got = json.loads(r["data"], object_pairs_hook=list)
            if got != want or r["seq"] != seq or r["shard"] != shard:
                mismatched += 1
                if mismatched < 3:
                    print("MISMATCH", uid, got, want, r["seq"], seq, flush=True)
    check(mismatched == 0, f"stored events equal sent + derived fields ({mismatched} differ)")
    for uid, text in raw_expect.items():
        got = by_uuid.get(uid, [{}])[0].get("data", b"").decode()
        check(got == text, f"stored bytes are byte-faithful:\n got {got}\nwant {text}")


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 4)
        create_stream(client, "raw", 1)
        gw = Gateway(default_config(), kin.endpoint)
        acked, raw_expect = {}, {}
        test_single_records(gw.base, acked)
        test_batches(gw.base, acked)
        test_mixed_batch(gw.base, acked)
        test_string_wrapped_and_overrides(gw.base, acked)
        test_byte_faithful(gw.base, raw_expect)
        raw_want = test_passthrough(gw.base)
        test_errors(gw.base)
        verify_stream(client, acked, raw_expect)
        raw_got = [r["data"] for r in read_stream(client, "raw")]
        check(sorted(raw_got) == sorted(raw_want),
              f"pass-through stores exactly: {raw_got} vs {raw_want}")
        rc = gw.stop()
        check(rc == 0, f"gateway exits 0 on SIGTERM (got {rc})")
        gw = None
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_kinesalite")


if __name__ == "__main__":
    main()
