"""Kinesis faults under concurrent load, through the fault-injecting proxy
(faultproxy.py) in front of kinesalite, one gateway for the whole run.

For each fault (whole-call 500, 503, throttling 400, per-record throttling
and InternalFailure, answers delayed past the deadline, connection resets
before and after the records were stored), 24 client threads send a bounded
mix of single and small batch requests while the fault is active for a time
window longer than the request deadline, so both paths are exercised: early
requests run out of deadline, later ones are retried to success. Each fault
has its own stream, read back with GetRecords, and then:

  - every 200 carries a SequenceNumber (per record for batches) and that
    record is in the stream with that sequence number;
  - every other answer is the documented one for the fault (503 with
    Retry-After for throttling, 504 for 5xx / time-outs / resets);
  - only the records the gateway was told had failed are sent again (the
    proxy's per-record counters): sends == 1 + failures for every
    acknowledged record, and no stored record is forwarded twice except
    where the proxy dropped an answer after storing (duplicates reported);
  - afterwards a fresh request succeeds, /readyz is 200, nothing is queued,
    and the gateway's VmRSS stays near its post-warm-up baseline.

One line per fault: fault=<name> sent acknowledged found duplicates statuses.
"""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from faultproxy import FaultProxy  # noqa: E402
from harness import (BIN, Gateway, Kinesalite, check, create_stream,  # noqa: E402
                     default_config, finish, kinesis_client, make_event, read_stream, request,
                     run_concurrently)

DEADLINE_MS = 2000
WINDOW_S = 2.6          # fault window: longer than a deadline
REQUESTS = 200          # per fault
THREADS = 24
RSS_MARGIN_KIB = 20 * 1024
SLACK_S = 1.5

PTE = "ProvisionedThroughputExceededException"
UNAVAILABLE = (503, "ServiceUnavailableException")
TIMEOUT = (504, "GatewayTimeoutException")



def half_of_the_records(record_id, _index):
    """The same records fail on every try while the window lasts (a hot
    shard): those sent early run out of deadline, the others are stored."""
    return record_id[0] in "01234567"


# name, proxy mode, proxy settings, documented error answer, may store duplicates
FAULTS = [
    ("status500", "status", {"status": 500, "error_type": "InternalFailure"}, TIMEOUT, False),
    ("status503", "status", {"status": 503, "error_type": "ServiceUnavailable"}, UNAVAILABLE,
     False),
    ("throttle400", "status", {"status": 400, "error_type": PTE}, UNAVAILABLE, False),
    ("fail_records_pte", "fail_records",
     {"fail_select": half_of_the_records, "error_type": PTE}, UNAVAILABLE, False),
    ("fail_records_internal", "fail_records",
     {"fail_select": half_of_the_records, "error_type": "InternalFailure"}, TIMEOUT, False),
    ("delay", "delay", {"delay_s": DEADLINE_MS / 1000 + 1.0}, TIMEOUT, True),
    ("reset", "reset", {}, TIMEOUT, False),
    ("reset_after_store", "reset_after", {}, TIMEOUT, True),
]


def sanitized():
    """True for a gateway built with AddressSanitizer."""
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


def stream_of(name):
    return "f-" + name.replace("_", "-")


def make_load(n, rnd):
    """n requests: about 70% single records, the rest batches of 2-5."""
    items = []
    for _ in range(n):
        if rnd.random() < 0.7:
            items.append(("record", [make_event("load:single")]))
        else:
            items.append(("records", [make_event("load:batch") for _ in range(rnd.randint(2, 5))]))
    return items


def send(base, stream, item):
    kind, events = item
    if kind == "record":
        body = {"Data": events[0], "PartitionKey": events[0]["event_uuid"][:8]}
    else:
        body = {"records": [{"data": e, "partition-key": e["event_uuid"][:8]} for e in events]}
    t0 = time.monotonic()
    try:
        status, hdrs, answer = request(base, "PUT", f"/streams/{stream}/{kind}", body, timeout=30)
    except OSError as e:  # a dropped client connection: counted as status 0
        status, hdrs, answer = 0, {}, str(e)
    return status, hdrs, answer, time.monotonic() - t0


def stored(client, stream):
    """event_uuid -> list of sequence numbers in the stream."""
    out = {}
    for r in read_stream(client, stream):
        out.setdefault(json.loads(r["data"])["event_uuid"], []).append(r["seq"])
    return out


def wait_proxy_idle(proxy, timeout=15.0):
    """Lets delayed calls finish forwarding before the stream is read."""
    end = time.time() + timeout
    while time.time() < end and proxy.active > 0:
        time.sleep(0.05)


