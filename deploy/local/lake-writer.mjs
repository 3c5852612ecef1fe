// The delivery streams of one Kinesis stream: their buffers and their S3
// writes, on a local directory.
//
// Records come in per shard batch (already de-aggregated). Each is
// partitioned once with the module's jq query and then goes to each zone the
// Terraform delivers the stream to: for events, raw (the bytes as Kinesis
// holds them plus "\n", GZIP) and Parquet (converted through the Glue
// table's columns, SNAPPY, written by DuckDB); for the dead-letter stream,
// the bad zone (GZIP JSON lines, like raw). Records that fail go to the
// zone's error prefix with the reason.
//
// The Parquet columns are the events table's: the common and derived ones,
// then one per field of the event catalog. The catalog is read again before
// each buffer generation starts, so a field added to it while the delivery
// runs is a column of every file written from then on; files written before
// lack it, and the views read it there as NULL. A field whose column type
// changes is refused (the old columns stay; see config/catalog.lock.json).
//
// A flush writes every buffered partition as new files, never touching a
// delivered one. Files are first written under _staging/ (raw and error
// files named after the flush, Parquet files in parquet-<n>/part_id=<i>/
// directories that stay from flush to flush, empty between two); then one
// commit file names every move and the shard positions they cover; then the
// files are renamed into place and the checkpoint is replaced. A restart
// finishes a committed flush and drops an uncommitted one, so a record is
// delivered once per Kinesis record even across kill -9; the reader then
// resumes after the checkpoint.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip as gzipCb } from "node:zlib";
import { BIGINT, BOOLEAN, DATE, DOUBLE, DuckDBInstance, FLOAT, INTEGER, LIST, TIMESTAMP, VARCHAR, dateValue, timestampValue } from "@duckdb/node-api";
import { evalPrefix } from "./layout.mjs";
import { duckType, makeConverter } from "./convert.mjs";
import { Partitioner } from "./partitioner.mjs";

const gzip = promisify(gzipCb);

