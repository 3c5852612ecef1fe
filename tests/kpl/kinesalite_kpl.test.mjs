// KPL aggregation end to end: the real gateway ($STREAMGATE_BIN) with an
// aggregating stream in front of kinesalite (several shards), clients on
// both routes, and every Kinesis record read back and taken apart with
// awslabs' de-aggregator (aws-kinesis-agg, checksums on). Reading applies
// KCL's rule: a sub-record whose hash key lies outside the shard it was read
// from is dropped. Checked: every acknowledged event is kept exactly once,
// with the SequenceNumber and ShardId its client got; aggregates carry many
// events; with a shard split while clients send, no acknowledged event is
// lost; and through the local lake (deploy/local, the Firehose stand-in that
// de-aggregates as Firehose does) every acknowledged event is in events_raw
// exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, ListShardsCommand,
  GetShardIteratorCommand, GetRecordsCommand, SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { freePort } from '../../deploy/local/testkit/helpers.mjs';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DELIVERY = join(ROOT, 'deploy', 'local', 'delivery.mjs');
const BIN = process.env.STREAMGATE_BIN || join(ROOT, 'build', 'streamgate');
const MAGIC = 'f3899ac2';

const procs = [];
let tmp;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function start(cmd, args, env) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  p.out = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.out += d; });
  procs.push(p);
  return p;
}

async function kinesalite() {
  const port = await freePort();
  start(join(ROOT, 'node_modules', '.bin', 'kinesalite'),
    ['--port', String(port), '--shardLimit', '100', '--createStreamMs', '0',
      '--deleteStreamMs', '0', '--updateStreamMs', '200'], process.env);
  const client = new KinesisClient({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // kinesalite speaks HTTP/1.1; the Kinesis client's default handler is HTTP/2
    requestHandler: new NodeHttpHandler(),
  });
  await until('kinesalite', () => fetch(`http://127.0.0.1:${port}/`).then(() => true));
  return { port, client };
}

