// The KPL aggregates of server/kinesis/kpl.c decoded by awslabs' own de-aggregator
// (npm aws-kinesis-agg, the module Lambda consumers use), checksums on:
// every user record comes back with its partition key and bytes, in order,
// and no aggregate passes its maximum size. Then whole PutRecords calls
// packed by server/kinesis/kpl_pack.c for streams of several shards: every user
// record of an aggregate hashes into the shard its ExplicitHashKey names (the
// check KCL makes before it keeps a sub-record), and nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

const require = createRequire(import.meta.url);
const agg = require('aws-kinesis-agg');
const ENCODER = process.env.KPL_ENCODE;

function encode(records, maxBytes) {
  const input = records.map((r) => `${r.key}\t${r.data}\n`).join('');
  const out = spawnSync(ENCODER, [String(maxBytes)], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, `kpl_encode failed: ${out.stderr}`);
  return out.stdout.split('\n').filter(Boolean);
}

function deaggregate(b64) {
  let result;
  agg.deaggregateSync({ partitionKey: 'agg', data: b64, sequenceNumber: '1' }, true,
    (err, users) => {
      if (err) throw err;
      result = users;
    });
  return result;
}

function events(n, { sameKeyEvery = 0, size = 300 } = {}) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const key = sameKeyEvery && i % sameKeyEvery ? `client-${Math.floor(i / sameKeyEvery)}`
      : `k-${i}-Ж-${'x'.repeat(i % 40)}`;
    const pad = 'é✓'.repeat((i * 37) % size);
    out.push({ key, data: JSON.stringify({ event_uuid: `uuid-${i}`, i, pad }) });
  }
  return out;
}

for (const [name, records, maxBytes] of [
  ['300-byte events, KPL default maximum', events(2000), 51200],
  ['keys repeated by consecutive records', events(500, { sameKeyEvery: 7 }), 51200],
  ['small maximum: many aggregates', events(300, { size: 60 }), 2048],
  ['records near the maximum', events(40, { size: 4000 }), 30000],
]) {
  test(name, () => {
    assert.ok(ENCODER, 'KPL_ENCODE names the kpl_encode driver');
    const aggregates = encode(records, maxBytes);
    const back = [];
    for (const b64 of aggregates) {
      const raw = Buffer.from(b64, 'base64');
      assert.ok(raw.length <= maxBytes, `aggregate of ${raw.length} bytes > ${maxBytes}`);
      assert.equal(raw.subarray(0, 4).toString('hex'), 'f3899ac2');
      const users = deaggregate(b64);
      assert.ok(users.length >= 1);
      back.push(...users);
    }
    assert.equal(back.length, records.length);
    back.forEach((u, i) => {
      assert.equal(u.partitionKey, records[i].key, `record ${i} key`);
      assert.equal(Buffer.from(u.data, 'base64').toString('utf8'), records[i].data,
        `record ${i} data`);
    });
    if (records.length > 1) assert.ok(aggregates.length < records.length);
  });
}

test('a corrupted aggregate is refused by the checksum', () => {
  const [b64] = encode(events(5), 51200);
  const raw = Buffer.from(b64, 'base64');
  raw[10] ^= 1;
  assert.throws(() => deaggregate(raw.toString('base64')), /checksum/i);
});

const MAX_KEY = (1n << 128n) - 1n;
const hashOf = (key) => BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));

// The shard of `shards` even shards that owns hash h (as kpl_encode lays them out).
function shardOf(h, shards) {
  const step = MAX_KEY / BigInt(shards);
  for (let i = 0; i < shards; i++) {
    const end = i + 1 === shards ? MAX_KEY : step * BigInt(i + 1);
    if (h <= end) return i;
  }
  return -1;
}

function packCall(records, maxBytes, shards) {
  const input = records.map((r) => `${r.key}\t${r.data}\n`).join('');
  const out = spawnSync(ENCODER, [String(maxBytes), String(shards)],
    { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, `kpl_encode failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

for (const [name, records, maxBytes, shards] of [
  ['a call of 300-byte events on 4 shards', events(2000), 51200, 4],
  ['one client key per 7 records on 16 shards', events(700, { sameKeyEvery: 7 }), 51200, 16],
  ['a single shard', events(300), 51200, 1],
  ['small aggregates on 3 shards', events(400, { size: 60 }), 4096, 3],
]) {
  test(`call: ${name}`, () => {
    const entries = packCall(records, maxBytes, shards);
    const back = [];
    let aggregated = 0;
    for (const e of entries) {
      const raw = Buffer.from(e.Data, 'base64');
      if (e.ExplicitHashKey === undefined) {
        back.push({ key: e.PartitionKey, data: raw.toString('utf8') });
        continue;
      }
      aggregated++;
      assert.ok(raw.length <= maxBytes, `aggregate of ${raw.length} bytes`);
      const ehk = BigInt(e.ExplicitHashKey);
      assert.equal(ehk, hashOf(e.PartitionKey), 'ExplicitHashKey is the first key\'s hash');
      const shard = shardOf(ehk, shards);
      const users = deaggregate(e.Data);
      assert.ok(users.length > 1, 'an aggregate of one is sent plain instead');
      for (const u of users) {
        assert.equal(shardOf(hashOf(u.partitionKey), shards), shard,
          `sub-record ${u.partitionKey} outside the aggregate's shard: KCL would drop it`);
        back.push({ key: u.partitionKey, data: Buffer.from(u.data, 'base64').toString('utf8') });
      }
    }
    assert.ok(aggregated > 0 && entries.length < records.length / 5,
      `${records.length} records in ${entries.length} entries`);
    const key = (r) => `${r.key}\u0000${r.data}`;
    assert.deepEqual(back.map(key).sort(), records.map(key).sort(), 'every record exactly once');
  });
}
