#!/usr/bin/env node
// The local stand-in for the two Firehose delivery streams of
// terraform/modules/firehose_to_s3: reads the events stream of a local (or
// real) Kinesis and writes the lake directory as Firehose writes S3.
//
//   node deploy/local/delivery.mjs --endpoint http://127.0.0.1:4567 --stream events --lake lake
//
// Options (environment variable in brackets):
//   --endpoint URL      Kinesis endpoint [AWS_ENDPOINT_URL_KINESIS]; unset: the SDK's default
//   --stream NAME       stream to read [STREAMGATE_LAKE_STREAM], default events
//   --lake DIR          lake directory [STREAMGATE_LAKE_DIR], default <checkout>/lake
//   --region NAME       [AWS_REGION], default us-east-1
//   --buffer-bytes N    flush when this many record bytes are buffered [STREAMGATE_LAKE_BUFFER_BYTES], default 4 MiB
//   --interval-ms N     flush when the oldest buffered record is this old [STREAMGATE_LAKE_INTERVAL_MS], default 2000
//   --max-buffer-bytes N  while a reader is more than an interval behind the stream, flush at this many bytes
//                       or five intervals instead [STREAMGATE_LAKE_MAX_BUFFER_BYTES], default 32 MiB
//   --poll-ms N         pause between empty GetRecords calls per shard [STREAMGATE_LAKE_POLL_MS], default 250
//   --catalog DIR       event catalog [STREAMGATE_CATALOG_DIR], default the one the Terraform reads
//                       (config/catalog); read again before each buffer, so added fields become columns
//
// Which zones a stream goes to is the Terraform's: events to the Parquet and
// raw zones, events-dead-letter (the gateway's bad rows) to the bad zone.
//
// Runs in the foreground, logs JSON lines on stdout ("delivery ready" once
// every shard has a reader), and on SIGTERM or SIGINT stops reading, flushes
// and exits 0.
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { loadLayout } from "./layout.mjs";
import { engineMatches, jqVersion } from "./partitioner.mjs";
import { LakeWriter } from "./lake-writer.mjs";
import { StreamReader } from "./kinesis-reader.mjs";

// The SDK warns that releases after January 2027 will need Node 22; the
// version pinned in package-lock.json runs on this Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = process.env;

const USAGE = "usage: node deploy/local/delivery.mjs [--endpoint URL] [--stream NAME] [--lake DIR] [--region NAME]\n" +
  "       [--buffer-bytes N] [--interval-ms N] [--max-buffer-bytes N] [--poll-ms N] [--jq PATH] [--catalog DIR]   (see the comment at the top of this file)\n";

// The entry point's options and the fault a test injects (testkit/crash-delivery.mjs);
// this module alone ends the process.
let opt;
let faultAt = () => {};

function parseOptions(argv) {
  try {
    ({ values: opt } = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", default: false },
        endpoint: { type: "string", default: env.AWS_ENDPOINT_URL_KINESIS },
        stream: { type: "string", default: env.STREAMGATE_LAKE_STREAM ?? "events" },
        lake: { type: "string", default: env.STREAMGATE_LAKE_DIR ?? resolve(ROOT, "lake") },
        region: { type: "string", default: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1" },
        "buffer-bytes": { type: "string", default: env.STREAMGATE_LAKE_BUFFER_BYTES ?? String(4 << 20) },
        "interval-ms": { type: "string", default: env.STREAMGATE_LAKE_INTERVAL_MS ?? "2000" },
        "max-buffer-bytes": { type: "string", default: env.STREAMGATE_LAKE_MAX_BUFFER_BYTES ?? String(32 << 20) },
        "poll-ms": { type: "string", default: env.STREAMGATE_LAKE_POLL_MS ?? "250" },
        jq: { type: "string", default: env.STREAMGATE_LAKE_JQ ?? "jq" },
        catalog: { type: "string", default: env.STREAMGATE_CATALOG_DIR },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (opt.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
}

const log = (o) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + "\n");
const positive = (name) => {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n <= 0) {
    log({ level: "error", msg: `--${name} must be a positive integer` });
    process.exit(2);
  }
  return n;
};

// A flush or a shard reader failed for good: stop as on SIGTERM (flush what
// can be, then exit), with exit code 1.
function fatal() {
  process.exitCode = 1;
  process.kill(process.pid, "SIGTERM");
}

async function main() {
  const layout = await loadLayout(ROOT);
  const version = jqVersion(opt.jq);
  if (!engineMatches(layout.engine, version)) {
    log({ level: "error", msg: `the Firehose module evaluates its partition query with ${layout.engine}, but ${opt.jq} is ${version}` });
    process.exit(2);
  }
  const lake = await new LakeWriter({
    dir: resolve(opt.lake), layout, stream: opt.stream, log, jq: opt.jq, catalogDir: opt.catalog && resolve(opt.catalog),
    bufferBytes: positive("buffer-bytes"), intervalMs: positive("interval-ms"), maxBufferBytes: positive("max-buffer-bytes"), onFatal: fatal, faultAt,
  }).open();

  // HTTP/1.1: the SDK's default for Kinesis is HTTP/2, which kinesalite does not speak.
  const clientConfig = { region: opt.region, maxAttempts: 5, requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 }) };
  if (opt.endpoint) {
    clientConfig.endpoint = opt.endpoint;
    // An emulator needs signed-looking requests, not real keys.
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) clientConfig.credentials = { accessKeyId: "local", secretAccessKey: "local" };
  }
  const client = new KinesisClient(clientConfig);
  const reader = new StreamReader({ client, stream: opt.stream, lake, log, pollMs: positive("poll-ms"), onFatal: fatal });

  let stopping = false;
  const stop = async (sig) => {
    if (stopping) {
      log({ level: "warn", msg: `second ${sig}: exiting without a flush` });
      process.exit(1);
    }
    stopping = true;
    log({ level: "info", msg: "stopping", signal: sig });
    try {
      await reader.stop();
      await lake.close();
      client.destroy();
      log({ level: "info", msg: "stopped", ...lake.stats });
      process.exit(process.exitCode ?? 0);
    } catch (e) {
      log({ level: "error", msg: "flush at shutdown failed", error: String(e?.stack ?? e) });
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  const shards = await reader.start();
  log({
    level: "info", msg: "delivery ready", stream: opt.stream, endpoint: opt.endpoint ?? null, lake: resolve(opt.lake), shards,
    buffer_bytes: lake.bufferBytes, interval_ms: lake.intervalMs, max_buffer_bytes: lake.maxBufferBytes, jq: version,
  });
}

// Runs the delivery with `argv` (the command line's arguments); `hooks.faultAt`
// is handed to the lake writer (tests only, through testkit/crash-delivery.mjs).
export function run(argv, hooks = {}) {
  faultAt = hooks.faultAt ?? faultAt;
  parseOptions(argv);
  main().catch((e) => {
    log({ level: "error", msg: "delivery failed", error: String(e?.stack ?? e) });
    process.exit(1);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) run(process.argv.slice(2));
