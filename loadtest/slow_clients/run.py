#!/usr/bin/env python3
"""The slow-client load test (issue 19): the gateway (default limits:
max_connections 10,000, header_timeout_s 10, body_grace_s 10, 1,024 bytes/s)
on kinesalite, against 10,500 attacker connections (slow heads, slow bodies,
silent ones; slow_clients.py) reopened as fast as the gateway closes them,
while
  - a well-behaved client sends a valid request on a fresh connection every
    200 ms: each must be answered 200 within a second;
  - a client uploads a 10 MiB batch (500 records) at 256 KiB/s: it must get
    200 with every record stored;
  - the gateway's RSS is sampled every second.
Prints a JSON summary (figures for RESULTS.md). Everything on 127.0.0.1;
every process started is stopped.

  python3 loadtest/slow_clients/run.py [--heads N --bodies N --silent N --duration S]
Needs STREAMGATE_BIN (default build/streamgate) and npm ci (kinesalite).
"""
import argparse
import json
import os
import socket
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
import slow_clients  # noqa: E402
from harness import (Gateway, Kinesalite, create_stream, default_config,  # noqa: E402
                     kinesis_client)


def upload_batch(port, rate, out):
    """PUT .../records with a 10 MiB body at `rate` bytes/s."""
    recs = []
    pad = "x" * 20000
    for i in range(500):
        recs.append({"data": {"event_uuid": str(uuid.uuid4()), "event_name": "slow:upload",
                              "created_at": int(time.time()), "pad": pad}})
    body = json.dumps({"records": recs}).encode()
    body = body[:-1] + b" " * (10 * 1024 * 1024 - len(body)) + b"}"
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(b"PUT /streams/events/records HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nConnection: close\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        step = rate // 20
        for off in range(0, len(body), step):
            s.sendall(body[off:off + step])
            lag = t0 + (off + step) / rate - time.monotonic()
            if lag > 0:
                time.sleep(lag)
        sent_s = time.monotonic() - t0
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    head, _, resp = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else None
    failed = json.loads(resp).get("FailedRecordCount") if status == 200 else None
    out.update({"bytes": len(body), "status": status, "failed_records": failed,
                "send_s": round(sent_s, 1), "total_s": round(time.monotonic() - t0, 1)})


def listen_overflows():
    """The kernel's count of SYNs dropped at a full listen queue."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            d = dict(zip(names.split()[1:], values.split()[1:]))
            return int(d.get("ListenOverflows", 0))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heads", type=int, default=4000)
    ap.add_argument("--bodies", type=int, default=3500)
    ap.add_argument("--silent", type=int, default=3000)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--ramp", type=float, default=15)
    ap.add_argument("--interval", type=float, default=2.0)
    args = ap.parse_args()
    total = args.heads + args.bodies + args.silent
    nofile = slow_clients.raise_nofile(total + 2048)  # inherited by the gateway
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        cfg = default_config()
        cfg["access_log"] = False
        gw = Gateway(cfg, kin.endpoint)
        base_rss = gw.rss_kib()
        overflows0 = listen_overflows()
        upload = {}
        t = threading.Timer(args.ramp + 5, upload_batch, (gw.port, 256 * 1024, upload))
        t.start()
        res = slow_clients.run(gw.port, args.heads, args.bodies, args.silent, args.duration,
                               interval=args.interval, good_every=0.2, ramp=args.ramp,
                               sample=gw.rss_kib)
        t.join()
        import urllib.request
        metrics = urllib.request.urlopen(gw.base + "/metrics", timeout=10).read().decode()
        closed = {ln.split('"')[1]: int(ln.split()[-1]) for ln in metrics.splitlines()
                  if ln.startswith("streamgate_connections_closed_total{")}
        summary = {
            "attackers": {"heads": args.heads, "bodies": args.bodies, "silent": args.silent,
                          "interval_s": args.interval, "nofile": nofile},
            "good_requests": len(res["good"]), "good_200": res["good_ok"],
            "good_p50_ms": round(res["good_p50_s"] * 1000, 1),
            "good_p99_ms": round(res["good_p99_s"] * 1000, 1),
            "good_max_ms": round(res["good_max_s"] * 1000, 1),
            "good_over_1s": sum(1 for _, s in res["good"] if s >= 1.0),
            "rss_mb_start": round(base_rss / 1024, 1),
            "rss_mb_max": round(max(res["samples"] or [0]) / 1024, 1),
            "attacker_connections_opened": res["opened"],
            "closed_by_gateway_seen": res["closed_by_server"],
            "connections_closed_total": closed,
            "upload_10mib_256kibps": upload,
            "listen_queue_overflows": listen_overflows() - overflows0,
        }
        print(json.dumps(summary, indent=1))
        ok = (summary["good_200"] == summary["good_requests"] and summary["good_over_1s"] == 0
              and upload.get("status") == 200 and upload.get("failed_records") == 0)
        sys.exit(0 if ok else 1)
    finally:
        if gw:
            gw.stop()
        kin.stop()


if __name__ == "__main__":
    main()