function atomicWrite(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const quoteIdent = (s) => `"${s.replace(/"/g, '""')}"`;
const quoteStr = (s) => `'${s.replace(/'/g, "''")}'`;

function stamp(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

// One buffer generation: what the next flush writes, with the columns it was
// started with.
class Generation {
  constructor(n, schema) {
    this.n = n;
    this.columns = schema?.columns ?? [];
    this.convert = schema?.convert;
    this.declared = schema?.declared; // event_type -> the columns its rows have
    this.tables = new Map(); // column set key -> {name, cols}: DuckDB tables of this generation
    this.raw = new Map(); // partition key string -> {keys, chunks}
    this.partIds = new Map(); // partition key string -> part_id in the Parquet tables
    this.sets = new Map(); // "type's columns+extra columns" -> {key, cols} of the table its rows go to
    this.errors = new Map(); // "zone\0type" -> lines[]
    this.parquetRows = 0;
    this.bytes = 0;
    this.count = 0;
    this.oldest = 0;
    this.positions = new Map(); // shardId -> {sequenceNumber, closed}
  }
}

export class LakeWriter {
  // onFatal(error): a background flush failed and the lake cannot go on;
  // the caller decides what happens to the process (delivery.mjs stops it).
  // faultAt(point): called at "before-commit" (every file staged, no commit
  // yet) and "mid-rename" (committed, half the files moved) of a flush with
  // records, where a crash is most awkward; the restart tests inject one
  // that kills the process there.
  constructor({ dir, layout, stream, catalogDir, bufferBytes = 4 << 20, intervalMs = 2000, maxBufferBytes = 32 << 20, jq = "jq", log = () => {},
    onFatal = (e) => { throw e; }, faultAt = () => {} }) {
    this.dir = dir;
    this.onFatal = onFatal;
    this.faultAt = faultAt;
    this.layout = layout;
    this.stream = stream;
    this.bufferBytes = bufferBytes;
    this.intervalMs = intervalMs;
    this.maxBufferBytes = Math.max(maxBufferBytes, bufferBytes);
    this.lags = new Map(); // shardId -> how far its reader is behind the stream, ms
    this.jq = jq;
    this.log = log;
    this.staging = join(dir, "_staging");
    this.checkpointPath = join(dir, "_checkpoints", `${stream}.json`);
    const zones = layout.deliveries[stream];
    if (!zones) throw new Error(`the Terraform delivers no stream named ${stream} (it delivers ${Object.keys(layout.deliveries).join(", ")})`);
    this.rawZone = zones.find((z) => layout.zones[z].outputFormat === "JSON_GZIP") ?? null;
    this.parquetZone = zones.find((z) => layout.zones[z].outputFormat === "PARQUET") ?? null;
    const z0 = layout.zones[zones[0]];
    this.query = z0.query;
    this.partitionKeys = z0.partitionKeys;
    this.catalogDir = catalogDir ?? layout.catalogDir;
    this.columns = [];
    this.catalogStamp = null;
    if (this.parquetZone) this.readCatalog();
    this.addChain = Promise.resolve(); // adds (and the swap of generations) one at a time
    this.flushChain = Promise.resolve(); // flushes one at a time, in generation order
    this.queuedFlush = null; // a flush requested and not started yet
    this.flushing = false;
    this.madeDirs = new Set();
    this.stats = { records: 0, errors: 0, flushes: 0, files: 0, lastFlushMs: 0 };
  }

  // Takes the catalog's columns when they changed (only additions, and
  // removals, which leave the column out of new files); refuses a column
  // whose type changed and keeps the old ones. The first read throws.
  readCatalog() {
    let stamp;
    try {
      stamp = readdirSync(this.catalogDir).filter((f) => f.endsWith(".json")).sort()
        .map((f) => `${f}:${statSync(join(this.catalogDir, f)).mtimeMs}`).join("|");
    } catch (e) {
      if (!this.columns.length) throw e;
      this.log({ level: "error", msg: "cannot read the catalog; keeping its columns", error: e.message });
      return;
    }
    if (stamp === this.catalogStamp) return;
    let columns;
    let types;
    try {
      ({ columns, types } = this.layout.readCatalog(this.catalogDir));
    } catch (e) {
      if (!this.columns.length) throw e;
      this.log({ level: "error", msg: "the catalog does not load; keeping its columns", error: e.message });
      this.catalogStamp = stamp;
      return;
    }
    const was = new Map(this.columns.map((c) => [c.name, c.type]));
    const changed = columns.filter((c) => was.has(c.name) && was.get(c.name) !== c.type);
    if (changed.length) {
      this.log({ level: "error", msg: "the catalog changes column types; keeping its columns (see config/catalog.lock.json)", columns: changed.map((c) => `${c.name}: ${was.get(c.name)} -> ${c.type}`) });
      this.catalogStamp = stamp;
      return;
    }
    const added = columns.filter((c) => !was.has(c.name)).map((c) => c.name);
    if (this.columns.length && (added.length || columns.length !== this.columns.length)) {
      this.log({ level: "info", msg: "catalog changed: new files have its columns", added, columns: columns.length });
    }
    this.columns = columns;
    this.convert = makeConverter(columns);
    this.catalogStamp = stamp;
    // The columns of each event_type's rows: the table's own, then the
    // fields of the catalog types of that event_type (rows of a type leave
    // every other catalog column NULL). An event_type outside the catalog
    // has the table's own columns.
    const own = this.layout.tables.events.columns.length;
    const at = new Map(columns.map((c, i) => [c.name, i]));
    const set = (extra) => {
      const mask = new Uint8Array(columns.length);
      for (let i = 0; i < own; i++) mask[i] = 1;
      for (const i of extra) mask[i] = 1;
      const cols = [...mask.keys()].filter((i) => mask[i]);
      return { mask, cols, key: cols.join(",") };
    };
    const byType = new Map();
    for (const t of types) {
      if (!byType.has(t.eventType)) byType.set(t.eventType, []);
      byType.get(t.eventType).push(...t.fields.map((f) => at.get(f.name)));
    }
    this.declared = new Map([...byType].map(([et, idx]) => [et, set(idx)]));
    this.declared.base = set([]);
  }

  async open() {
    mkdirSync(this.staging, { recursive: true });
    this.recover();
    const saved = existsSync(this.checkpointPath) ? JSON.parse(readFileSync(this.checkpointPath, "utf8")) : {};
    this.committed = saved.shards ?? {};
    this.streamCreated = saved.created ?? null;
    this.partitioner = new Partitioner(this.query, this.partitionKeys, { jq: this.jq });
    this.db = await DuckDBInstance.create(":memory:", {
      threads: "2", memory_limit: "256MB", preserve_insertion_order: "false", temp_directory: join(this.staging, "duckdb-spill"),
    });
    this.conn = await this.db.connect(); // appends
    this.copyConn = await this.db.connect(); // the flush's COPY, while appends go on
    this.cur = await this.newGeneration(0);
    this.timer = setInterval(() => {
      const g = this.cur;
      if (g.positions.size > 0 && Date.now() - g.oldest >= this.limits().ms) this.requestFlush("interval").catch((e) => this.onError(e));
    }, Math.max(50, Math.min(500, this.intervalMs / 4)));
    return this;
  }

  async newGeneration(n) {
    if (!this.parquetZone) return new Generation(n, null);
    this.readCatalog();
    return new Generation(n, { columns: this.columns, convert: this.convert, declared: this.declared });
  }

  // The reader of shardId is lagMs behind the stream (Kinesis's
  // MillisBehindLatest, or the age of the newest record it read; 0 once it
  // reads nothing new).
  reading(shardId, lagMs) {
    this.lags.set(shardId, lagMs);
  }

  // When to flush. Each file costs about as much as a few hundred records
  // (DuckDB's Parquet writer and the file system's inode, 1-3 ms of CPU),
  // and a flush writes one file per partition and zone. While the readers
  // keep up, a buffer lasts the interval, so events are queryable seconds
  // after they were sent. While one is more than an interval behind (a
  // backlog, or more coming in than 2 s flushes can write), the buffer grows
  // to maxBufferBytes, and lasts as long as the reader is behind, up to five
  // intervals, as Firehose's own buffers of 60-900 s would: fewer, bigger
  // files, so the delivery catches up, and a buffer never adds more delay
  // than the reader already had.
  limits() {
    let lag = 0;
    for (const l of this.lags.values()) if (l > lag) lag = l;
    if (lag <= this.intervalMs) return { bytes: this.bufferBytes, ms: this.intervalMs };
    return { bytes: this.maxBufferBytes, ms: Math.min(lag, 5 * this.intervalMs) };
  }

  onError(e) {
    this.log({ level: "error", msg: "flush failed", error: String(e?.stack ?? e) });
    this.onFatal(e);
  }

  // The checkpoint belongs to one stream, known by its creation time: a
  // stream created again under the same name (a fresh kinesalite) starts
  // from its beginning, and the files already delivered stay.
  bindStream(created) {
    if (this.streamCreated && this.streamCreated !== created && Object.keys(this.committed).length) {
      this.log({ level: "warn", msg: "the stream was created again since the checkpoint; reading it from the start", was: this.streamCreated, now: created });
      this.committed = {};
    }
    this.streamCreated = created;
  }

  // Positions already delivered: {shardId: {sequenceNumber, closed}}.
  checkpoint() {
    return { ...this.committed };
  }

  // Rolls committed flushes forward and drops uncommitted ones.
  recover() {
    for (const name of readdirSync(this.staging)) {
      if (!name.endsWith(".commit.json")) continue;
      const commit = JSON.parse(readFileSync(join(this.staging, name), "utf8"));
      this.apply(commit);
      this.log({ level: "info", msg: "finished a committed flush after a restart", flush: commit.flush, files: commit.moves.length });
    }
    for (const name of readdirSync(this.staging)) {
      rmSync(join(this.staging, name), { recursive: true, force: true });
    }
  }

  // midway: called once half the files are moved (the "mid-rename" fault).
  apply(commit, midway = () => {}) {
    for (const [i, [from, to]] of commit.moves.entries()) {
      if (i === Math.floor(commit.moves.length / 2)) midway();
      const src = join(this.staging, from);
      const dst = join(this.dir, to);
      if (!existsSync(src)) {
        if (existsSync(dst)) continue; // moved before the restart
        throw new Error(`commit ${commit.flush}: ${from} is missing`);
      }
      const d = dirname(dst);
      if (!this.madeDirs.has(d)) { mkdirSync(d, { recursive: true }); this.madeDirs.add(d); }
      renameSync(src, dst);
    }
    atomicWrite(this.checkpointPath, JSON.stringify({ stream: this.stream, created: commit.created, shards: commit.checkpoint }, null, 1) + "\n");
    rmSync(join(this.staging, `${commit.flush}.commit.json`), { force: true });
  }

  // records: [{data: Buffer, sequenceNumber, subSequenceNumber, partitionKey, arrival: Date}]
  // position: {sequenceNumber, closed} of the shard after these records.
  // Resolves once the records are buffered; waits for a flush when the
  // buffer is full and the previous flush is still writing (back-pressure).
  async add(shardId, records, position) {
    // jq works on this batch while earlier ones are being buffered; it
    // answers in order, so the results pair up.
    const texts = records.map((r) => r.data.toString("utf8"));
    const parts = this.partitioner.partition(texts);
    parts.catch(() => {});
    const run = this.addChain.then(() => this.addLocked(shardId, records, position, texts, parts));
    this.addChain = run.catch(() => {});
    await run;
    if (this.cur.bytes >= this.limits().bytes) {
      const f = this.requestFlush("size");
      if (this.flushing) await f;
      else f.catch((e) => this.onError(e));
    }
  }

  async addLocked(shardId, records, position, texts, partsPromise) {
    const parts = await partsPromise;
    const g = this.cur;
    const rows = [];
    const touched = []; // raw buffers this batch adds to
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const p = r.error ? { error: r.error, code: "Deaggregation.Failed" } : parts[i];
      if (p.error) {
        const code = p.code ?? "DynamicPartitioning.MetadataExtractionFailed";
        if (this.rawZone) this.addError(g, this.rawZone, "processing-failed", r, shardId, code, p.error);
        if (this.parquetZone) this.addError(g, this.parquetZone, "processing-failed", r, shardId, code, p.error);
        continue;
      }
      const key = this.partitionKeys.map((k) => p.keys[k]).join("\0");
      let buf = g.raw.get(key);
      if (!buf) { buf = { keys: p.keys, chunks: [], batch: null }; g.raw.set(key, buf); }
      if (this.rawZone) {
        if (!buf.batch) { buf.batch = []; touched.push(buf); }
        buf.batch.push(r.data, NEWLINE);
      }
      if (!this.parquetZone) continue;
      const conv = g.convert(texts[i]);
      if (conv.error) {
        this.addError(g, this.parquetZone, "format-conversion-failed", r, shardId, conv.code, conv.error);
      } else {
        if (!g.partIds.has(key)) g.partIds.set(key, g.partIds.size);
        // The row goes to the table of its event_type's columns, or of those
        // and the other columns it fills (a field its type does not declare
        // that another type does: Firehose would fill that column too).
        const decl = g.declared.get(p.keys.event_type) ?? g.declared.base;
        let extra = "";
        for (let c = 0; c < conv.row.length; c++) if (conv.row[c] !== null && !decl.mask[c]) extra += `${c},`;
        if (!extra) {
          rows.push([conv.row, g.partIds.get(key), decl.key, decl.cols]);
        } else {
          // The column set of a type and the extra columns its rows fill,
          // made once per generation, not sorted again for every row.
          const k = `${decl.key}+${extra}`;
          let set = g.sets.get(k);
          if (!set) {
            const cols = [...decl.cols, ...extra.slice(0, -1).split(",").map(Number)].sort((a, b) => a - b);
            set = { key: cols.join(","), cols };
            g.sets.set(k, set);
          }
          rows.push([conv.row, g.partIds.get(key), set.key, set.cols]);
        }
      }
    }
    // A batch's records of a partition become one Buffer: a big buffer then
    // holds a few objects per partition and batch for the garbage collector
    // to walk, not one per record.
    for (const buf of touched) {
      buf.chunks.push(Buffer.concat(buf.batch));
      buf.batch = null;
    }
    if (rows.length) await this.appendRows(g, rows);
    if (g.positions.size === 0) g.oldest = Date.now();
    g.count += records.length;
    g.bytes += records.reduce((n, r) => n + r.data.length, 0);
    g.positions.set(shardId, position);
  }

  addError(g, zone, type, r, shardId, code, message) {
    const k = `${zone}\0${type}`;
    if (!g.errors.has(k)) g.errors.set(k, []);
    const now = Date.now();
    g.errors.get(k).push(JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: r.arrival?.getTime?.() ?? now,
      errorCode: code,
      errorMessage: message,
      attemptEndingTimestamp: now,
      rawData: r.data.toString("base64"),
      sequenceNumber: r.sequenceNumber,
      subSequenceNumber: r.subSequenceNumber ?? null,
      shardId,
      partitionKey: r.partitionKey,
    }) + "\n");
    this.stats.errors++;
  }

  // Rows go to one DuckDB table per column set, each with only its columns:
  // an appender call per column and row is most of the cost, and a row of
  // one type would otherwise append NULL to every other type's column.
  async appendRows(g, rows) {
    const groups = new Map();
    for (const r of rows) {
      if (!groups.has(r[2])) groups.set(r[2], []);
      groups.get(r[2]).push(r);
    }
    for (const [key, group] of groups) {
      let t = g.tables.get(key);
      if (!t) {
        t = { name: `buf_${g.n}_${g.tables.size}`, cols: group[0][3] };
        const defs = t.cols.map((i) => `${quoteIdent(g.columns[i].name)} ${duckType(g.columns[i].type)}`).join(", ");
        await this.conn.run(`CREATE TABLE ${t.name} (${defs}, part_id INTEGER)`);
        g.tables.set(key, t);
      }
      await this.appendTo(g, t, group);
    }
    g.parquetRows += rows.length;
  }

  async appendTo(g, t, rows) {
    const app = await this.conn.createAppender(t.name);
    const types = g.columns.map((c) => c.type);
    for (const [row, partId] of rows) {
      for (const i of t.cols) {
        const v = row[i];
        if (v === null) { app.appendNull(); continue; }
        if (types[i].startsWith("array<")) {
          const inner = types[i].slice(6, -1);
          app.appendList(v.map((x) => (x === null ? null : duckValue(x, inner))), LIST(DUCK_TYPE[inner]));
          continue;
        }
        switch (types[i]) {
          case "string": app.appendVarchar(v); break;
          case "double": app.appendDouble(v); break;
          case "float": app.appendFloat(v); break;
          case "bigint": app.appendBigInt(v); break;
          case "int": app.appendInteger(v); break;
          case "boolean": app.appendBoolean(v); break;
          case "timestamp": app.appendTimestamp(timestampValue(v)); break;
          case "date": app.appendDate(dateValue(v)); break;
          default: throw new Error(`no appender for ${types[i]}`);
        }
      }
      app.appendInteger(partId);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  // Queues a flush of the current generation (one queued at a time).
  requestFlush(reason) {
    if (!this.queuedFlush) {
      const run = this.flushChain.then(async () => {
        this.queuedFlush = null;
        this.flushing = true;
        try {
          // After a failed flush nothing more is committed: a later flush
          // would move the checkpoint past the records the failed one held
          // (and could pick up its files left in the staging directories).
          // A restart reads them again from the last checkpoint.
          if (this.broken) throw new Error(`an earlier flush failed: ${this.broken.message}`);
          // Swap generations between two adds.
          const swap = this.addChain.then(async () => {
            const g = this.cur;
            if (g.count === 0 && g.positions.size === 0) return null;
            this.cur = await this.newGeneration(g.n + 1);
            return g;
          });
          this.addChain = swap.catch(() => {});
          const g = await swap;
          if (g) await this.write(g, reason).catch((e) => { this.broken = e; throw e; });
        } finally {
          this.flushing = false;
        }
      });
      this.flushChain = run.catch(() => {});
      this.queuedFlush = run;
    }
    return this.queuedFlush;
  }

  flush(reason = "interval") {
    return this.requestFlush(reason);
  }

  async write(g, reason) {
    const t0 = Date.now();
    const now = new Date();
    const flush = `${stamp(now)}-${randomUUID()}`;
    const moves = [];
    const name = (zone, ext) => `local-events-${zone}-1-${stamp(now)}-${randomUUID()}${ext}`;
    const writes = [];
    // Raw: the records' bytes, one per line, GZIP (level 1: a third less CPU
    // than the default, and any gzip reader reads it). Written before the
    // Parquet COPY, not during it: run together, libuv's and DuckDB's threads
    // take three times the CPU on two cores.
    let n = 0;
    for (const { keys, chunks } of this.rawZone ? g.raw.values() : []) {
      const rel = `${flush}.raw-${n++}.json.gz`;
      writes.push(gzip(Buffer.concat(chunks), { level: 1 }).then((gz) => writeFile(join(this.staging, rel), gz)));
      moves.push([rel, evalPrefix(this.layout.zones[this.rawZone].prefixTemplate, { keys }) + name(this.rawZone, ".json.gz")]);
    }
    for (const [k, lines] of g.errors) {
      const [zone, type] = k.split("\0");
      const rel = `${flush}.error-${n++}`;
      const text = Buffer.from(lines.join(""));
      const gz = this.layout.zones[zone].outputFormat === "JSON_GZIP";
      const ext = gz ? ".json.gz" : ".json";
      writes.push((gz ? gzip(text) : Promise.resolve(text)).then((b) => writeFile(join(this.staging, rel), b)));
      moves.push([rel, evalPrefix(this.layout.zones[zone].errorPrefixTemplate, { errorType: type, now }) + name(zone, ext)]);
    }

    await Promise.all(writes);

    // Parquet: one COPY per column set (table), one directory per partition
    // id. A file holds the table's own columns and its event_type's catalog
    // columns (readers take an absent column as NULL, by name), so a small
    // file does not carry every other type's empty columns; and one COPY
    // partitioned over every partition and every catalog column would buffer
    // a block per column and partition, more than DuckDB's memory limit.
    // The COPY appends to directories kept from flush to flush (every file
    // is moved out by the commit): creating and removing some hundred
    // part_id= directories per flush cost more than the files in them
    // (ext4 searches past recently freed inodes on every create).
    if (g.parquetRows > 0) {
      const byId = new Map([...g.partIds].map(([key, id]) => [id, g.raw.get(key).keys]));
      let s = 0;
      for (const t of g.tables.values()) {
        const dir = `parquet-${s++}`;
        await this.copyConn.run(`COPY ${t.name} TO ${quoteStr(join(this.staging, dir))} (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (part_id), APPEND, FILENAME_PATTERN 'data_{uuid}')`);
        for (const d of readdirSync(join(this.staging, dir))) {
          const files = readdirSync(join(this.staging, dir, d));
          if (!files.length) continue; // a partition id of an earlier flush
          const id = Number(/^part_id=(\d+)$/.exec(d)?.[1]);
          const keys = byId.get(id);
          if (!keys) throw new Error(`unexpected Parquet output ${d}`);
          for (const f of files) {
            moves.push([join(dir, d, f), evalPrefix(this.layout.zones[this.parquetZone].prefixTemplate, { keys }) + name("parquet", ".parquet")]);
          }
        }
      }
    }
    for (const t of g.tables.values()) await this.copyConn.run(`DROP TABLE ${t.name}`);
    const records = g.count;
    if (records > 0) this.faultAt("before-commit");

    const checkpoint = { ...this.committed };
    for (const [shard, pos] of g.positions) checkpoint[shard] = pos;
    const commit = { flush, moves, checkpoint, created: this.streamCreated };
    atomicWrite(join(this.staging, `${flush}.commit.json`), JSON.stringify(commit));
    this.apply(commit, () => { if (records > 0) this.faultAt("mid-rename"); });
    this.committed = checkpoint;

    this.stats.records += records;
    this.stats.flushes++;
    this.stats.files += moves.length;
    this.stats.lastFlushMs = Date.now() - t0;
    if (records || moves.length) {
      const mu = process.memoryUsage();
      this.log({ level: "info", msg: "flush", reason, records, files: moves.length, ms: this.stats.lastFlushMs, lag_ms: Math.max(0, ...this.lags.values()), buffered_ms: t0 - g.oldest, rss_mib: Math.round(mu.rss / 1048576), heap_mib: Math.round(mu.heapUsed / 1048576), external_mib: Math.round(mu.external / 1048576) });
    }
  }

  async close() {
    clearInterval(this.timer);
    await this.addChain;
    await this.flushChain;
    try {
      await this.requestFlush("shutdown");
    } finally {
      await this.partitioner.close();
      this.conn.closeSync();
      this.copyConn.closeSync();
      this.db.closeSync();
    }
  }
}

const NEWLINE = Buffer.from("\n");

// DuckDB type of a list's items, by Glue type.
const DUCK_TYPE = { string: VARCHAR, double: DOUBLE, float: FLOAT, bigint: BIGINT, int: INTEGER, boolean: BOOLEAN, timestamp: TIMESTAMP, date: DATE };

function duckValue(x, type) {
  if (type === "timestamp") return timestampValue(x);
  if (type === "date") return dateValue(x);
  return x;
}

// Every file under dir (relative paths), for tests and the query tool. A
// directory that goes away while it is listed (a staging directory) is skipped.
export function listFiles(dir, rel = "") {
  const out = [];
  let names;
  try {
    names = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch (e) {
    if (e.code === "ENOENT") return out;
    throw e;
  }
  for (const d of names) {
    const r = rel ? join(rel, d.name) : d.name;
    if (d.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}
