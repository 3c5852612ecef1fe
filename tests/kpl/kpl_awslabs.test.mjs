// The KPL aggregates of server/kpl.c decoded by awslabs' own de-aggregator
// (npm aws-kinesis-agg, the module Lambda consumers use), checksums on:
// every user record comes back with its partition key and bytes, in order,
// and no aggregate passes its maximum size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

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
