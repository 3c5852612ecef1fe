// The partition rule, prefixes and Parquet schema come from the Terraform
// alone (one source of truth): read from this checkout they are what the
// modules say, and changed in a copy of the modules they change what the
// delivery does. Partitioning runs the real jq; conversion follows the Glue
// column types.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evalPrefix, loadLayout } from "../layout.mjs";
import { Partitioner, engineMatches, jqVersion } from "../partitioner.mjs";
import { makeConverter, timestampMicros } from "../convert.mjs";
import { ROOT } from "./helpers.mjs";

test("the layout is the Terraform's", async () => {
  const l = await loadLayout(ROOT);
  const module = readFileSync(join(ROOT, "terraform/modules/firehose_to_s3/main.tf"), "utf8");
  assert.ok(module.includes(`partition_query = "${l.query}"`), "the jq query is the module's");
  assert.equal(l.engine, "JQ-1.6");
  assert.ok(engineMatches(l.engine, jqVersion()), `jq here is ${jqVersion()}, the module names ${l.engine}`);
  assert.deepEqual(l.partitionKeys, ["event_type", "dt"]);
  assert.equal(evalPrefix(l.zones.parquet.prefixTemplate, { keys: { event_type: "payment", dt: "2024-12-01" } }), "parquet/events/event_type=payment/dt=2024-12-01/");
  assert.equal(evalPrefix(l.zones.raw.prefixTemplate, { keys: { event_type: "payment", dt: "2024-12-01" } }), "raw/events/event_type=payment/dt=2024-12-01/");
  const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(evalPrefix(l.zones.parquet.errorPrefixTemplate, { errorType: "format-conversion-failed", now }), "errors/parquet/format-conversion-failed/2026/01/02/");
  assert.equal(evalPrefix(l.zones.raw.errorPrefixTemplate, { errorType: "processing-failed", now }), "errors/raw/processing-failed/2026/01/02/");
  const fields = JSON.parse(readFileSync(join(ROOT, "config/event-fields.json"), "utf8"));
  const declared = [...fields.common, ...fields.derived].map((f) => [f.name, f.type]);
  const table = [...l.tables.events.columns, ...l.tables.events.partitionKeys].map((c) => [c.name, c.type]);
  assert.deepEqual(new Map(table.filter(([n]) => n !== "dt")), new Map(declared), "Glue events = config/event-fields.json (+ dt)");
  assert.deepEqual(l.tables.events_raw.columns, [{ name: "record", type: "string" }]);
  assert.throws(() => evalPrefix("x/!{partitionKeyFromLambda:a}/", {}), /cannot evaluate/);
});

test("a change to the Terraform changes the local lake", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "sg-layout-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(ROOT, "terraform"), join(root, "terraform"), { recursive: true });
  const edit = (rel, from, to) => {
    const p = join(root, rel);
    const s = readFileSync(p, "utf8");
    assert.ok(s.includes(from), `${rel} contains ${from}`);
    writeFileSync(p, s.replace(from, to));
  };
  edit("terraform/modules/firehose_to_s3/main.tf", ".created_datetime[0:10]", ".created_datetime[0:7]");
  edit("terraform/modules/stack/main.tf", 'prefix                     = "raw/events/"', 'prefix                     = "raw/all/"');
  await assert.rejects(loadLayout(root), /Glue events_raw reads raw\/events\/, Firehose writes raw\/all\//, "Glue and Firehose prefixes must agree");
  edit("terraform/modules/stack/main.tf", 'raw_prefix         = "raw/events/"', 'raw_prefix         = "raw/all/"');
  const l = await loadLayout(root);
  assert.equal(l.query, "{event_type: .event_type, dt: .created_datetime[0:7]}");
  assert.equal(evalPrefix(l.zones.raw.prefixTemplate, { keys: { event_type: "a", dt: "b" } }), "raw/all/event_type=a/dt=b/");
  const p = new Partitioner(l.query, l.partitionKeys);
  t.after(() => p.close());
  const [r] = await p.partition(['{"event_type":"payment","created_datetime":"2024-12-01T10:00:00Z"}']);
  assert.deepEqual(r, { keys: { event_type: "payment", dt: "2024-12" } });
});

test("jq partitioning: one result per record, failures per record", async (t) => {
  const l = await loadLayout(ROOT);
  const p = new Partitioner(l.query, l.partitionKeys);
  t.after(() => p.close());
  const inputs = [
    '{"event_type":"payment","created_datetime":"2024-12-01T10:00:00.123Z","x":123456789012345678901234567890}',
    "not json",
    '{"created_datetime":"2024-12-01T10:00:00Z"}',
    '{"event_type":"a/b","created_datetime":"2024-12-01T10:00:00Z"}',
    '{"event_type":"payment","created_datetime":20241201}',
    "[1,2]",
    '{"event_type":"caf\\u00e9 \\"x\\"","created_datetime":"2024-12-31T23:59:59Z"}',
    '{"event_type":"line\\nbreak","created_datetime":"2024-12-31T23:59:59Z"}\n',
  ];
  const out = await p.partition(inputs);
  assert.equal(out.length, inputs.length);
  assert.deepEqual(out[0], { keys: { event_type: "payment", dt: "2024-12-01" } });
  assert.match(out[1].error, /^jq: /);
  assert.match(out[2].error, /event_type is null/);
  assert.match(out[3].error, /not usable as a path segment/);
  assert.match(out[4].error, /^jq: Cannot index number/);
  assert.match(out[5].error, /^jq: /);
  assert.deepEqual(out[6], { keys: { event_type: 'café "x"', dt: "2024-12-31" } });
  assert.deepEqual(out[7], { keys: { event_type: "line\nbreak", dt: "2024-12-31" } });
  // Many at once keep their order.
  const many = Array.from({ length: 5000 }, (_, i) => `{"event_type":"t${i}","created_datetime":"2024-12-01T00:00:00Z"}`);
  const res = await p.partition(many);
  assert.ok(res.every((r, i) => r.keys.event_type === `t${i}`));
});

test("conversion follows the Glue column types, as the OpenX SerDe does", async () => {
  const l = await loadLayout(ROOT);
  const conv = makeConverter(l.tables.events.columns);
  const ok = conv('{"EVENT_UUID":"u","event_name":"a:b","created_at":1733011200.125,"created_datetime":"2024-12-01T00:00:00.125Z","event_subtype":null,"extra":{"dropped":1}}');
  assert.deepEqual(ok.row, ["u", "a:b", 1733011200.125, 1733011200125000n, null]);
  assert.deepEqual(conv('{"created_at":"17.5"}').row.slice(2, 3), [17.5], "a numeric string converts to double");
  assert.deepEqual(conv('{"event_uuid":42}').row.slice(0, 1), ["42"], "a number converts to string");
  assert.match(conv('{"created_at":"soon"}').error, /created_at \(double\)/);
  assert.match(conv('{"created_datetime":"yesterday"}').error, /created_datetime \(timestamp\)/);
  assert.match(conv('{"created_datetime":"2024-02-30T00:00:00Z"}').error, /not a date/);
  assert.match(conv("[1]").error, /not a JSON object/);
  assert.match(conv("{").error, /not JSON/);
  assert.equal(timestampMicros("2024-12-01T00:00:00.123456789Z"), 1733011200123456n);
  assert.equal(timestampMicros("2024-12-01 00:00:00"), 1733011200000000n);
  assert.equal(timestampMicros(1733011200.5), 1733011200500000n);
});
