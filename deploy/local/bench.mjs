#!/usr/bin/env node
// How fast the local delivery keeps up, on one machine, all on 127.0.0.1:
// kinesalite (4 shards), this build's gateway, the delivery with its default
// buffers. Bounded in time and count; stops everything it started.
//
//   node deploy/local/bench.mjs [--seconds 20] [--backlog 100000]
//
// 1. live: 8 clients send 100-event batches to the gateway as fast as it and
//    kinesalite take them, for --seconds; a probe event goes alone every
//    100 ms. Reports events/s acknowledged and delivered, the time from the
//    last acknowledgement until everything is in the lake, and for the probes
//    the delay from acknowledgement to the file that holds them (the moment
//    a query sees them).
// 2. backlog: with the delivery stopped, --backlog events go into the stream;
//    then the delivery starts and the time to deliver them all is its own
//    ceiling against kinesalite's GetRecords.
// The delivery's peak RSS (VmHWM of it and its jq) and CPU time are printed too.
import { readFileSync, readdirSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createStream, sleep, startDelivery, startGateway, startKinesalite } from "./test/helpers.mjs";

const { values: opt } = parseArgs({ options: { seconds: { type: "string", default: "20" }, backlog: { type: "string", default: "100000" } } });
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

const delivered = (d) => d.lines.filter((l) => l.includes('"msg":"flush"')).reduce((n, l) => n + JSON.parse(l).records, 0);

async function sendBatch(base, n, start) {
  const texts = Array.from({ length: n }, (_, j) => event(start + j));
  const body = `{"records":[${texts.map((t, j) => `{"data":${t},"partition-key":"k${start + j}"}`).join(",")}]}`;
  const r = await fetch(`${base}/streams/events/records`, { method: "PUT", headers: { "content-type": "application/json" }, body });
  const j = await r.json();
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
    const t0 = Date.now();
    const until = t0 + SECONDS * 1000;
    const clients = Array.from({ length: 8 }, async () => {
      while (Date.now() < until && i < 500000) { const start = i; i += 100; acked += await sendBatch(gw.base, 100, start); }
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
    while (delivered(d) < acked && Date.now() - tLast < 30000) await sleep(20);
    const tCaught = Date.now();
    await sleep(300);
    clearInterval(watch);
    const delays = [...probes.values()].filter((p) => p.seen).map((p) => p.seen - p.ack);
    const live = {
      seconds: (tLast - t0) / 1000,
      acked,
      ackedPerSecond: Math.round(acked / ((tLast - t0) / 1000)),
      deliveredWhileSending: deliveredAtEnd,
      deliveredTotal: delivered(d),
      catchUpAfterLastAckMs: tCaught - tLast,
      probes: probes.size,
      probesSeen: delays.length,
      ackToQueryableMs: { p50: percentile(delays, 0.5), p95: percentile(delays, 0.95), max: Math.max(...delays) },
    };
    const pids = [d.proc.pid, ...childPids(d.proc.pid)];
    const cpuLive = pids.reduce((n, p) => n + cpuSeconds(p), 0);
    const rssLive = sample.rss;
    await d.stop();

    // 2. backlog
    let loaded = 0;
    let j = 1e6;
    const tl = Date.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (loaded < BACKLOG && Date.now() - tl < 60000) { const start = j; j += 100; loaded += await sendBatch(gw.base, 100, start); }
    }));
    sample.rss = 0;
    const before = live.deliveredTotal;
    const tb = Date.now();
    d = await startDelivery(k.endpoint, lake);
    stops[0] = () => d.stop();
    while (delivered(d) < loaded && Date.now() - tb < 60000) await sleep(20);
    const drainMs = Date.now() - tb;
    const pids2 = [d.proc.pid, ...childPids(d.proc.pid)];
    const cpuBacklog = pids2.reduce((n, p) => n + cpuSeconds(p), 0);
    clearInterval(sampler);
    const backlog = {
      records: loaded, delivered: delivered(d), drainMs, perSecond: Math.round(delivered(d) / (drainMs / 1000)),
      peakRssMiB: Math.round(sample.rss / 1024), cpuSeconds: cpuBacklog,
    };
    void before;
    console.log(JSON.stringify({
      live: { ...live, peakRssMiB: Math.round(rssLive / 1024), cpuSeconds: cpuLive },
      backlog,
    }, null, 1));
  } finally {
    for (const s of stops) await s();
    rmSync(lake, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
