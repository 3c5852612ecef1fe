"""The event catalog with the real gateway on kinesalite:

  - an event of a catalog type is stored (read back from the stream); one
    that breaks its schema gets 400 with the message naming type, path and
    rule on /record, and its own InvalidEvent entry on /records while the
    valid records of the batch are stored; an unknown type and a created_at
    outside the window are refused;
  - SIGHUP reloads the catalog (here also moved to a directory named
    relative to the configuration file): a type added to it is accepted at
    once, on a connection kept open across the reload;
  - a catalog that does not load is refused at reload with a log line
    naming the file, the JSON path and the reason, and the running catalog
    stays; --check-config refuses it with the same message.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (BIN, Gateway, Kinesalite, check, create_stream, default_config, finish,  # noqa: E402
                     kinesis_client, make_event, read_stream)

PLACED = {
    "type": "object",
    "properties": {
        "amount": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
    },
    "required": ["amount", "currency"],
    "additionalProperties": False,
}
CANCELLED = {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 64}}}


def write_catalog(path, docs):
    os.makedirs(path, exist_ok=True)
    for name, doc in docs.items():
        with open(os.path.join(path, name.replace(":", ".") + ".json"), "w") as f:
            json.dump(doc, f)


def test_edge(gw, conn_put):
    ok = make_event("shop:order:placed", amount=9.99, currency="EUR")
    status, body = conn_put("/streams/events/record", {"Data": ok})
    check(status == 200 and "SequenceNumber" in body, f"a valid event is stored ({status} {body})")
    status, body = conn_put("/streams/events/record",
                            {"Data": make_event("shop:order:placed", amount="9.99", currency="EUR")})
    check(status == 400 and body.get("message") == "shop:order:placed: $.amount must be a number",
          f"a string amount: 400 naming type, path and rule ({status} {body})")
    status, body = conn_put("/streams/events/record",
                            {"Data": make_event("shop:order:cancelled", reason="late")})
    check(status == 400 and "is not an event type of this stream's catalog" in body.get("message", ""),
          f"an unknown type is refused ({status} {body})")
    for created_at in (0, 4102444800):
        status, body = conn_put("/streams/events/record",
                                {"Data": make_event("shop:order:placed", created_at=created_at,
                                                    amount=1, currency="EUR")})
        check(status == 400 and "created_at_window" in body.get("message", ""),
              f"created_at {created_at} is outside the window ({status} {body})")
    status, body = conn_put("/streams/events/record",
                            {"Data": make_event("Shop:Order", amount=1, currency="EUR")})
    check(status == 400 and "each 1-64 characters of a-z" in body.get("message", ""),
          f"the event-name rule ({status} {body})")
    batch = [make_event("shop:order:placed", amount=1, currency="USD"),
             make_event("shop:order:placed", amount=-1, currency="USD"),
             make_event("shop:order:placed", amount=2, currency="USD", extra=True),
             make_event("shop:order:placed", amount=3, currency="EUR")]
    status, body = conn_put("/streams/events/records",
                            {"records": [{"data": e, "partition-key": "k"} for e in batch]})
    entries = body.get("Records", []) if isinstance(body, dict) else []
    check(status == 200 and len(entries) == 4 and body.get("FailedRecordCount") == 2,
          f"/records: 4 entries, 2 failed ({status} {body})")
    if len(entries) == 4:
        check("SequenceNumber" in entries[0] and "SequenceNumber" in entries[3],
              "the valid records of the batch are stored")
        check(entries[1].get("ErrorCode") == "InvalidEvent" and
              entries[1].get("ErrorMessage") == "shop:order:placed: $.amount must be >= 0",
              f"record 1: its own InvalidEvent entry ({entries[1]})")
        check(entries[2].get("ErrorCode") == "InvalidEvent" and
              "$.extra is not a field of this event type" in entries[2].get("ErrorMessage", ""),
              f"record 2: additionalProperties ({entries[2]})")
    return [ok["event_uuid"], batch[0]["event_uuid"], batch[3]["event_uuid"]]


def test_reload(gw, conn_put):
    # The catalog moves next to the configuration file ("catalog", relative)
    # and gains a type.
    write_catalog(os.path.join(gw.dir, "catalog"),
                  {"shop:order:placed": PLACED, "shop:order:cancelled": CANCELLED})
    cfg = json.load(open(gw.config_path))
    cfg["streams"][0]["catalog"] = "catalog"
    with open(gw.config_path, "w") as f:
        json.dump(cfg, f)
    gw.proc.send_signal(signal.SIGHUP)
    time.sleep(0.8)
    cancelled = make_event("shop:order:cancelled", reason="late")
    status, body = conn_put("/streams/events/record", {"Data": cancelled})
    check(status == 200, f"after reload: the added type is accepted ({status} {body})")
    log = "\n".join(gw.log_lines())
    check("2 catalog event type(s)" in log, "the reload is logged with the catalog's size")

    # A broken catalog: refused, logged with file, path and reason; the
    # running catalog stays.
    bad = dict(CANCELLED, properties={"reason": {"type": "string", "pattern": "^[a-z]+$"}})
    write_catalog(os.path.join(gw.dir, "catalog"), {"shop:order:cancelled": bad})
    gw.proc.send_signal(signal.SIGHUP)
    time.sleep(0.8)
    log = "\n".join(gw.log_lines())
    check("reload refused" in log and "shop.order.cancelled.json: $.properties.reason.pattern: "
          "keyword not supported" in log,
          "the refused catalog is logged with its file, JSON path and reason")
    again = make_event("shop:order:cancelled", reason="late again")
    status, body = conn_put("/streams/events/record", {"Data": again})
    check(status == 200, f"the running catalog stays ({status} {body})")
    status, body = conn_put("/streams/events/record",
                            {"Data": make_event("shop:order:placed", amount="x", currency="EUR")})
    check(status == 400, f"... and still refuses what it refused ({status})")
    out = subprocess.run([BIN, "--config", gw.config_path, "--check-config"], capture_output=True,
                         text=True, env={"AWS_REGION": "us-east-1", "PATH": os.environ["PATH"]})
    check(out.returncode == 2 and "streams[0].catalog: " in out.stderr and
          "$.properties.reason.pattern: keyword not supported" in out.stderr,
          f"--check-config refuses the catalog with the loader's message ({out.returncode} "
          f"{out.stderr.strip()})")
    check(gw.proc.poll() is None, "the gateway kept running through the reloads")
    return [cancelled["event_uuid"], again["event_uuid"]]


def main():
    kin = Kinesalite()
    gw = None
    start_catalog = tempfile.mkdtemp(prefix="sg-catalog-")
    try:
        client = kinesis_client(kin.endpoint)
        create_stream(client, "events", 1)
        create_stream(client, "raw", 1)
        write_catalog(start_catalog, {"shop:order:placed": PLACED})
        cfg = default_config()
        cfg["streams"][0]["catalog"] = start_catalog
        gw = Gateway(cfg, kin.endpoint)
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=20)

        def conn_put(path, body):
            conn.request("PUT", path, json.dumps(body), {"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            try:
                return r.status, json.loads(raw)
            except ValueError:
                return r.status, {}

        stored = test_edge(gw, conn_put)
        stored += test_reload(gw, conn_put)
        conn.close()
        check(gw.stop() == 0, "gateway exits 0")
        gw = None
        records = read_stream(client, "events")
        uuids = [json.loads(r["data"])["event_uuid"] for r in records]
        check(sorted(uuids) == sorted(stored),
              f"exactly the accepted events are in the stream ({len(uuids)} of {len(stored)})")
    finally:
        if gw:
            gw.stop()
        kin.stop()
        shutil.rmtree(start_catalog, ignore_errors=True)
    finish("test_catalog_reload")


if __name__ == "__main__":
    main()
