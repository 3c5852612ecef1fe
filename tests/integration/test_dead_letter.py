"""Refused events are kept: bad rows read back from a dead-letter stream in kinesalite.

- single refused events: the payload read back equals the Data value as sent,
  byte for byte (unicode, escapes, whitespace, a string-wrapped event), with
  failure.reasons (path, rule, message = what the client was told),
  event_name, stream, request_id, api_key_id, received_at;
- a body that is not JSON: kept, cut at the documented size, and flagged;
- a record over the size limit (413): its row alone;
- a /records body of 500 events, each breaking a rule (cycling through every
  rule this gateway has): 400, 500 InvalidEvent entries in order and 500 bad rows,
  one per event, in the same order of reasons; valid records in a mixed body
  are stored in the events stream as usual, and no bad row lands there;
- a dead-letter stream that does not exist: every answer is the same as with
  one (the client's 400 / InvalidEvent at once, the valid records stored),
  the loss is counted in /metrics and logged without the payload, and
  /readyz names the missing stream;
- /metrics counts refusals by stream, event type and reason.
"""
import hashlib
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config,  # noqa: E402
                     finish, kinesis_client, make_event, read_stream, request)

PAYLOAD_MAX = 768 * 1024  # bad_row.h SG_BAD_ROW_PAYLOAD_MAX (escaped text)

# One broken event per rule this gateway checks, with the rule and path its
# bad row must carry. Catalog rules join this list once the catalog is there.
U = "123e4567-e89b-12d3-a456-42661417400"


def rule_cases():
    return [
        ("uuid", "$.event_uuid", {"event_uuid": "nope", "event_name": "a:b", "created_at": 1}),
        ("required", "$.event_uuid", {"event_name": "a:b", "created_at": 1}),
        ("event_name", "$.event_name", {"event_uuid": U + "1", "event_name": "a::b",
                                        "created_at": 1}),
        ("required", "$.event_name", {"event_uuid": U + "2", "created_at": 1}),
        ("created_at", "$.created_at", {"event_uuid": U + "3", "event_name": "a",
                                        "created_at": "now"}),
        ("created_at", "$.created_at", {"event_uuid": U + "4", "event_name": "a",
                                        "created_at": 1712514065000}),
        ("required", "$.created_at", {"event_uuid": U + "5", "event_name": "a"}),
        ("json", "$", [1, 2]),
        ("json", "$", "not an event"),
    ]


def cut(text):
    """What bad_row.h keeps of a payload: the longest prefix whose JSON-escaped
    text takes at most PAYLOAD_MAX bytes, never half a character."""
    total = 0
    for i, ch in enumerate(text):
        if ch in '"\\' or ch in "\b\f\n\r\t":
            n = 2
        elif ord(ch) < 0x20:
            n = 6
        else:
            n = len(ch.encode())
        if total + n > PAYLOAD_MAX:
            return text[:i], True
        total += n
    return text, False


def catalog_cases():
    """One event per rule of the example catalog (config/catalog) and of the
    event contract, with the rule and path its bad row must carry."""
    now = int(time.time())

    def ev(name, **f):
        e = {"event_uuid": str(uuid.uuid4()), "event_name": name, "created_at": now}
        e.update(f)
        return e
    u = str(uuid.uuid4())
    return [
        ("type", "$.amount", ev("payment:order:completed", amount="19.99", currency="EUR")),
        ("enum", "$.currency", ev("payment:order:completed", amount=5, currency="XXX")),
        ("const", "$.erasure_policy_version",
         ev("account:deleted", user_id="u", reason=None, deleted_by="user",
            erasure_policy_version=2)),
        ("minimum", "$.qty", ev("order:created", sku="a", qty=0)),
        ("maximum", "$.qty", ev("order:created", sku="a", qty=1001)),
        ("exclusiveMinimum", "$.amount", ev("payment:order:completed", amount=0, currency="EUR")),
        ("exclusiveMaximum", "$.time_s",
         ev("quiz:answer:submitted", quiz_id=u, question_id=1, answer_ids=[1], correct=True,
            time_s=3600)),
        ("minLength", "$.sku", ev("order:created", sku="", qty=1)),
        ("maxLength", "$.sku", ev("order:created", sku="x" * 65, qty=1)),
        ("format", "$.device_id",
         ev("app:crashed", device_id="nope", platform="ios", app_version="1", signal="OOM")),
        ("minItems", "$.stack",
         ev("app:crashed", device_id=u, platform="ios", app_version="1", signal="OOM", stack=[])),
        ("maxItems", "$.tags", ev("course:enrolled", course_id=1, user_id="u",
                                  tags=["a", "b", "c", "d", "e", "f"])),
        ("additionalProperties", "$.extra",
         ev("account:created", user_id="u", email="a@b.c", plan="pro", extra=1)),
        ("required", "$.currency", ev("payment:order:completed", amount=5)),
        # the seven: a typo, case, a space, a slash, a string amount, 2100, 1970
        ("unknown_event_type", "$.event_name",
         ev("pament:order:completed", amount=5, currency="EUR")),
        ("event_name", "$.event_name", ev("Payment:Order")),
        ("event_name", "$.event_name", ev("lesson started")),
        ("event_name", "$.event_name", ev("a/b:c")),
        ("created_at_window", "$.created_at", ev("lesson:started", lesson_id=1,
                                                 created_at=4102444800)),
        ("created_at_window", "$.created_at", ev("lesson:started", lesson_id=1, created_at=0)),
        ("created_at", "$.created_at", ev("lesson:started", lesson_id=1, created_at="now")),
        ("required", "$.event_uuid", {"event_name": "lesson:started", "created_at": now,
                                      "lesson_id": 1}),
        ("uuid", "$.event_uuid", ev("lesson:started", lesson_id=1, event_uuid="nope")),
        ("json", "$", [1, 2]),
        ("partition_key", "partition-key", ev("lesson:started", lesson_id=1)),
    ]


