"""Graceful shutdown under load: SIGTERM turns /readyz 503 first, the
listener closes after shutdown.delay_ms, queued and in-flight records are
flushed, every client that got its request in is answered, the process exits
0, and every acknowledged record is in the stream. A second SIGTERM exits at
once.
"""
import http.client
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from faultproxy import FaultProxy  # noqa: E402
from harness import (Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, read_stream, request)


def client_loop(port, stop, results, lock):
    """Sends single records until told to stop or refused; records outcomes."""
    for _ in range(2000):
        if stop.is_set():
            return
        ev = make_event("session:started")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("PUT", "/streams/events/record", json.dumps({"Data": ev}),
                         {"Content-Type": "application/json"})
        except ConnectionRefusedError:
            with lock:
                results["refused"] += 1
            return
        except OSError:
            with lock:
                results["send_error"] += 1
            return
        try:
            resp = conn.getresponse()
            body = json.loads(resp.read() or b"{}")
            with lock:
                results["status"][resp.status] = results["status"].get(resp.status, 0) + 1
                if resp.status == 200:
                    if body.get("SequenceNumber"):
                        results["acked"].append(ev["event_uuid"])
                    else:
                        results["ok_without_seq"] += 1
        except (http.client.HTTPException, OSError) as e:
            # The request was sent but no answer came back: the one thing a
            # graceful shutdown must never do.
            with lock:
                results["unanswered"].append(repr(e))
        finally:
            conn.close()


def scenario_drain(kin, client):
    # Slow Kinesis (300 ms per call) so that records are in flight at SIGTERM.
    proxy = FaultProxy(kin.endpoint)
    proxy.set("delay", delay_s=0.3)
    cfg = default_config(linger_ms=20)
    cfg["shutdown"] = {"delay_ms": 1000, "drain_timeout_ms": 8000}
    gw = Gateway(cfg, proxy.endpoint)
    results = {"status": {}, "acked": [], "unanswered": [], "refused": 0, "send_error": 0,
               "ok_without_seq": 0}
    lock, stop = threading.Lock(), threading.Event()
    threads = [threading.Thread(target=client_loop, args=(gw.port, stop, results, lock))
               for _ in range(24)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        t0 = time.time()
        gw.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        status, _, body = request(gw.base, "GET", "/readyz")
        check(status == 503 and "shutting down" in json.dumps(body),
              f"/readyz turns 503 at SIGTERM ({status} {body})")
        status, hdrs, body = request(gw.base, "GET", "/metrics")
        check(status == 200 and "streamgate_ready 0" in body
              and hdrs.get("connection", "").lower() == "close",
              f"/metrics while draining: not ready, Connection: close ({status} {hdrs})")
        rc = gw.proc.wait(20)
        took = time.time() - t0
        stop.set()
        for t in threads:
            t.join(30)
        gw.log.close()
        check(rc == 0, f"exit code 0 after draining (got {rc})")
        check(took < 10, f"exits within the drain time-out ({took:.1f}s)")
        check(not results["unanswered"],
              f"every sent request was answered ({results['unanswered'][:3]})")
        check(results["ok_without_seq"] == 0, "no 200 without a SequenceNumber")
        stored = {json.loads(r["data"])["event_uuid"] for r in read_stream(client, "events")}
        missing = [u for u in results["acked"] if u not in stored]
        print(f"shutdown: acknowledged {len(results['acked'])}, found "
              f"{len(results['acked']) - len(missing)}, statuses {results['status']}, refused "
              f"after close {results['refused']}, drained in {took:.1f}s", flush=True)
        check(len(results["acked"]) > 20, "load was flowing before SIGTERM")
        check(not missing, f"no acknowledged record lost ({len(missing)} missing)")
        check(set(results["status"]) <= {200, 503}, f"only 200/503 answers: {results['status']}")
    finally:
        stop.set()
        if gw.proc.poll() is None:
            gw.proc.kill()
        proxy.close()


def scenario_second_signal(kin):
    proxy = FaultProxy(kin.endpoint)
    proxy.set("hang")
    cfg = default_config(deadline_ms=20000)
    cfg["shutdown"] = {"delay_ms": 0, "drain_timeout_ms": 20000}
    gw = Gateway(cfg, proxy.endpoint)
    try:
        def stalled_client():
            try:  # the process is killed under it: no answer is expected here
                request(gw.base, "PUT", "/streams/events/record", {"Data": make_event()},
                        timeout=30)
            except OSError:
                pass

        waiter = threading.Thread(target=stalled_client)
        waiter.start()
        time.sleep(0.5)
        gw.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        check(gw.proc.poll() is None, "first SIGTERM: still draining a stalled record")
        t0 = time.time()
        gw.proc.send_signal(signal.SIGTERM)
        gw.proc.wait(5)
        check(time.time() - t0 < 2, "second SIGTERM exits at once")
        waiter.join(30)
    finally:
        if gw.proc.poll() is None:
            gw.proc.kill()
        gw.log.close()
        proxy.close()


def main():
    kin = Kinesalite()
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        scenario_drain(kin, client)
        scenario_second_signal(kin)
    finally:
        kin.stop()
    finish("test_shutdown")


if __name__ == "__main__":
    main()
