"""A scripted fault-injecting proxy between the gateway and a Kinesis emulator.

The emulators never throttle, fail records or stall, so tests put this proxy
in front of kinesalite and tell it what to do with each PutRecords call:

  ok            forward unchanged
  status        answer `status` with a JSON-1.1 error body of type `error_type`
  fail_records  forward only the records not chosen to fail; answer the chosen
                ones with ErrorCode `error_type` (FailedRecordCount > 0)
  delay         wait `delay_s`, then forward (the gateway may have given up)
  hang          read the request and never answer
  reset         close the connection without answering (TCP RST)
  reset_after   forward, then close the connection without answering (TCP
                RST): the records are stored but the gateway sees a failure
  refuse_marked refuse (400, `error_type`, `message`) every call holding a
                record whose data contains `marker`, as Kinesis refuses a
                whole call for one record it finds invalid; forward the rest

A fault applies to the next `count` calls (None: until changed), or, with
set_window(), to every call for the next `seconds`. Every forwarded record's
event_uuid (or raw data) is counted, so tests can tell which records were
sent how many times: `sends` (received), `forwarded` (passed to the
emulator), `failed_ids` (answered with a per-record ErrorCode), `faulted`
(in a call answered with a whole-call fault: status, reset, hang) and `lost`
(forwarded, then the answer was dropped: reset_after). Runs in the test's
process.
"""
import base64
import http.server
import json
import socket
import socketserver
import struct
import threading
import time
import urllib.request


class FaultProxy:
    def __init__(self, upstream):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.mode = "ok"
        self.count = None
        self.status = 500
        self.error_type = "InternalFailure"
        self.fail_every = 2          # fail_records: records at index % fail_every == 0
        self.fail_select = None      # fail_records: or fail_select(record_id, index) -> bool
        self.delay_s = 0.0
        self.marker = b""             # refuse_marked: bytes that make a record refused
        self.message = ""             # refuse_marked: the error's message
        self.calls = 0
        self.faulted_calls = 0
        self.sends = {}               # record id -> times received by the proxy
        self.forwarded = {}           # record id -> times forwarded to the emulator
        self.failed_ids = {}          # record id -> times answered with an ErrorCode
        self.faulted = {}             # record id -> times in a whole-call fault (no forward)
        self.lost = {}                # record id -> times forwarded, answer dropped
        self.until = None             # set_window(): monotonic end of the fault
        self.mode_calls = {}          # mode -> calls that got it
        self.active = 0               # requests being handled now
        self.stop_event = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                with proxy.lock:
                    proxy.active += 1
                try:
                    proxy._handle(self)
                finally:
                    with proxy.lock:
                        proxy.active -= 1

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a gateway that gave up on a delayed answer closed its end

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set(self, mode, count=None, **kw):
        with self.lock:
            self.mode, self.count, self.until = mode, count, None
            for k, v in kw.items():
                setattr(self, k, v)

    def set_window(self, mode, seconds, **kw):
        """Applies `mode` to every PutRecords call for the next `seconds`."""
        with self.lock:
            self.mode, self.count = mode, None
            self.until = time.monotonic() + seconds
            for k, v in kw.items():
                setattr(self, k, v)

    def reset_counters(self):
        with self.lock:
            self.calls = self.faulted_calls = 0
            for t in (self.sends, self.forwarded, self.failed_ids, self.faulted, self.lost,
                      self.mode_calls):
                t.clear()

    def close(self):
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()

    # -- internals ---------------------------------------------------------

    def _take_mode(self):
        with self.lock:
            self.calls += 1
            if self.until is not None and time.monotonic() >= self.until:
                self.mode, self.count, self.until = "ok", None, None
            mode = self.mode
            self.mode_calls[mode] = self.mode_calls.get(mode, 0) + 1
            if mode != "ok":
                self.faulted_calls += 1
                if self.count is not None:
                    self.count -= 1
                    if self.count <= 0:
                        self.mode, self.count = "ok", None
            return mode

    @staticmethod
    def record_id(rec):
        data = base64.b64decode(rec["Data"])
        try:
            return json.loads(data).get("event_uuid") or data.decode()
        except (ValueError, AttributeError):
            return data.decode(errors="replace")

    def _count(self, table, recs):
        with self.lock:
            for r in recs:
                rid = self.record_id(r)
                table[rid] = table.get(rid, 0) + 1

    def _forward(self, headers, body):
        req = urllib.request.Request(self.upstream + "/", data=body, method="POST",
                                     headers={k: v for k, v in headers.items()
                                              if k.lower() in ("content-type", "x-amz-target",
                                                               "authorization", "x-amz-date")})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()

    def _reply(self, h, status, body):
        h.send_response(status)
        h.send_header("Content-Type", "application/x-amz-json-1.1")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h):
        body = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        target = h.headers.get("X-Amz-Target", "")
        if not target.endswith(".PutRecords"):
            status, out = self._forward(dict(h.headers), body)
            return self._reply(h, status, out)
        req = json.loads(body)
        self._count(self.sends, req["Records"])
        mode = self._take_mode()
        if mode in ("hang", "reset", "status"):
            self._count(self.faulted, req["Records"])
        if mode == "hang":
            self.stop_event.wait(120)
            return
        if mode == "reset":
            return self._reset(h)
        if mode == "reset_after":
            self._count(self.forwarded, req["Records"])
            self._count(self.lost, req["Records"])
            self._forward(dict(h.headers), body)
            return self._reset(h)
        if mode == "status":
            err = json.dumps({"__type": self.error_type, "message": "injected " + self.error_type})
            return self._reply(h, self.status, err.encode())
        if mode == "refuse_marked" and any(self.marker in base64.b64decode(r["Data"])
                                           for r in req["Records"]):
            with self.lock:
                self.refused_calls = getattr(self, "refused_calls", 0) + 1
            err = json.dumps({"__type": self.error_type, "message": self.message},
                             ensure_ascii=False)
            return self._reply(h, 400, err.encode())
        if mode == "delay":
            time.sleep(self.delay_s)
        if mode == "fail_records":
            return self._partial(h, req)
        self._count(self.forwarded, req["Records"])
        status, out = self._forward(dict(h.headers), body)
        self._reply(h, status, out)

    @staticmethod
    def _reset(h):
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def _partial(self, h, req):
        recs = req["Records"]
        if self.fail_select is not None:
            fail = [bool(self.fail_select(self.record_id(r), i)) for i, r in enumerate(recs)]
        else:
            fail = [i % self.fail_every == 0 for i in range(len(recs))]
        keep = [r for r, f in zip(recs, fail) if not f]
        results = []
        if keep:
            sub = dict(req, Records=keep)
            self._count(self.forwarded, keep)
            _, out = self._forward(dict(h.headers), json.dumps(sub).encode())
            results = json.loads(out)["Records"]
        merged, it = [], iter(results)
        with self.lock:
            for r, f in zip(recs, fail):
                if f:
                    rid = self.record_id(r)
                    self.failed_ids[rid] = self.failed_ids.get(rid, 0) + 1
                    merged.append({"ErrorCode": self.error_type,
                                   "ErrorMessage": "injected per-record failure"})
                else:
                    merged.append(next(it))
        out = {"FailedRecordCount": sum(fail), "Records": merged}
        self._reply(h, 200, json.dumps(out).encode())


class Blackhole:
    """Accepts connections and never answers (a Kinesis that stalls)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