def metrics(base):
    _, _, text = request(base, "GET", "/metrics")
    return text if isinstance(text, str) else json.dumps(text)


def metric(text, name, labels=None):
    want = name + ("{" + labels + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    return 0.0


def rows_of(client, stream):
    return [json.loads(r["data"]) for r in read_stream(client, stream)]


def wait_rows(client, stream, n, timeout=15):
    deadline = time.time() + timeout
    rows = []
    while time.time() < deadline:
        rows = rows_of(client, stream)
        if len(rows) >= n:
            break
        time.sleep(0.2)
    return rows


def put_raw(base, path, body, rid=None, headers=None):
    h = {"x-amzn-RequestId": rid} if rid else {}
    h.update(headers or {})
    return request(base, "PUT", path, body.encode() if isinstance(body, str) else body, h)


def test_single_payloads(gw, client, expect):
    """Each refused event's Data value, as sent, comes back as the payload."""
    cases = [
        # unicode raw and escaped, escapes of every kind, odd whitespace
        ('{ "event_uuid": "bad", "event_name" : "caf\u00e9:\\u00e9t\u00e9", "s": "\\"q\\" \\\\ '
         '\\n\\t\\u0000 \U0001F600 \\ud83d\\ude00",\n\t"created_at": 1 }', "uuid", "$.event_uuid",
         "caf\u00e9:\u00e9t\u00e9"),
        # a string-wrapped event: the string token as sent
        (json.dumps(json.dumps({"event_uuid": str(uuid.uuid4()), "event_name": "lesson:started",
                                "created_at": "x"})), "created_at", "$.created_at",
         "lesson:started"),
        # no event_name at all
        ('{"event_uuid": "%s", "created_at": 1712514065}' % uuid.uuid4(), "required",
         "$.event_name", None),
        # an event_name that breaks the rule, kept as a string
        ('{"event_uuid": "%s", "event_name": "a::b", "created_at": 1712514065}' % uuid.uuid4(),
         "event_name", "$.event_name", "a::b"),
    ]
    for data, rule, path, name in cases:
        rid = str(uuid.uuid4())
        body = '{"Data": %s, "PartitionKey": "k"}' % data
        status, _, resp = put_raw(gw.base, "/streams/events/record", body, rid)
        check(status == 400, f"refused event answered 400 at once: {status} {resp}")
        expect[rid] = [{"payload": data, "rule": rule, "path": path, "name": name,
                        "message": resp.get("message") if isinstance(resp, dict) else None}]


def test_not_json(gw, client, expect):
    rid = str(uuid.uuid4())
    body = '{"Data": {"event_uuid": caf\u00e9'
    status, _, _ = put_raw(gw.base, "/streams/events/record", body, rid)
    check(status == 400, "a body that is not JSON: 400")
    expect[rid] = [{"payload": body, "rule": "json", "path": "$", "name": None}]
    # over the cut: 1 MiB of plain text is kept up to the limit
    rid2 = str(uuid.uuid4())
    big = "not json \"\u00e9\x01\n" + "x" * (1 << 20)
    status, _, _ = put_raw(gw.base, "/streams/events/record", big, rid2)
    check(status == 400, "a large body that is not JSON: 400")
    kept, was_cut = cut(big)
    check(was_cut and len(kept) > 700 * 1024, "the large body is over the cut")
    expect[rid2] = [{"payload": kept, "rule": "json", "path": "$", "name": None,
                     "truncated": True}]


def test_too_large(gw, client, expect):
    """A record over max_record_bytes fails its request (413); its row alone is kept."""
    rid = str(uuid.uuid4())
    data = json.dumps(make_event(pad="x" * (1 << 20)))
    body = '{"records": [{"data": %s, "partition-key": "k"}, {"data": %s}]}' % (
        json.dumps(make_event()), data)
    status, _, resp = put_raw(gw.base, "/streams/events/records", body, rid)
    check(status == 413, f"record over the limit: 413 ({status} {str(resp)[:200]})")
    kept, was_cut = cut(data)
    expect[rid] = [{"payload": kept, "rule": "record_size", "path": "$",
                    "name": "payment:order:completed", "truncated": was_cut}]


def test_500_rules(gw, client, expect, cases, unique=True):
    """500 events, each breaking a rule, cycling through `cases`."""
    records, want = [], []
    for i in range(500):
        rule, path, ev = cases[i % len(cases)]
        if isinstance(ev, dict) and unique:
            ev = dict(ev, i=i)
        elif isinstance(ev, dict) and "event_uuid" in ev and rule != "uuid":
            ev = dict(ev, event_uuid=str(uuid.uuid4()))
        data = json.dumps(ev)
        key = "" if rule == "partition_key" else "p%d" % i
        records.append('{"data": %s, "partition-key": "%s"}' % (data, key))
        name = ev.get("event_name") if isinstance(ev, dict) else None
        want.append({"payload": data, "rule": rule, "path": path, "name": name})
    rid = str(uuid.uuid4())
    body = '{"records": [%s]}' % ",".join(records)
    status, _, resp = put_raw(gw.base, "/streams/events/records", body, rid)
    entries = resp.get("Records", []) if isinstance(resp, dict) else []
    # every record refused: 400 with the first message, and an entry per record
    check(status == 400 and "records[0]" in resp.get("message", "")
          and resp.get("FailedRecordCount") == 500 and len(entries) == 500,
          f"500 refused events: 400 naming records[0], 500 entries ({status} {str(resp)[:200]})")
    all_in_order = all(e.get("ErrorCode") == "InvalidEvent"
                       and want[i]["path"].lstrip("$.") in e.get("ErrorMessage", "")
                       for i, e in enumerate(entries))
    check(all_in_order, "500 refused events: 500 InvalidEvent entries in order, naming their field")
    expect[rid] = want
    # the same 500 beside one valid event on /records: 501 is over the limit, so 499 + 1
    rid2 = str(uuid.uuid4())
    good = make_event("session:started", device="ios")
    body2 = '{"records": [%s, {"data": %s, "partition-key": "g"}]}' % (
        ",".join(records[:499]), json.dumps(good))
    status, _, resp = put_raw(gw.base, "/streams/events/records", body2, rid2)
    entries = resp.get("Records", []) if isinstance(resp, dict) else []
    check(status == 200 and resp.get("FailedRecordCount") == 499 and len(entries) == 500,
          f"499 refused + 1 valid: 200 with 499 failed ({status} {str(resp)[:200]})")
    in_order = all(e.get("ErrorCode") == "InvalidEvent" for e in entries[:499])
    for i, e in enumerate(entries[:499]):
        w = want[i]
        if w["path"].lstrip("$.") not in e.get("ErrorMessage", ""):
            in_order = False
    check(in_order and "SequenceNumber" in (entries[-1] if entries else {}),
          "entries in order: 499 InvalidEvent naming their field, then the stored one")
    expect[rid2] = want[:499]
    return good


def verify_rows(client, expect, api_key_id, skip=0):
    total = sum(len(v) for v in expect.values())
    rows = wait_rows(client, "events-dead-letter", skip + total)
    rows = [r for r in rows if r.get("request_id") in expect]
    print(f"dead-letter stream: {len(rows)} bad rows for {len(expect)} requests; "
          f"first: {json.dumps(rows[0])[:300] if rows else None}", flush=True)
    check(len(rows) == total, f"{total} bad rows read back (got {len(rows)})")
    by_rid = {}
    for row in rows:
        by_rid.setdefault(row.get("request_id"), []).append(row)
    bad = 0
    for rid, want in expect.items():
        # a request's rows share its id as partition key: one shard, in order
        got = by_rid.get(rid, [])
        if len(got) != len(want):
            bad += 1
            print(f"request {rid}: {len(got)} rows, want {len(want)}", flush=True)
            continue
        for g, w in zip(got, want):
            problems = row_problems(g, w, api_key_id)
            if problems:
                bad += 1
                if bad < 5:
                    print("ROW", rid, problems, json.dumps(g)[:400], flush=True)
    check(bad == 0, f"every bad row as specified ({bad} differ)")
    # keys of every row, in the contract's order
    keys = ["failure", "event_name", "stream", "request_id", "api_key_id", "received_at",
            "payload", "payload_truncated"]
    r0 = rows[0] if rows else {}
    check([k for k in r0 if k in keys] == [k for k in keys if k in r0],
          f"members in the documented order: {list(r0)}")


def row_problems(g, w, api_key_id):
    p = []
    if g.get("payload", "").encode() != w["payload"].encode():
        p.append("payload differs")
    if g.get("payload_truncated") is not w.get("truncated", False):
        p.append("payload_truncated")
    reasons = g.get("failure", {}).get("reasons", [])
    if len(reasons) != 1 or reasons[0].get("rule") != w["rule"] or \
            reasons[0].get("path") != w["path"]:
        p.append(f"reasons {reasons} want {w['rule']} {w['path']}")
    if w.get("message") and reasons and reasons[0].get("message") != w["message"]:
        p.append("message differs from the client's")
    if g.get("event_name") != w["name"] or (w["name"] is None and "event_name" in g):
        p.append(f"event_name {g.get('event_name')!r} want {w['name']!r}")
    if g.get("api_key_id") != api_key_id:
        p.append(f"api_key_id {g.get('api_key_id')!r}")
    for k in ("received_at",):
        v = g.get(k, "")
        if not (len(v) == 24 and v.endswith("Z") and v[10] == "T"):
            p.append(f"{k} {v!r}")
    ts = g.get("failure", {}).get("timestamp", "")
    if not (len(ts) == 24 and ts >= g.get("received_at", "")):
        p.append(f"failure.timestamp {ts!r}")
    if g.get("stream") != "events":
        p.append(f"stream {g.get('stream')!r}")
    return p


KEY = "k" * 32


def config(dead="events-dead-letter"):
    cfg = default_config(streams=[
        {"name": "events", "stream_name": "events", "mode": "event",
         "dead_letter_stream": dead},
    ])
    cfg["api_keys"] = {"required": True, "keys": [
        {"id": "team-a", "sha256": hashlib.sha256(KEY.encode()).hexdigest(),
         "streams": ["events"]}]}
    return cfg


def main():
    kin = Kinesalite()
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "events-dead-letter", 2)
        run_present(kin, client)
        run_catalog(kin, client)
        run_missing(kin, client)
    finally:
        kin.stop()
    finish("test_dead_letter")


