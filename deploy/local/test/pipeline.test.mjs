// The whole pipeline on real parts: kinesalite, the streamgate binary, the
// delivery process (killed with SIGKILL twice on the way) and DuckDB reading
// the Parquet and GZIP files it wrote. Nothing is mocked.
//
// Sent through the gateway, on both routes: events of 60 types over five
// days, exact duplicates, fractional created_at, 30-digit integers, unicode
// and escapes. Put on the stream directly: KPL-aggregated records (built with
// aws-kinesis-agg) and records that cannot be partitioned or converted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { PutRecordCommand } from "@aws-sdk/client-kinesis";
import agg from "aws-kinesis-agg";
import { createStream, exitWithin, readStream, sleep, startCrashingDelivery, startDelivery, startGateway, startKinesalite, ROOT } from "../testkit/helpers.mjs";
import { listFiles } from "../lake-writer.mjs";
import { openLake } from "../lake.mjs";
import { loadLayout } from "../layout.mjs";
import { duckType } from "../convert.mjs";

const DAY = 86400;
const BASE = 1733011200; // 2024-12-01T00:00:00Z

// The event text exactly as the client sends it (numbers and escapes as
// written, which JSON.stringify could not produce).
function eventText(i) {
  const type = `type${String(i % 60).padStart(2, "0")}`;
  const name = i % 7 === 0 ? type : `${type}:sub${i % 3}`;
  const createdAt = i % 4 === 0 ? String(BASE + (i % 5) * DAY + i) : `${BASE + (i % 5) * DAY + i}.${String(1 + (i % 999)).padStart(3, "0")}`;
  const big = `${i % 9 + 1}${"0123456789".repeat(3).slice(1)}`; // 30 digits
  return `{"event_uuid":"${randomUUID()}","event_name":"${name}","created_at":${createdAt},` +
    `"amount":${big},"neg":-${big},"note":"caf\\u00e9 \\"q\\" \\\\ \\n\\t\\/ é 中文 😀 #${i}"}`;
}

