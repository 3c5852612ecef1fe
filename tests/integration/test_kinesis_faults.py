"""Forwarding rules under Kinesis trouble, with faults injected by a scripted
proxy in front of kinesalite (faultproxy.py) or by endpoints that stall or
are closed:

  - records Kinesis fails (per record, or whole calls with 500) are retried,
    only those, and land exactly once; clients get 200 with their own
    SequenceNumber;
  - throttling until the deadline: 503 + Retry-After; stalls: 504;
    non-retryable errors: 502 at once, no retry; unreachable: 503 and
    /readyz 503;
  - a full queue answers 503 at once, and nothing is half-applied;
  - a stream at max_in_flight waits for an answer without spinning.
"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from faultproxy import Blackhole, FaultProxy  # noqa: E402
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     free_port, kinesis_client, make_event, read_stream, request,
                     run_concurrently)


def put(base, ev):
    return request(base, "PUT", "/streams/events/record", {"Data": ev})


def stored_ids(client):
    ids = {}
    for r in read_stream(client, "events"):
        uid = json.loads(r["data"])["event_uuid"]
        ids[uid] = ids.get(uid, 0) + 1
    return ids


def scenario_partial_and_500(kin, client):
    proxy = FaultProxy(kin.endpoint)
    gw = Gateway(default_config(linger_ms=20), proxy.endpoint)
    try:
        proxy.set("fail_records", count=3, fail_every=3,
                  error_type="ProvisionedThroughputExceededException")
        singles = [make_event("account:created") for _ in range(40)]
        batch = [make_event("lesson:started") for _ in range(100)]
        results = run_concurrently(lambda ev: put(gw.base, ev), singles, threads=20)
        status, _, body = request(gw.base, "PUT", "/streams/events/records",
                                  {"records": [{"data": e, "partition-key": "k"} for e in batch]})
        ok_single = sum(1 for s, _, b in results if s == 200 and b.get("SequenceNumber"))
        check(ok_single == len(singles), f"partial failures: {ok_single}/40 singles got 200")
        check(status == 200 and body["FailedRecordCount"] == 0,
              f"partial failures: batch 200 with no failure ({status})")
        check(len(proxy.failed_ids) > 0, f"the proxy failed {len(proxy.failed_ids)} records")
        resent_ok = all(proxy.sends.get(u, 0) == 1 + proxy.failed_ids.get(u, 0)
                        for u in proxy.sends)
        check(resent_ok, "only the failed records were sent again")
        check(all(v == 1 for v in proxy.forwarded.values()), "each record forwarded once")

        proxy.set("status", count=2, status=500, error_type="InternalFailure")
        more = [make_event("session") for _ in range(10)]
        results = run_concurrently(lambda ev: put(gw.base, ev), more, threads=10)
        check(all(s == 200 for s, _, _ in results), "whole-call 500s are retried to success")
        ids = stored_ids(client)
        sent = [e["event_uuid"] for e in singles + batch + more]
        check(all(ids.get(u) == 1 for u in sent),
              f"every acknowledged record stored exactly once "
              f"({sum(1 for u in sent if ids.get(u) == 1)}/{len(sent)})")
        print(f"partial/500: sent {len(sent)}, acknowledged {len(sent)}, "
              f"found {sum(1 for u in sent if u in ids)}, resent {len(proxy.failed_ids)}",
              flush=True)
    finally:
        gw.stop()
        proxy.close()


def scenario_throttled_and_refused(kin, client):
    proxy = FaultProxy(kin.endpoint)
    gw = Gateway(default_config(deadline_ms=1500, backoff_base_ms=20, backoff_max_ms=200),
                 proxy.endpoint)
    try:
        proxy.set("status", status=400, error_type="ProvisionedThroughputExceededException")
        ev = make_event()
        status, hdrs, body = put(gw.base, ev)
        check(status == 503 and hdrs.get("retry-after") and "throttl" in body.get("message", ""),
              f"throttled until the deadline: 503 + Retry-After ({status} {body})")
        status, hdrs, body = request(gw.base, "PUT", "/streams/events/records",
                                     {"records": [{"data": make_event(), "partition-key": "k"}]})
        check(status == 503, f"batch entirely throttled: 503 ({status})")
        check(proxy.calls > 2, f"throttled calls were retried ({proxy.calls} calls)")

        proxy.set("status", status=400, error_type="ResourceNotFoundException")
        before = proxy.calls
        t0 = time.time()
        status, hdrs, body = put(gw.base, make_event())
        check(status == 502 and "ResourceNotFoundException" in body.get("message", "") and
              time.time() - t0 < 1.0, f"non-retryable: 502 at once ({status} {body})")
        check(proxy.calls - before == 1, "non-retryable errors are not retried")

        proxy.set("status", count=1, status=400, error_type="ExpiredTokenException")
        status, _, body = put(gw.base, make_event())
        check(status == 200 and body.get("SequenceNumber"),
              f"ExpiredTokenException: credentials refreshed and the call retried ({status})")

        proxy.set("ok")
        ev = make_event()
        status, _, body = put(gw.base, ev)
        check(status == 200 and body.get("SequenceNumber"), "recovers when Kinesis does")
    finally:
        gw.stop()
        proxy.close()


def scenario_stall_and_unreachable():
    hole = Blackhole()
    gw = Gateway(default_config(deadline_ms=1500), hole.endpoint)
    try:
        t0 = time.time()
        status, hdrs, body = put(gw.base, make_event())
        took = time.time() - t0
        check(status == 504 and hdrs.get("x-amzn-errortype") == "GatewayTimeoutException" and
              took < 4, f"stalled Kinesis: 504 after the deadline ({status}, {took:.1f}s)")
    finally:
        gw.stop()
        hole.close()

    closed = f"http://127.0.0.1:{free_port()}"
    gw = Gateway(default_config(deadline_ms=1500, backoff_base_ms=20, backoff_max_ms=100), closed)
    try:
        status, hdrs, body = put(gw.base, make_event())
        check(status == 503 and hdrs.get("retry-after") and "unavailable" in body.get("message", ""),
              f"unreachable Kinesis: 503 ({status} {body})")
        status, _, body = request(gw.base, "GET", "/readyz")
        check(status == 503, f"/readyz reports not ready ({status} {body})")
        status, _, _ = request(gw.base, "GET", "/healthz")
        check(status == 200, "/healthz still answers 200")
    finally:
        gw.stop()


def scenario_queue_full():
    hole = Blackhole()
    cfg = default_config(deadline_ms=3000)
    cfg["limits"] = {"queue_max_records": 4}
    gw = Gateway(cfg, hole.endpoint)
    try:
        waiting = []
        ts = [threading.Thread(target=lambda: waiting.append(put(gw.base, make_event())))
              for _ in range(4)]
        for t in ts:
            t.start()
        time.sleep(0.5)
        t0 = time.time()
        status, hdrs, body = put(gw.base, make_event())
        check(status == 503 and "queue" in body.get("message", "") and hdrs.get("retry-after")
              and time.time() - t0 < 0.5, f"full queue: 503 at once ({status} {body})")
        status, _, body = request(gw.base, "PUT", "/streams/events/records",
                                  {"records": [{"data": make_event()}] * 2})
        check(status == 503, "a batch that does not fit is refused whole")
        for t in ts:
            t.join()
        check(all(s == 504 for s, _, _ in waiting),
              f"the waiting clients are answered 504 ({[s for s, _, _ in waiting]})")
    finally:
        gw.stop()
        hole.close()


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scenario_saturated_waits(kin, client):
    """One call in flight at max_in_flight 1, held by the proxy for 2 s, and a
    record queued behind it: the sender must sleep until the answer comes,
    not spin on the queued record (it once used a whole core doing that)."""
    proxy = FaultProxy(kin.endpoint)
    gw = Gateway(default_config(max_in_flight=1), proxy.endpoint)
    try:
        proxy.set("delay", count=1, delay_s=2.0)
        first, second = make_event("account:created"), make_event("account:created")
        results = []
        t1 = threading.Thread(target=lambda: results.append(put(gw.base, first)))
        t1.start()
        time.sleep(0.3)
        t2 = threading.Thread(target=lambda: results.append(put(gw.base, second)))
        t2.start()
        time.sleep(0.3)
        cpu0, wall0 = cpu_seconds(gw.proc.pid), time.monotonic()
        time.sleep(1.0)
        used = cpu_seconds(gw.proc.pid) - cpu0
        window = time.monotonic() - wall0
        t1.join()
        t2.join()
        check(used < 0.25 * window,
              f"saturated stream: the gateway used {used:.2f} s of CPU in {window:.2f} s "
              f"while waiting for the answer")
        check([s for s, _, _ in results] == [200, 200],
              f"both records acknowledged after the slow answer ({[s for s, _, _ in results]})")
        ids = stored_ids(client)
        check(ids.get(first["event_uuid"]) == 1 and ids.get(second["event_uuid"]) == 1,
              "both records stored once")
    finally:
        gw.stop()
        proxy.close()


def main():
    kin = Kinesalite()
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        scenario_partial_and_500(kin, client)
        scenario_throttled_and_refused(kin, client)
        scenario_stall_and_unreachable()
        scenario_queue_full()
        scenario_saturated_waits(kin, client)
    finally:
        kin.stop()
    finish("test_kinesis_faults")


if __name__ == "__main__":
    main()
