// A reshard while the delivery runs: the parent shard is read to its end,
// the children that appear are found and read, and a restart resumes from
// the checkpoint without reading a closed shard again. Real kinesalite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { ListShardsCommand, PutRecordsCommand, SplitShardCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { createStream, sleep, startDelivery, startKinesalite } from "../testkit/helpers.mjs";
import { listFiles } from "../lake-writer.mjs";

function record(i) {
  const s = 1733011200 + i;
  return JSON.stringify({ event_uuid: randomUUID(), event_name: "reshard:test", created_at: s,
    created_datetime: new Date(s * 1000).toISOString().replace(".000", ""), event_type: "reshard", event_subtype: "test", i });
}

async function putAll(client, texts) {
  for (let i = 0; i < texts.length; i += 100) {
    const r = await client.send(new PutRecordsCommand({ StreamName: "events", Records: texts.slice(i, i + 100).map((t, j) => ({ Data: Buffer.from(t), PartitionKey: `p${i + j}` })) }));
    assert.equal(r.FailedRecordCount, 0);
  }
}

function delivered(lake) {
  const out = [];
  for (const f of listFiles(join(lake, "raw/events")).filter((x) => x.endsWith(".gz"))) {
    out.push(...gunzipSync(readFileSync(join(lake, "raw/events", f))).toString().split("\n").filter(Boolean));
  }
  return out;
}

test("shards that appear after a reshard are read, the parent to its end first", { timeout: 60000 }, async (t) => {
  const k = await startKinesalite();
  t.after(() => k.stop());
  await createStream(k.client, "events", 1);
  const lake = mkdtempSync(join(tmpdir(), "sg-lake-reshard-"));
  t.after(() => rmSync(lake, { recursive: true, force: true }));
  const opts = ["--interval-ms", "200", "--poll-ms", "50"];
  let d = await startDelivery(k.endpoint, lake, opts);
  t.after(() => d.stop("SIGKILL"));

  const texts = Array.from({ length: 600 }, (_, i) => record(i));
  await putAll(k.client, texts.slice(0, 300));
  await k.client.send(new SplitShardCommand({ StreamName: "events", ShardToSplit: "shardId-000000000000", NewStartingHashKey: (2n ** 127n).toString() }));
  for (let i = 0; i < 100; i++) {
    const s = await k.client.send(new DescribeStreamSummaryCommand({ StreamName: "events" }));
    if (s.StreamDescriptionSummary.StreamStatus === "ACTIVE") break;
    await sleep(50);
  }
  const { Shards } = await k.client.send(new ListShardsCommand({ StreamName: "events" }));
  assert.equal(Shards.length, 3, "one closed parent, two children");
  await putAll(k.client, texts.slice(300, 450));
  await d.waitFor(/"shard closed and read to its end"/);
  const closedAt = d.lines.findIndex((l) => l.includes('"shard closed and read to its end"') && l.includes("shardId-000000000000"));
  for (const child of ["shardId-000000000001", "shardId-000000000002"]) {
    await d.waitFor(new RegExp(`"reading shard","shard":"${child}"`));
    assert.ok(d.lines.findIndex((l) => l.includes('"reading shard"') && l.includes(child)) > closedAt, `${child} is read after its parent ended`);
  }
  for (let i = 0; delivered(lake).length < 450; i++) { assert.ok(i < 150, "the children's records arrive"); await sleep(100); }

  // Restart: the closed parent is not read again, the children resume.
  assert.deepEqual(await d.stop("SIGTERM"), { code: 0, signal: null });
  const cp = JSON.parse(readFileSync(join(lake, "_checkpoints", "events.json"), "utf8")).shards;
  assert.equal(cp["shardId-000000000000"].closed, true);
  assert.ok(cp["shardId-000000000001"] && cp["shardId-000000000002"], "both children have a checkpoint");
  d = await startDelivery(k.endpoint, lake, opts);
  await putAll(k.client, texts.slice(450));
  for (let i = 0; delivered(lake).length < 600; i++) { assert.ok(i < 150, "records after the restart arrive"); await sleep(100); }
  await sleep(500); // a late duplicate would show up by now
  assert.deepEqual(await d.stop("SIGTERM"), { code: 0, signal: null });
  assert.ok(!d.lines.some((l) => l.includes("shardId-000000000000") && l.includes("closed and read")), "the closed parent was not read again");
  assert.deepEqual(delivered(lake).sort(), [...texts].sort(), "every record once");
});

test("a stream created again (a fresh kinesalite) is read from its start; delivered files stay", { timeout: 60000 }, async (t) => {
  const lake = mkdtempSync(join(tmpdir(), "sg-lake-recreate-"));
  t.after(() => rmSync(lake, { recursive: true, force: true }));
  const texts = Array.from({ length: 40 }, (_, i) => record(i));
  for (const [n, part] of [[1, texts.slice(0, 20)], [2, texts.slice(20)]]) {
    const k = await startKinesalite();
    try {
      await createStream(k.client, "events", 2);
      const d = await startDelivery(k.endpoint, lake, ["--interval-ms", "200", "--poll-ms", "50"]);
      await putAll(k.client, part);
      for (let i = 0; delivered(lake).length < n * 20; i++) { assert.ok(i < 100, `run ${n} delivers`); await sleep(100); }
      assert.deepEqual(await d.stop("SIGTERM"), { code: 0, signal: null });
      assert.equal(d.lines.some((l) => l.includes("created again")), n === 2);
    } finally {
      await k.stop();
    }
    await sleep(1100); // a new stream, a new creation time
  }
  assert.deepEqual(delivered(lake).sort(), [...texts].sort());
});
