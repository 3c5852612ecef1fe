"""Credential rotation under load, against moto_server with IAM signature
checks on, the gateway's keys coming only from a container credentials
endpoint started here (AWS_CONTAINER_CREDENTIALS_FULL_URI on 127.0.0.1 with
AWS_CONTAINER_AUTHORIZATION_TOKEN; no AWS_ACCESS_KEY_ID in its environment).

1. Planned rotation while concurrent load runs: the endpoint answers with an
   Expiration 5 min 5 s ahead, so the gateway renews every ~5 s. A second
   IAM access key is created, the endpoint switches to it, and once the
   gateway has fetched it (counted at the endpoint) the old key is deleted
   in moto (which then refuses it). No request may fail: every answer is 200
   with a SequenceNumber and every record is read back.
2. Key revoked before the gateway's next scheduled refresh (hours away): the
   calls signed with the revoked key are refused (502, documented), the
   gateway asks the endpoint again at once (invalidate) and recovers without
   waiting for the schedule.

The gateway's log names the credential source (container) and never holds a
secret key or the authorization token.
"""
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, MotoServer, check, create_stream, default_config,  # noqa: E402
                     finish, kinesis_client, make_event, read_stream, request)

TOKEN = "sg-test-container-token-7f3a"
USER = "streamgate"
LOAD_THREADS = 8
LOAD_MAX_REQUESTS = 4000   # bound of the load, all threads together
LOAD_MAX_S = 40            # bound of the load in time


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class ContainerEndpoint:
    """Serves the current key as the ECS container credentials endpoint does,
    with a fresh Expiration on every fetch; counts fetches per key id."""

    def __init__(self):
        self.lock = threading.Lock()
        self.key = None
        self.lifetime_s = 305
        self.fetches = {}        # access key id -> fetches that served it
        self.unauthorized = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with outer.lock:
                    if self.path != "/creds" or self.headers.get("Authorization") != TOKEN:
                        outer.unauthorized += 1
                        status, body = 401, b'{"message":"unauthorized"}'
                    else:
                        key_id, secret = outer.key
                        outer.fetches[key_id] = outer.fetches.get(key_id, 0) + 1
                        status = 200
                        body = json.dumps({
                            "AccessKeyId": key_id, "SecretAccessKey": secret,
                            "Expiration": iso(time.time() + outer.lifetime_s),
                            "RoleArn": "arn:aws:iam::123456789012:role/streamgate"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/creds"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, key, lifetime_s=305):
        with self.lock:
            self.key, self.lifetime_s = key, lifetime_s

    def fetched(self, key_id):
        with self.lock:
            return self.fetches.get(key_id, 0)

    def wait_fetch(self, key_id, timeout):
        """Waits until the gateway fetched `key_id` once more than now."""
        start = self.fetched(key_id)
        end = time.time() + timeout
        while time.time() < end:
            if self.fetched(key_id) > start:
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def iam_client(endpoint, key):
    import boto3
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key[0], aws_secret_access_key=key[1])


def bootstrap(endpoint):
    """Three unauthenticated calls: the user, its policy, its first key."""
    iam = iam_client(endpoint, ("bootstrap", "bootstrap"))
    iam.create_user(UserName=USER)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kinesis:*", "iam:*"], "Resource": "*"}]}
    iam.put_user_policy(UserName=USER, PolicyName="streamgate", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=USER)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


def new_key(endpoint, signer):
    k = iam_client(endpoint, signer).create_access_key(UserName=USER)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


def key_refused(moto_endpoint, key):
    try:
        kinesis_client(moto_endpoint, key[0], key[1]).list_streams()
    except Exception as e:  # botocore ClientError
        return "InvalidClientTokenId" in str(e)
    return False


class Load:
    """LOAD_THREADS clients sending single and batch requests until stopped
    (bounded in count and time); every answer is kept."""

    def __init__(self, base):
        self.base = base
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.results = []          # (kind, events, status, body, t)
        self.count = 0
        self.threads = [threading.Thread(target=self._run, args=(i,))
                        for i in range(LOAD_THREADS)]
        self.t_end = time.time() + LOAD_MAX_S
        for t in self.threads:
            t.start()

    def _run(self, seed):
        rnd = random.Random(seed)
        while not self.stop_event.is_set() and time.time() < self.t_end:
            with self.lock:
                if self.count >= LOAD_MAX_REQUESTS:
                    return
                self.count += 1
            if rnd.random() < 0.7:
                events = [make_event("rotation:single")]
                kind, body = "record", {"Data": events[0], "PartitionKey": "pk"}
            else:
                events = [make_event("rotation:batch") for _ in range(rnd.randint(2, 4))]
                kind, body = "records", {"records": [{"data": e, "partition-key": "pk"}
                                                     for e in events]}
            try:
                status, _, answer = request(self.base, "PUT", f"/streams/events/{kind}", body,
                                            timeout=30)
            except OSError as e:
                status, answer = 0, str(e)
            with self.lock:
                self.results.append((kind, events, status, answer, time.time()))
            time.sleep(0.03)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(60)

    def acknowledged(self):
        """event_uuid -> SequenceNumber of every record answered with one."""
        out = {}
        for kind, events, status, body, _ in self.results:
            if status != 200 or not isinstance(body, dict):
                continue
            entries = [body] if kind == "record" else body.get("Records", [])
            for e, r in zip(events, entries):
                if r.get("SequenceNumber"):
                    out[e["event_uuid"]] = r["SequenceNumber"]
        return out


def all_ok(results):
    bad = []
    for kind, events, status, body, _ in results:
        if status != 200:
            bad.append((status, body))
        elif kind == "record" and not body.get("SequenceNumber"):
            bad.append((status, body))
        elif kind == "records" and (body.get("FailedRecordCount") != 0 or
                                    len(body.get("Records", [])) != len(events)):
            bad.append((status, body))
    return bad


def main():
    moto = MotoServer(unauthenticated_calls=3)
    endpoint = ContainerEndpoint()
    gw = None
    t_start = time.time()
    try:
        key1 = bootstrap(moto.endpoint)
        client = kinesis_client(moto.endpoint, *key1)
        create_stream(client, "events", 2)
        endpoint.serve(key1)
        # One PutRecords call in flight: moto's Shard.put_record is documented
        # as not safe for concurrency (two concurrent calls can be given the
        # same sequence number, and one record then overwrites the other).
        gw = Gateway(default_config([{"name": "events", "stream_name": "events"}],
                                    max_in_flight=1),
                     moto.endpoint, static_keys=False,
                     extra_env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN,
                                "AWS_EC2_METADATA_DISABLED": "true"})
        check(endpoint.fetched(key1[0]) >= 1, "the gateway fetched its first key at start")
        ev0 = make_event()
        status, _, body = request(gw.base, "PUT", "/streams/events/record", {"Data": ev0})
        check(status == 200 and body.get("SequenceNumber"),
              f"signed with the container's key: 200 ({status} {body})")
        first = {ev0["event_uuid"]: body.get("SequenceNumber")} if status == 200 else {}

        # 1. Planned rotation under load.
        load = Load(gw.base)
        time.sleep(1.5)
        key2 = new_key(moto.endpoint, key1)
        endpoint.serve(key2)
        t_switch = time.time()
        got = endpoint.wait_fetch(key2[0], timeout=15)
        t_fetched = time.time()
        check(got, f"the gateway's background refresh fetched the new key "
                   f"({t_fetched - t_switch:.1f}s after the switch)")
        time.sleep(1.5)  # calls signed just before the swap are answered
        iam_client(moto.endpoint, key2).delete_access_key(UserName=USER, AccessKeyId=key1[0])
        t_deleted = time.time()
        check(key_refused(moto.endpoint, key1), "moto refuses the deleted old key")
        # Another renewal with the new key while the load still runs.
        check(endpoint.wait_fetch(key2[0], timeout=15), "the new key is renewed again")
        time.sleep(1.0)
        load.stop()
        after_delete = sum(1 for r in load.results if r[4] > t_deleted)
        bad = all_ok(load.results)
        acked = load.acknowledged()
        acked.update(first)
        n_records = sum(len(r[1]) for r in load.results) + 1
        check(not bad, f"no request failed during the rotation ({len(bad)} of "
                       f"{len(load.results)}: {bad[:3]})")
        check(after_delete > 0, f"requests ran after the old key was deleted ({after_delete})")

        # 2. Revoked before the next scheduled refresh: invalidate() recovers.
        endpoint.serve(key2, lifetime_s=3600)
        check(endpoint.wait_fetch(key2[0], timeout=15),
              "the gateway fetched the key with a one-hour Expiration")
        key3 = new_key(moto.endpoint, key2)
        endpoint.serve(key3, lifetime_s=3600)
        iam_client(moto.endpoint, key3).delete_access_key(UserName=USER, AccessKeyId=key2[0])
        t_revoked = time.time()
        statuses, recovered = [], None
        while time.time() - t_revoked < 10:
            ev = make_event("rotation:revoked")
            status, hdrs, body = request(gw.base, "PUT", "/streams/events/record", {"Data": ev})
            statuses.append(status)
            if status == 200 and body.get("SequenceNumber"):
                acked[ev["event_uuid"]] = body["SequenceNumber"]
                recovered = time.time() - t_revoked
                break
            check(status == 502 and "InvalidClientTokenId" in str(body) and
                  hdrs.get("x-amzn-errortype") == "BadGatewayException",
                  f"a call signed with the revoked key: 502 naming the cause ({status} {body})")
            time.sleep(0.2)
        check(recovered is not None and endpoint.fetched(key3[0]) >= 1,
              f"after a refusal the gateway fetches the new key at once and recovers "
              f"({recovered} s, statuses {statuses})")

        # Read back.
        n_records += len(statuses)
        stored = {}
        for r in read_stream(kinesis_client(moto.endpoint, *key3), "events"):
            stored.setdefault(json.loads(r["data"])["event_uuid"], []).append(r["seq"])
        found = sum(1 for u in acked if acked[u] in stored.get(u, []))
        duplicates = sum(len(v) - 1 for v in stored.values())
        check(found == len(acked), f"every acknowledged record is in the stream "
                                   f"({found}/{len(acked)})")
        check(duplicates == 0, f"no duplicates ({duplicates})")
        print(f"rotation: requests={len(load.results)} sent={n_records} "
              f"acknowledged={len(acked)} found={found} duplicates={duplicates} "
              f"failed={len(bad)} after_old_key_deleted={after_delete} "
              f"new_key_fetched_after={t_fetched - t_switch:.1f}s "
              f"revoked_recovery={recovered if recovered is None else round(recovered, 2)}s "
              f"revoked_statuses={statuses} fetches={dict(endpoint.fetches)} "
              f"unauthorized={endpoint.unauthorized}", flush=True)

        check(gw.stop() == 0, "the gateway exits 0 on SIGTERM")
        log = "\n".join(gw.log_lines())
        gw = None
        lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
        loaded = [x for x in lines if x.get("msg") == "credentials loaded"]
        refreshed = [x for x in lines if x.get("msg") == "credentials refreshed"]
        check(loaded and all(x.get("source") == "container" for x in loaded + refreshed),
              f"the log names the container source ({loaded[:1]})")
        check(len(refreshed) >= 3, f"the log shows the refreshes ({len(refreshed)})")
        check(endpoint.unauthorized == 0, "every fetch carried the authorization token")
        leaked = [name for name, s in (("secret 1", key1[1]), ("secret 2", key2[1]),
                                       ("secret 3", key3[1]), ("token", TOKEN)) if s in log]
        check(not leaked, f"the log never holds a secret ({leaked})")
    finally:
        if gw:
            gw.stop()
        endpoint.close()
        moto.stop()
    print(f"total time {time.time() - t_start:.1f}s", flush=True)
    finish("test_creds_rotation")


if __name__ == "__main__":
    main()
