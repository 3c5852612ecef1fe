#!/usr/bin/env node
// How fast the local delivery keeps up, on one machine, all on 127.0.0.1:
// kinesalite (4 shards), this build's gateway, the delivery with its default
// buffers. Bounded in time and count; stops everything it started.
//
//   node deploy/local/bench.mjs [--seconds 20] [--rate 9000] [--backlog 100000]
//
// 1. live: 8 clients send 100-event batches to the gateway at --rate events/s
//    (or as fast as it and kinesalite take them, if that is less) for
//    --seconds, while the delivery runs; a probe
//    event goes alone every 100 ms. Reports events/s acknowledged, records in
//    the stream and delivered, the time from the last acknowledgement to the
//    last delivery, and for the probes the delay from acknowledgement to the
//    file that holds them (the moment a query sees them).
// 2. backlog: with the delivery stopped, --backlog events go into the stream;
//    then the delivery starts and the time to deliver them all is its own
//    ceiling against kinesalite's GetRecords.
// The delivery's peak RSS (VmHWM of it and its jq) and CPU time are printed
// too, and the bytes per event of the Parquet and raw zones. The events carry
// user_id, amount and currency (columns of the example catalog) and a note
// (not a column).
import { readFileSync, readdirSync, mkdtempSync, rmSync, existsSync, statSync } from "node:fs";
import { listFiles } from "./lake-writer.mjs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createStream, readStream, sleep, DELIVERY, startGateway, startKinesalite, startProcess } from "./testkit/helpers.mjs";

const { values: opt } = parseArgs({ options: {
  seconds: { type: "string", default: "20" }, rate: { type: "string", default: "9000" }, backlog: { type: "string", default: "100000" },
  // Another delivery.mjs (say an older version's, to compare on the same gateway and events).
  delivery: { type: "string" },
} });
const RATE = Math.min(Number(opt.rate), 50000);
const SECONDS = Math.min(Number(opt.seconds), 40);
const BACKLOG = Math.min(Number(opt.backlog), 300000);
const DAY = 86400;
const now = Math.floor(Date.now() / 1000);

function event(i, type) {
  const t = type ?? `type${String(i % 100).padStart(2, "0")}`;
  const created = now - (i % 3) * DAY + (i % 1000) / 1000;
  return `{"event_uuid":"${randomUUID()}","event_name":"${t}:bench","created_at":${created},"user_id":"u${i % 5000}","amount":${i % 977}.25,"currency":"EUR","note":"load test event number ${i} with a few more bytes of payload text"}`;
}

const procStatus = (pid, field) => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
};
const cpuSeconds = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 10 ms
  } catch { return 0; }
};
const childPids = (pid) => {
  try { return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
};

// BENCH_CPU_PROF_DIR: write a V8 CPU profile of the delivery's main thread there.
const startDelivery = (endpoint, lake) => {
  const prof = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF_DIR] : [];
  // The V8 flag scripts/run-local.sh starts the delivery with.
  const d = startProcess(process.execPath, ["--max-semi-space-size=64", ...prof, opt.delivery ?? DELIVERY, "--endpoint", endpoint, "--stream", "events", "--lake", lake]);
  return d.waitFor(/"delivery ready"/).then(() => d);
};
// CPU seconds per thread name of a process (DuckDB's workers, libuv's pool,
// V8's compiler and GC threads, the main thread under the process's name).
const threadCpu = (pid) => {
  const out = {};
  let tids = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      const st = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = Number(tid) === pid ? "main" : st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      const s = (Number(f[11]) + Number(f[12])) / 100;
      if (s > 0) out[`${name} ${tid}`] = s;
    } catch { /* the thread ended */ }
  }
  return out;
};
const processCpu = (pid) => {
  const out = { threads: threadCpu(pid) };
  for (const c of childPids(pid)) out[`child ${c}`] = cpuSeconds(c);
  return out;
};

const delivered = (d) => d.lines.filter((l) => l.includes('"msg":"flush"')).reduce((n, l) => n + JSON.parse(l).records, 0);