def run_present(kin, client):
    gw = Gateway(config(), kin.endpoint)
    try:
        expect = {}
        auth = {"x-api-key": KEY}
        global put_raw
        plain = put_raw

        def keyed(base, path, body, rid=None, headers=None):
            return plain(base, path, body, rid, dict(auth, **(headers or {})))
        put_raw = keyed
        test_single_payloads(gw, client, expect)
        test_not_json(gw, client, expect)
        good = test_500_rules(gw, client, expect, rule_cases())
        test_too_large(gw, client, expect)
        put_raw = plain
        verify_rows(client, expect, "team-a")
        stored = [json.loads(r["data"]) for r in read_stream(client, "events")]
        check([e["event_uuid"] for e in stored] == [good["event_uuid"]],
              f"the events stream holds the valid event only ({len(stored)} records)")
        m = metrics(gw.base)
        check(metric(m, "streamgate_refused_events_total",
                     'stream="events",event_type="unknown",reason="uuid"') > 100,
              "refusals counted by stream, type and reason")
        check(metric(m, "streamgate_dead_letter_written_total") ==
              sum(len(v) for v in expect.values()), "written rows counted")
        check(metric(m, "streamgate_dead_letter_failed_total") == 0, "nothing lost")
        status, _, body = request(gw.base, "GET", "/readyz")
        check(status == 200, f"ready with the dead-letter stream there: {body}")
        rc = gw.stop()
        check(rc == 0, f"gateway exits 0 ({rc})")
        gw = None
    finally:
        if gw:
            gw.stop()


