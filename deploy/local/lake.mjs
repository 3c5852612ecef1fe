#!/usr/bin/env node
// The local Athena: DuckDB over the lake directory, with the Glue tables and
// views as views of the same names.
//
//   node deploy/local/lake.mjs [--lake DIR] [--catalog DIR] [--json] query "SQL"
//   node deploy/local/lake.mjs [--lake DIR] [--catalog DIR] tables
//
// Views:
//   events        the Parquet zone (Glue table events): its columns (common,
//                 derived, one per catalog field), then the partition columns
//                 event_type and dt (strings, as Glue declares). A column no
//                 file has yet, or a file written before its field was added
//                 to the catalog, reads as NULL.
//   events_raw    the raw zone (Glue table events_raw): record, the line exactly
//                 as Kinesis held it, then event_type and dt
//   events_dedup  events with one row per event_uuid, the first copy by
//                 created_datetime (the Athena view of docs/architecture.md)
//   <type>        one per catalog type (payment_order_completed for
//                 payment:order:completed): its columns, the first copy per
//                 event_uuid; the SQL is the Athena view's, from the same
//                 template (terraform/modules/glue_catalog/type_view.sql.tftpl)
//   bad_events    the bad zone (Glue table bad_events): the bad rows of the
//                 dead-letter stream, partitioned by dt (the day received)
// Athena functions the docs use that DuckDB names differently are macros:
// json_extract_scalar(json, path), from_unixtime(seconds).
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadLayout } from "./layout.mjs";
import { duckType } from "./convert.mjs";
import { listFiles } from "./lake-writer.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const quoteIdent = (s) => `"${s.replace(/"/g, '""')}"`;
const quoteStr = (s) => `'${s.replace(/'/g, "''")}'`;

function countFiles(lake, prefix, suffix) {
  return listFiles(join(lake, prefix)).filter((f) => f.endsWith(suffix)).length;
}

