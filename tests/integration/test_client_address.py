"""The caller's real address in the access log (issue 19, trusted_proxies),
the real gateway on kinesalite:

  - from a trusted peer (127.0.0.0/8 here, standing in for the VPC of an
    ALB), `ip` is the right-most X-Forwarded-For address that is not a
    trusted proxy, over several header lines, with the ALB's client port;
    X-Amzn-Trace-Id is logged as traceId;
  - when every entry is trusted, the left-most; with no header, the peer;
  - from a peer that is not trusted, both headers are ignored: `ip` is the
    TCP peer and traceId is empty (a client cannot forge its address);
  - an ingest request is stored as usual either way.
"""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event)

TRACE = "Root=1-67891233-abcdef012345678912345678;Self=1-67891234-0123456789abcdef01234567"


def send(port, headers, path="/healthz", method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
    r = c.getresponse()
    r.read()
    rid = r.getheader("x-amzn-RequestId")
    c.close()
    return r.status, rid


def logged(gw, rid):
    for _ in range(50):
        for line in gw.log_lines():
            if '"type":"access"' in line and rid in line:
                return json.loads(line)
        time.sleep(0.05)
    return None


def main():
    kin = Kinesalite()
    gws = []
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 1)
        create_stream(client, "raw", 1)
        cfg = default_config()
        cfg["trusted_proxies"] = ["127.0.0.0/8", "10.0.0.0/16", "fd00::/8"]
        trusted = Gateway(cfg, kin.endpoint)
        gws.append(trusted)
        cfg2 = default_config()
        cfg2["trusted_proxies"] = ["10.0.0.0/16"]
        untrusted = Gateway(cfg2, kin.endpoint)
        gws.append(untrusted)

        cases = [
            ("one entry", [("X-Forwarded-For", "203.0.113.9")], "203.0.113.9"),
            ("forged left entry, trusted hops", [("X-Forwarded-For", "1.1.1.1, 203.0.113.9, 10.0.4.4")],
             "203.0.113.9"),
            ("two header lines", [("X-Forwarded-For", "1.1.1.1"),
                                  ("X-Forwarded-For", "198.51.100.7, 10.0.0.2")], "198.51.100.7"),
            ("client port", [("X-Forwarded-For", "203.0.113.9:51234")], "203.0.113.9"),
            ("IPv6", [("X-Forwarded-For", "2001:db8::7, fd00::1")], "2001:db8::7"),
            ("all trusted", [("X-Forwarded-For", "10.0.0.9, 10.0.0.8")], "10.0.0.9"),
            ("garbage on the right", [("X-Forwarded-For", "203.0.113.9, nope")], "127.0.0.1"),
            ("no header", [], "127.0.0.1"),
        ]
        for what, hdrs, want in cases:
            st, rid = send(trusted.port, [("Host", "x"), ("X-Amzn-Trace-Id", TRACE)] + hdrs)
            a = logged(trusted, rid)
            check(st == 200 and a is not None and a["ip"] == want,
                  f"trusted peer, {what}: ip {a and a['ip']!r}, want {want!r}")
            check(a is not None and a.get("traceId") == TRACE, f"trusted peer, {what}: traceId")

        st, rid = send(untrusted.port, [("Host", "x"), ("X-Forwarded-For", "203.0.113.9"),
                                        ("X-Amzn-Trace-Id", TRACE)])
        a = logged(untrusted, rid)
        check(a is not None and a["ip"] == "127.0.0.1" and a.get("traceId") == "",
              f"untrusted peer: headers ignored ({a and a['ip']}, {a and a.get('traceId')!r})")

        body = json.dumps({"Data": make_event(), "PartitionKey": "k"}).encode()
        st, rid = send(trusted.port, [("Host", "x"), ("X-Forwarded-For", "203.0.113.50")],
                       "/streams/events/record", "PUT", body)
        a = logged(trusted, rid)
        check(st == 200 and a and a["ip"] == "203.0.113.50" and a["records"] == 1,
              f"an ingest request behind the proxy: {st} {a}")
    finally:
        for g in gws:
            g.stop()
        kin.stop()
    finish("test_client_address")


if __name__ == "__main__":
    main()