def run_catalog(kin, client):
    """With the example catalog: every catalog rule, the issue's seven events."""
    cfg = config()
    cfg["streams"][0]["catalog"] = os.path.join(os.environ.get("SG_SOURCE_DIR") or ".",
                                                "config", "catalog")
    gw = Gateway(cfg, kin.endpoint)
    try:
        expect = {}
        auth = {"x-api-key": KEY}
        global put_raw
        plain = put_raw

        def keyed(base, path, body, rid=None, headers=None):
            return plain(base, path, body, rid, dict(auth, **(headers or {})))
        put_raw = keyed
        before = len(read_stream(client, "events-dead-letter"))
        good = test_500_rules(gw, client, expect, catalog_cases(), unique=False)
        put_raw = plain
        verify_rows(client, expect, "team-a", skip=before)
        stored = [json.loads(r["data"])["event_uuid"] for r in read_stream(client, "events")]
        check(good["event_uuid"] in stored, "the valid record of the mixed body is stored")
        m = metrics(gw.base)
        check(metric(m, "streamgate_refused_events_total",
                     'stream="events",event_type="payment",reason="type"') == 2 * 20,
              "a catalog type's refusals are counted under its event_type")
        check(metric(m, "streamgate_refused_events_total",
                     'stream="events",event_type="unknown",reason="unknown_event_type"') > 0,
              "an unknown type is counted as unknown")
        # refused just before SIGTERM: the drain sends the bad rows too
        rid = str(uuid.uuid4())
        body = {"records": [{"data": {"event_name": "x"}, "partition-key": "k"}] * 50}
        status, _, _ = request(gw.base, "PUT", "/streams/events/records", body,
                               {"x-api-key": KEY, "x-amzn-RequestId": rid})
        rc = gw.stop()
        gw = None
        check(status == 400 and rc == 0, f"refused, then SIGTERM: exits 0 ({status}, {rc})")
        rows = [r for r in wait_rows(client, "events-dead-letter",
                                       before + sum(len(v) for v in expect.values()) + 50)
                if r.get("request_id") == rid]
        check(len(rows) == 50, f"the bad rows refused before SIGTERM are stored ({len(rows)})")
    finally:
        if gw:
            gw.stop()


