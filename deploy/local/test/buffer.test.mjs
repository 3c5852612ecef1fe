// The lake writer's buffer policy, on real parts (jq, DuckDB, the Terraform's
// layout) without Kinesis: while a reader is behind the stream the buffer
// grows past --buffer-bytes up to --max-buffer-bytes, once it is caught up a
// full buffer flushes again; and flush after flush through the staging
// directories that stay between flushes, every record is in exactly one
// Parquet and one raw file of its partition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadLayout } from "../layout.mjs";
import { LakeWriter, listFiles } from "../lake-writer.mjs";
import { ROOT } from "../testkit/helpers.mjs";

let seq = 0;
// n records of 4 partitions (2 types x 2 days), about 150 bytes each.
function batch(n) {
  return Array.from({ length: n }, () => {
    const i = seq++;
    const type = `t${(i >> 1) % 2}`;
    const text = JSON.stringify({
      event_uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, event_name: `${type}:x`, created_at: 1764583200 + (i % 2) * 86400,
      created_datetime: i % 2 ? "2025-12-02T10:00:00Z" : "2025-12-01T10:00:00Z", event_type: type, event_subtype: "x",
    });
    return { data: Buffer.from(text), sequenceNumber: String(1000 + i), partitionKey: "k", arrival: new Date() };
  });
}

test("the buffer grows while a reader is behind, and every record is in one file of its partition", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sg-lake-buffer-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logs = [];
  const lake = await new LakeWriter({
    dir, layout: await loadLayout(ROOT), stream: "events", bufferBytes: 2000, maxBufferBytes: 1 << 20, intervalMs: 600000,
    log: (o) => logs.push(o),
  }).open();
  let closed = false;
  t.after(() => (closed ? undefined : lake.close()));
  lake.bindStream("2025-12-01T00:00:00.000Z");
  const add = (b) => lake.add("shardId-000000000000", b, { sequenceNumber: b[b.length - 1].sequenceNumber, closed: false });

  // Behind: 30 kB buffered, 15 times --buffer-bytes, and no flush.
  lake.reading("shardId-000000000000", 3_600_000);
  for (let i = 0; i < 10; i++) await add(batch(20));
  assert.equal(lake.stats.flushes, 0, "no flush at --buffer-bytes while behind");
  assert.ok(lake.cur.bytes > 15 * 2000, `${lake.cur.bytes} bytes buffered`);

  // Caught up: the next add finds a full buffer and flushes it.
  lake.reading("shardId-000000000000", 0);
  await add(batch(20));
  await lake.flushChain;
  const first = logs.filter((l) => l.msg === "flush");
  assert.equal(first.length, 1);
  assert.equal(first[0].records, 220);
  assert.equal(first[0].files, 8, "one Parquet and one raw file per partition");
  assert.equal(first[0].lag_ms, 0);

  // More flushes through the same staging directories, with fewer partitions.
  await add(batch(40));
  await lake.flushChain;
  await add(batch(1)); // one partition
  await lake.flush("size");
  await lake.flushChain;
  await lake.close();
  closed = true;
  const flushes = logs.filter((l) => l.msg === "flush");
  assert.deepEqual(flushes.map((f) => [f.records, f.files]), [[220, 8], [40, 8], [1, 2]]);
  assert.deepEqual(listFiles(join(dir, "_staging")), [], "nothing left in staging");
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "_checkpoints", "events.json"), "utf8")).shards, { "shardId-000000000000": { sequenceNumber: String(1000 + seq - 1), closed: false } });

  // Each record once, in a file of its partition, in both zones.
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll(`SELECT event_uuid, split_part(event_name, ':', 1) AS event_type, created_datetime::DATE::VARCHAR AS day, filename FROM read_parquet('${dir}/parquet/events/*/*/*.parquet', filename = true, hive_partitioning = false)`)).getRowObjects();
  assert.equal(rows.length, seq);
  assert.equal(new Set(rows.map((r) => r.event_uuid)).size, seq);
  for (const r of rows) assert.ok(r.filename.includes(`/event_type=${r.event_type}/dt=${r.day}/`), `${r.event_uuid} is in ${r.filename}`);
  conn.closeSync();
  db.closeSync();
  const raw = listFiles(join(dir, "raw")).flatMap((f) => gunzipSync(readFileSync(join(dir, "raw", f))).toString().split("\n").filter(Boolean).map((l) => [f, JSON.parse(l)]));
  assert.equal(raw.length, seq);
  assert.equal(new Set(raw.map(([, e]) => e.event_uuid)).size, seq);
  for (const [f, e] of raw) assert.ok(f.includes(`event_type=${e.event_type}/dt=${e.created_datetime.slice(0, 10)}/`), f);
});

test("after a failed flush nothing more is committed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sg-lake-buffer-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lake = await new LakeWriter({ dir, layout: await loadLayout(ROOT), stream: "events", intervalMs: 600000, log: () => {} }).open();
  lake.bindStream("2025-12-01T00:00:00.000Z");
  const add = (b) => lake.add("shardId-000000000000", b, { sequenceNumber: b[b.length - 1].sequenceNumber, closed: false });
  const checkpoint = () => JSON.parse(readFileSync(join(dir, "_checkpoints", "events.json"), "utf8")).shards["shardId-000000000000"].sequenceNumber;
  const b1 = batch(10);
  await add(b1);
  await lake.flush("size");
  assert.equal(checkpoint(), b1[9].sequenceNumber);
  // The Parquet COPY of the next flush fails: its staging directory is a file.
  rmSync(join(dir, "_staging", "parquet-0"), { recursive: true });
  writeFileSync(join(dir, "_staging", "parquet-0"), "in the way");
  await add(batch(10));
  await assert.rejects(lake.flush("size"));
  rmSync(join(dir, "_staging", "parquet-0"));
  await add(batch(10));
  await assert.rejects(lake.flush("size"), /an earlier flush failed/);
  await assert.rejects(lake.close(), /an earlier flush failed/);
  assert.equal(checkpoint(), b1[9].sequenceNumber, "the checkpoint stays before the records of the failed flush");
  assert.equal(listFiles(join(dir, "parquet")).length, 4);
});
