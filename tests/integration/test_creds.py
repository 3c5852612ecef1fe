#!/usr/bin/env python3
"""Integration tests of the credential provider (server/creds*.c).

Drives tests/unit/test_creds_http.c (built next to the unit tests) against
endpoints started here:
  * the container source: a local HTTP endpoint as AWS_CONTAINER_CREDENTIALS_FULL_URI
    with an authorization token file;
  * the web identity source: moto_server's STS (AssumeRoleWithWebIdentity) through
    AWS_ENDPOINT_URL_STS;
  * IMDSv2: a fake metadata service through AWS_EC2_METADATA_SERVICE_ENDPOINT;
  * refresh: a container endpoint that rotates keys, with Expiration ~5m10s ahead, must
    be renewed within seconds while get() keeps returning valid snapshots; a provider
    started before its credentials exist recovers; a failing refresh keeps the old keys.

The driver is found through SG_CREDS_DRIVER, else next to STREAMGATE_BIN (the
build tree). Standard library only, plus the moto_server command.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def find_driver():
    explicit = os.environ.get("SG_CREDS_DRIVER")
    if explicit:
        return explicit
    gateway = os.environ.get("STREAMGATE_BIN")
    if gateway:
        build = os.path.dirname(os.path.abspath(gateway))
        for root, _dirs, files in os.walk(build):
            if "test_creds_http" in files:
                return os.path.join(root, "test_creds_http")
    sys.exit("test_creds: set SG_CREDS_DRIVER or STREAMGATE_BIN (build tree with test_creds_http)")


DRIVER = find_driver()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeEndpoint:
    """An HTTP server on 127.0.0.1 whose answers come from `handler(method, path, headers)`,
    which returns (status, body). Every request is recorded."""

    def __init__(self, handler):
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                with outer.lock:
                    outer.requests.append((self.command, self.path, dict(self.headers)))
                    status, body = handler(self.command, self.path, self.headers)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # close() must not wait for a deliberately slow answer
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def creds_json(akid, secret, lifetime_s, token="tok-" + "x" * 40):
    return json.dumps({"Code": "Success", "AccessKeyId": akid, "SecretAccessKey": secret,
                       "Token": token, "Expiration": iso(time.time() + lifetime_s)})


class DriverRun:
    """The driver's own lines, and the JSON log lines it wrote beside them on
    stdout (the service log; `err` also holds anything on stderr)."""

    def __init__(self, out, err):
        lines = out.splitlines()
        logs = [l for l in lines if l.startswith("{")]
        self.lines = [l for l in lines if not l.startswith("{")]
        self.out = "\n".join(self.lines)
        self.err = "\n".join(logs + [err])
        self.logs = logs

    def initial(self):
        return self.lines[0] if self.lines else ""

    def rotations(self):
        return [l for l in self.lines if l.startswith("rotated ")]

    def done(self):
        m = [l for l in self.lines if l.startswith("done ")]
        return dict(kv.split("=") for kv in m[0].split()[1:]) if m else {}


class CredsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sg-creds-")
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        self.closers = []

    def tearDown(self):
        for c in reversed(self.closers):
            c()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def endpoint(self, handler):
        ep = FakeEndpoint(handler)
        self.closers.append(ep.close)
        return ep

    def run_driver(self, env, *args, timeout=60, secrets=()):
        full_env = {"PATH": os.environ.get("PATH", ""), "HOME": self.home,
                    "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        full_env.update(env)
        p = subprocess.run([DRIVER, "--env", *args], env=full_env, capture_output=True,
                           text=True, timeout=timeout)
        self.assertEqual(p.returncode, 0, p.stderr)
        for s in secrets:  # the driver prints key ids only, and logs never carry secrets
            self.assertNotIn(s, p.stdout)
            self.assertNotIn(s, p.stderr)
        run = DriverRun(p.stdout, p.stderr)
        for line in run.logs:
            json.loads(line)  # every log line is one JSON object
        return run

    # -- container -----------------------------------------------------------------------

    def test_container_full_uri_with_token_file(self):
        token_file = os.path.join(self.tmp, "auth-token")
        with open(token_file, "w") as f:
            f.write("token-A\n")
        served = []

        def handler(method, path, headers):
            if path != "/creds" or headers.get("Authorization") not in ("token-A", "token-B"):
                return 401, "no"
            served.append(headers.get("Authorization"))
            with open(token_file, "w") as f:  # the agent rotates the token
                f.write("token-B")
            return 200, creds_json("ASIACONTAINER%d" % len(served), "container-secret-%d" %
                                   len(served), 3600)

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ep.url + "/creds",
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token_file},
                              "--watch", "1500", "--invalidate-at", "300",
                              secrets=("container-secret-1", "container-secret-2"))
        self.assertRegex(run.initial(), r"^initial source=container akid=ASIACONTAINER1 "
                                        r"expires=\d{4}-.*Z token=yes$")
        self.assertEqual(served, ["token-A", "token-B"], "token file re-read on each fetch")
        self.assertEqual(len(run.rotations()), 1, run.out)
        self.assertIn("akid=ASIACONTAINER2", run.rotations()[0])
        self.assertIn('"source":"container"', run.err)
        self.assertEqual(run.done()["gaps"], "0")

    def test_container_full_uri_refused_host(self):
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds"})
        self.assertEqual(run.initial(), "initial none")
        self.assertIn("must be https", run.err)

    # -- web identity against moto ------------------------------------------------------

    def start_moto(self):
        moto = shutil.which("moto_server")
        self.assertIsNotNone(moto, "moto_server is required")
        port = free_port()
        proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.closers.append(lambda: (proc.terminate(), proc.wait(10)))
        url = "http://127.0.0.1:%d" % port
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
                return url
            except Exception:
                time.sleep(0.2)
        self.fail("moto_server did not start")

    def test_web_identity_against_moto(self):
        url = self.start_moto()
        jwt = os.path.join(self.tmp, "jwt")
        with open(jwt, "w") as f:
            f.write("eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdHJlYW1nYXRlIn0.\n")
        run = self.run_driver({"AWS_WEB_IDENTITY_TOKEN_FILE": jwt,
                               "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/streamgate",
                               "AWS_ROLE_SESSION_NAME": "sg-integration",
                               "AWS_ENDPOINT_URL_STS": url, "AWS_REGION": "us-east-1",
                               "AWS_EC2_METADATA_DISABLED": "true"})
        m = re.match(r"^initial source=web-identity akid=(\w+) expires=(\S+) token=yes$",
                     run.initial())
        self.assertIsNotNone(m, run.initial() + run.err)
        self.assertTrue(m.group(1).startswith("ASIA"), m.group(1))
        self.assertIn('"source":"web-identity"', run.err)

    # -- IMDSv2 ----------------------------------------------------------------------------

    def test_imds_v2(self):
        def handler(method, path, headers):
            if method == "PUT" and path == "/latest/api/token":
                if headers.get("X-aws-ec2-metadata-token-ttl-seconds") != "21600":
                    return 400, "ttl"
                return 200, "imds-session-token"
            if headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                return 401, "token required"
            if path == "/latest/meta-data/iam/security-credentials/":
                return 200, "gateway-role"
            if path == "/latest/meta-data/iam/security-credentials/gateway-role":
                return 200, creds_json("ASIAIMDS", "imds-secret", 6 * 3600)
            return 404, ""

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_EC2_METADATA_SERVICE_ENDPOINT": ep.url},
                              secrets=("imds-secret",))
        self.assertRegex(run.initial(), r"^initial source=imds akid=ASIAIMDS ")
        self.assertEqual([(m, p) for m, p, _h in ep.requests],
                         [("PUT", "/latest/api/token"),
                          ("GET", "/latest/meta-data/iam/security-credentials/"),
                          ("GET", "/latest/meta-data/iam/security-credentials/gateway-role")])

    def test_imds_disabled(self):
        ep = self.endpoint(lambda m, p, h: (500, ""))
        run = self.run_driver({"AWS_EC2_METADATA_SERVICE_ENDPOINT": ep.url,
                               "AWS_EC2_METADATA_DISABLED": "true"})
        self.assertEqual(run.initial(), "initial none")
        self.assertEqual(ep.requests, [])

    # -- refresh -----------------------------------------------------------------------------

    def test_refresh_before_expiration(self):
        count = [0]

        def handler(method, path, headers):
            count[0] += 1
            return 200, creds_json("ASIAROT%d" % count[0], "rot-secret-%d" % count[0], 310)

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ep.url + "/c"},
                              "--watch", "16000", secrets=("rot-secret-1", "rot-secret-2"))
        self.assertIn("akid=ASIAROT1", run.initial())
        rot = run.rotations()
        self.assertGreaterEqual(len(rot), 1, run.out + run.err)
        t = int(re.search(r"t_ms=(\d+)", rot[0]).group(1))
        # Due 5 minutes before Expiration: ~10 s after the first fetch, not at once.
        self.assertTrue(7000 <= t <= 14000, "renewed at %d ms" % t)
        self.assertIn("akid=ASIAROT2", rot[0])
        self.assertEqual(run.done()["gaps"], "0", run.out)
        self.assertLessEqual(len(ep.requests), 3, "no busy refresh loop")
        self.assertIn("credentials refreshed", run.err)

    def test_recovers_when_credentials_appear_late(self):
        count = [0]

        def handler(method, path, headers):
            count[0] += 1
            if count[0] <= 3:
                return 503, "not yet"
            return 200, creds_json("ASIALATE", "late-secret", 3600)

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ep.url + "/c"},
                              "--watch", "3000", "--backoff-ms", "100")
        self.assertEqual(run.initial(), "initial none")
        self.assertEqual(len(run.rotations()), 1, run.out)
        self.assertIn("akid=ASIALATE", run.rotations()[0])
        self.assertEqual(len(ep.requests), 4)
        self.assertIn("no credentials found", run.err)

    def test_failed_refresh_keeps_old_credentials(self):
        count = [0]

        def handler(method, path, headers):
            count[0] += 1
            if count[0] == 1:  # due for renewal ~2 s from now, then every refresh fails
                return 200, creds_json("ASIAOLD", "old-secret", 302)
            return 500, "down"

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ep.url + "/c"},
                              "--watch", "4000", "--backoff-ms", "200")
        self.assertIn("akid=ASIAOLD", run.initial())
        self.assertEqual(run.rotations(), [])
        self.assertEqual(run.done()["gaps"], "0")
        self.assertGreaterEqual(len(ep.requests), 3, "refresh retried with backoff")
        self.assertIn("credentials refresh failed", run.err)

    def test_free_interrupts_a_slow_refresh(self):
        count = [0]

        def handler(method, path, headers):
            count[0] += 1
            if count[0] == 1:  # due for renewal ~1 s from now; the renewal hangs
                return 200, creds_json("ASIASLOW", "slow-secret", 301)
            time.sleep(4)
            return 500, "late"

        ep = self.endpoint(handler)
        run = self.run_driver({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ep.url + "/c"},
                              "--watch", "2000")
        self.assertIn("akid=ASIASLOW", run.initial())
        self.assertEqual(len(ep.requests), 2, "the refresh was in flight")
        freed = int(re.search(r"freed in (\d+) ms", run.out).group(1))
        self.assertLess(freed, 1000, "free() aborted the transfer instead of waiting it out")


if __name__ == "__main__":
    unittest.main(verbosity=2)
