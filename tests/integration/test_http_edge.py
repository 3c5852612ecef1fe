"""Hostile input at the HTTP edge (issue 14, the HTTP items), with raw
sockets against the real gateway on kinesalite. Every refused request is
read back as absent from the stream, every accepted one as stored once.

  - the head-size window: heads around max_header_bytes (16,384) get 200 or
    the gateway's JSON 431, never an empty reply; at the limit 200, one byte
    over 431;
  - smuggling: two Content-Length, Content-Length with chunked, a space
    before the colon, bare CR / NUL in values, "X A:" names: 400 and closed;
    a request smuggled in the body is never answered;
  - a Transfer-Encoding other than chunked: 501 at once, no hang;
  - Content-Length that libmicrohttpd cannot parse, and bad chunked framing:
    the gateway's JSON, one status line, closed; the answers libmicrohttpd
    still gives by itself are whole single answers, closed, nothing stored;
  - the path is routed as sent (%2F, %00), the access log stays valid
    UTF-8 JSON;
  - Host missing or twice, Content-Encoding br: refused, nothing stored
    (gzip and deflate bodies: test_compressed.py);
  - keep-alive after GET and after early 404/405/415 answers, and pipelined
    GET, PUT, HEAD, PUT answered in order.
"""
import json
import os
import socket
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, read_stream)

MAX_HEAD = 16384
SENT_OK = []       # event_uuids answered 200: each must be stored once
REFUSED = []       # event_uuids refused: none may be stored


def event_body(tag):
    u = str(uuid.uuid4())
    return u, json.dumps({"Data": {"event_uuid": u, "event_name": "edge:" + tag,
                                   "created_at": 1712514065}}).encode()


def read_response(c, head=False, timeout=5.0):
    """One HTTP response from Conn c: (status, headers, body), or None when
    the connection closed before a full one. Leftover bytes stay in c.rest
    for the next call."""
    s = c.s
    s.settimeout(timeout)
    buf = c.rest
    try:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head_bytes, rest = buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for ln in lines[1:]:
            k, v = ln.split(b":", 1)
            headers[k.strip().lower().decode()] = v.strip().decode()
        n = 0 if head else int(headers.get("content-length", "0"))
        while len(rest) < n:
            chunk = s.recv(65536)
            if not chunk:
                return None
            rest += chunk
    except (socket.timeout, OSError):
        return None
    c.rest = rest[n:]
    return status, headers, rest[:n]


def closed(c, timeout=5.0):
    """True when the peer closes Conn c (and sent nothing more)."""
    if c.rest:
        return False
    c.s.settimeout(timeout)
    try:
        data = c.s.recv(65536)
    except socket.timeout:
        return False
    except OSError:
        return True
    c.rest += data
    return not data


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.rest = b""

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            pass

    def close(self):
        self.s.close()


def put_head(path=b"/streams/events/record", extra=b"", length=None, host=b"Host: gw\r\n",
             version=b"HTTP/1.1"):
    cl = b"" if length is None else b"Content-Length: %d\r\n" % length
    return (b"PUT " + path + b" " + version + b"\r\n" + host +
            b"Content-Type: application/json\r\n" + extra + cl + b"\r\n")


def api_error(resp, status, what, message_has=None):
    """Checks an answer is the gateway's: status, JSON {"message"}, both headers."""
    if resp is None:
        check(False, f"{what}: no answer")
        return
    st, h, body = resp
    check(st == status, f"{what}: status {st}, want {status} ({body[:120]!r})")
    try:
        msg = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        check(False, f"{what}: body is not {{\"message\"}}: {body[:120]!r}")
        return
    check("x-amzn-requestid" in h and "x-amzn-errortype" in h,
          f"{what}: x-amzn-RequestId and x-amzn-ErrorType present ({sorted(h)})")
    if message_has:
        check(message_has in msg, f"{what}: message {msg!r} names {message_has!r}")


def one_shot(port, data, head=False, timeout=5.0, want_close=False):
    """Sends data on a new connection and reads one answer; with want_close,
    also whether the gateway then closed the connection."""
    c = Conn(port)
    c.send(data)
    r = read_response(c, head, timeout)
    was_closed = (closed(c, timeout) if r else True) if want_close else None
    c.close()
    return r, was_closed


