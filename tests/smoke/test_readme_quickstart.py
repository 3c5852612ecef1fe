"""The README's quick start, run as a new user runs it.

Starts `bash scripts/run-local.sh` itself (on free ports given through
KINESIS_PORT / GATEWAY_PORT, its lake in a temporary directory), waits for its
"ready" line, then follows the README, taken from README.md itself: the
"Query your events" section's commands, then each of its `scripts/lake.sh
query` examples until the local lake answers exactly the output the README
shows; then every curl example of the "HTTP API" section, each answer checked
against the status and JSON that the README shows next to it. It reads the
records back from the emulator and compares the stored bytes with the README's
"stored" example, then stops the script with SIGTERM and checks that no
process it started is left.

Nothing here knows the examples: change the README and this test follows it,
break run-local.sh (a wrong stream name, a failed creation) and it fails.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
from harness import check, finish  # noqa: E402

README_PORT = "127.0.0.1:8080"
READY_TIMEOUT_S = 600  # the first run builds the gateway


def readme_section(text, heading):
    """The text of one '## ' section of the README, without its heading."""
    m = re.search(r"^## " + re.escape(heading) + r"\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        raise RuntimeError(f"README has no '## {heading}' section")
    return m.group(1)


def fenced_blocks(section):
    """(language, body, text before the block) for each fenced block, in order."""
    out, pos = [], 0
    for m in re.finditer(r"^```(\w*)\n(.*?)^```\n", section, re.S | re.M):
        out.append((m.group(1), m.group(2), section[pos:m.start()]))
        pos = m.end()
    return out


def examples(section):
    """Each curl example with the status, x-amzn-ErrorType (or None) and JSON
    the README says it answers, plus the 'stored' record example."""
    blocks = fenced_blocks(section)
    pairs, stored = [], None
    for i, (lang, body, before) in enumerate(blocks):
        if lang == "json" and "stored in Kinesis" in before:
            stored = body.strip()
        if lang != "sh" or not body.lstrip().startswith("curl"):
            continue
        if i + 1 >= len(blocks) or blocks[i + 1][0] != "json":
            raise RuntimeError("a curl example has no JSON answer after it:\n" + body)
        status = re.search(r"`(\d{3}) [A-Za-z ]+`", blocks[i + 1][2])
        if not status:
            raise RuntimeError("a curl example's answer has no `NNN Reason` status:\n" + body)
        error_type = re.search(r"`x-amzn-ErrorType: (\w+)`", blocks[i + 1][2])
        pairs.append((body, int(status.group(1)), error_type and error_type.group(1),
                      json.loads(blocks[i + 1][1])))
    return pairs, stored


def lake_examples(section):
    """The commands to send, and each (SQL, expected output) the README shows."""
    blocks = fenced_blocks(section)
    send = next(body for lang, body, _ in blocks if lang == "sh")
    shown = next(body for lang, body, _ in blocks if lang == "" and "$ scripts/lake.sh query" in body)
    queries = []
    for m in re.finditer(r'^\$ scripts/lake\.sh query "(.*?)"\n(.*?)(?=^\$ |\Z)', shown, re.S | re.M):
        queries.append((m.group(1), m.group(2).strip()))
    return send, queries


def check_lake(section, gateway_port, lake_dir):
    send, queries = lake_examples(section)
    check(len(queries) >= 2, f"Query your events shows queries ({len(queries)})")
    out = subprocess.run(["bash", "-c", send.replace(README_PORT, f"127.0.0.1:{gateway_port}")],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0 and out.stdout.count("SequenceNumber") >= 4,
          f"the lake section's events are acknowledged: {out.stdout[:300]}")
    for sql, want in queries:
        got, deadline = None, time.time() + 60
        while time.time() < deadline:
            q = subprocess.run(["bash", "scripts/lake.sh", "--lake", lake_dir, "query", sql],
                               cwd=harness.ROOT, capture_output=True, text=True, timeout=60)
            got = q.stdout.strip()
            if got == want:
                break
            time.sleep(1)
        check(got == want, f"lake.sh query answers as README shows:\n{sql}\n{got}\n!=\n{want}")


def same_shape(expected, actual, path="$"):
    """Problems where `actual` differs from the README's `expected`: the same
    members in the same order and the same values, except that sequence
    numbers and shard ids need only have Kinesis' form."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or list(actual) != list(expected):
            return [f"{path}: members {list(actual) if isinstance(actual, dict) else actual}"
                    f" instead of {list(expected)}"]
        return [p for k in expected for p in same_shape(expected[k], actual[k], f"{path}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: {actual!r} instead of {len(expected)} entries"]
        return [p for i, (e, a) in enumerate(zip(expected, actual))
                for p in same_shape(e, a, f"{path}[{i}]")]
    if path.endswith(".SequenceNumber"):
        return [] if isinstance(actual, str) and re.fullmatch(r"\d{20,}", actual) else \
            [f"{path}: {actual!r} is not a sequence number"]
    if path.endswith(".ShardId"):
        return [] if isinstance(actual, str) and re.fullmatch(r"shardId-\d{12}", actual) else \
            [f"{path}: {actual!r} is not a shard id"]
    return [] if expected == actual else [f"{path}: {actual!r} instead of {expected!r}"]


def run_example(cmd, gateway_port, workdir):
    """Runs one README command through bash as a user pastes it; returns
    (status, headers text, parsed body)."""
    cmd = cmd.replace(README_PORT, f"127.0.0.1:{gateway_port}").rstrip()
    hdr = os.path.join(workdir, "headers")
    out = subprocess.run(["bash", "-c", cmd + f" -D {hdr} -w '\\n%{{http_code}}'"],
                         capture_output=True, text=True, timeout=60)
    body, _, status = out.stdout.rpartition("\n")
    with open(hdr) as f:
        headers = f.read()
    return int(status), headers, json.loads(body)


class RunLocal:
    """scripts/run-local.sh in its own session, its output collected."""

    def __init__(self, kinesis_port, gateway_port, lake_dir):
        env = dict(os.environ, KINESIS_PORT=str(kinesis_port), GATEWAY_PORT=str(gateway_port),
                   STREAMGATE_LAKE_DIR=lake_dir)
        for k in ("STREAMGATE_LISTEN", "AWS_ENDPOINT_URL_KINESIS", "AWS_ENDPOINT_URL"):
            env.pop(k, None)
        self.proc = subprocess.Popen(["bash", "scripts/run-local.sh"], cwd=harness.ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if "streamgate ready on" in line:
                self.ready.set()
        self.ready.set()

    def wait_ready(self, timeout):
        self.ready.wait(timeout)
        return self.proc.poll() is None and any("streamgate ready on" in x for x in self.lines)

    def group_alive(self):
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self):
        """SIGTERM to the script alone, as `kill PID` does: it must stop its children."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        finally:
            deadline = time.time() + 10
            while self.group_alive() and time.time() < deadline:
                time.sleep(0.1)


def main():
    with open(os.path.join(harness.ROOT, "README.md")) as f:
        readme = f.read()
    pairs, stored = examples(readme_section(readme, "HTTP API"))
    check(len(pairs) >= 2, f"the HTTP API section has curl examples ({len(pairs)} found)")
    check(stored is not None, "the HTTP API section shows the stored record")

    kinesis_port, gateway_port = harness.free_port(), harness.free_port()
    workdir = tempfile.mkdtemp(prefix="sg-smoke-")
    lake_dir = os.path.join(workdir, "lake")
    run = RunLocal(kinesis_port, gateway_port, lake_dir)
    try:
        ready = run.wait_ready(READY_TIMEOUT_S)
        check(ready, "run-local.sh printed its ready line and kept running")
        if not ready:
            print("\n".join(run.lines[-40:]))
            return
        status, _, body = harness.request(f"http://127.0.0.1:{gateway_port}", "GET", "/readyz")
        check(status == 200, f"/readyz answers 200 once the ready line is out ({status} {body})")

        # First the lake section, on an empty lake: its outputs count only its events.
        check_lake(readme_section(readme, "Query your events"), gateway_port, lake_dir)

        for cmd, want_status, want_error_type, want_body in pairs:
            status, headers, body = run_example(cmd, gateway_port, workdir)
            first = cmd.strip().splitlines()[0]
            check(status == want_status, f"{first}: status {status}, README says {want_status}")
            check(re.search(r"(?im)^x-amzn-RequestId: [0-9a-f-]{36}\r?$", headers) is not None,
                  f"{first}: x-amzn-RequestId header")
            if want_error_type:
                check(re.search(r"(?im)^x-amzn-ErrorType: " + want_error_type + r"\r?$", headers)
                      is not None, f"{first}: x-amzn-ErrorType {want_error_type} as README says")
            problems = same_shape(want_body, body)
            check(not problems, f"{first}: answer as README shows: {problems} (got {body})")

        client = harness.kinesis_client(f"http://127.0.0.1:{kinesis_port}")
        records = harness.read_stream(client, "events")
        want_uuid = json.loads(stored)["event_uuid"]
        matching = [r["data"] for r in records if json.loads(r["data"]).get("event_uuid") == want_uuid]
        check(len(matching) == 1, f"the README's event is stored once ({len(matching)} copies)")
        if matching:
            got = matching[0].decode()
            check(got == stored, f"stored bytes equal the README's example:\n  {got}\n  {stored}")
    finally:
        rc = run.stop()
        check(rc in (0, 143), f"run-local.sh exits cleanly on SIGTERM (status {rc})")
        check(not run.group_alive(), "no process started by run-local.sh is left")
        shutil.rmtree(workdir, ignore_errors=True)
        for port in (kinesis_port, gateway_port):
            try:
                harness.wait_port(port, timeout=0.3)
                check(False, f"port {port} is free after the stop")
            except RuntimeError:
                check(True, f"port {port} is free after the stop")


if __name__ == "__main__":
    try:
        main()
    finally:
        finish("smoke_readme_quickstart")
