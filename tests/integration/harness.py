"""Shared helpers for the integration tests: real emulators, the real gateway.

Every test starts what it needs on free loopback ports and stops it again:
kinesalite (npm, pinned in the repository's package-lock.json), moto_server
(IAM auth on where a test needs signature checks), the streamgate binary
($STREAMGATE_BIN) with a temporary configuration. Nothing here mocks the
gateway or Kinesis.
"""
import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.environ.get("SG_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STREAMGATE_BIN") or os.path.join(ROOT, "build", "streamgate")

FAILURES = []
PASSES = [0]


def check(cond, what):
    """Records one assertion; the test's exit status reflects all of them."""
    if cond:
        PASSES[0] += 1
    else:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def finish(name):
    print(f"{name}: {PASSES[0]} passed, {len(FAILURES)} failed", flush=True)
    sys.exit(1 if FAILURES else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Kinesalite:
    """A kinesalite process on a free port (or on `port`)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        exe = os.path.join(ROOT, "node_modules", ".bin", "kinesalite")
        if not os.path.exists(exe):
            raise RuntimeError("kinesalite is not installed: run npm ci at the repository root")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--shardLimit", "100",
             "--createStreamMs", "0", "--deleteStreamMs", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, proc=self.proc)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class MotoServer:
    """A moto_server process on a free port. With `unauthenticated_calls` set,
    IAM authentication is on after that many calls: moto then verifies every
    SigV4 signature against the IAM keys it knows."""

    def __init__(self, unauthenticated_calls=None):
        self.port = free_port()
        env = dict(os.environ)
        env.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
        if unauthenticated_calls is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(unauthenticated_calls)
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wait_port(self.port, timeout=60, proc=self.proc)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def kinesis_client(endpoint, key="local", secret="local", token=None):
    import boto3
    from botocore.config import Config
    return boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        aws_session_token=token,
                        config=Config(retries={"max_attempts": 2}))


def create_stream(client, name, shards=2):
    client.create_stream(StreamName=name, ShardCount=shards)
    for _ in range(200):
        desc = client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if desc["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.05)
    raise RuntimeError(f"stream {name} never became ACTIVE")


def read_stream(client, name):
    """Every record in the stream, from TRIM_HORIZON of every shard."""
    out = []
    shards = client.list_shards(StreamName=name)["Shards"]
    for sh in shards:
        it = client.get_shard_iterator(StreamName=name, ShardId=sh["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            resp = client.get_records(ShardIterator=it, Limit=10000)
            for r in resp["Records"]:
                out.append({"data": r["Data"], "key": r["PartitionKey"],
                            "seq": r["SequenceNumber"], "shard": sh["ShardId"]})
            if not resp["Records"] or resp.get("MillisBehindLatest", 0) == 0:
                break
            it = resp.get("NextShardIterator")
    return out


def default_config(streams=None, **kinesis):
    k = {"region": "us-east-1", "linger_ms": 5, "max_in_flight": 4, "deadline_ms": 10000}
    k.update(kinesis)
    return {
        "listen": "127.0.0.1:0",
        "threads": 2,
        "log_level": "info",
        "kinesis": k,
        "shutdown": {"delay_ms": 0, "drain_timeout_ms": 5000},
        "streams": streams or [
            {"name": "events", "stream_name": "events", "mode": "event"},
            {"name": "raw", "stream_name": "raw", "mode": "passthrough"},
        ],
    }


class Gateway:
    """The streamgate binary with a temporary configuration file. With
    static_keys=False no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY is set, so the
    credential chain goes on to the sources extra_env configures."""

    def __init__(self, config, endpoint, key="local", secret="local", extra_env=None,
                 static_keys=True):
        self.dir = tempfile.mkdtemp(prefix="sg-it-")
        self.config_path = os.path.join(self.dir, "config.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        if static_keys:
            env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
        env.update({"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_ENDPOINT_URL_KINESIS": endpoint, "HOME": self.dir})
        env.update(extra_env or {})
        self.log_path = os.path.join(self.dir, "gateway.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "--config", self.config_path], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        self.port = self._wait_listening()
        self.base = f"http://127.0.0.1:{self.port}"

    def _wait_listening(self, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gateway exited: " + open(self.log_path).read())
            with open(self.log_path) as f:
                for line in f:
                    if '"port":' in line and "listening" in line:
                        return json.loads(line)["port"]
            time.sleep(0.05)
        raise RuntimeError("gateway did not start: " + open(self.log_path).read())

    def rss_kib(self):
        """The gateway's resident set size (VmRSS) in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS for the gateway")

    def log_lines(self):
        with open(self.log_path) as f:
            return f.read().splitlines()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.log.close()
        return rc


def request(base, method, path, body=None, headers=None, timeout=60):
    """One HTTP request; returns (status, headers dict lower-cased, parsed JSON or text)."""
    data = None
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={k: v for k, v in hdrs.items() if v is not None})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, h, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, h, raw = e.code, e.headers, e.read()
    headers_out = {k.lower(): v for k, v in h.items()}
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, headers_out, parsed


def make_event(name="payment:order:completed", created_at=1712514065, **fields):
    ev = {"event_uuid": str(uuid.uuid4()), "event_name": name, "created_at": created_at}
    ev.update(fields)
    return ev


def enriched(event_text):
    """What the gateway must store for an event sent as JSON text: the same
    members with the client's derived fields dropped, then the derived ones."""
    ev = json.loads(event_text)
    for k in ("created_datetime", "event_type", "event_subtype"):
        ev.pop(k, None)
    parts = ev["event_name"].split(":")
    secs = ev["created_at"]
    whole = int(secs)
    dt = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    if isinstance(secs, float) or "." in str(secs):
        frac = repr(secs).split(".")[1] if "." in repr(secs) else "0"
        dt += "." + (frac + "000")[:3]
    ev["created_datetime"] = dt + "Z"
    ev["event_type"] = parts[0]
    ev["event_subtype"] = parts[1] if len(parts) > 1 else None
    return ev


def run_concurrently(fn, items, threads=16):
    """Calls fn(item) for every item on `threads` threads; returns results in order."""
    results = [None] * len(items)
    idx = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = idx[0]
                idx[0] += 1
            if i >= len(items):
                return
            results[i] = fn(items[i])

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results


def b64(data):
    return base64.b64encode(data).decode()
