// Reads every shard of a Kinesis stream with the AWS SDK v3 client, the way a
// Firehose Kinesis source does: one GetRecords loop per shard, shards found
// again periodically (a reshard adds children; a child starts once its
// parents are read to their end), KPL-aggregated records split into their
// user records. Each shard resumes after the position the lake writer last
// delivered.
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from "@aws-sdk/client-kinesis";
import agg from "aws-kinesis-agg";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

// One Kinesis record -> its user records ({data: Buffer, ...}); a record that
// has the KPL magic but does not decode carries `error`.
export function userRecords(rec) {
  const data = Buffer.from(rec.Data);
  const base = { sequenceNumber: rec.SequenceNumber, partitionKey: rec.PartitionKey, arrival: rec.ApproximateArrivalTimestamp };
  if (data.length < 20 || !data.subarray(0, 4).equals(KPL_MAGIC)) return [{ ...base, data }];
  let err = null;
  let out = [];
  agg.deaggregateSync({ data: data.toString("base64"), partitionKey: rec.PartitionKey, sequenceNumber: rec.SequenceNumber }, true, (e, recs) => {
    if (e) err = err ?? e;
    if (recs) out = recs;
  });
  if (err) return [{ ...base, data, error: `KPL de-aggregation failed: ${err.message ?? err}` }];
  return out.map((u) => ({ ...base, data: Buffer.from(u.data, "base64"), subSequenceNumber: u.subSequenceNumber, partitionKey: u.partitionKey }));
}

export class StreamReader {
  // onFatal(error): a shard's reader stopped on an error it cannot retry;
  // the caller decides what happens to the process (delivery.mjs stops it).
  constructor({ client, stream, lake, pollMs = 250, discoverMs = 5000, limit = 10000, log = () => {}, onFatal = (e) => { throw e; } }) {
    Object.assign(this, { client, stream, lake, pollMs, discoverMs, limit, log, onFatal });
    this.running = false;
    this.loops = new Map(); // shardId -> Promise
    this.finished = new Set();
    this.known = new Map(); // shardId -> shard
  }

  async listShards() {
    const shards = [];
    let token;
    do {
      const res = await this.client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.stream }));
      shards.push(...(res.Shards ?? []));
      token = res.NextToken;
    } while (token);
    return shards;
  }

  // Waits for the stream to exist, then starts a loop per shard.
  async start() {
    this.running = true;
    for (let waited = false; ; waited = true) {
      try {
        const d = await this.client.send(new DescribeStreamSummaryCommand({ StreamName: this.stream }));
        this.lake.bindStream(new Date(d.StreamDescriptionSummary.StreamCreationTimestamp).toISOString());
        await this.discover();
        break;
      } catch (e) {
        if (e.name !== "ResourceNotFoundException" || !this.running) throw e;
        if (!waited) this.log({ level: "info", msg: "waiting for the stream", stream: this.stream });
        await sleep(500);
      }
    }
    this.discoverTimer = setInterval(() => this.discover().catch((e) => this.log({ level: "warn", msg: "ListShards failed", error: String(e) })), this.discoverMs);
    return this.known.size;
  }

  async discover() {
    const shards = await this.listShards();
    const cp = this.lake.checkpoint();
    for (const s of shards) {
      if (this.known.has(s.ShardId)) continue;
      this.known.set(s.ShardId, s);
      if (cp[s.ShardId]?.closed) { this.finished.add(s.ShardId); continue; }
      if (this.running) this.loops.set(s.ShardId, this.shardLoop(s));
    }
  }

  parentsDone(shard) {
    return [shard.ParentShardId, shard.AdjacentParentShardId]
      .filter((p) => p && this.known.has(p))
      .every((p) => this.finished.has(p));
  }

  // An iterator after sequence number `after` (null: from the shard's start).
  async iterator(shardId, after) {
    const args = after
      ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after }
      : { ShardIteratorType: "TRIM_HORIZON" };
    const res = await this.client.send(new GetShardIteratorCommand({ StreamName: this.stream, ShardId: shardId, ...args }));
    return res.ShardIterator;
  }

  async shardLoop(shard) {
    const id = shard.ShardId;
    try {
      while (this.running && !this.parentsDone(shard)) await sleep(this.pollMs);
      if (!this.running) return;
      let last = this.lake.checkpoint()[id]?.sequenceNumber ?? null;
      let it = await this.iterator(id, last);
      this.log({ level: "info", msg: "reading shard", shard: id, after: last ?? "TRIM_HORIZON" });
      // The next GetRecords goes out while the lake buffers the last answer;
      // batches still reach the lake one at a time and in order.
      let adding = Promise.resolve();
      while (this.running && it) {
        let res;
        try {
          res = await this.client.send(new GetRecordsCommand({ ShardIterator: it, Limit: this.limit }));
        } catch (e) {
          if (!this.running) break;
          this.log({ level: "warn", msg: "GetRecords failed; retrying", shard: id, error: String(e.name ?? e) });
          await sleep(1000);
          // The old iterator may have expired: start again after the last
          // record handed to the lake (it is buffered or delivered).
          it = await this.iterator(id, last);
          continue;
        }
        const recs = res.Records ?? [];
        const closed = !res.NextShardIterator;
        // How far behind the stream this shard's reader is: the lake grows
        // its buffer while a reader is behind (kinesalite reports
        // MillisBehindLatest 0, so the newest record's arrival counts too).
        const newest = recs.length ? new Date(recs[recs.length - 1].ApproximateArrivalTimestamp ?? Date.now()).getTime() : Date.now();
        this.lake.reading?.(id, closed ? 0 : Math.max(res.MillisBehindLatest ?? 0, Date.now() - newest));
        if (recs.length || closed) {
          const users = recs.flatMap(userRecords);
          if (recs.length) last = recs[recs.length - 1].SequenceNumber;
          await adding;
          adding = this.lake.add(id, users, { sequenceNumber: last, closed });
        }
        if (closed) {
          await adding;
          this.finished.add(id);
          this.log({ level: "info", msg: "shard closed and read to its end", shard: id });
          break;
        }
        it = res.NextShardIterator;
        // A full answer means more is waiting (kinesalite reports
        // MillisBehindLatest 0 even then); otherwise pause like Firehose's
        // poll, which keeps within the 5 reads/s per shard of real Kinesis.
        if (recs.length < this.limit && !res.MillisBehindLatest) await sleep(this.pollMs);
      }
      await adding;
    } catch (e) {
      if (this.running) {
        this.log({ level: "error", msg: "shard reader stopped", shard: id, error: String(e?.stack ?? e) });
        this.onFatal(e);
      }
    }
  }

  async stop() {
    this.running = false;
    clearInterval(this.discoverTimer);
    await Promise.all(this.loops.values());
  }
}