def head_window(gw):
    """Defect 1: no head size below the limit loses its answer."""
    base = put_head(extra=b"X-Big: \r\n", length=0)
    empty = 0
    for target in list(range(MAX_HEAD - 500, MAX_HEAD + 300, 9)) + [MAX_HEAD, MAX_HEAD + 1]:
        u, body = event_body("window")
        pad = target - len(base)
        head = put_head(extra=b"X-Big: " + b"a" * pad + b"\r\n", length=len(body))
        # Adjust for the Content-Length digits so the head is exactly `target`.
        head = put_head(extra=b"X-Big: " + b"a" * (pad - (len(head) - target)) + b"\r\n",
                        length=len(body))
        assert len(head) == target, (len(head), target)
        r, _ = one_shot(gw.port, head + body)
        if r is None:
            empty += 1
            REFUSED.append(u)  # unknown outcome: never counted as stored
            continue
        if target <= MAX_HEAD:
            ok = r[0] == 200 and b"SequenceNumber" in r[2]
            check(ok, f"head of {target} bytes (<= limit): 200, got {r[0]} {r[2][:80]!r}")
            (SENT_OK if ok else REFUSED).append(u)
        else:
            api_error(r, 431, f"head of {target} bytes (> limit)", "16384-byte limit")
            REFUSED.append(u)
    check(empty == 0, f"no empty reply for heads around the limit ({empty} empty)")
    # 214 and 215 ten-byte headers (the issue's second repro) both answered.
    for n in (214, 215, 400):
        u, body = event_body("many")
        extra = b"".join(b"X-H%04d: 1\r\n" % i for i in range(n))
        r, _ = one_shot(gw.port, put_head(extra=extra, length=len(body)) + body)
        check(r is not None and r[0] in (200, 431), f"{n} short headers answered ({r and r[0]})")
        (SENT_OK if r and r[0] == 200 else REFUSED).append(u)


def smuggling(gw):
    """Defect 7 and 12: framing and head syntax refused with 400 and closed."""
    cases = [
        ("two Content-Length", b"Content-Length: %(n)d\r\nContent-Length: 2\r\n",
         400, "Content-Length must be sent once"),
        ("Content-Length and chunked", b"Content-Length: %(n)d\r\nTransfer-Encoding: chunked\r\n",
         400, "must not both"),
        ("space before the colon", b"Content-Length: %(n)d\r\nTransfer-Encoding : chunked\r\n",
         400, "Invalid header name"),
        ("bare CR in a value", b"Content-Length: %(n)d\r\nX-A: a\rb\r\n", 400, "X-A"),
        ("NUL in a value", b"Content-Length: %(n)d\r\nX-A: a\x00b\r\n", 400, "NUL"),
        ("space in a name", b"Content-Length: %(n)d\r\nX A: 1\r\n", 400, "Invalid header name X A"),
        ("obs-fold", b"Content-Length: %(n)d\r\nX-A: a\r\n b\r\n", 400, "folding"),
        ("Content-Encoding br", b"Content-Length: %(n)d\r\nContent-Encoding: br\r\n", 415,
         "Content-Encoding br"),
    ]
    for what, extra, status, has in cases:
        u, body = event_body("smuggle")
        smuggled = b"GET /readyz HTTP/1.1\r\nHost: gw\r\n\r\n"
        c = Conn(gw.port)
        c.send(put_head(extra=extra % {b"n": len(body)}) + body + smuggled)
        r = read_response(c)
        api_error(r, status, what, has)
        check(closed(c), f"{what}: connection closed after the answer")
        c.close()
        REFUSED.append(u)
    for what, host, status in [("no Host", b"", 400), ("two Host", b"Host: a\r\nHost: b\r\n", 400)]:
        u, body = event_body("host")
        r, was_closed = one_shot(gw.port, put_head(host=host, length=len(body)) + body,
                                 want_close=True)
        api_error(r, status, what, "Host")
        check(was_closed, f"{what}: closed")
        REFUSED.append(u)
    # HTTP/1.0 needs no Host.
    u, body = event_body("http10")
    r, _ = one_shot(gw.port, put_head(host=b"", length=len(body), version=b"HTTP/1.0") + body)
    check(r is not None and r[0] == 200, f"HTTP/1.0 without Host: 200 ({r and r[0]})")
    (SENT_OK if r and r[0] == 200 else REFUSED).append(u)


def transfer_encodings(gw):
    """Defect 8: any Transfer-Encoding but chunked gets 501 at once."""
    for te in (b"identity", b"gzip", b"gzip, chunked", b"x-unknown"):
        u, body = event_body("te")
        t0 = time.time()
        r, was_closed = one_shot(gw.port, put_head(extra=b"Transfer-Encoding: " + te + b"\r\n") +
                                 body, want_close=True)
        took = time.time() - t0
        api_error(r, 501, f"Transfer-Encoding {te.decode()}", "Transfer-Encoding")
        check(took < 3 and was_closed, f"Transfer-Encoding {te.decode()}: answered and closed "
                                       f"in {took:.1f}s")
        REFUSED.append(u)
    # chunked itself is accepted and stored once.
    u, body = event_body("chunked")
    chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    r, _ = one_shot(gw.port, put_head(extra=b"Transfer-Encoding: chunked\r\n") + chunked)
    check(r is not None and r[0] == 200, f"chunked body: 200 ({r and r[0]})")
    (SENT_OK if r and r[0] == 200 else REFUSED).append(u)