def metric(base, name):
    _, _, text = request(base, "GET", "/metrics")
    for line in str(text).splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return None


def run_phase(gw, proxy, client, name, mode, settings, error, dups_ok, rnd):
    stream = stream_of(name)
    items = make_load(REQUESTS, rnd)
    proxy.reset_counters()
    t0 = time.time()
    if mode != "ok":
        proxy.set_window(mode, WINDOW_S, **settings)
    results = run_concurrently(lambda it: send(gw.base, stream, it), items, threads=THREADS)
    proxy.set("ok")
    wait_proxy_idle(proxy)
    took = time.time() - t0

    statuses, acked, sent, codes = {}, {}, [], {}
    bad_answers = []
    slowest = max(r[3] for r in results)
    for (kind, events), (status, hdrs, body, _) in zip(items, results):
        statuses[status] = statuses.get(status, 0) + 1
        sent.extend(e["event_uuid"] for e in events)
        if status == 200 and kind == "record":
            if body.get("SequenceNumber") and body.get("ShardId"):
                acked[events[0]["event_uuid"]] = body["SequenceNumber"]
            else:
                bad_answers.append(f"200 without SequenceNumber: {body}")
        elif status == 200:
            recs = body.get("Records", []) if isinstance(body, dict) else []
            failed = 0
            if len(recs) != len(events):
                bad_answers.append(f"batch answer has {len(recs)} entries for {len(events)}")
            for e, r in zip(events, recs):
                if r.get("SequenceNumber") and r.get("ShardId"):
                    acked[e["event_uuid"]] = r["SequenceNumber"]
                elif r.get("ErrorCode"):
                    failed += 1
                    codes[r["ErrorCode"]] = codes.get(r["ErrorCode"], 0) + 1
                else:
                    bad_answers.append(f"batch entry without SequenceNumber or ErrorCode: {r}")
            if failed != body.get("FailedRecordCount") or failed == len(events):
                bad_answers.append(f"batch 200 with FailedRecordCount "
                                   f"{body.get('FailedRecordCount')}, {failed} failed entries")
        elif (status, hdrs.get("x-amzn-errortype")) != error:
            bad_answers.append(f"{kind}: {status} {hdrs.get('x-amzn-errortype')} {body}")
        elif status == 503 and not str(hdrs.get("retry-after", "")).isdigit():
            bad_answers.append(f"503 without a Retry-After in seconds: {hdrs} {body}")

    ids = stored(client, stream)
    found = sum(1 for u in sent if u in ids)
    missing = [u for u in acked if u not in ids]
    wrong_seq = [u for u in acked if u in ids and acked[u] not in ids[u]]
    duplicates = sum(len(ids[u]) - 1 for u in sent if u in ids)
    unacked_stored = sum(1 for u in sent if u in ids and u not in acked)
    errors = sum(v for k, v in statuses.items() if k != 200)

    print(f"fault={name} sent={len(sent)} acknowledged={len(acked)} found={found} "
          f"duplicates={duplicates} stored_unacknowledged={unacked_stored} "
          f"statuses={dict(sorted(statuses.items()))} failed_entries={codes} "
          f"calls={proxy.calls} faulted_calls={proxy.faulted_calls} "
          f"slowest={slowest:.2f}s time={took:.1f}s", flush=True)

    check(not bad_answers, f"{name}: every answer is 200 with SequenceNumbers or the documented "
                           f"{error}: {bad_answers[:3]} ({len(bad_answers)})")
    # The deadline bounds every answer: a call may outlive it by 250 ms, the
    # rest is scheduling (generous for sanitizer builds).
    check(slowest < DEADLINE_MS / 1000 + SLACK_S,
          f"{name}: every client answered by its deadline + {SLACK_S}s (slowest {slowest:.2f}s)")
    check(not missing, f"{name}: every acknowledged record is in the stream "
                       f"({len(missing)} missing of {len(acked)})")
    check(not wrong_seq, f"{name}: the stored copy has the acknowledged SequenceNumber "
                         f"({len(wrong_seq)} differ)")
    # The sent records' duplicates only where an answer was lost after storing.
    check(dups_ok or duplicates == 0, f"{name}: no duplicates in the stream ({duplicates})")
    if mode == "ok":
        check(statuses == {200: len(items)}, f"{name}: all 200 without a fault ({statuses})")
        return

    check(proxy.mode_calls.get(mode, 0) > 0, f"{name}: the proxy injected the fault")
    check(statuses.get(200, 0) > 0, f"{name}: requests after the fault window succeed")
    check(errors > 0, f"{name}: requests whose deadline passed in the fault window get "
                      f"{error[0]} ({statuses})")

    # Resends: every PutRecords send of a record is either faulted by the
    # proxy (whole call, per record, or answer dropped) or accepted, and an
    # accepted record is never sent again.
    told = {}
    for table in (proxy.failed_ids, proxy.faulted, proxy.lost):
        for rid, n in table.items():
            told[rid] = told.get(rid, 0) + n
    if mode == "delay":
        # A call delayed past its deadline times out at the gateway after the
        # deadline of every record in it: none of them may be sent again.
        resent = [rid for rid, n in proxy.sends.items() if n != 1]
    else:
        resent = [rid for rid, n in proxy.sends.items()
                  if n - told.get(rid, 0) not in ((1,) if rid in acked else (0, 1))]
    check(not resent, f"{name}: only failed records are sent again "
                      f"({len(resent)} records with sends != 1 + failures)")
    if not dups_ok:
        twice = [rid for rid, n in proxy.forwarded.items() if n > 1]
        check(not twice, f"{name}: no stored record is forwarded again ({len(twice)})")
    if mode == "fail_records":
        check(len(proxy.failed_ids) > 0 and all(u in proxy.sends for u in proxy.failed_ids),
              f"{name}: the proxy failed records of PutRecords calls")

    # Healthy afterwards.
    ev = make_event("after:fault")
    status, _, body = request(gw.base, "PUT", f"/streams/{stream}/record", {"Data": ev})
    check(status == 200 and body.get("SequenceNumber"),
          f"{name}: a fresh request succeeds after the fault ({status} {body})")
    ready = None
    for _ in range(60):
        ready, _, _ = request(gw.base, "GET", "/readyz")
        if ready == 200:
            break
        time.sleep(0.1)
    check(ready == 200, f"{name}: /readyz 200 after the fault ({ready})")
    check(gw.proc.poll() is None, f"{name}: the gateway is still running")