// Opens DuckDB with the views over `lake`. Returns {db, conn, views}.
export async function openLake(lake, layout, { catalogDir } = {}) {
  layout = layout ?? (await loadLayout(ROOT));
  const catalog = layout.readCatalog(catalogDir ?? layout.catalogDir);
  // Spill files, if a query needs them, go to the system's temporary directory, not the cwd.
  const db = await DuckDBInstance.create(":memory:", { temp_directory: join(tmpdir(), `streamgate-lake-${process.pid}`) });
  const conn = await db.connect();
  const { events, events_raw: raw } = layout.tables;
  const depth = "*/".repeat(layout.partitionKeys.length);
  const hiveTypes = `{${events.partitionKeys.map((k) => `${quoteStr(k.name)}: ${quoteStr(duckType(k.type))}`).join(", ")}}`;
  const sel = (t) => [...t.columns, ...t.partitionKeys].map((c) => quoteIdent(c.name)).join(", ");
  const empty = (t) => `SELECT ${[...t.columns, ...t.partitionKeys].map((c) => `NULL::${duckType(c.type)} AS ${quoteIdent(c.name)}`).join(", ")} WHERE false`;

  const parquetGlob = join(lake, events.prefix, depth, "*.parquet");
  const parquetFiles = countFiles(lake, events.prefix, ".parquet");
  // The table's columns as the catalog says now: union_by_name reads a column
  // missing from a file as NULL, and a column no file has yet is NULL too.
  const typed = { ...events, columns: catalog.columns };
  if (parquetFiles) {
    const src = `read_parquet(${quoteStr(parquetGlob)}, hive_partitioning = true, hive_types = ${hiveTypes}, union_by_name = true)`;
    const have = new Set((await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRows().map((r) => r[0]));
    const cols = [...typed.columns, ...typed.partitionKeys].map((c) => (have.has(c.name)
      ? `CAST(${quoteIdent(c.name)} AS ${duckType(c.type)}) AS ${quoteIdent(c.name)}`
      : `NULL::${duckType(c.type)} AS ${quoteIdent(c.name)}`));
    await conn.run(`CREATE VIEW ${quoteIdent(events.name)} AS SELECT ${cols.join(", ")} FROM ${src}`);
  } else {
    await conn.run(`CREATE VIEW ${quoteIdent(events.name)} AS ${empty(typed)}`);
  }

  // Glue reads each line as one string column with LazySimpleSerDe and a
  // \u0001 field delimiter; read_csv with the same delimiter and no quoting
  // does the same here.
  const rawGlob = join(lake, raw.prefix, depth, "*.json.gz");
  const rawFiles = countFiles(lake, raw.prefix, ".json.gz");
  const rawCols = `{${raw.columns.map((c) => `${quoteStr(c.name)}: ${quoteStr(duckType(c.type))}`).join(", ")}}`;
  await conn.run(`CREATE VIEW ${quoteIdent(raw.name)} AS ` + (rawFiles
    ? `SELECT ${sel(raw)} FROM read_csv(${quoteStr(rawGlob)}, columns = ${rawCols}, delim = '\u0001', quote = '', escape = '', header = false, auto_detect = false, compression = 'gzip', hive_partitioning = true, hive_types = ${hiveTypes}, union_by_name = true)`
    : empty(raw)));

  await conn.run(`CREATE VIEW events_dedup AS SELECT ${sel(typed)} FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY event_uuid ORDER BY created_datetime) AS rn FROM ${quoteIdent(events.name)}
    ) WHERE rn = 1`);

  // One view per catalog type, with the Athena view's SQL.
  for (const t of catalog.types) await conn.run(`CREATE VIEW ${quoteIdent(t.view)} AS ${layout.viewSql(t)}`);

  // Bad rows: JSON lines, GZIP, the Glue table's columns (OpenX maps the
  // members by name; a line that is not JSON reads as nothing, as
  // ignore.malformed.json does).
  const bad = layout.tables.bad_events;
  const badDepth = "*/".repeat(bad.partitionKeys.length);
  const badGlob = join(lake, bad.prefix, badDepth, "*.json.gz");
  const badFiles = countFiles(lake, bad.prefix, ".json.gz");
  const badCols = `{${bad.columns.map((c) => `${quoteStr(c.name)}: ${quoteStr(duckType(c.type))}`).join(", ")}}`;
  const badHive = `{${bad.partitionKeys.map((k) => `${quoteStr(k.name)}: ${quoteStr(duckType(k.type))}`).join(", ")}}`;
  await conn.run(`CREATE VIEW ${quoteIdent(bad.name)} AS ` + (badFiles
    ? `SELECT ${sel(bad)} FROM read_json(${quoteStr(badGlob)}, columns = ${badCols}, format = 'newline_delimited', compression = 'gzip', ignore_errors = true, hive_partitioning = true, hive_types = ${badHive}, union_by_name = true)`
    : empty(bad)));
  await conn.run("CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)");
  await conn.run("CREATE MACRO from_unixtime(s) AS make_timestamp(CAST(round(s * 1000000) AS BIGINT))");
  return {
    db, conn,
    views: [
      { name: events.name, files: parquetFiles, about: `Parquet zone, ${events.prefix}` },
      { name: raw.name, files: rawFiles, about: `raw zone (GZIP JSON lines), ${raw.prefix}` },
      { name: "events_dedup", files: parquetFiles, about: `${events.name}, first copy per event_uuid` },
      ...catalog.types.map((t) => ({ name: t.view, files: countFiles(lake, join(events.prefix, `event_type=${t.eventType}`), ".parquet"), about: `${t.eventName}, first copy per event_uuid` })),
      { name: bad.name, files: badFiles, about: `bad rows (refused events), ${bad.prefix}` },
    ],
  };
}

function show(v) {
  if (v === null || v === undefined) return "NULL";
  return String(v);
}

// A box table like the DuckDB shell's.
export function renderTable(names, rows) {
  const cells = rows.map((r) => r.map(show));
  const width = names.map((n, i) => Math.max([...n].length, ...cells.map((r) => [...r[i]].length)));
  const line = (l, m, r) => l + width.map((w) => "─".repeat(w + 2)).join(m) + r;
  const row = (vals) => "│" + vals.map((v, i) => ` ${v}${" ".repeat(width[i] - [...v].length)} `).join("│") + "│";
  return [line("┌", "┬", "┐"), row(names), line("├", "┼", "┤"), ...cells.map(row), line("└", "┴", "┘"),
    `${rows.length} row${rows.length === 1 ? "" : "s"}`].join("\n");
}

async function main() {
  // Options come before the command; everything after it is SQL, even
  // text that starts with "--" (an SQL comment).
  const argv = process.argv.slice(2);
  const opt = { lake: process.env.STREAMGATE_LAKE_DIR ?? resolve(ROOT, "lake"), catalog: process.env.STREAMGATE_CATALOG_DIR, json: false };
  while (argv.length && argv[0].startsWith("--")) {
    const a = argv.shift();
    if (a === "--json") opt.json = true;
    else if (a === "--lake") opt.lake = argv.shift();
    else if (a.startsWith("--lake=")) opt.lake = a.slice(7);
    else if (a === "--catalog") opt.catalog = argv.shift();
    else if (a.startsWith("--catalog=")) opt.catalog = a.slice(10);
    else { process.stderr.write(`unknown option ${a}\n`); process.exit(2); }
  }
  const [cmd, ...rest] = argv;
  const lake = resolve(opt.lake);
  if (cmd !== "query" && cmd !== "tables") {
    process.stderr.write('usage: scripts/lake.sh [--lake DIR] [--catalog DIR] [--json] query "SQL" | tables\n');
    process.exit(2);
  }
  if (!existsSync(lake)) process.stderr.write(`note: ${lake} does not exist yet; the views are empty\n`);
  const { conn, views } = await openLake(lake, undefined, { catalogDir: opt.catalog && resolve(opt.catalog) });
  if (cmd === "tables") {
    const rows = [];
    for (const v of views) {
      const r = await conn.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(v.name)}`);
      rows.push([v.name, String(r.getRows()[0][0]), String(v.files), v.about]);
    }
    process.stdout.write(renderTable(["view", "rows", "files", "what"], rows) + "\n");
    return;
  }
  const sql = rest.join(" ");
  if (!sql.trim()) {
    process.stderr.write("query: no SQL given\n");
    process.exit(2);
  }
  const r = await conn.runAndReadAll(sql);
  if (opt.json) {
    for (const o of r.getRowObjectsJson()) process.stdout.write(JSON.stringify(o) + "\n");
  } else {
    process.stdout.write(renderTable(r.columnNames(), r.getRows()) + "\n");
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`${e.message ?? e}\n`);
    process.exit(1);
  });
}
