"""Kinesis unreachable when the gateway starts (nothing listens on the
endpoint's port), then coming up on that port:

  - the gateway starts anyway, logs that it listens, /healthz is 200, and
    /readyz is 503 (Kinesis endpoint unreachable) before any client request;
  - clients get 503 ServiceUnavailableException with Retry-After, within
    about their deadline;
  - once kinesalite listens on the port (streams created), the gateway
    recovers by itself: requests get 200 with a SequenceNumber within a
    bounded time, their records are in the stream, /readyz is 200, and a
    burst of concurrent requests all succeed.

/readyz follows the gateway's probes: 503 before any client request, 200
again once Kinesis is back, without client traffic.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Kinesalite, check, create_stream, default_config,  # noqa: E402
                     finish, free_port, kinesis_client, make_event, read_stream, request,
                     run_concurrently)

DEADLINE_MS = 1500
RECOVERY_S = 20


def put(base, ev):
    return request(base, "PUT", "/streams/events/record", {"Data": ev}, timeout=30)


def readyz(base):
    status, _, body = request(base, "GET", "/readyz")
    return status, body


def poll_ready(base, seconds):
    """Polls /readyz without sending traffic; returns (status, body, seconds)."""
    t0 = time.time()
    status, body = readyz(base)
    while status != 200 and time.time() - t0 < seconds:
        time.sleep(0.2)
        status, body = readyz(base)
    return status, body, time.time() - t0


def main():
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    cfg = default_config(deadline_ms=DEADLINE_MS, backoff_base_ms=20, backoff_max_ms=200)
    gw = Gateway(cfg, endpoint)
    kin = None
    t_start = time.time()
    try:
        check(any("listening" in line for line in gw.log_lines()),
              "the gateway starts and logs that it listens with Kinesis unreachable")
        status, _, _ = request(gw.base, "GET", "/healthz")
        check(status == 200, f"/healthz 200 while Kinesis is unreachable ({status})")
        # Readiness comes from probes, not only from client traffic.
        end = time.time() + 5
        status, body = readyz(gw.base)
        while status == 200 and time.time() < end:
            time.sleep(0.1)
            status, body = readyz(gw.base)
        check(status == 503 and "unreachable" in str(body),
              f"/readyz 503 before any client request ({status} {body})")

        # Clients: 503 + Retry-After near their deadline, single and batch.
        t0 = time.time()
        status, hdrs, body = put(gw.base, make_event())
        took = time.time() - t0
        check(status == 503 and hdrs.get("x-amzn-errortype") == "ServiceUnavailableException"
              and str(hdrs.get("retry-after", "")).isdigit(),
              f"unreachable: 503 ServiceUnavailableException + Retry-After "
              f"({status} {hdrs} {body})")
        check(took < DEADLINE_MS / 1000 + 1.5, f"answered within about the deadline ({took:.2f}s)")
        status, hdrs, body = request(gw.base, "PUT", "/streams/events/records",
                                     {"records": [{"data": make_event(), "partition-key": "k"}
                                                  for _ in range(3)]})
        check(status == 503 and hdrs.get("retry-after"),
              f"unreachable: a batch gets 503 + Retry-After ({status} {body})")
        results = run_concurrently(lambda ev: put(gw.base, ev),
                                   [make_event() for _ in range(16)], threads=8)
        check(all(s == 503 and h.get("retry-after") for s, h, _ in results),
              f"concurrent clients all get 503 ({sorted({s for s, _, _ in results})})")
        status, body = readyz(gw.base)
        check(status == 503 and "unreachable" in str(body),
              f"/readyz 503 naming the cause after failed calls ({status} {body})")
        check(gw.proc.poll() is None, "the gateway keeps running")

        # Kinesis comes up on the same port.
        kin = Kinesalite(port=port)
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        up = time.time()
        status, body, waited = poll_ready(gw.base, 10.0)
        check(status == 200, f"/readyz 200 again without client traffic ({status} {body} "
                             f"after {waited:.1f}s)")

        # Recovery: bounded retries until a 200.
        acked = {}
        status = None
        attempts = 0
        while time.time() - up < RECOVERY_S:
            attempts += 1
            ev = make_event("recovery:probe")
            status, hdrs, body = put(gw.base, ev)
            if status == 200:
                acked[ev["event_uuid"]] = body.get("SequenceNumber")
                break
            check(status == 503, f"before recovery only 503 ({status} {body})")
            time.sleep(0.2)
        recovered_in = time.time() - up
        check(status == 200 and all(acked.values()),
              f"the gateway recovers by itself within {RECOVERY_S}s ({status})")
        status, body, _ = poll_ready(gw.base, 5.0)
        check(status == 200, f"/readyz 200 after recovery ({status} {body})")

        events = [make_event("recovery:load") for _ in range(64)]
        results = run_concurrently(lambda ev: put(gw.base, ev), events, threads=16)
        for ev, (s, _, b) in zip(events, results):
            if s == 200 and b.get("SequenceNumber"):
                acked[ev["event_uuid"]] = b["SequenceNumber"]
        check(all(s == 200 for s, _, _ in results),
              f"after recovery concurrent clients all get 200 "
              f"({sorted({s for s, _, _ in results})})")
        stored = {}
        for r in read_stream(client, "events"):
            stored.setdefault(json.loads(r["data"])["event_uuid"], []).append(r["seq"])
        found = sum(1 for u in acked if u in stored)
        check(all(acked[u] in stored.get(u, []) for u in acked),
              f"every acknowledged record is in the stream ({found}/{len(acked)})")
        # Requests answered 503 while Kinesis was down never reached it.
        check(len(stored) == len(acked), f"nothing else was stored ({len(stored)} records)")
        print(f"unreachable start: recovered {recovered_in:.1f}s after Kinesis came back "
              f"({attempts} attempts); acknowledged={len(acked)} found={found} "
              f"duplicates={sum(len(v) - 1 for v in stored.values())}", flush=True)
        check(any("unavailable" in line or "unreachable" in line for line in gw.log_lines()),
              "the log shows why clients got 503")
        check(gw.stop() == 0, "the gateway exits 0 on SIGTERM")
    finally:
        if gw.proc.poll() is None:
            gw.stop()
        if kin:
            kin.stop()
    print(f"total time {time.time() - t_start:.1f}s", flush=True)
    finish("test_unreachable_start")


if __name__ == "__main__":
    main()