async function put(base, path, body) {
  const res = await fetch(base + path, { method: "PUT", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

// Sends events; returns [{text, seq}] for every acknowledged one (a
// duplicate is sent as a second request and acknowledged twice).
async function send(base, texts, route) {
  const acked = [];
  if (route === "record") {
    for (let i = 0; i < texts.length; i += 25) {
      const part = texts.slice(i, i + 25);
      const rs = await Promise.all(part.map((t) => put(base, "/streams/events/record", `{"Data":${t}}`)));
      rs.forEach((r, j) => { assert.equal(r.status, 200, JSON.stringify(r.body)); acked.push({ text: part[j], seq: r.body.SequenceNumber }); });
    }
  } else {
    for (let i = 0; i < texts.length; i += 200) {
      const part = texts.slice(i, i + 200);
      const body = `{"records":[${part.map((t, j) => `{"data":${t},"partition-key":"k${i + j}"}`).join(",")}]}`;
      const r = await put(base, "/streams/events/records", body);
      assert.equal(r.status, 200);
      assert.equal(r.body.FailedRecordCount, 0);
      r.body.Records.forEach((rec, j) => acked.push({ text: part[j], seq: rec.SequenceNumber }));
    }
  }
  return acked;
}

function aggregate(records) {
  return new Promise((resolve, reject) => {
    const out = [];
    agg.aggregate(records, (encoded, cb) => { out.push(encoded); cb(); }, () => resolve(out), (err) => reject(err));
  });
}

function rawLines(lake, zonePrefix) {
  const out = [];
  for (const f of listFiles(join(lake, zonePrefix)).filter((x) => x.endsWith(".json.gz"))) {
    const buf = gunzipSync(readFileSync(join(lake, zonePrefix, f)));
    assert.equal(buf[buf.length - 1], 0x0a, `${f} ends with a newline`);
    let start = 0;
    for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) { out.push({ file: f, data: buf.subarray(start, i) }); start = i + 1; }
  }
  return out;
}

const multiset = (bufs) => {
  const m = new Map();
  for (const b of bufs) { const k = Buffer.from(b).toString("base64"); m.set(k, (m.get(k) ?? 0) + 1); }
  return m;
};

test("events reach the local lake exactly as Kinesis holds them, across kill -9 restarts", { timeout: 180000 }, async (t) => {
  const k = await startKinesalite();
  t.after(() => k.stop());
  await createStream(k.client, "events", 4);
  const gw = await startGateway(k.endpoint);
  t.after(() => gw.stop());
  const lake = mkdtempSync(join(tmpdir(), "sg-lake-test-"));
  t.after(() => rmSync(lake, { recursive: true, force: true }));
  const opts = ["--interval-ms", "300", "--poll-ms", "100"];

  // Phase 1: first delivery process, both routes, some duplicates.
  let d = await startDelivery(k.endpoint, lake, opts);
  const texts = Array.from({ length: 1500 }, (_, i) => eventText(i));
  const acked = [];
  acked.push(...await send(gw.base, texts.slice(0, 200), "record"));
  acked.push(...await send(gw.base, texts.slice(200, 700), "records"));
  acked.push(...await send(gw.base, texts.slice(0, 40), "record")); // exact duplicates
  await d.waitFor(/"msg":"flush".*"records":[1-9]/);
  const delivered = () => ["raw", "parquet", "errors"].flatMap((z) => listFiles(join(lake, z)).map((f) => join(z, f)));
  const early = new Map(delivered().map((f) => [f, statSync(join(lake, f)).mtimeMs]));
  assert.ok(early.size > 0, "the first process delivered files before it was killed");

  // Phase 2: kill -9 while events are arriving.
  const phase2 = send(gw.base, texts.slice(700, 1100), "records");
  await sleep(150);
  assert.equal((await d.stop("SIGKILL")).signal, "SIGKILL");
  acked.push(...await phase2);

  // Phase 3: a process that dies after its commit with half its files
  // renamed, then one that dies with its files staged and no commit.
  for (const crash of ["mid-rename", "before-commit"]) {
    d = await startCrashingDelivery(k.endpoint, lake, crash, opts);
    acked.push(...await send(gw.base, texts.slice(crash === "mid-rename" ? 1100 : 1125, crash === "mid-rename" ? 1125 : 1150), "record"));
    assert.equal((await exitWithin(d, 15000)).signal, "SIGKILL", `the ${crash} crash happened`);
  }

  // Phase 4: the last process; aggregated and broken records straight into Kinesis.
  d = await startDelivery(k.endpoint, lake, opts);
  acked.push(...await send(gw.base, texts.slice(1150, 1500), "records"));
  acked.push(...await send(gw.base, texts.slice(1400, 1420), "records")); // duplicates on the batch route
  const kplUser = texts.slice(0, 30).map((_, i) => ({ partitionKey: `kpl${i}`, data: Buffer.from(enrichedLike(i)) }));
  for (const rec of await aggregate(kplUser)) {
    await k.client.send(new PutRecordCommand({ StreamName: "events", PartitionKey: rec.partitionKey, Data: rec.data }));
  }
  const bad = [
    Buffer.from("not json at all"),
    Buffer.from('{"event_uuid":"x","created_datetime":"2024-12-01T00:00:00Z"}'), // no event_type
    Buffer.from('{"event_type":"type01","created_datetime":12345}'), // jq cannot slice a number
    Buffer.from('{"event_type":"type01","created_datetime":"2024-12-02T00:00:00Z","created_at":"soon"}'), // partitions, does not convert
  ];
  for (const b of bad) await k.client.send(new PutRecordCommand({ StreamName: "events", PartitionKey: "bad", Data: b }));

  // The ground truth: every record Kinesis holds, de-aggregated.
  const stored = await readStream(k.client, "events");
  const bySeq = new Map(stored.map((r) => [r.seq, r]));
  for (const a of acked) assert.ok(bySeq.has(a.seq), `acknowledged record ${a.seq} is in Kinesis`);
  const user = [];
  for (const r of stored) {
    if (r.data.subarray(0, 4).toString("hex") !== "f3899ac2") { user.push(r.data); continue; }
    agg.deaggregateSync({ data: r.data.toString("base64"), partitionKey: "p", sequenceNumber: r.seq }, true, (err, recs) => {
      assert.ifError(err);
      for (const u of recs) user.push(Buffer.from(u.data, "base64"));
    });
  }
  const badSet = new Set(bad.map((b) => b.toString("base64")));
  const good = user.filter((b) => !badSet.has(b.toString("base64")));
  assert.equal(good.length, acked.length + kplUser.length, "Kinesis holds the acknowledged events and the KPL user records");
  const converted = good.length + 1; // the record with "soon" for created_at is raw-only

  // Wait for the lake to catch up, then stop the delivery cleanly.
  let conn, db;
  for (let i = 0; ; i++) {
    if (rawLines(lake, "raw/events").length >= converted) break;
    assert.ok(i < 200, "the lake caught up within 20 s");
    await sleep(100);
  }
  const stop = await d.stop("SIGTERM");
  assert.deepEqual(stop, { code: 0, signal: null }, "SIGTERM: flush and exit 0");
  assert.ok(d.lines.some((l) => l.includes('"msg":"stopped"')));
  ({ conn, db } = await openLake(lake));
  t.after(() => { conn.closeSync(); db.closeSync(); });
  const q = async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS();

  // events_raw: byte for byte, and exactly as many copies as Kinesis holds.
  const lines = rawLines(lake, "raw/events");
  const want = multiset([...good, bad[3]]);
  assert.deepEqual(multiset(lines.map((l) => l.data)), want, "raw files: each record's bytes, once per Kinesis record");
  const viewRows = await q("SELECT record FROM events_raw");
  assert.deepEqual(multiset(viewRows.map((r) => Buffer.from(r.record, "utf8"))), want, "events_raw view: the same");

  // Every file in its partition: event_type and the first ten characters of created_datetime.
  for (const { file, data } of lines) {
    const ev = JSON.parse(data.toString("utf8"));
    assert.ok(file.startsWith(`event_type=${ev.event_type}/dt=${ev.created_datetime.slice(0, 10)}/`), `${file} holds ${ev.event_type} ${ev.created_datetime}`);
  }
  const misplaced = await q(`SELECT count(*)::INTEGER AS n FROM read_parquet('${lake}/parquet/events/*/*/*.parquet', filename = true, hive_partitioning = false)
    WHERE filename NOT LIKE '%/event_type=' || split_part(event_name, ':', 1) || '/dt=' || strftime(created_datetime, '%Y-%m-%d') || '/%'`);
  assert.equal(misplaced[0].n, 0, "every Parquet row sits in its partition");

  // events: one typed row per Kinesis record, values as sent.
  const cols = Object.fromEntries((await q("DESCRIBE events")).map((r) => [r.column_name, r.column_type]));
  const layout = await loadLayout(ROOT);
  const declared = Object.fromEntries(layout.readCatalog().columns.map((c) => [c.name, duckType(c.type)]));
  assert.deepEqual(cols, { ...declared, event_type: "VARCHAR", dt: "VARCHAR" }, "events: the common, derived and catalog columns, then the partition keys");
  assert.deepEqual(Object.keys(cols).slice(0, 5), ["event_uuid", "event_name", "created_at", "created_datetime", "event_subtype"]);
  const rows = await q("SELECT event_uuid, event_name, created_at, epoch_us(created_datetime) AS us, event_subtype, event_type, dt FROM events");
  assert.equal(rows.length, good.length, "events has one row per Kinesis record");
  const key = (o) => [o.event_uuid, o.event_name, o.created_at, o.us, o.event_subtype, o.event_type, o.dt].join("|");
  const expectRows = good.map((b) => {
    const e = JSON.parse(b.toString("utf8"));
    const [, frac = ""] = e.created_datetime.replace("Z", "").split(".");
    const us = BigInt(Date.parse(e.created_datetime.slice(0, 19) + "Z")) * 1000n + BigInt((frac + "000000").slice(0, 6));
    return key({ ...e, us, dt: e.created_datetime.slice(0, 10) });
  });
  assert.deepEqual(multiset(rows.map((r) => Buffer.from(key(r)))), multiset(expectRows.map((r) => Buffer.from(r))), "typed columns equal the record's fields");
  const meta = await q(`SELECT DISTINCT compression FROM parquet_metadata('${lake}/parquet/events/*/*/*.parquet')`);
  assert.deepEqual(meta.map((m) => m.compression), ["SNAPPY"]);

  // The dedup view: one row per distinct event_uuid; counts per type and day as sent.
  const sentUnique = new Map();
  for (const b of good) { const e = JSON.parse(b.toString("utf8")); sentUnique.set(e.event_uuid, e); }
  const dd = await q("SELECT count(*)::INTEGER AS n, count(DISTINCT event_uuid)::INTEGER AS u FROM events_dedup");
  assert.deepEqual(dd[0], { n: sentUnique.size, u: sentUnique.size });
  assert.ok(sentUnique.size < good.length, "the test sent duplicates");
  const perDay = (evs) => {
    const m = {};
    for (const e of evs) { const kk = `${e.event_type}/${e.created_datetime.slice(0, 10)}`; m[kk] = (m[kk] ?? 0) + 1; }
    return m;
  };
  const got = Object.fromEntries((await q("SELECT event_type || '/' || dt AS k, count(*)::INTEGER AS n FROM events_dedup GROUP BY 1")).map((r) => [r.k, r.n]));
  assert.deepEqual(got, perDay(sentUnique.values()));
  assert.ok(Object.keys(got).length >= 60 * 1 && new Set(Object.keys(got).map((x) => x.split("/")[1])).size === 5, "60 types over 5 days");
  const gotAll = Object.fromEntries((await q("SELECT event_type || '/' || dt AS k, count(*)::INTEGER AS n FROM events GROUP BY 1")).map((r) => [r.k, r.n]));
  assert.deepEqual(gotAll, perDay(good.map((b) => JSON.parse(b.toString("utf8")))));

  // A 30-digit integer and the escapes survive in the raw zone, readable with the docs' function.
  const big = await q("SELECT json_extract_scalar(record, '$.amount') AS a, json_extract_string(record, '$.note') AS n FROM events_raw WHERE json_extract_string(record, '$.note') LIKE '%#3'");
  assert.ok(big.length >= 1);
  assert.match(big[0].a, /^[1-9]\d{29}$/);
  assert.equal(big[0].n, 'café "q" \\ \n\t/ é 中文 😀 #3');

  // Errors: with the reason, in the module's error prefixes, nothing silent.
  const errs = (zone, type) => listFiles(join(lake, "errors", zone, type)).flatMap((f) => {
    const b = readFileSync(join(lake, "errors", zone, type, f));
    return (f.endsWith(".gz") ? gunzipSync(b) : b).toString().trim().split("\n").map((l) => JSON.parse(l));
  });
  const rawProc = errs("raw", "processing-failed");
  assert.deepEqual(new Set(rawProc.map((e) => e.rawData)), new Set(bad.slice(0, 3).map((b) => b.toString("base64"))));
  assert.ok(rawProc.every((e) => e.errorCode && e.errorMessage));
  assert.equal(errs("parquet", "processing-failed").length, 3);
  const conv = errs("parquet", "format-conversion-failed");
  assert.deepEqual(conv.map((e) => e.rawData), [bad[3].toString("base64")]);
  assert.match(conv[0].errorMessage, /created_at/);
  for (const f of listFiles(join(lake, "errors"))) assert.match(f, /^(raw|parquet)\/(processing-failed|format-conversion-failed)\/\d{4}\/\d{2}\/\d{2}\//);

  // Files delivered before the first kill were never rewritten.
  for (const [f, mtime] of early) assert.equal(statSync(join(lake, f)).mtimeMs, mtime, `${f} unchanged`);

  // The Athena queries of docs/ run as written.
  for (const sql of athenaQueries()) await q(sql);

  // The command line: scripts/lake.sh tables and query.
  const sh = (...args) => execFileSync("bash", [join(ROOT, "scripts/lake.sh"), "--lake", lake, ...args], { encoding: "utf8" });
  const tables = sh("tables");
  assert.match(tables, new RegExp(`│ events +│ ${good.length} +│`));
  assert.match(tables, new RegExp(`│ events_raw +│ ${good.length + 1} +│`));
  assert.match(tables, new RegExp(`│ events_dedup +│ ${sentUnique.size} +│`));
  const json = sh("--json", "query", "-- a comment first\nSELECT count(*)::INTEGER AS n FROM events_dedup WHERE event_type = 'type07'");
  assert.deepEqual(JSON.parse(json), { n: perDay(sentUnique.values())[Object.keys(got).find((x) => x.startsWith("type07/"))] });
});

// A record as the gateway would have enriched it, for the KPL path.
function enrichedLike(i) {
  const s = BASE + (i % 5) * DAY + 7;
  return JSON.stringify({ event_uuid: randomUUID(), event_name: `kpl${i % 3}:agg`, created_at: s + 0.5, note: `kpl ${i}`,
    created_datetime: new Date((s + 0.5) * 1000).toISOString(), event_type: `kpl${i % 3}`, event_subtype: "agg" });
}

// ```sql blocks of docs/*.md whose first line is "-- Athena".
export function athenaQueries() {
  const out = [];
  for (const f of ["docs/data-lake-fields.md", "docs/architecture.md", "docs/local-lake.md"]) {
    let text;
    try { text = readFileSync(join(ROOT, f), "utf8"); } catch { continue; }
    for (const m of text.matchAll(/```sql\n([\s\S]*?)```/g)) if (/^-- Athena\b/.test(m[1])) out.push(m[1]);
  }
  assert.ok(out.length >= 1, "docs hold Athena queries");
  return out;
}
