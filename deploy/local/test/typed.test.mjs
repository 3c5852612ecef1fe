// The typed tables on real parts: kinesalite, the gateway with the example
// catalog (config/catalog, copied, plus one test type that uses every column
// type without bounds), the delivery of events and the delivery of the
// dead-letter stream, and DuckDB reading the Parquet and GZIP files.
//
// Through the gateway: one event of every catalog type with values built from
// its schema (optional fields left out every other time), extreme values of
// the test type (int64 bounds, fractional and huge doubles, unicode and
// escapes, arrays with nulls), a duplicate, and refused events. Then: each
// type's view has the declared column types (DuckDB typeof), every value is
// the one sent and absent optional fields are NULL, the duplicate is two rows
// of events and one of its view, the refused events are rows of bad_events;
// and a field added to the catalog while the delivery runs is a column of the
// files written from then on while the files written before read it as NULL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { createStream, sleep, startDelivery, startGateway, startKinesalite, ROOT } from "../testkit/helpers.mjs";
import { loadLayout } from "../layout.mjs";
import { duckType, exactInteger } from "../convert.mjs";
import { openLake } from "../lake.mjs";
import { listFiles } from "../lake-writer.mjs";

const NOW = Math.floor(Date.now() / 1000);

// The test type: every column type, no bounds.
const VALUES_TYPE = {
  $comment: "test only (deploy/local/test/typed.test.mjs)",
  type: "object",
  properties: {
    v_int: { type: "integer" },
    v_num: { type: "number" },
    v_str: { type: "string" },
    v_bool: { type: "boolean" },
    v_ts: { type: "string", format: "date-time" },
    v_date: { type: ["string", "null"], format: "date" },
    v_ints: { type: "array", items: { type: "integer" } },
    v_strs: { type: "array", items: { type: ["string", "null"] } },
    v_opt: { type: ["number", "null"] },
  },
  required: ["v_int"],
};

// A valid value for a property schema (the catalog's keywords), as JSON text.
function valueFor(p, i) {
  const base = Array.isArray(p.type) ? p.type.find((t) => t !== "null") : p.type;
  if ("const" in p) return JSON.stringify(p.const);
  if (p.enum) return JSON.stringify(p.enum.filter((x) => x !== null)[i % p.enum.filter((x) => x !== null).length]);
  if (base === "integer") {
    const lo = p.minimum ?? (p.exclusiveMinimum !== undefined ? p.exclusiveMinimum + 1 : 1);
    const hi = p.maximum ?? (p.exclusiveMaximum !== undefined ? p.exclusiveMaximum - 1 : lo + 1000);
    return String(Math.min(hi, lo + 7 + i));
  }
  if (base === "number") {
    const lo = p.minimum ?? p.exclusiveMinimum ?? 0;
    const hi = p.maximum ?? p.exclusiveMaximum ?? lo + 1000;
    return String(lo + (hi - lo) / 3 + 0.25);
  }
  if (base === "boolean") return i % 2 ? "true" : "false";
  if (base === "array") {
    const n = Math.min(p.maxItems ?? 3, Math.max(p.minItems ?? 0, 2));
    return `[${Array.from({ length: n }, (_, k) => valueFor(p.items, i + k)).join(",")}]`;
  }
  if (p.format === "uuid") return JSON.stringify(randomUUID());
  if (p.format === "date") return JSON.stringify("2024-02-29");
  if (p.format === "date-time") return JSON.stringify("2024-12-01T10:00:00.125Z");
  const min = p.minLength ?? 1;
  const max = p.maxLength ?? 64;
  let s = "é✓\"q\"😀";
  while ([...s].length < min) s += "x";
  return JSON.stringify([...s].slice(0, max).join(""));
}

