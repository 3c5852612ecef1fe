"""Slow clients against a running gateway, and a well-behaved client timed
beside them (issue 19). Used by loadtest/slow_clients/run.py (10,000+
connections) and, scaled down, by tests/integration/test_slow_clients.py.

Three kinds of attacker connection, each reopened as soon as the gateway
closes it, for as long as the run lasts:
  - slow head: a request line and Host, then one more header byte every
    `interval` seconds (never the empty line);
  - slow body: a whole head declaring a body, then one body byte every
    `interval` seconds;
  - silent: connects and sends nothing.
The good client opens a fresh connection for each request (a new client
arriving while the gateway is full) and sends one valid PUT .../record.
Traffic goes to 127.0.0.1 only.
"""
import asyncio
import json
import multiprocessing
import resource
import socket
import time
import uuid

HEAD = b"PUT /streams/events/record HTTP/1.1\r\nHost: x\r\n"


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Stats:
    def __init__(self):
        self.opened = {"head": 0, "body": 0, "silent": 0}
        self.closed_by_server = {"head": 0, "body": 0, "silent": 0}
        self.open_now = {"head": 0, "body": 0, "silent": 0}
        self.connect_errors = 0


async def attacker(kind, port, interval, stop, stats):
    while not stop.is_set():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats.connect_errors += 1
            await asyncio.sleep(0.2)
            continue
        stats.opened[kind] += 1
        stats.open_now[kind] += 1
        try:
            if kind == "head":
                w.write(HEAD)
            elif kind == "body":
                w.write(HEAD + b"Content-Type: application/json\r\n"
                        b"Content-Length: 1000000\r\n\r\n{")
            await w.drain()
            while not stop.is_set():
                try:
                    data = await asyncio.wait_for(r.read(4096), timeout=interval)
                except asyncio.TimeoutError:
                    if kind == "head":
                        w.write(b"X")
                    elif kind == "body":
                        w.write(b" ")
                    await w.drain()
                    continue
                if not data:
                    stats.closed_by_server[kind] += 1
                    break
        except (OSError, ConnectionError):
            stats.closed_by_server[kind] += 1
        finally:
            stats.open_now[kind] -= 1
            w.close()


def good_request(port, timeout=10.0):
    """One valid PUT on a fresh connection: (status or None, seconds)."""
    body = json.dumps({"Data": {"event_uuid": str(uuid.uuid4()),
                                "event_name": "slow:good",
                                "created_at": int(time.time())}}).encode()
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"PUT /streams/events/record HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nConnection: close\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            buf = b""
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    return None, time.monotonic() - t0
                buf += chunk
            return int(buf.split(b" ")[1]), time.monotonic() - t0
    except OSError:
        return None, time.monotonic() - t0


def _good_loop(port, good_every, stop, sample, conn):
    """The well-behaved client, in its own process: the attackers' event
    loop holds the GIL of theirs, which would otherwise be timed too."""
    good, samples = [], []
    while not stop.is_set():
        good.append(good_request(port))
        if sample:
            samples.append(sample())
        stop.wait(good_every)
    conn.send((good, samples))
    conn.close()


def run(port, heads, bodies, silent, duration, interval=2.0, good_every=0.2, ramp=None,
        sample=None):
    """Runs the attackers for `duration` seconds (after connecting them all,
    spread over `ramp` seconds), with a good request every `good_every`
    seconds from the moment the attackers start. `sample()`, if given, is
    called after each good request (e.g. to read the gateway's RSS).
    Returns a dict."""
    stats = Stats()
    ctx = multiprocessing.get_context("fork")
    stop_good = ctx.Event()
    rx, tx = ctx.Pipe(duplex=False)

    async def main():
        stop = asyncio.Event()
        tasks = []
        kinds = ["head"] * heads + ["body"] * bodies + ["silent"] * silent
        step = (ramp or 0) / max(1, len(kinds))
        for i, k in enumerate(kinds):
            tasks.append(asyncio.create_task(attacker(k, port, interval, stop, stats)))
            if step and i % 100 == 99:
                await asyncio.sleep(step * 100)
        await asyncio.sleep(1)
        proc = ctx.Process(target=_good_loop, args=(port, good_every, stop_good, sample, tx))
        proc.start()
        await asyncio.sleep(duration)
        stop_good.set()
        result = await asyncio.to_thread(rx.recv)
        await asyncio.to_thread(proc.join)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return result

    good, samples = asyncio.run(main())
    lat = sorted(x[1] for x in good)
    return {
        "good": good,
        "good_ok": sum(1 for s, _ in good if s == 200),
        "good_max_s": lat[-1] if lat else None,
        "good_p50_s": lat[len(lat) // 2] if lat else None,
        "good_p99_s": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None,
        "opened": stats.opened,
        "closed_by_server": stats.closed_by_server,
        "connect_errors": stats.connect_errors,
        "samples": samples,
    }
