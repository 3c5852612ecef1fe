"""Limits against abuse, with the real gateway on kinesalite:

  - 1,000 idle / slowloris connections (headers never finished) while normal
    traffic still flows, and the idle ones are closed after the idle
    time-out;
  - oversize headers, oversize bodies (declared and streamed), deeply nested
    and huge JSON, malformed bodies: each gets its 4xx, nothing reaches
    Kinesis, and the gateway stays healthy.
"""
import json
import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, read_stream, request, run_concurrently)

IDLE = 1000


def raw_request(port, data, timeout=10):
    """Sends raw bytes, returns the status line's code (0 if the connection closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
    parts = buf.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def idle_connections(gw, client):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    socks = []
    for i in range(IDLE):
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        # Half of them never finish their headers (slowloris); half send nothing.
        if i % 2:
            s.sendall(b"PUT /streams/events/record HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(s)
    t0 = time.time()
    events = [make_event("account:created") for _ in range(100)]
    results = run_concurrently(
        lambda ev: request(gw.base, "PUT", "/streams/events/record", {"Data": ev}), events, 10)
    took = time.time() - t0
    ok = sum(1 for s, _, b in results if s == 200 and b.get("SequenceNumber"))
    check(ok == len(events), f"{IDLE} idle connections open, normal traffic flows: {ok}/100 "
                             f"in {took:.1f}s")
    time.sleep(3.5)  # idle_timeout_s = 2
    closed = 0
    for s in socks:
        s.settimeout(0.5)
        try:
            closed += s.recv(1) == b""
        except OSError:
            closed += 1
        s.close()
    check(closed == IDLE, f"idle connections closed after the idle time-out ({closed}/{IDLE})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return [e["event_uuid"] for e in events]


def oversize_and_malformed(gw):
    big_header = (b"PUT /streams/events/record HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 +
                  b"\r\nContent-Length: 2\r\n\r\n{}")
    code = raw_request(gw.port, big_header)
    check(code in (413, 431), f"oversize headers refused with 413/431 (got {code})")

    streamed = (b"PUT /streams/events/record HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"{" + b" " * 65535
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(40)) + b"0\r\n\r\n"
    code = raw_request(gw.port, streamed + body, timeout=20)
    check(code == 413, f"a chunked body over the limit is refused with 413 (got {code})")

    deep = '{"Data": ' + "[" * 5000 + "]" * 5000 + "}"
    status, _, body = request(gw.base, "PUT", "/streams/events/record", deep)
    msg = json.dumps(body).lower()
    check(status == 400 and ("depth" in msg or "nest" in msg),
          f"deeply nested JSON refused with 400 ({status} {str(body)[:100]})")
    declared = (b"PUT /streams/events/records HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 11000000\r\n\r\n")
    code = raw_request(gw.port, declared)
    check(code == 413, f"a declared body over 10 MiB is refused before it is read ({code})")
    for bad in (b"\xff\xfe", b'{"Data": "\xc3\x28"}', b'{"Data": {}, "Data": {}}',
                b'{"Data": 1} trailing', b"", b"null"):
        status, _, body = request(gw.base, "PUT", "/streams/events/record", bad)
        check(status == 400 and isinstance(body, dict) and body.get("message"),
              f"malformed body {bad[:20]!r} -> 400 with a message ({status})")
    status, _, _ = request(gw.base, "GET", "/healthz")
    check(status == 200, "still healthy after the abuse")


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        cfg = default_config()
        cfg["limits"] = {"idle_timeout_s": 2, "max_connections": 2000}
        gw = Gateway(cfg, kin.endpoint)
        acked = idle_connections(gw, client)
        oversize_and_malformed(gw)
        stored = [json.loads(r["data"])["event_uuid"] for r in read_stream(client, "events")]
        check(sorted(stored) == sorted(acked),
              f"exactly the acknowledged records reached Kinesis ({len(stored)} vs {len(acked)})")
        check(gw.stop() == 0, "gateway exits 0")
        gw = None
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_limits")


if __name__ == "__main__":
    main()
