"""Against moto_server with IAM authentication on: moto checks every SigV4
signature. An IAM user and access key are created in moto; the gateway signs
with that key and its records are accepted and read back. The same gateway
with a wrong secret gets SignatureDoesNotMatch from Kinesis, which its
clients see as a clear 502.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, MotoServer, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, read_stream, request)


def iam_user(endpoint):
    import boto3
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="streamgate")
    key = iam.create_access_key(UserName="streamgate")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kinesis:*"], "Resource": "*"}]}
    iam.put_user_policy(UserName="streamgate", PolicyName="kinesis",
                        PolicyDocument=json.dumps(policy))
    return key["AccessKeyId"], key["SecretAccessKey"]


# max_in_flight=1 throughout: moto's Shard.put_record is not safe for concurrent calls.
def main():
    # Three unauthenticated calls create the user, key and policy; every call
    # after that must be signed by a known key.
    moto = MotoServer(unauthenticated_calls=3)
    gws = []
    try:
        key, secret = iam_user(moto.endpoint)
        client = kinesis_client(moto.endpoint, key, secret)
        create_stream(client, "events", 2)

        good = Gateway(default_config(max_in_flight=1), moto.endpoint, key=key, secret=secret)
        gws.append(good)
        sent = {}
        ev = make_event("account:created")
        status, _, body = request(good.base, "PUT", "/streams/events/record", {"Data": ev})
        check(status == 200 and body.get("SequenceNumber"), f"signed PutRecords accepted: {status} {body}")
        sent[ev["event_uuid"]] = ev
        batch = [make_event("lesson:started", 1712514065 + i) for i in range(50)]
        status, _, body = request(good.base, "PUT", "/streams/events/records",
                                  {"records": [{"data": e, "partition-key": "k"} for e in batch]})
        check(status == 200 and body.get("FailedRecordCount") == 0,
              f"signed batch accepted: {status} {str(body)[:200]}")
        for e in batch:
            sent[e["event_uuid"]] = e
        stored = {json.loads(r["data"])["event_uuid"] for r in read_stream(client, "events")}
        check(stored == set(sent), f"all {len(sent)} records read back ({len(stored)} found)")

        bad = Gateway(default_config(max_in_flight=1), moto.endpoint, key=key, secret=secret + "x")
        gws.append(bad)
        status, hdrs, body = request(bad.base, "PUT", "/streams/events/record",
                                     {"Data": make_event()})
        msg = body.get("message", "") if isinstance(body, dict) else ""
        check(status == 502 and "SignatureDoesNotMatch" in msg and
              hdrs.get("x-amzn-errortype") == "BadGatewayException",
              f"wrong secret -> 502 naming the cause: {status} {msg}")
        after = read_stream(client, "events")
        check(len(after) == len(sent), "nothing from the refused gateway was stored")
        for g in gws:
            check(g.stop() == 0, "gateway exits 0")
        gws.clear()
    finally:
        for g in gws:
            g.stop()
        moto.stop()
    finish("test_moto_iam")


if __name__ == "__main__":
    main()
