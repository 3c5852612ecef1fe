"""Every row of the README's limits table (the JSON and size rows), at its
boundary, with the real gateway on kinesalite and its default limits: the
limit itself passes (and is read back from the stream exactly as sent), the
limit + 1 gets the status and message the table gives.

Rows: body per route (2 MiB / 10 MiB), record bytes as stored (data as
stored + partition key, 1 MiB), partition key (256 UTF-16 code units, raw
and escaped, emoji counting 2), members per object (10,000), nesting depth
(64), records per request (500).
"""
import json
import os
import socket
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, read_stream)

MIB = 1024 * 1024
EMOJI = "\U0001F600"


def padded(text, size):
    """`text` (a JSON object) padded with spaces before its last brace to `size` bytes."""
    raw = text.encode()
    assert len(raw) <= size
    return raw[:-1] + b" " * (size - len(raw)) + raw[-1:]


def raw_put(port, path, body, timeout=30):
    """PUT over a raw socket: a gateway that refuses a declared length early
    may close before the body is sent (urllib then reports a broken pipe).
    Returns (status, headers lower-cased, parsed JSON body)."""
    head = (f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    buf = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(head + body)
        except OSError:
            pass
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
    head_raw, _, payload = buf.partition(b"\r\n\r\n")
    lines = head_raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and len(lines[0].split(" ")) > 1 else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (ln.partition(":") for ln in lines[1:])}
    try:
        parsed = json.loads(payload)
    except ValueError:
        parsed = {}
    return status, headers, parsed


def rows():
    """(row, stream, route, body bytes, expected status, message part, stored tag)."""
    out = []
    ev = make_event("limits:body")
    body = json.dumps({"Data": ev})
    out.append(("body /record at 2 MiB", "events", "record", padded(body, 2 * MIB), 200, None,
                ev["event_uuid"]))
    out.append(("body /record 2 MiB + 1", "events", "record", padded(body, 2 * MIB + 1), 413,
                "Request body is over the 2097152-byte limit", None))
    ev = make_event("limits:batch")
    body = json.dumps({"records": [{"data": ev}]})
    out.append(("body /records at 10 MiB", "events", "records", padded(body, 10 * MIB), 200, None,
                ev["event_uuid"]))
    out.append(("body /records 10 MiB + 1", "events", "records", padded(body, 10 * MIB + 1), 413,
                "Request body is over the 10485760-byte limit", None))

    # Stored bytes: a tutorial-shape string is stored as its own bytes.
    for extra, status in ((0, 200), (1, 413)):
        tag = f"rec-{uuid.uuid4()}-"
        data = tag + "r" * (MIB - 1 - len(tag) + extra)  # + key "k": 1 MiB (+ 1)
        body = json.dumps({"records": [{"data": data, "partition-key": "k"}]})
        out.append((f"record bytes 1 MiB{' + 1' if extra else ''}", "raw", "records",
                    body.encode(), status,
                    "records[0] is over the 1048576-byte limit (data + partition key)"
                    if extra else None, data if not extra else None))

    keys = [("256 ASCII", "k" * 256, True, 200), ("257 ASCII", "k" * 257, True, 400),
            ("128 emoji (256 units)", EMOJI * 128, False, 200),
            ("129 emoji (258 units)", EMOJI * 129, False, 400),
            ("256 escaped \\u0416", "\u0416" * 256, True, 200),
            ("257 escaped \\u0416", "\u0416" * 257, True, 400)]
    for name, key, escape, status in keys:
        tag = f"key-{uuid.uuid4()}"
        body = json.dumps({"Data": {"tag": tag}, "PartitionKey": key}, ensure_ascii=escape)
        out.append((f"partition key {name}", "raw", "record", body.encode(), status,
                    "PartitionKey must be 1-256 characters" if status != 200 else None,
                    tag if status == 200 else None))

    for n, status in ((10000, 200), (10001, 400)):
        tag = f"members-{uuid.uuid4()}"
        data = {"tag": tag, **{f"m{i}": i for i in range(n - 1)}}
        out.append((f"{n} members", "raw", "record",
                    json.dumps({"Data": data, "PartitionKey": "p"}).encode(), status,
                    "an object with more than 10000 members (limits.max_object_members)"
                    if status != 200 else None, tag if status == 200 else None))

    for depth, status in ((64, 200), (65, 400)):
        # the body object is level 1, Data's arrays the rest
        data = "[" * (depth - 1) + "1" + "]" * (depth - 1)
        body = '{"PartitionKey":"p","Data":%s}' % data
        out.append((f"depth {depth}", "raw", "record", body.encode(), status,
                    "nesting deeper than 64 levels (limits.max_json_depth)"
                    if status != 200 else None, data if status == 200 else None))

    for n, status in ((500, 200), (501, 400)):
        tags = [f"n{n}-{i}-{uuid.uuid4()}" for i in range(n)]
        body = json.dumps({"records": [{"data": t, "partition-key": "p"} for t in tags]})
        out.append((f"{n} records", "raw", "records", body.encode(), status,
                    "records has 501 records, more than 500" if status != 200 else None,
                    tags if status == 200 else None))
    return out


def stored_tags(client, stream):
    tags = set()
    for r in read_stream(client, stream):
        text = r["data"].decode()
        tags.add(text)
        try:
            v = json.loads(text)
        except ValueError:
            continue
        if isinstance(v, dict):
            tags.add(v.get("event_uuid") or v.get("tag"))
    return tags


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 1)
        create_stream(client, "raw", 1)
        gw = Gateway(default_config(), kin.endpoint)
        wanted = {"events": [], "raw": []}
        refused = {"events": [], "raw": []}
        for name, stream, route, body, status, msg, tag in rows():
            got, headers, resp = raw_put(gw.port, f"/streams/{stream}/{route}", body)
            text = json.dumps(resp, ensure_ascii=False)
            ok = got == status
            if status == 200:
                ok = ok and (resp.get("SequenceNumber") or resp.get("FailedRecordCount") == 0)
            else:
                ok = ok and msg in text and headers.get("x-amzn-errortype")
            check(ok, f"{name}: {got} (want {status}) {text[:240]}")
            target = wanted if status == 200 else refused
            if tag:
                target[stream].extend(tag if isinstance(tag, list) else [tag])
        for stream in wanted:
            have = stored_tags(client, stream)
            missing = [t[:40] for t in wanted[stream] if t not in have]
            check(not missing, f"{stream}: every record at a limit is stored as sent "
                               f"({len(missing)} missing: {missing[:3]})")
        check(gw.stop() == 0, "gateway exits 0")
        gw = None
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_limits_table")


if __name__ == "__main__":
    main()
