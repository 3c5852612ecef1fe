"""Compressed request bodies (issue 19), the real gateway on kinesalite.

Each request is sent twice: plain to one stream and compressed to its twin
(gzip, two gzip members, zlib deflate, raw deflate, chunked gzip; both
routes, event and passthrough streams). Read back, the twins hold the same
records byte for byte (data and partition key). Then what is refused, with
nothing stored: a bomb (a small gzip body past the 10 MiB limit once
decompressed: 413 with the plain message, answered at once), the /record
limit at its boundary (decompressed 2 MiB passes, one byte more is 413),
corrupt, truncated, trailing and mislabelled data (415 with a JSON message,
as API Gateway answers a body not compressed as stated), an unknown coding
(415).
"""
import gzip
import http.client
import json
import os
import sys
import time
import uuid
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, read_stream)

PAIRS = [("plain_events", "gz_events", "event"), ("plain_raw", "gz_raw", "passthrough")]
LIMIT_RECORD = 2 * 1024 * 1024
LIMIT_RECORDS = 10 * 1024 * 1024


def put(port, path, body, headers=None, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    t0 = time.monotonic()
    if chunked:
        c.putrequest("PUT", path)
        for k, v in h.items():
            c.putheader(k, v)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            c.send(b"%x\r\n" % len(part) + part + b"\r\n")
        c.send(b"0\r\n\r\n")
    else:
        c.request("PUT", path, body=body, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    return r.status, parsed, time.monotonic() - t0


def gz_members(data):
    half = len(data) // 2
    return gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0)


def raw_deflate(data):
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def event(**extra):
    ev = {"event_uuid": str(uuid.uuid4()), "event_name": "zip:test:case", "created_at": 1712514065.5,
          "price": 9.99, "text": "caf\u00e9 \\u00e9"}
    ev.update(extra)
    return ev


def twins(port):
    """Sends each case plain and compressed; returns how many records each
    stream should hold."""
    cases = []
    ev = event()
    cases.append(("record gzip", 0, "/record", json.dumps({"Data": ev, "PartitionKey": "k1"}),
                  "gzip", gzip.compress, False))
    recs = {"records": [{"data": event(n=i), "partition-key": f"p{i}"} for i in range(50)]}
    cases.append(("records two gzip members", 0, "/records", json.dumps(recs), "gzip", gz_members,
                  False))
    recs = {"records": [{"data": event(n=i)} for i in range(20)]}
    cases.append(("records chunked gzip", 0, "/records", json.dumps(recs), "gzip",
                  lambda b: gzip.compress(b, mtime=0), True))
    raw = {"records": [{"data": "line %d \u00e9 \"q\"" % i, "partition-key": "r"} for i in range(30)]}
    cases.append(("records zlib deflate", 1, "/records", json.dumps(raw), "deflate", zlib.compress,
                  False))
    cases.append(("record raw deflate", 1, "/record",
                  json.dumps({"Data": {"any": [1, 2.50, "x"]}, "PartitionKey": "k2"}), "deflate",
                  raw_deflate, False))
    counts = {}
    for what, pair, route, text, coding, enc, chunked in cases:
        plain, zipped, _ = PAIRS[pair]
        body = text.encode()
        s1, a1, _ = put(port, f"/streams/{plain}{route}", body)
        s2, a2, _ = put(port, f"/streams/{zipped}{route}", enc(body),
                        {"Content-Encoding": coding}, chunked)
        check(s1 == 200 and s2 == 200, f"{what}: plain {s1}, compressed {s2} {a2}")
        n = 1 if route == "/record" else len(json.loads(text)["records"])
        if route == "/records":
            check(a2.get("FailedRecordCount") == 0, f"{what}: every record stored")
        counts[pair] = counts.get(pair, 0) + n
    return counts


def refusals(port, gw):
    msg10 = f"Request body is over the {LIMIT_RECORDS}-byte limit"
    bomb = gzip.compress(b"{\"records\":[" + b" " * (64 * 1024 * 1024) + b"]}", mtime=0)
    rss0 = gw.rss_kib()
    st, ans, took = put(port, "/streams/gz_events/records", bomb, {"Content-Encoding": "gzip"})
    check(st == 413 and ans.get("message") == msg10,
          f"bomb ({len(bomb)} bytes gzip, 64 MiB inside): 413 {msg10!r}: {st} {ans}")
    check(took < 2.0, f"the bomb is refused at once ({took:.2f}s)")
    check(gw.rss_kib() - rss0 < 40 * 1024, f"RSS grew {gw.rss_kib() - rss0} KiB for the bomb")

    # /record at its limit, decompressed: a valid event padded with spaces.
    core = json.dumps({"Data": event(), "PartitionKey": "edge"}).encode()
    at = core[:-1] + b" " * (LIMIT_RECORD - len(core)) + b"}"
    st, ans, _ = put(port, "/streams/gz_events/record", gzip.compress(at),
                     {"Content-Encoding": "gzip"})
    check(st == 200, f"/record decompressed to exactly {LIMIT_RECORD} bytes: 200 ({st} {ans})")
    over = core[:-1] + b" " * (LIMIT_RECORD + 1 - len(core)) + b"}"
    st, ans, _ = put(port, "/streams/gz_events/record", gzip.compress(over),
                     {"Content-Encoding": "gzip"})
    check(st == 413 and ans.get("message") == f"Request body is over the {LIMIT_RECORD}-byte limit",
          f"/record decompressed to {LIMIT_RECORD + 1} bytes: 413 ({st} {ans})")

    good = json.dumps({"Data": event(), "PartitionKey": "never"}).encode()
    g = gzip.compress(good)
    bad = bytearray(g)
    bad[-8] ^= 1
    cases = [
        ("corrupt gzip (bad CRC)", bytes(bad), "gzip", "not gzip data"),
        ("truncated gzip", g[:-6], "gzip", "truncated"),
        ("gzip then junk", g + b"junk", "gzip", "after the end"),
        ("plain JSON labelled gzip", good, "gzip", "not gzip data"),
        ("gzip labelled deflate", g, "deflate", "not deflate data"),
        ("zlib labelled gzip", zlib.compress(good), "gzip", "not gzip data"),
        ("brotli", good, "br", "Content-Encoding br is not supported"),
    ]
    for what, body, coding, want in cases:
        st, ans, _ = put(port, "/streams/gz_events/record", body, {"Content-Encoding": coding})
        check(st == 415 and isinstance(ans, dict) and want in ans.get("message", ""),
              f"{what}: 415 with {want!r}: {st} {ans}")


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        streams = []
        for plain, zipped, mode in PAIRS:
            for name in (plain, zipped):
                create_stream(client, name, 1)
                streams.append({"name": name, "stream_name": name, "mode": mode})
        gw = Gateway(default_config(streams=streams), kin.endpoint)
        counts = twins(gw.port)
        refusals(gw.port, gw)
        time.sleep(0.5)
        # the refusals stored nothing: the gz twins still match the plain ones
        # (the /record at-the-limit event went to gz_events only, key "edge")
        compare_all(client, counts)
        access = [json.loads(l) for l in gw.log_lines() if '"type":"access"' in l]
        check(any(a["status"] == 415 and "gzip" in a["error"] for a in access),
              "the access log has the 415's reason")
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_compressed")


def compare_all(client, counts):
    for i, (plain, zipped, _) in enumerate(PAIRS):
        a = sorted((r["data"], r["key"]) for r in read_stream(client, plain))
        b = sorted((r["data"], r["key"]) for r in read_stream(client, zipped)
                   if r["key"] != "edge")
        check(len(a) == counts[i], f"{plain}: {len(a)} records, want {counts[i]}")
        check(a == b, f"{zipped} holds byte for byte the records of {plain}")
        if i == 0:
            edge = [r for r in read_stream(client, zipped) if r["key"] == "edge"]
            check(len(edge) == 1, f"the at-the-limit record is stored once ({len(edge)})")


if __name__ == "__main__":
    main()