const statuses = {};
let failed = 0;

async function sendBatch(base, n, start) {
  const texts = Array.from({ length: n }, (_, j) => event(start + j));
  const body = `{"records":[${texts.map((t, j) => `{"data":${t},"partition-key":"k${start + j}"}`).join(",")}]}`;
  const r = await fetch(`${base}/streams/events/records`, { method: "PUT", headers: { "content-type": "application/json" }, body });
  const j = await r.json();
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.status === 200) failed += j.FailedRecordCount;
  return r.status === 200 ? n - j.FailedRecordCount : 0;
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
}

async function main() {
  const k = await startKinesalite();
  const stops = [() => k.stop()];
  const lake = mkdtempSync(join(tmpdir(), "sg-lake-bench-"));
  try {
    await createStream(k.client, "events", 4);
    const gw = await startGateway(k.endpoint);
    stops.unshift(() => gw.stop());
    let d = await startDelivery(k.endpoint, lake);
    stops.unshift(() => d.stop());
    const sample = { rss: 0 };
    const sampler = setInterval(() => {
      const pids = [d.proc.pid, ...childPids(d.proc.pid)];
      sample.rss = Math.max(sample.rss, pids.reduce((n, p) => n + procStatus(p, "VmRSS"), 0));
    }, 200);

    // 1. live
    const probeDir = join(lake, "raw/events/event_type=probe");
    const probes = new Map(); // uuid -> {ack, seen}
    const seenFiles = new Set();
    const watch = setInterval(() => {
      if (!existsSync(probeDir)) return;
      for (const dt of readdirSync(probeDir)) for (const f of readdirSync(join(probeDir, dt))) {
        if (seenFiles.has(f)) continue;
        seenFiles.add(f);
        const t = Date.now();
        for (const line of gunzipSync(readFileSync(join(probeDir, dt, f))).toString().split("\n").filter(Boolean)) {
          const p = probes.get(JSON.parse(line).event_uuid);
          if (p && !p.seen) p.seen = t;
        }
      }
    }, 25);
    let acked = 0;
    let i = 0;
    const cpu0 = { kinesalite: cpuSeconds(k.proc.pid), gateway: cpuSeconds(gw.proc.pid), bench: process.cpuUsage() };
    const t0 = Date.now();
    const until = t0 + SECONDS * 1000;
    // Batch b may go at t0 + b * 100 / RATE s: a steady RATE events/s, or
    // less when the gateway and kinesalite cannot take it.
    let batch = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (Date.now() < until && i < 500000) {
        const due = t0 + (batch++ * 100 * 1000) / RATE;
        if (due > Date.now()) await sleep(due - Date.now());
        if (Date.now() >= until) break;
        const start = i; i += 100;
        const n = await sendBatch(gw.base, 100, start);
        acked += n;
      }
    });
    const prober = (async () => {
      while (Date.now() < until) {
        const text = event(0, "probe");
        const r = await fetch(`${gw.base}/streams/events/record`, { method: "PUT", headers: { "content-type": "application/json" }, body: `{"Data":${text}}` });
        await r.text();
        if (r.status === 200) { probes.set(JSON.parse(text).event_uuid, { ack: Date.now() }); acked++; }
        await sleep(100);
      }
    })();
    await Promise.all([...clients, prober]);
    const tLast = Date.now();
    const deliveredAtEnd = delivered(d);
    const bu = process.cpuUsage(cpu0.bench);
    const cpuWhileSending = {
      kinesalite: cpuSeconds(k.proc.pid) - cpu0.kinesalite, gateway: cpuSeconds(gw.proc.pid) - cpu0.gateway,
      loadGenerator: (bu.user + bu.system) / 1e6, delivery: [d.proc.pid, ...childPids(d.proc.pid)].reduce((n, p) => n + cpuSeconds(p), 0),
    };
    // Every acknowledged event delivered (the stream count is checked below).
    while (delivered(d) < acked && Date.now() - tLast < 60000) await sleep(20);
    const tCaught = Date.now();
    await sleep(500); // the probe watcher's last look; a late extra copy would show up here too
    clearInterval(watch);
    const inStream1 = (await readStream(k.client, "events")).length;
    const delays = [...probes.values()].filter((p) => p.seen).map((p) => p.seen - p.ack);
    const pids = [d.proc.pid, ...childPids(d.proc.pid)];
    const live = {
      seconds: (tLast - t0) / 1000,
      acked,
      statuses: { ...statuses },
      failedEntries: failed,
      ackedPerSecond: Math.round(acked / ((tLast - t0) / 1000)),
      inStream: inStream1,
      deliveredWhileSending: deliveredAtEnd,
      delivered: delivered(d),
      lastDeliveryAfterLastAckMs: tCaught - tLast,
      probes: probes.size,
      probesSeen: delays.length,
      ackToQueryableMs: { p50: percentile(delays, 0.5), p95: percentile(delays, 0.95), max: Math.max(...delays) },
      peakRssMiB: Math.round(sample.rss / 1024),
      cpuSeconds: pids.reduce((n, p) => n + cpuSeconds(p), 0),
      cpuWhileSending,
      cpuByThread: processCpu(d.proc.pid),
    };
    if (process.env.BENCH_DEBUG) console.error(d.lines.filter((l) => process.env.BENCH_DEBUG === "all" || l.includes('"flush"')).join("\n"));
    await d.stop();

    // 2. backlog
    let loaded = 0;
    let j = 1e6;
    const tl = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (loaded < BACKLOG && Date.now() - tl < 60000) { const start = j; j += 100; const n = await sendBatch(gw.base, 100, start); loaded += n; }
    }));
    const inStream2 = (await readStream(k.client, "events")).length;
    sample.rss = 0;
    const tb = Date.now();
    const kb = cpuSeconds(k.proc.pid);
    d = await startDelivery(k.endpoint, lake);
    stops[0] = () => d.stop();
    while (delivered(d) < inStream2 - inStream1 && Date.now() - tb < 60000) await sleep(20);
    const drainMs = Date.now() - tb;
    const kinesaliteCpu = +(cpuSeconds(k.proc.pid) - kb).toFixed(2);
    if (process.env.BENCH_DEBUG) console.error(d.lines.filter((l) => l.includes('"flush"')).join("\n"));
    const pids2 = [d.proc.pid, ...childPids(d.proc.pid)];
    clearInterval(sampler);
    const backlog = {
      records: inStream2 - inStream1, delivered: delivered(d), drainMs, perSecond: Math.round(delivered(d) / (drainMs / 1000)),
      peakRssMiB: Math.round(sample.rss / 1024), cpuSeconds: pids2.reduce((n, p) => n + cpuSeconds(p), 0),
      cpuMicrosPerRecord: Math.round((pids2.reduce((n, p) => n + cpuSeconds(p), 0) * 1e6) / delivered(d)),
      kinesaliteCpuSeconds: kinesaliteCpu,
      flushes: d.lines.filter((l) => l.includes('"msg":"flush"')).length,
      cpuByThread: processCpu(d.proc.pid),
    };
    // Bytes per event in each zone, over every file of both runs.
    const bytesUnder = (dir) => listFiles(join(lake, dir)).reduce((n, f) => n + statSync(join(lake, dir, f)).size, 0);
    const events = live.delivered + backlog.delivered;
    const files = listFiles(join(lake, "parquet")).length;
    const size = { events, parquetFiles: files, parquetBytesPerEvent: +(bytesUnder("parquet") / events).toFixed(1), rawBytesPerEvent: +(bytesUnder("raw") / events).toFixed(1) };
    const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(JSON.stringify({ delivery: opt.delivery ?? "this checkout", loadavg, live, backlog, size }, null, 1));
  } finally {
    for (const s of stops) await s();
    rmSync(lake, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
