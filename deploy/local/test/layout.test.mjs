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
import { ROOT } from "../testkit/helpers.mjs";

test("the layout is the Terraform's", async () => {
  const l = await loadLayout(ROOT);
  const module = readFileSync(join(ROOT, "terraform/modules/firehose_to_s3/main.tf"), "utf8");
  assert.ok(module.includes(`event         = "${l.query}"`), "the jq query is the module's");
  assert.ok(module.includes(`received_date = "${l.zones.bad.query}"`), "the bad zone's jq query is the module's");
  assert.deepEqual(l.deliveries, { events: ["parquet", "raw"], "events-dead-letter": ["bad"] });
  assert.equal(evalPrefix(l.zones.bad.prefixTemplate, { keys: { dt: "2026-12-06" } }), "bad/events/dt=2026-12-06/");
  assert.deepEqual(l.zones.bad.partitionKeys, ["dt"]);
  assert.equal(l.tables.bad_events.name, "bad_events");
  assert.equal(l.catalogDir, join(ROOT, "config", "catalog"));
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

// The same fixtures as terraform/modules/glue_catalog/tests/catalog.tftest.hcl,
// with the same expected columns: the JS reading and Terraform's agree.
const FIXTURES = join(ROOT, "terraform/modules/glue_catalog/tests/fixtures");

test("the catalog's fields are the columns, typed by the module's table", async () => {
  const l = await loadLayout(ROOT);
  const a = l.readCatalog(join(FIXTURES, "catalog_a"));
  assert.deepEqual(a.columns.map((c) => `${c.name} ${c.type}`), [
    "event_uuid string", "event_name string", "created_at double", "created_datetime timestamp", "event_subtype string",
    "coupon_id string", "delivery_on date", "gift boolean", "item_ids array<bigint>", "note string", "paid_at timestamp",
    "plan string", "tags array<string>", "total double",
  ]);
  assert.deepEqual(a.types.map((t) => [t.eventName, t.eventType, t.view]), [["shop:order:placed", "shop", "shop_order_placed"], ["user", "user", "user"]]);
  const b = l.readCatalog(join(FIXTURES, "catalog_b"));
  assert.equal(b.columns.length, 15);
  assert.deepEqual(b.types.find((t) => t.view === "user_account_deleted").fields.map((f) => f.name), ["reason", "total"]);
  assert.throws(() => l.readCatalog(join(FIXTURES, "catalog_conflict")), /column total is bigint here and double in shop\.order\.placed\.json/);
  const sql = l.viewSql(a.types[1]);
  const tf = readFileSync(join(ROOT, "terraform/modules/glue_catalog/tests/catalog.tftest.hcl"), "utf8");
  assert.ok(tf.includes("ROW_NUMBER() OVER (PARTITION BY event_uuid ORDER BY created_datetime) AS copy_number") && sql.includes("ROW_NUMBER() OVER (PARTITION BY event_uuid ORDER BY created_datetime) AS copy_number"));
  assert.match(sql, /^SELECT "event_uuid", "event_name", "created_at", "created_datetime", "event_subtype", "plan", "tags", "event_type", "dt"\n/);
  assert.match(sql, /WHERE event_type = 'user' AND event_name = 'user'/);
  // Refusals that would make a bad table.
  const dir = mkdtempSync(join(tmpdir(), "sg-cat-"));
  try {
    writeFileSync(join(dir, "a.b.json"), JSON.stringify({ type: "object", properties: { dt: { type: "string" } } }));
    assert.throws(() => l.readCatalog(dir), /a\.b\.json: \$\.properties\.dt: dt is a column of every event/);
    writeFileSync(join(dir, "a.b.json"), JSON.stringify({ type: "object", properties: {} }));
    writeFileSync(join(dir, "a_b.json"), JSON.stringify({ type: "object", properties: {} }));
    assert.throws(() => l.readCatalog(dir), /the view a_b is also the view of a\.b\.json/);
    rmSync(join(dir, "a_b.json"));
    writeFileSync(join(dir, "bad_events.json"), JSON.stringify({ type: "object" }));
    assert.throws(() => l.readCatalog(dir), /the view bad_events would take the name of a table/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  // Records jq cannot read as one raw line (a newline, a NUL) go to the
  // second jq as JSON strings; their results stay in place among the others.
  const mixed = [
    '{\n  "event_type": "pretty",\r\n  "created_datetime": "2024-12-02T00:00:00Z"\n}',
    '{"event_type":"plain","created_datetime":"2024-12-03T00:00:00Z"}',
    '{"event_type":"nul\u0000","created_datetime":"2024-12-03T00:00:00Z"}',
    '{"event_type":"raw\0nul","created_datetime":"2024-12-03T00:00:00Z"}',
    '"{\\"event_type\\":\\"quoted\\",\\"created_datetime\\":\\"2024-12-03\\"}"',
    "{\"event_type\":\"two\"}\n{\"event_type\":\"values\"}",
    '{"event_type":"last","created_datetime":"2024-12-04T00:00:00Z"} ',
  ];
  const [m1, m2] = await Promise.all([p.partition(mixed), p.partition([...mixed].reverse())]);
  assert.deepEqual(m1[0], { keys: { event_type: "pretty", dt: "2024-12-02" } });
  assert.deepEqual(m1[1], { keys: { event_type: "plain", dt: "2024-12-03" } });
  assert.match(m1[2].error, /not usable as a path segment/);
  assert.match(m1[3].error, /not usable as a path segment/, "jq 1.6 takes a raw NUL in a string");
  assert.match(m1[4].error, /^jq: Cannot index string/, "a JSON string holding an object is not the object");
  assert.match(m1[5].error, /^jq: /, "two JSON values are not one record");
  assert.deepEqual(m1[6], { keys: { event_type: "last", dt: "2024-12-04" } });
  assert.deepEqual(m2, [...m1].reverse(), "two batches in flight keep their own order");
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

test("typed catalog columns convert exactly", async () => {
  const l = await loadLayout(ROOT);
  const cols = l.readCatalog(join(FIXTURES, "catalog_a")).columns;
  const conv = makeConverter(cols);
  const at = (row, name) => row[cols.findIndex((c) => c.name === name)];
  const r = conv('{"item_ids":[9223372036854775807,-9223372036854775808,1e3,2.0,null],"total":0.1,"delivery_on":"2024-02-29","paid_at":"2024-12-01T10:00:00.5Z","gift":true,"note":"ünï ✓ 😀","tags":["a",null]}');
  assert.deepEqual(at(r.row, "item_ids"), [9223372036854775807n, -9223372036854775808n, 1000n, 2n, null]);
  assert.equal(at(r.row, "total"), 0.1);
  assert.equal(at(r.row, "delivery_on"), 19782);
  assert.equal(at(r.row, "paid_at"), 1733047200500000n);
  assert.equal(at(r.row, "gift"), true);
  assert.equal(at(r.row, "note"), "ünï ✓ 😀");
  assert.deepEqual(at(r.row, "tags"), ["a", null]);
  assert.equal(at(r.row, "coupon_id"), null, "absent: NULL");
  assert.match(conv('{"item_ids":[9223372036854775808]}').error, /item_ids \(array<bigint>\): 9223372036854775808 does not fit bigint/);
  assert.match(conv('{"item_ids":[1.5]}').error, /1\.5 is not an integer/);
  assert.match(conv('{"item_ids":3}').error, /not an array/);
  assert.match(conv('{"delivery_on":"2023-02-29"}').error, /not a date/);
  assert.match(conv('{"paid_at":"2024-12-01T10:00:00+02:00"}').error, /is not a timestamp/, "an offset is not one of OpenX's forms");
});
