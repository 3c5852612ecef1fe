// Reads back every record of a stream from a Kinesis emulator (kinesalite)
// and prints counts in the shape of fake_kinesis's GET /stats:
//   node loadtest/bench/kinesis_count.mjs <endpoint-url> <stream> [calls]
// {"calls":<calls>,"records":n,"unique":u,"duplicates":d,"no_uuid":x,"bytes":b}
// unique/duplicates count the records' event_uuid values. kinesalite does not
// check signatures, so requests carry a well-formed but unsigned header.
// Only for local emulators: it reads from 127.0.0.1 and stops after 60 s.
const [endpoint, stream, calls = '0'] = process.argv.slice(2);
if (!endpoint || !stream) {
    console.error('usage: kinesis_count.mjs <endpoint-url> <stream> [calls]');
    process.exit(2);
}
if (!/^http:\/\/127\.0\.0\.1:\d+\/?$/.test(endpoint)) {
    console.error('kinesis_count.mjs: endpoint must be http://127.0.0.1:PORT');
    process.exit(2);
}
const deadline = Date.now() + 60000;

async function call(target, body) {
    const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
            'Content-Type': 'application/x-amz-json-1.1',
            'X-Amz-Target': `Kinesis_20131202.${target}`,
            'X-Amz-Date': now,
            Authorization: `AWS4-HMAC-SHA256 Credential=bench/${now.slice(0, 8)}/us-east-1/kinesis/`
                + `aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
        body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) {
        throw new Error(`${target}: HTTP ${res.status} ${text}`);
    }
    return JSON.parse(text);
}

const seen = new Set();
const counts = { records: 0, unique: 0, duplicates: 0, no_uuid: 0, bytes: 0 };

function count(rec) {
    const data = Buffer.from(rec.Data, 'base64');
    counts.records++;
    counts.bytes += data.length + Buffer.byteLength(rec.PartitionKey);
    const m = /"event_uuid"\s*:\s*"([0-9a-fA-F-]{36})"/.exec(data.toString('utf8'));
    if (!m) {
        counts.no_uuid++;
    } else if (seen.has(m[1].toLowerCase())) {
        counts.duplicates++;
    } else {
        seen.add(m[1].toLowerCase());
        counts.unique++;
    }
}

async function readShard(shardId) {
    let it = (await call('GetShardIterator', {
        StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON',
    })).ShardIterator;
    while (it && Date.now() < deadline) {
        const r = await call('GetRecords', { ShardIterator: it, Limit: 10000 });
        r.Records.forEach(count);
        if (r.Records.length === 0) {
            break; // nothing more is being written: the benchmark has stopped
        }
        it = r.NextShardIterator;
    }
}

const desc = await call('DescribeStream', { StreamName: stream });
for (const shard of desc.StreamDescription.Shards) {
    await readShard(shard.ShardId);
}
console.log(JSON.stringify({ calls: Number(calls), ...counts }));