async function createStream(client, name, shards) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await until(`${name} ACTIVE`, async () => (await client.send(
    new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary
    .StreamStatus === 'ACTIVE');
}

async function gateway(kinesisPort, stream) {
  const config = {
    listen: '127.0.0.1:0', threads: 2, log_level: 'info',
    kinesis: { region: 'us-east-1', linger_ms: 5, max_in_flight: 4, deadline_ms: 15000,
      backoff_base_ms: 20, backoff_max_ms: 200 },
    shutdown: { delay_ms: 0, drain_timeout_ms: 5000 },
    streams: [{ name: stream, stream_name: stream, mode: 'event', aggregation: 'kpl',
      aggregation_linger_ms: 20 }],
  };
  const path = join(tmp, `${stream}.json`);
  writeFileSync(path, JSON.stringify(config));
  const env = {
    PATH: process.env.PATH, HOME: tmp, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${kinesisPort}`,
  };
  const p = start(BIN, ['--config', path], env);
  const port = await until('gateway port', async () => {
    const m = p.out.match(/"port":(\d+)/);
    return m && Number(m[1]);
  });
  const base = `http://127.0.0.1:${port}`;
  await until('readiness', async () => (await fetch(`${base}/readyz`)).status === 200);
  await until('the shard map', async () => p.out.includes('aggregates packed by shard'));
  return { p, base };
}

function event(i) {
  // ~300 bytes stored, as the design volume's events
  return {
    event_uuid: randomUUID(), event_name: `app:screen${i % 7}:viewed`,
    created_at: 1712514065 + i, user_id: `user-${i % 97}`, screen: 'x'.repeat(140),
  };
}

// Sends `n` events over both routes; returns the acknowledgements by uuid.
async function send(base, stream, n, acks, { clients = 8 } = {}) {
  let next = 0;
  async function client(c) {
    while (next < n) {
      const batch = c % 2 === 0 ? 50 : 1;
      const evs = [];
      for (let k = 0; k < batch && next < n; k++) evs.push(event(next++));
      const route = batch === 1 ? 'record' : 'records';
      const body = batch === 1 ? { Data: evs[0] }
        : { records: evs.map((e) => ({ data: e })) };
      const r = await fetch(`${base}/streams/${stream}/${route}`, {
        method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const j = await r.json();
      assert.equal(r.status, 200, `${route}: ${r.status} ${JSON.stringify(j)}`);
      const entries = batch === 1 ? [j] : j.Records;
      entries.forEach((e, k) => {
        assert.ok(e.SequenceNumber && e.ShardId, `acknowledged: ${JSON.stringify(e)}`);
        acks.set(evs[k].event_uuid, e);
      });
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
}

const hashOf = (key) => BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));

function deaggregate(data) {
  let users;
  agg.deaggregateSync({ partitionKey: 'x', data: Buffer.from(data).toString('base64'),
    sequenceNumber: '0' }, true, (err, u) => { if (err) throw err; users = u; });
  return users;
}

// Every record of every shard, as KCL would see it: sub-records whose hash
// key is outside the shard read are dropped (and counted).
async function readAsKcl(client, stream) {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards;
  const kept = []; let dropped = 0; let kinesisRecords = 0; let aggregates = 0;
  for (const sh of shards) {
    const lo = BigInt(sh.HashKeyRange.StartingHashKey);
    const hi = BigInt(sh.HashKeyRange.EndingHashKey);
    let it = (await client.send(new GetShardIteratorCommand({
      StreamName: stream, ShardId: sh.ShardId, ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    while (it) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
      for (const rec of r.Records) {
        kinesisRecords++;
        const data = Buffer.from(rec.Data);
        const users = data.subarray(0, 4).toString('hex') === MAGIC
          ? (aggregates++, deaggregate(data))
          : [{ partitionKey: rec.PartitionKey, data: data.toString('base64') }];
        for (const u of users) {
          const h = u.explicitPartitionKey ? BigInt(u.explicitPartitionKey) : hashOf(u.partitionKey);
          if (h < lo || h > hi) { dropped++; continue; }
          kept.push({ event: JSON.parse(Buffer.from(u.data, 'base64').toString('utf8')),
            seq: rec.SequenceNumber, shard: sh.ShardId });
        }
      }
      if (!r.Records.length || r.MillisBehindLatest === 0) break;
      it = r.NextShardIterator;
    }
  }
  return { kept, dropped, kinesisRecords, aggregates };
}

let kin;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'sg-kpl-'));
  kin = await kinesalite();
});

after(async () => {
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => (p.exitCode !== null ? null
    : new Promise((r) => p.on('exit', r)))));
  rmSync(tmp, { recursive: true, force: true });
});

test('aggregated through kinesalite, 4 shards: every acknowledged event kept once', async () => {
  await createStream(kin.client, 'agg4', 4);
  const gw = await gateway(kin.port, 'agg4');
  const acks = new Map();
  await send(gw.base, 'agg4', 3000, acks);
  const { kept, dropped, kinesisRecords, aggregates } = await readAsKcl(kin.client, 'agg4');
  assert.equal(dropped, 0, 'no sub-record outside the shard it was stored in');
  const byUuid = new Map();
  for (const k of kept) {
    const list = byUuid.get(k.event.event_uuid) || [];
    list.push(k);
    byUuid.set(k.event.event_uuid, list);
  }
  for (const [uuid, ack] of acks) {
    const copies = byUuid.get(uuid) || [];
    assert.equal(copies.length, 1, `event ${uuid} kept ${copies.length} times`);
    assert.equal(copies[0].seq, ack.SequenceNumber, 'the client got its record\'s sequence number');
    assert.equal(copies[0].shard, ack.ShardId, 'and its shard');
    assert.equal(copies[0].event.event_type, 'app', 'enriched');
  }
  assert.equal(kept.length, acks.size, 'nothing unacknowledged stored');
  const ratio = acks.size / kinesisRecords;
  console.log(`3000 events in ${kinesisRecords} Kinesis records (${aggregates} aggregates):`
    + ` ${ratio.toFixed(1)} events per record`);
  assert.ok(aggregates > 0 && ratio > 5, `aggregated: ${ratio.toFixed(1)} events per record`);
  const metrics = await (await fetch(`${gw.base}/metrics`)).text();
  assert.match(metrics, new RegExp(`streamgate_kinesis_records_sent_total ${kinesisRecords}\\b`));
});

test('a shard split while clients send loses nothing', async () => {
  await createStream(kin.client, 'split', 2);
  const gw = await gateway(kin.port, 'split');
  const acks = new Map();
  const sending = send(gw.base, 'split', 4000, acks, { clients: 6 });
  await sleep(400);
  const shards = (await kin.client.send(new ListShardsCommand({ StreamName: 'split' }))).Shards;
  const s0 = shards[0];
  const mid = (BigInt(s0.HashKeyRange.StartingHashKey) + BigInt(s0.HashKeyRange.EndingHashKey)) / 2n;
  await kin.client.send(new SplitShardCommand({
    StreamName: 'split', ShardToSplit: s0.ShardId, NewStartingHashKey: mid.toString(),
  }));
  await sending;
  const { kept, dropped } = await readAsKcl(kin.client, 'split');
  const seen = new Set(kept.map((k) => k.event.event_uuid));
  const lost = [...acks.keys()].filter((u) => !seen.has(u));
  const metrics = await (await fetch(`${gw.base}/metrics`)).text();
  const misplaced = Number((metrics.match(/streamgate_aggregates_misplaced_total (\d+)/) || [])[1]);
  console.log(`split: ${acks.size} acknowledged, ${lost.length} lost, ${dropped} sub-records`
    + ` KCL drops, ${misplaced} aggregates sent again after landing outside their shard`);
  assert.equal(lost.length, 0, `acknowledged events lost: ${lost.slice(0, 3)}`);
  assert.equal(acks.size, 4000);
});

test('aggregated events reach the local lake once per acknowledgement', async () => {
  const { openLake } = await import('../../deploy/local/lake.mjs');
  // The delivery reads the stream the Terraform delivers: `events`.
  await createStream(kin.client, 'events', 4);
  const gw = await gateway(kin.port, 'events');
  const lake = join(tmp, 'lake');
  const d = start(process.execPath, [DELIVERY, '--endpoint', `http://127.0.0.1:${kin.port}`,
    '--stream', 'events', '--lake', lake], { ...process.env, AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' });
  await until('the delivery', async () => d.out.includes('delivery ready'), 60000);
  const acks = new Map();
  await send(gw.base, 'events', 2000, acks);
  let copies = new Map();
  await until('every event in events_raw', async () => {
    const { db, conn } = await openLake(lake);
    try {
      const rows = (await conn.runAndReadAll(
        "SELECT json_extract_string(record, '$.event_uuid') AS u, count(*) AS n FROM events_raw GROUP BY 1",
      )).getRowObjectsJS();
      copies = new Map(rows.map((r) => [r.u, Number(r.n)]));
    } finally {
      conn.closeSync();
      db.closeSync();
    }
    return [...acks.keys()].every((u) => copies.has(u));
  }, 90000);
  for (const u of acks.keys()) assert.equal(copies.get(u), 1, `event ${u}: ${copies.get(u)} copies`);
  assert.equal(copies.size, acks.size, 'nothing else in the lake');
});