async function put(base, path, body) {
  const res = await fetch(base + path, { method: "PUT", headers: { "content-type": "application/json" }, body });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

// Starts the gateway with the catalog and the dead letter. A gateway that
// does not know a key yet is started without it: without the catalog, the
// refused events are ones the common rules refuse; without the dead letter,
// the bad_events check is skipped and says so.
async function gatewayWith(endpoint, catalog) {
  const tries = [{ catalog, dead_letter_stream: "events-dead-letter" }, { dead_letter_stream: "events-dead-letter" }, {}];
  for (const stream of tries) {
    try {
      return { g: await startGateway(endpoint, { stream }), catalog: "catalog" in stream, deadLetter: "dead_letter_stream" in stream };
    } catch (e) {
      if (!/unknown key/.test(String(e.message)) || !Object.keys(stream).length) throw e;
    }
  }
}

async function waitUntil(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test("a typed, deduplicated view per catalog type; refused events in bad_events; a field added while running", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "sg-typed-"));
  const catalog = join(work, "catalog");
  cpSync(join(ROOT, "config", "catalog"), catalog, { recursive: true });
  writeFileSync(join(catalog, "lake.test.values.json"), JSON.stringify(VALUES_TYPE, null, 1));
  const lake = join(work, "lake");
  const procs = [];
  t.after(async () => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const k = await startKinesalite();
  procs.push(k);
  await createStream(k.client, "events", 2);
  await createStream(k.client, "events-dead-letter", 1);
  const { g, catalog: withCatalog, deadLetter } = await gatewayWith(k.endpoint, catalog);
  t.diagnostic(`the gateway validates with the catalog: ${withCatalog}; keeps bad rows: ${deadLetter}`);
  procs.push(g);
  const opts = ["--catalog", catalog, "--interval-ms", "500"];
  const d = await startDelivery(k.endpoint, lake, opts);
  procs.push(d);
  const dl = await startDelivery(k.endpoint, lake, opts, {}, "events-dead-letter");
  procs.push(dl);

  const layout = await loadLayout(ROOT);
  const cat = layout.readCatalog(catalog);
  const docs = Object.fromEntries(cat.types.map((ty) => [ty.eventName, JSON.parse(readFileSync(join(catalog, ty.file), "utf8"))]));

  // One event per type and round: round 0 sends every field, round 1 only the required ones.
  const sent = []; // {eventName, uuid, fields: {name: JSON text}}
  for (const round of [0, 1]) {
    for (const ty of cat.types.filter((x) => x.eventName !== "lake:test:values")) {
      const doc = docs[ty.eventName];
      const fields = {};
      for (const [name, p] of Object.entries(doc.properties)) {
        if (round === 1 && !(doc.required ?? []).includes(name)) continue;
        fields[name] = valueFor(p, round);
      }
      sent.push({ eventName: ty.eventName, uuid: randomUUID(), fields });
    }
  }
  // The test type: the extremes.
  const extremes = [
    { v_int: "9223372036854775807", v_num: "0.1", v_str: '"caf\\u00e9 \\"q\\" \\\\ \\n\\t 中文 😀"', v_bool: "true", v_ts: '"2024-12-01T10:00:00.123456Z"', v_date: '"2024-02-29"', v_ints: "[9223372036854775807,-9223372036854775808,0]", v_strs: '["a",null,"ü"]', v_opt: "-1.5e-7" },
    { v_int: "-9223372036854775808", v_num: "1.7976931348623157e308", v_str: '""', v_bool: "false", v_ts: '"1999-12-31 23:59:59Z"', v_date: "null", v_ints: "[]", v_strs: "[null]" },
    { v_int: "1.0e3", v_num: "-0.000123456789012345678", v_str: '"x"', v_bool: "true", v_ts: '"2024-06-01T00:00:00Z"', v_ints: "[1e2]", v_strs: '["\\u0001\\u001f"]' },
  ];
  for (const fields of extremes) sent.push({ eventName: "lake:test:values", uuid: randomUUID(), fields });

  const text = (e, createdAt = NOW - 3600) => `{"event_uuid":"${e.uuid}","event_name":"${e.eventName}","created_at":${createdAt}${Object.entries(e.fields).map(([n, v]) => `,"${n}":${v}`).join("")}}`;
  const body = `{"records":[${sent.map((e, i) => `{"data":${text(e)},"partition-key":"k${i}"}`).join(",")}]}`;
  const r = await put(g.base, "/streams/events/records", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.FailedRecordCount, 0, JSON.stringify(r.body));

  // A client retry: the same event twice.
  const dup = sent.find((e) => e.eventName === "payment:order:completed");
  for (let i = 0; i < 2; i++) assert.equal((await put(g.base, "/streams/events/record", `{"Data":${text(dup)},"PartitionKey":"retry"}`)).status, 200);

  // Refused events: by the catalog when the gateway has it, else by the common rules.
  const refused = withCatalog ? [
    { event_name: "no:such:type", rule: "unknown_event_type", text: `{"event_uuid":"${randomUUID()}","event_name":"no:such:type","created_at":${NOW}}` },
    { event_name: "payment:order:completed", rule: "type", path: "$.amount", text: `{"event_uuid":"${randomUUID()}","event_name":"payment:order:completed","created_at":${NOW},"amount":"12","currency":"EUR"}` },
  ] : [
    { event_name: "lake:test:values", rule: "created_at", path: "$.created_at", text: `{"event_uuid":"${randomUUID()}","event_name":"lake:test:values","created_at":${NOW}000,"v_int":1}` },
    { event_name: "session:started", rule: "uuid", path: "$.event_uuid", text: `{"event_uuid":"not-a-uuid","event_name":"session:started","created_at":${NOW},"device":"ios"}` },
  ];
  if (deadLetter) {
    for (const ev of refused) {
      const rr = await put(g.base, "/streams/events/record", `{"Data":${ev.text},"PartitionKey":"bad"}`);
      assert.equal(rr.status, 400, JSON.stringify(rr.body));
    }
  }

  const total = sent.length + 2;
  const q = async (lakeConn, sql) => (await lakeConn.runAndReadAll(sql)).getRowObjects();
  await waitUntil("every event in the lake", async () => {
    const { conn } = await openLake(lake, layout, { catalogDir: catalog });
    const [{ n }] = await q(conn, "SELECT count(*)::INTEGER AS n FROM events");
    return n === total;
  });
  const { conn } = await openLake(lake, layout, { catalogDir: catalog });

  await t.test("each view has its declared column types", async () => {
    for (const ty of cat.types) {
      const declared = [...layout.tables.events.columns, ...ty.fields, ...layout.tables.events.partitionKeys];
      const got = await q(conn, `SELECT ${declared.map((c) => `typeof("${c.name}") AS "${c.name}"`).join(", ")} FROM ${ty.view} LIMIT 1`);
      assert.equal(got.length, 1, `${ty.view} has rows`);
      assert.deepEqual(got[0], Object.fromEntries(declared.map((c) => [c.name, duckType(c.type)])), ty.view);
      const names = (await q(conn, `DESCRIBE ${ty.view}`)).map((c) => c.column_name);
      assert.deepEqual(names, declared.map((c) => c.name), `${ty.view} has exactly its columns`);
    }
  });

  await t.test("every value is the one sent; absent optional fields are NULL", async () => {
    for (const e of sent) {
      const ty = cat.types.find((x) => x.eventName === e.eventName);
      const sel = ty.fields.map((f) => {
        if (f.type === "timestamp") return `epoch_us("${f.name}") AS "${f.name}"`;
        if (f.type === "date") return `CAST("${f.name}" AS VARCHAR) AS "${f.name}"`;
        if (f.type.startsWith("array<")) return `CAST(to_json("${f.name}") AS VARCHAR) AS "${f.name}"`;
        return `"${f.name}"`;
      });
      const rows = await q(conn, `SELECT ${sel.join(", ")} FROM ${ty.view} WHERE event_uuid = '${e.uuid}'`);
      assert.equal(rows.length, 1, `${e.eventName} ${e.uuid}: one row`);
      for (const f of ty.fields) {
        const got = rows[0][f.name];
        const src = e.fields[f.name];
        const where = `${e.eventName}.${f.name} = ${src}`;
        if (src === undefined || src === "null") { assert.equal(got, null, `${where}: NULL`); continue; }
        const v = JSON.parse(src);
        if (f.type === "bigint") assert.equal(got, /^-?\d+$/.test(src) ? BigInt(src) : BigInt(v), where);
        else if (f.type === "double") assert.ok(Object.is(got, v), `${where}: got ${got}`);
        else if (f.type === "timestamp") {
          const [, frac = ""] = v.replace(/Z$/, "").split(".");
          assert.equal(got, BigInt(Date.parse(v.slice(0, 19).replace(" ", "T") + "Z")) * 1000n + BigInt((frac + "000000").slice(0, 6)), where);
        } else if (f.type === "array<bigint>") {
          const ints = (txt) => txt.slice(1, -1).split(",").filter((x) => x.trim() !== "").map((x) => exactInteger(x.trim()));
          assert.deepEqual(ints(got), ints(src), where);
        } else if (f.type.startsWith("array<")) assert.deepEqual(JSON.parse(got), v, where);
        else assert.equal(got, v, where);
      }
    }
  });

  await t.test("a duplicate is two rows of events and one of its view", async () => {
    const [ev] = await q(conn, `SELECT count(*)::INTEGER AS n FROM events WHERE event_uuid = '${dup.uuid}'`);
    assert.equal(ev.n, 3, "sent once in the batch and twice more");
    const [vw] = await q(conn, `SELECT count(*)::INTEGER AS n FROM payment_order_completed WHERE event_uuid = '${dup.uuid}'`);
    assert.equal(vw.n, 1);
    const [all] = await q(conn, "SELECT count(*)::INTEGER AS n, count(DISTINCT event_uuid)::INTEGER AS u FROM payment_order_completed");
    assert.equal(all.n, all.u, "one row per event_uuid");
  });

  await t.test("refused events are rows of bad_events", { skip: deadLetter ? false : "this gateway has no dead_letter_stream yet" }, async () => {
    const rows = await waitUntil("the bad rows", async () => {
      const { conn: c } = await openLake(lake, layout, { catalogDir: catalog });
      const got = await q(c, "SELECT event_name, stream, payload, failure.reasons[1].rule AS rule, failure.reasons[1].path AS path, failure.reasons[1].message AS message, dt, received_at, typeof(failure) AS ft FROM bad_events ORDER BY event_name");
      return got.length >= refused.length && got;
    });
    const want = [...refused].sort((a, b) => (a.event_name < b.event_name ? -1 : 1));
    assert.equal(rows.length, refused.length, "one bad row per refused event");
    assert.deepEqual(rows.map((x) => x.event_name), want.map((x) => x.event_name));
    assert.deepEqual(rows.map((x) => x.payload), want.map((x) => x.text), "the payload is the event as sent");
    assert.deepEqual(rows.map((x) => x.rule), want.map((x) => x.rule));
    assert.deepEqual(rows.map((x) => x.stream), want.map(() => "events"));
    for (const [i, x] of rows.entries()) {
      if (want[i].path) assert.equal(x.path, want[i].path);
      assert.ok(x.message.length > 0);
      assert.equal(x.dt, x.received_at.slice(0, 10), "partitioned by the day received");
    }
    assert.match(rows[0].ft, /^STRUCT\("timestamp" VARCHAR, reasons STRUCT\(path VARCHAR, "rule" VARCHAR, message VARCHAR\)\[\]\)$/);
  });

  await t.test("a field added to the catalog while the delivery runs", async () => {
    const before = listFiles(join(lake, "parquet")).filter((f) => f.includes("event_type=lake/"));
    assert.ok(before.length > 0);
    const doc = { ...VALUES_TYPE, properties: { ...VALUES_TYPE.properties, v_added: { type: ["string", "null"] } } };
    writeFileSync(join(work, "next.json"), JSON.stringify(doc));
    renameSync(join(work, "next.json"), join(catalog, "lake.test.values.json"));
    if (withCatalog) g.proc.kill("SIGHUP");
    const added = { eventName: "lake:test:values", uuid: randomUUID(), fields: { v_int: "5", v_added: '"new"' } };
    // The delivery takes the catalog at its next buffer; send until a file has the column.
    await waitUntil("a file with the new column", async () => {
      await put(g.base, "/streams/events/record", `{"Data":${text({ ...added, uuid: randomUUID() })},"PartitionKey":"x"}`);
      await sleep(600);
      const { conn: c } = await openLake(lake, layout, { catalogDir: catalog });
      const got = await q(c, `SELECT count(*)::INTEGER AS n FROM lake_test_values WHERE v_added = 'new'`);
      return got[0].n > 0;
    });
    assert.ok(d.lines.some((l) => /"catalog changed: new files have its columns"/.test(l) && /v_added/.test(l)), "the delivery says so");
    const { conn: c } = await openLake(lake, layout, { catalogDir: catalog });
    const olds = await q(c, `SELECT count(*)::INTEGER AS n, count(v_added)::INTEGER AS v FROM lake_test_values WHERE event_uuid IN (${sent.filter((e) => e.eventName === "lake:test:values").map((e) => `'${e.uuid}'`).join(",")})`);
    assert.deepEqual(olds[0], { n: extremes.length, v: 0 }, "events in files written before read v_added as NULL");
    const [ty] = await q(c, "SELECT typeof(v_added) AS t FROM lake_test_values LIMIT 1");
    assert.equal(ty.t, "VARCHAR");
    for (const f of before) {
      const cols = await q(c, `SELECT name FROM parquet_schema('${join(lake, "parquet", f)}')`);
      assert.ok(!cols.some((x) => x.name === "v_added"), `${f} was not rewritten`);
    }
  });
});
