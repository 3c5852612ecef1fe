"""API keys, rate limits, CORS and SIGHUP reload, with the real gateway on
kinesalite:

  - missing / wrong keys and keys not allowed on a stream: 403 Forbidden;
  - a key's token bucket: exactly `burst` requests pass a burst, the rest get
    429 Too Many Requests with Retry-After;
  - CORS preflight answered without a key, Access-Control-Allow-Origin on
    answers (errors included) for allowed origins only;
  - SIGHUP: a new key works and a removed one stops, on a connection kept
    open across the reload; a broken file is refused and the old rules stay;
  - `streamgate hash-key` prints the SHA-256 the configuration stores.
"""
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (BIN, Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, request)

KEY_A = "alpha-key-0123456789abcdef"
KEY_B = "bravo-key-0123456789abcdef"
KEY_C = "charlie-key-0123456789abcd"
ORIGIN = "https://app.example.com"


def sha(k):
    return hashlib.sha256(k.encode()).hexdigest()


def config(keys):
    cfg = default_config()
    cfg["api_keys"] = {"required": True, "keys": keys}
    cfg["cors"] = {"allow_origins": [ORIGIN], "max_age_s": 600}
    return cfg


def put(base, key=None, stream="events", origin=None):
    headers = {}
    if key is not None:
        headers["x-api-key"] = key
    if origin:
        headers["Origin"] = origin
    return request(base, "PUT", f"/streams/{stream}/record", {"Data": make_event(),
                                                               "PartitionKey": "k"}, headers)


def test_keys(base):
    for key, want, why in ((None, 403, "missing key"), ("wrong-key-0123456789", 403, "wrong key"),
                           (KEY_A, 200, "valid key"), (KEY_B, 403, "key not allowed on stream")):
        status, hdrs, body = put(base, key)
        check(status == want, f"{why}: {status} (want {want})")
        if want == 403:
            check(body == {"message": "Forbidden"} and
                  hdrs.get("x-amzn-errortype") == "ForbiddenException",
                  f"{why}: API Gateway's 403 body ({body})")
    status, _, _ = put(base, KEY_B, stream="raw")
    check(status == 200, f"key B allowed on raw ({status})")


def test_rate_limit(base):
    # Key C: rate 1/s, burst 5. 12 requests in a burst: 5 pass, 7 get 429.
    statuses = [put(base, KEY_C)[:2] for _ in range(12)]
    ok = sum(1 for s, _ in statuses if s == 200)
    limited = [(s, h) for s, h in statuses if s == 429]
    check(ok == 5 and len(limited) == 7, f"burst of 12 at burst 5: {ok} passed, "
                                         f"{len(limited)} got 429")
    check(all(h.get("retry-after") for _, h in limited), "429 carries Retry-After")
    time.sleep(2.2)
    check(put(base, KEY_C)[0] == 200, "the bucket refills at its rate")


def test_cors(base):
    status, hdrs, _ = request(base, "OPTIONS", "/streams/events/record", None,
                              {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
                               "Content-Type": None})
    check(status == 200 and hdrs.get("access-control-allow-origin") == ORIGIN and
          "PUT" in hdrs.get("access-control-allow-methods", "") and
          "x-api-key" in hdrs.get("access-control-allow-headers", "").lower(),
          f"preflight answered without a key ({status} {hdrs})")
    status, hdrs, _ = put(base, KEY_A, origin=ORIGIN)
    check(status == 200 and hdrs.get("access-control-allow-origin") == ORIGIN,
          "allowed origin gets Access-Control-Allow-Origin")
    status, hdrs, _ = put(base, None, origin=ORIGIN)
    check(status == 403 and hdrs.get("access-control-allow-origin") == ORIGIN,
          "errors carry CORS headers too, so browsers can read them")
    status, hdrs, _ = put(base, KEY_A, origin="https://evil.example.com")
    check("access-control-allow-origin" not in hdrs, "other origins get no CORS grant")