def main():
    rnd = random.Random(20240407)
    names = ["warm"] + [f[0] for f in FAULTS] + ["cool"]
    kin = Kinesalite()
    proxy = FaultProxy(kin.endpoint)
    gw = None
    t_start = time.time()
    try:
        client = kinesis_client(kin.endpoint)
        for n in names:
            create_stream(client, stream_of(n), 2)
        streams = [{"name": stream_of(n), "stream_name": stream_of(n), "mode": "event"}
                   for n in names]
        cfg = default_config(streams, deadline_ms=DEADLINE_MS, backoff_base_ms=20,
                             backoff_max_ms=200, max_in_flight=4)
        cfg["access_log"] = False
        env = {}
        if sanitized():
            # ASan keeps freed blocks in a quarantine (256 MiB by default),
            # which would hide the baseline; leaks are LeakSanitizer's job.
            env["ASAN_OPTIONS"] = ":".join(
                o for o in (os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=1") if o)
        gw = Gateway(cfg, proxy.endpoint, extra_env=env)

        # Warm-up: the same load twice without faults, then the baseline.
        run_phase(gw, proxy, client, "warm", "ok", {}, None, False, rnd)
        run_phase(gw, proxy, client, "warm", "ok", {}, None, False, rnd)
        baseline = gw.rss_kib()
        peak = baseline
        for name, mode, settings, error, dups_ok in FAULTS:
            run_phase(gw, proxy, client, name, mode, settings, error, dups_ok, rnd)
            peak = max(peak, gw.rss_kib())
        run_phase(gw, proxy, client, "cool", "ok", {}, None, False, rnd)
        time.sleep(0.5)
        after = gw.rss_kib()
        queued = metric(gw.base, "streamgate_queue_records")
        inflight = metric(gw.base, "streamgate_inflight_calls")
        print(f"memory: baseline={baseline} KiB peak={peak} KiB after={after} KiB "
              f"(+{after - baseline} KiB); queued={queued} in_flight={inflight}", flush=True)
        check(after < baseline + RSS_MARGIN_KIB,
              f"VmRSS back near the baseline: {after} KiB vs {baseline} KiB + {RSS_MARGIN_KIB}")
        check(queued == 0 and inflight == 0,
              f"nothing queued or in flight after the load ({queued}, {inflight})")
        check(gw.stop() == 0, "the gateway exits 0 on SIGTERM")
        gw = None
    finally:
        if gw:
            gw.stop()
        proxy.close()
        kin.stop()
    print(f"total time {time.time() - t_start:.1f}s", flush=True)
    finish("test_faults_load")


if __name__ == "__main__":
    main()
