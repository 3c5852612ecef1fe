#!/usr/bin/env node
// The lake writer alone, without Kinesis: its CPU per record, by thread, for
// the records bench.mjs sends (as the gateway writes them to the stream:
// 100 types over 3 days, so 300 partitions), handed to it in batches of
// 10,000 per shard as the readers would. kinesalite and the SDK are left out,
// so the figure moves less with the machine's load than bench.mjs's.
//
//   node deploy/local/bench-writer.mjs [--records 100000] [--behind] [--root DIR]
//
// --behind: the readers say they are behind the stream (a backlog: the
//           buffer grows to --max-buffer-bytes); without it, the buffer
//           flushes at --buffer-bytes (4 MiB).
// --root:   the checkout whose deploy/local to run (another version's, to
//           compare on the same records); default this one.
// Prints JSON: records/s, CPU µs per record for the main thread, the other
// threads of the process (DuckDB, libuv's pool, V8's GC) and jq.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({ options: {
  records: { type: "string", default: "100000" }, behind: { type: "boolean", default: false },
  root: { type: "string", default: resolve(dirname(fileURLToPath(import.meta.url)), "..", "..") },
} });
const N = Math.min(Number(opt.records), 500000);
const root = resolve(opt.root);
const { loadLayout } = await import(join(root, "deploy/local/layout.mjs"));
const { LakeWriter, listFiles } = await import(join(root, "deploy/local/lake-writer.mjs"));

const now = Math.floor(Date.now() / 1000);
const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, "Z");
function record(i) {
  const t = `type${String(i % 100).padStart(2, "0")}`;
  const created = now - (i % 3) * 86400 + (i % 1000) / 1000;
  return `{"event_uuid":"${randomUUID()}","event_name":"${t}:bench","created_at":${created},"user_id":"u${i % 5000}","amount":${i % 977}.25,"currency":"EUR","note":"load test event number ${i} with a few more bytes of payload text","created_datetime":"${iso(created)}","event_type":"${t}","event_subtype":"bench"}`;
}
const shards = [0, 1, 2, 3].map((s) => `shardId-00000000000${s}`);
const batches = shards.map(() => []);
for (let i = 0; i < N; i++) {
  const b = batches[i % 4];
  if (!b.length || b[b.length - 1].length === 10000) b.push([]);
  b[b.length - 1].push({ data: Buffer.from(record(i)), sequenceNumber: String(1e9 + i), partitionKey: `k${i}`, arrival: new Date() });
}

const dir = mkdtempSync(join(tmpdir(), "sg-lake-wbench-"));
const flushes = [];
const lake = await new LakeWriter({ dir, layout: await loadLayout(root), stream: "events", log: (o) => { if (o.msg === "flush") flushes.push(o); } }).open();
lake.bindStream("bench");
const ticks = (pid, tid) => {
  const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const jqPids = lake.partitioner.pids ?? [lake.partitioner.proc.pid];
const snap = () => {
  const o = { main: 0, threads: 0, jq: jqPids.reduce((n, p) => n + ticks(p, p), 0) };
  for (const t of readdirSync(`/proc/${process.pid}/task`)) {
    try { o[Number(t) === process.pid ? "main" : "threads"] += ticks(process.pid, t); } catch { /* the thread ended */ }
  }
  return o;
};
const s0 = snap();
const t0 = Date.now();
await Promise.all(shards.map(async (id, s) => {
  for (const b of batches[s]) {
    lake.reading?.(id, opt.behind ? 3_600_000 : 0);
    await lake.add(id, b, { sequenceNumber: b[b.length - 1].sequenceNumber, closed: false });
  }
}));
await lake.flush("size");
await lake.flushChain;
const ms = Date.now() - t0;
const s1 = snap();
const us = (k) => Math.round(((s1[k] - s0[k]) / N) * 1e6);
console.log(JSON.stringify({
  root, behind: opt.behind, loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "), records: N,
  perSecond: Math.round(N / (ms / 1000)), cpuMicrosPerRecord: us("main") + us("threads") + us("jq"),
  main: us("main"), otherThreads: us("threads"), jq: us("jq"), flushes: flushes.length, parquetFiles: listFiles(join(dir, "parquet")).length,
}));
await lake.close();
rmSync(dir, { recursive: true, force: true });