def test_reload(gw):
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)

    def put_conn(key):
        conn.request("PUT", "/streams/events/record", json.dumps({"Data": make_event()}),
                     {"Content-Type": "application/json", "x-api-key": key})
        r = conn.getresponse()
        r.read()
        return r.status

    check(put_conn(KEY_A) == 200, "before reload: key A works on a kept-alive connection")
    cfg = json.load(open(gw.config_path))
    cfg["api_keys"]["keys"] = [{"id": "bravo", "sha256": sha(KEY_B), "streams": ["*"]}]
    with open(gw.config_path, "w") as f:
        json.dump(cfg, f)
    gw.proc.send_signal(signal.SIGHUP)
    time.sleep(0.6)
    check(put_conn(KEY_B) == 200, "after reload: the new key B works (same connection)")
    check(put_conn(KEY_A) == 403, "after reload: the removed key A is refused")
    with open(gw.config_path, "w") as f:
        f.write('{"streams": [ broken')
    gw.proc.send_signal(signal.SIGHUP)
    time.sleep(0.6)
    check(put_conn(KEY_B) == 200, "a broken file is refused: the old keys stay")
    conn.close()
    log = "\n".join(gw.log_lines())
    check("reload refused" in log, "the refused reload is logged")
    check(KEY_A not in log and KEY_B not in log, "API keys never appear in the log")
    check(gw.proc.poll() is None, "the gateway kept running through reloads")


def test_hash_key():
    out = subprocess.run([BIN, "hash-key"], input=KEY_A.encode(), capture_output=True)
    check(out.returncode == 0 and out.stdout.decode().strip() == sha(KEY_A),
          "hash-key prints the SHA-256 of the key read from standard input")


def test_ops_port(endpoint):
    """With ops_listen set, /metrics moves to the operations port; health
    checks answer on both."""
    from harness import free_port
    cfg = default_config()
    ops = free_port()
    cfg["ops_listen"] = f"127.0.0.1:{ops}"
    gw = Gateway(cfg, endpoint)
    try:
        ops_base = f"http://127.0.0.1:{ops}"
        status, _, body = request(ops_base, "GET", "/metrics")
        check(status == 200 and "streamgate_http_responses_total" in str(body) and
              "streamgate_credential_loads_total" in str(body),
              f"/metrics on the operations port ({status})")
        check(request(gw.base, "GET", "/metrics")[0] == 404, "not on the traffic port")
        check(request(ops_base, "GET", "/healthz")[0] == 200 and
              request(gw.base, "GET", "/healthz")[0] == 200, "/healthz on both ports")
        check(request(ops_base, "PUT", "/streams/events/record",
                      {"Data": make_event()})[0] == 404, "no ingest on the operations port")
    finally:
        gw.stop()


def main():
    kin = Kinesalite()
    gw = None
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 2)
        create_stream(client, "raw", 1)
        keys = [{"id": "alpha", "sha256": sha(KEY_A), "streams": ["events"]},
                {"id": "bravo", "sha256": sha(KEY_B), "streams": ["raw"]},
                {"id": "charlie", "sha256": sha(KEY_C), "streams": ["*"], "rate": 1, "burst": 5}]
        gw = Gateway(config(keys), kin.endpoint)
        test_keys(gw.base)
        test_rate_limit(gw.base)
        test_cors(gw.base)
        test_reload(gw)
        test_hash_key()
        test_ops_port(kin.endpoint)
        access = [json.loads(line) for line in gw.log_lines() if '"type":"access"' in line]
        check(any(a.get("apiKeyId") == "alpha" for a in access),
              "the access log names the API key id")
        check(gw.stop() == 0, "gateway exits 0")
        gw = None
    finally:
        if gw:
            gw.stop()
        kin.stop()
    finish("test_access")


if __name__ == "__main__":
    main()