def bad_content_length(gw):
    """Defect 9: what libmicrohttpd 0.9.75 garbled now comes as the gateway's
    JSON, with one status line."""
    for value, status in [(b"-1", 400), (b"abc", 400), (b"+2", 400), (b"2, 2", 400),
                          (b"18446744073709551616", 413)]:
        u, body = event_body("cl")
        c = Conn(gw.port)
        c.send(put_head(extra=b"Content-Length: " + value + b"\r\n") + body)
        r = read_response(c)
        api_error(r, status, f"Content-Length: {value.decode()}", "Content-Length")
        check(closed(c), f"Content-Length: {value.decode()}: closed, nothing after the answer")
        c.close()
        REFUSED.append(u)


def whole_answer(raw):
    """True when raw bytes are one complete HTTP answer and nothing more."""
    if raw.count(b"HTTP/1.") != 1 or b"\r\n\r\n" not in raw:
        return False
    head, body = raw.split(b"\r\n\r\n", 1)
    for ln in head.split(b"\r\n")[1:]:
        if ln.lower().startswith(b"content-length:"):
            return int(ln.split(b":")[1]) == len(body)
    return False


def mhd_answers(gw):
    """Defect 9: the answers libmicrohttpd gives by itself (README, Limits)
    are whole single answers, closed, store nothing."""
    chunked = put_head(extra=b"Transfer-Encoding: chunked\r\n")
    cases = [
        ("request line without a version", b"GET /healthz\r\n\r\n", b"400"),
        ("HTTP/2.0 request line", b"GET /healthz HTTP/2.0\r\nHost: gw\r\n\r\n", b"505"),
        ("header line without a colon", b"GET /healthz HTTP/1.1\r\nHost: gw\r\nNoColon\r\n\r\n",
         b"400"),
        ("request line of 40,000 bytes", b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: gw\r\n\r\n",
         b"414"),
    ]
    for what, data, status in cases:
        s = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        try:
            s.sendall(data)
        except OSError:
            pass
        raw = b""
        t0 = time.time()
        try:
            while time.time() - t0 < 5:
                c = s.recv(65536)
                if not c:
                    break
                raw += c
        except OSError:
            pass
        s.close()
        took = time.time() - t0
        check(raw.startswith(b"HTTP/1.1 " + status) and whole_answer(raw) and took < 4,
              f"{what}: one whole {status.decode()} answer, closed in {took:.1f}s "
              f"({raw[:60]!r}, {len(raw)} bytes)")
    # A head beyond the connection's memory: libmicrohttpd finds it, the
    # gateway answers (this thread reads no other head).
    r, was_closed = one_shot(gw.port, b"GET /healthz HTTP/1.1\r\nHost: gw\r\nX: " + b"a" * 40000 +
                             b"\r\n\r\n", want_close=True)
    api_error(r, 431, "head of 40,000 bytes", "16384-byte limit")
    check(was_closed, "head of 40,000 bytes: closed")
    # Chunk errors: libmicrohttpd finds them, the gateway answers them (its
    # error log hook; this thread reads only this chunked body).
    for what, data, status, has in [
            ("bad chunk size", chunked + b"zz\r\n{}\r\n0\r\n\r\n", 400, "chunk framing"),
            ("no CRLF after a chunk", chunked + b"2\r\n{}XX0\r\n\r\n", 400, "chunk framing"),
            ("chunk extension of 40 KB", chunked + b"2;" + b"x" * 40000 + b"\r\n{}\r\n0\r\n\r\n",
             400, "chunk size line"),
            ("chunk size over 2^64", chunked + b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", 413,
             "chunk size")]:
        r, was_closed = one_shot(gw.port, data, want_close=True)
        api_error(r, status, what, has)
        check(was_closed, f"{what}: closed")
    # A chunk extension of 20 KB now fits the connection's memory: the
    # gateway answers the body itself ({} has no Data: 400).
    u, body = event_body("ext")
    r, _ = one_shot(gw.port, chunked + b"%x;" % len(body) + b"x" * 20000 + b"\r\n" + body +
                    b"\r\n0\r\n\r\n")
    check(r is not None and r[0] == 200, f"chunk extension of 20 KB: 200 ({r and r[0]})")
    (SENT_OK if r and r[0] == 200 else REFUSED).append(u)
    # A request line libmicrohttpd cannot split gets no answer, only a close.
    r, was_closed = one_shot(gw.port, b"GARBAGE\r\n\r\n", want_close=True)
    check(r is None and was_closed, "a request line without spaces: closed without answer")