def run_missing(kin, client):
    """No such dead-letter stream: the answers are the same, the loss counted."""
    cfg = config(dead="no-such-stream")
    gw = Gateway(cfg, kin.endpoint)
    try:
        auth = {"x-api-key": KEY}
        status, _, resp = request(gw.base, "PUT", "/streams/events/record",
                                  {"Data": {"event_uuid": "bad", "event_name": "a",
                                            "created_at": 1}}, auth)
        check(status == 400 and "event_uuid" in resp.get("message", ""),
              f"refused event still 400 at once: {status} {resp}")
        good = make_event("session:started")
        t0 = time.time()
        status, _, resp = request(gw.base, "PUT", "/streams/events/records",
                                  {"records": [{"data": {"x": 1}, "partition-key": "a"},
                                               {"data": good, "partition-key": "b"}]}, auth)
        took = time.time() - t0
        entries = resp.get("Records", []) if isinstance(resp, dict) else []
        check(status == 200 and resp.get("FailedRecordCount") == 1 and
              entries[0].get("ErrorCode") == "InvalidEvent" and "SequenceNumber" in entries[1],
              f"mixed body: the same answer ({status} {resp})")
        check(took < 5, f"the answer does not wait for the bad row ({took:.1f} s)")
        status, _, _ = put_raw(gw.base, "/streams/events/record", "not json", None, auth)
        check(status == 400, "a body that is not JSON: 400")
        deadline = time.time() + 15
        lost = 0
        while time.time() < deadline:
            lost = metric(metrics(gw.base), "streamgate_dead_letter_failed_total")
            if lost >= 3:
                break
            time.sleep(0.2)
        check(lost == 3, f"the three lost bad rows are counted ({lost})")
        status, _, body = request(gw.base, "GET", "/readyz")
        check(status == 503 and "no-such-stream" in body.get("reason", ""),
              f"/readyz names the missing dead-letter stream: {status} {body}")
        log = ""
        for _ in range(50):  # stdout is flushed every 200 ms
            log = "\n".join(gw.log_lines())
            if "dead letter:" in log:
                break
            time.sleep(0.1)
        check("dead letter:" in log and "no-such-stream" in log,
              "the loss is logged")
        check('"bad"' not in log and "not json" not in log and '\\"x\\":1' not in log,
              "the log holds no payload")
        stored = [json.loads(r["data"])["event_uuid"] for r in read_stream(client, "events")]
        check(good["event_uuid"] in stored, "the valid record is stored as usual")
        rc = gw.stop()
        check(rc == 0, f"gateway exits 0 ({rc})")
        gw = None
    finally:
        if gw:
            gw.stop()


if __name__ == "__main__":
    main()
