// Real parts for the tests: kinesalite, the streamgate binary and the
// delivery process, each on free loopback ports, each stopped by its pid.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// A child process whose stdout lines are kept and can be waited for.
export function startProcess(cmd, args, { env = {}, cwd = ROOT } = {}) {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const waiters = [];
  const onLine = (line) => {
    lines.push(line);
    for (const w of [...waiters]) if (w.re.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
  };
  createInterface({ input: proc.stdout }).on("line", onLine);
  createInterface({ input: proc.stderr }).on("line", onLine);
  const exited = new Promise((r) => proc.once("exit", (code, signal) => r({ code, signal })));
  return {
    proc, lines, exited,
    waitFor(re, ms = 20000) {
      const hit = lines.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        const t = setTimeout(() => reject(new Error(`${cmd}: no line matching ${re} in ${ms} ms; output:\n${lines.slice(-30).join("\n")}`)), ms);
        exited.then(({ code, signal }) => { clearTimeout(t); reject(new Error(`${cmd} exited (${code ?? signal}) before ${re}:\n${lines.slice(-30).join("\n")}`)); });
        const orig = w.resolve;
        w.resolve = (l) => { clearTimeout(t); orig(l); };
      });
    },
    async stop(signal = "SIGTERM", ms = 20000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill("SIGKILL"), ms);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

export async function startKinesalite() {
  const port = await freePort();
  const p = startProcess(join(ROOT, "node_modules", ".bin", "kinesalite"), ["--port", String(port), "--shardLimit", "100", "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0"]);
  await p.waitFor(/Listening/);
  const stop = p.stop;
  p.stop = (...a) => { p.client.destroy(); return stop(...a); };
  p.endpoint = `http://127.0.0.1:${port}`;
  p.client = new KinesisClient({ endpoint: p.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, requestHandler: new NodeHttpHandler() });
  return p;
}

export async function createStream(client, name, shards) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary.StreamStatus === "ACTIVE") return;
    await sleep(50);
  }
  throw new Error(`stream ${name} never became ACTIVE`);
}

// Every record in the stream from TRIM_HORIZON: [{data: Buffer, seq, shard}].
export async function readStream(client, name) {
  const out = [];
  const { Shards } = await client.send(new ListShardsCommand({ StreamName: name }));
  for (const sh of Shards) {
    let it = (await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: sh.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    while (it) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
      for (const rec of r.Records) out.push({ data: Buffer.from(rec.Data), seq: rec.SequenceNumber, shard: sh.ShardId });
      if (!r.Records.length) break; // kinesalite reports MillisBehindLatest 0 even when more is waiting
      it = r.NextShardIterator;
    }
  }
  return out;
}

// Resolves with the exit of p, or rejects after ms.
export function exitWithin(p, ms) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${p.lines.slice(-20).join("\n")}`)), ms); });
  return Promise.race([p.exited, late]).finally(() => clearTimeout(timer));
}

export const GATEWAY_BIN = process.env.STREAMGATE_BIN ?? join(ROOT, "build", "streamgate");

// stream: more keys of the events route (a catalog, a dead_letter_stream).
export async function startGateway(endpoint, { stream = {} } = {}) {
  if (!existsSync(GATEWAY_BIN)) throw new Error(`no gateway binary at ${GATEWAY_BIN}: build it first (cmake) or set STREAMGATE_BIN`);
  const dir = mkdtempSync(join(tmpdir(), "sg-lake-"));
  const config = {
    listen: "127.0.0.1:0", threads: 2, log_level: "info",
    kinesis: { region: "us-east-1", linger_ms: 5, max_in_flight: 4, deadline_ms: 10000 },
    shutdown: { delay_ms: 0, drain_timeout_ms: 5000 },
    streams: [{ name: "events", stream_name: "events", mode: "event", ...stream }],
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const env = {};
  for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) env[k] = "";
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true", AWS_ENDPOINT_URL_KINESIS: endpoint, HOME: dir,
  });
  const g = startProcess(GATEWAY_BIN, ["--config", join(dir, "config.json")], { env });
  const line = await g.waitFor(/"port":\s*\d+.*listening|listening.*"port":\s*\d+/);
  g.base = `http://127.0.0.1:${JSON.parse(line).port}`;
  return g;
}

export const DELIVERY = join(ROOT, "deploy", "local", "delivery.mjs");

export async function startDelivery(endpoint, lake, extra = [], env = {}, stream = "events") {
  const d = startProcess(process.execPath, [DELIVERY, "--endpoint", endpoint, "--stream", stream, "--lake", lake, ...extra], { env });
  await d.waitFor(/"delivery ready"/);
  return d;
}

export const CRASH_DELIVERY = join(ROOT, "deploy", "local", "testkit", "crash-delivery.mjs");

// A delivery that kills itself at the lake writer's fault point `point`
// ("before-commit" or "mid-rename") of its first flush with records.
export async function startCrashingDelivery(endpoint, lake, point, extra = [], stream = "events") {
  const d = startProcess(process.execPath, [CRASH_DELIVERY, point, "--endpoint", endpoint, "--stream", stream, "--lake", lake, ...extra], {});
  await d.waitFor(/"delivery ready"/);
  return d;
}