def paths(gw):
    """Defect 10: routing on the path as sent."""
    for path, status in [(b"/streams/events%2Frecord", 404), (b"/streams/events/record%00junk", 404),
                         (b"/streams/ev%65nts/record", 400), (b"/streams/ev%FFnts/record", 400),
                         (b"/streams/events/record\x00junk", 400),
                         (b"/streams/ev\xffnts/record", 400)]:
        u, body = event_body("path")
        r, _ = one_shot(gw.port, put_head(path=path, length=len(body)) + body)
        api_error(r, status, f"path {path!r}")
        REFUSED.append(u)


def keep_alive(gw):
    """Defect 13: early answers keep the connection; pipelining in order."""
    c = Conn(gw.port)
    u1, b1 = event_body("keep")
    steps = [
        ("GET /healthz", b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n", 200, False),
        ("PUT valid", put_head(length=len(b1)) + b1, 200, False),
        ("404 with a body", put_head(path=b"/streams/nope/record", length=len(b1)) + b1, 404,
         False),
        ("405 GET on ingest", b"GET /streams/events/record HTTP/1.1\r\nHost: gw\r\n\r\n", 405,
         False),
        ("415 with a body", b"PUT /streams/events/record HTTP/1.1\r\nHost: gw\r\n"
         b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 415, False),
        ("404 unknown path", b"GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n", 404, False),
        ("HEAD /healthz", b"HEAD /healthz HTTP/1.1\r\nHost: gw\r\n\r\n", 200, True),
    ]
    for what, data, status, head in steps:
        c.send(data)
        r = read_response(c, head)
        check(r is not None and r[0] == status and
              r[1].get("connection", "").lower() != "close",
              f"keep-alive, {what}: {status} on the same connection ({r and r[0]}, "
              f"{r and r[1].get('connection')})")
    SENT_OK.append(u1)
    # Pipelined: GET, PUT, HEAD, PUT in one write.
    u2, b2 = event_body("pipe")
    u3, b3 = event_body("pipe")
    c.send(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n" + put_head(length=len(b2)) + b2 +
           b"HEAD /healthz HTTP/1.1\r\nHost: gw\r\n\r\n" + put_head(length=len(b3)) + b3)
    got = []
    for head in (False, False, True, False):
        r = read_response(c, head)
        got.append(r and (r[0], b"SequenceNumber" in r[2]))
    check(got == [(200, False), (200, True), (200, False), (200, True)],
          f"pipelined GET, PUT, HEAD, PUT answered in order: {got}")
    SENT_OK.extend([u2, u3])
    c.close()


def access_log_valid(gw):
    """Defect 11: every access-log line is valid UTF-8 JSON."""
    with open(gw.log_path, "rb") as f:
        raw_lines = f.read().splitlines()
    bad = 0
    saw_ff = False
    for ln in raw_lines:
        try:
            obj = json.loads(ln.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            bad += 1
            continue
        if obj.get("type") == "access" and "\\xff" in obj.get("path", ""):
            saw_ff = True
    check(bad == 0, f"every log line is valid UTF-8 JSON ({bad} of {len(raw_lines)} not)")
    check(saw_ff, "the raw 0xFF path byte is logged as the text \\xff")


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        cfg = default_config()
        cfg["access_log"] = True
        gw = Gateway(cfg, kin.endpoint)
        print('head_window', flush=True)
        head_window(gw)
        print('smuggling', flush=True)
        smuggling(gw)
        print('transfer_encodings', flush=True)
        transfer_encodings(gw)
        print('bad_content_length', flush=True)
        bad_content_length(gw)
        print('mhd_answers', flush=True)
        mhd_answers(gw)
        print('paths', flush=True)
        paths(gw)
        print('keep_alive', flush=True)
        keep_alive(gw)
        time.sleep(0.5)
        stored = {}
        for r in read_stream(client, "events"):
            u = json.loads(r["data"])["event_uuid"]
            stored[u] = stored.get(u, 0) + 1
        twice = [u for u in SENT_OK if stored.get(u, 0) != 1]
        check(not twice, f"every accepted record stored exactly once ({len(SENT_OK)} sent, "
                         f"{len(twice)} not once)")
        leaked = [u for u in REFUSED if u in stored]
        check(not leaked, f"no refused request stored anything ({len(REFUSED)} refused, "
                          f"{len(leaked)} stored)")
        access_log_valid(gw)
        check(gw.proc.poll() is None, "the gateway is still running")
        rc = gw.stop()
        gw = None
        check(rc == 0, f"the gateway exits 0 on SIGTERM, no leak reported ({rc})")
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_http_edge")


if __name__ == "__main__":
    main()
