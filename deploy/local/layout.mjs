// The lake's layout, read from the Terraform that builds the real one, so the
// local delivery cannot drift from it: the jq partition queries, their engine
// and the prefix templates from modules/firehose_to_s3, each delivery
// stream's source stream, prefix, error prefix, output format and
// partitioning from the calls in modules/stack, the Glue tables (names,
// columns, partition keys), the JSON Schema -> Glue type table and the
// per-type view SQL from modules/glue_catalog, and the event catalog from the
// directory the stack hands that module. Anything here that the local
// delivery cannot evaluate is an error, never a guess.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { readCatalog } from "./catalog.mjs";

const first = (v) => (Array.isArray(v) ? v[0] : v);

async function parseTf(path) {
  return parse(path, readFileSync(path, "utf8"));
}

function mergedLocals(mod) {
  return Object.assign({}, ...(mod.locals ?? []));
}

// "${local.x}" -> the local's value; any other interpolation is refused.
function resolveLocal(value, locals, what) {
  const m = /^\$\{local\.([a-z_]+)\}$/.exec(value);
  if (m) {
    if (!(m[1] in locals)) throw new Error(`${what}: local.${m[1]} is not defined`);
    return locals[m[1]];
  }
  if (value.includes("${")) throw new Error(`${what}: cannot evaluate ${value}`);
  return value;
}

function variableDefault(mod, name) {
  const v = first(mod.variable?.[name]);
  if (!v || v.default === undefined) throw new Error(`variable ${name} has no default`);
  return v.default;
}

// The module's value of a local for one call: "${local.x}" or
// "${local.map[var.y]}" with var.y from the call (or its default).
function localFor(value, locals, vars, what) {
  const m = /^\$\{local\.([a-z_]+)\[var\.([a-z_]+)\]\}$/.exec(value);
  if (m) {
    const map = locals[m[1]];
    if (!map || typeof map !== "object") throw new Error(`${what}: local.${m[1]} is not a map`);
    if (!(m[2] in vars)) throw new Error(`${what}: var.${m[2]} has no value`);
    if (!(vars[m[2]] in map)) throw new Error(`${what}: local.${m[1]} has no ${vars[m[2]]}`);
    return map[vars[m[2]]];
  }
  return resolveLocal(value, locals, what);
}

// The partition query and prefix templates of the module for one call.
function firehoseModule(mod, vars) {
  const locals = mergedLocals(mod);
  const stream = first(mod.resource?.aws_kinesis_firehose_delivery_stream?.this);
  const s3 = first(stream?.extended_s3_configuration);
  if (!s3) throw new Error("firehose_to_s3: no extended_s3_configuration");
  const params = {};
  for (const pc of s3.processing_configuration ?? []) {
    for (const p of pc.processors ?? []) {
      if (p.type !== "MetadataExtraction") continue;
      for (const kv of p.parameters ?? []) params[kv.parameter_name] = kv.parameter_value;
    }
  }
  // A local's text may itself be "${var.prefix}${local.map[var.y]}".
  const expand = (v, what) => {
    const whole = /^\$\{local\.[a-z_]+(\[var\.[a-z_]+\])?\}$/.test(v) ? localFor(v, locals, vars, what) : v;
    return whole.replace(/\$\{local\.([a-z_]+)(\[var\.[a-z_]+\])?\}/g, (t) => localFor(t, locals, vars, what));
  };
  if (!params.MetadataExtractionQuery) throw new Error("firehose_to_s3: no MetadataExtractionQuery");
  const query = expand(params.MetadataExtractionQuery, "MetadataExtractionQuery");
  return {
    query: expand(query, "partition_query"),
    engine: params.JsonParsingEngine,
    prefixTemplate: expand(s3.prefix, "prefix"),
    errorPrefixTemplate: expand(s3.error_output_prefix, "error_output_prefix"),
  };
}

function glueTable(mod, resourceName) {
  const t = first(mod.resource?.aws_glue_catalog_table?.[resourceName]);
  if (!t) throw new Error(`glue_catalog: no aws_glue_catalog_table.${resourceName}`);
  const sd = first(t.storage_descriptor);
  const cols = (sd.columns ?? []).map((c) => ({ name: c.name, type: c.type }));
  const parts = (t.partition_keys ?? []).map((c) => ({ name: c.name, type: c.type }));
  return { columns: cols, partitionKeys: parts, serde: first(sd.ser_de_info)?.serialization_library };
}

// Substitutes ${var.NAME} from vars; any other ${...} is refused.
function substVars(template, vars, what) {
  const out = template.replace(/\$\{var\.([a-z_]+)\}/g, (_, name) => {
    if (!(name in vars)) throw new Error(`${what}: var.${name} has no value`);
    return vars[name];
  });
  if (out.includes("${")) throw new Error(`${what}: cannot evaluate ${template}`);
  return out;
}

export async function loadLayout(root) {
  const tf = join(root, "terraform", "modules");
  const fhMod = await parseTf(join(tf, "firehose_to_s3", "main.tf"));
  const fhVars = await parseTf(join(tf, "firehose_to_s3", "variables.tf"));
  const stack = await parseTf(join(tf, "stack", "main.tf"));
  const glueMain = await parseTf(join(tf, "glue_catalog", "main.tf"));
  const glueVars = await parseTf(join(tf, "glue_catalog", "variables.tf"));

  // Kinesis stream module -> the stream's name without the environment's
  // prefix ("${local.name}-events-dead-letter" -> "events-dead-letter"),
  // which is its name in kinesalite.
  const streamOf = {};
  for (const [name, bodies] of Object.entries(stack.module ?? {})) {
    const call = first(bodies);
    if (!String(call.source ?? "").replace(/\/+$/, "").endsWith("/kinesis_stream")) continue;
    const m = /^\$\{local\.name\}-(.+)$/.exec(String(call.name ?? ""));
    if (m && !m[1].includes("${")) streamOf[name] = m[1];
  }

  const zones = {};
  const deliveries = {};
  let catalogCall;
  for (const [name, bodies] of Object.entries(stack.module ?? {})) {
    const call = first(bodies);
    const source = String(call.source ?? "").replace(/\/+$/, "");
    if (source.endsWith("/glue_catalog")) catalogCall = call;
    if (!source.endsWith("/firehose_to_s3")) continue;
    const partitioning = call.partitioning ?? variableDefault(fhVars, "partitioning");
    const src = /^\$\{module\.([a-z_]+)\.arn\}$/.exec(String(call.source_stream_arn ?? ""))?.[1];
    const stream = streamOf[src];
    if (!stream) throw new Error(`stack: module ${name} reads ${call.source_stream_arn}, not a kinesis_stream module of the stack`);
    const format = call.output_format;
    const zone = format === "PARQUET" ? "parquet" : format === "JSON_GZIP" ? (partitioning === "event" ? "raw" : "bad") : null;
    if (!zone) throw new Error(`stack: module ${name} has output_format ${format}`);
    if (zones[zone]) throw new Error(`stack: two delivery streams for the ${zone} zone`);
    const fh = firehoseModule(fhMod, { partitioning });
    const vars = { prefix: call.prefix, error_prefix: call.error_prefix };
    zones[zone] = {
      module: name,
      stream,
      outputFormat: format,
      prefix: call.prefix,
      query: fh.query,
      engine: fh.engine,
      partitionKeys: [...fh.prefixTemplate.matchAll(/!\{partitionKeyFromQuery:([A-Za-z0-9_]+)\}/g)].map((m) => m[1]),
      prefixTemplate: substVars(fh.prefixTemplate, vars, `${name} prefix`),
      errorPrefixTemplate: substVars(fh.errorPrefixTemplate, vars, `${name} error prefix`),
    };
    (deliveries[stream] ??= []).push(zone);
  }
  if (!zones.parquet || !zones.raw) throw new Error("stack: needs one PARQUET and one JSON_GZIP firehose_to_s3 of events");
  if (zones.parquet.stream !== zones.raw.stream) throw new Error("stack: the Parquet and raw zones read different streams");
  for (const [stream, zs] of Object.entries(deliveries)) {
    const q = new Set(zs.map((z) => zones[z].query));
    if (q.size > 1) throw new Error(`stack: the delivery streams of ${stream} partition differently; the local delivery reads a stream once`);
  }

  const arg = (key) => catalogCall?.[key] ?? variableDefault(glueVars, key);
  const tableName = arg("table_name");
  const rawTableName = arg("raw_table_name");
  const badTableName = arg("bad_table_name");
  const parquetPrefix = arg("parquet_prefix");
  const rawPrefix = arg("raw_prefix");
  const badPrefix = arg("bad_prefix");
  if (parquetPrefix !== zones.parquet.prefix) throw new Error(`Glue ${tableName} reads ${parquetPrefix}, Firehose writes ${zones.parquet.prefix}`);
  if (rawPrefix !== zones.raw.prefix) throw new Error(`Glue ${rawTableName} reads ${rawPrefix}, Firehose writes ${zones.raw.prefix}`);
  if (zones.bad && badPrefix !== zones.bad.prefix) throw new Error(`Glue ${badTableName} reads ${badPrefix}, Firehose writes ${zones.bad.prefix}`);

  // The catalog directory the stack hands the module: "${local.repo_root}/<dir>".
  const dirArg = String(catalogCall?.catalog_dir ?? "");
  const rel = /\$\{local\.repo_root\}\/([A-Za-z0-9_./-]+)/.exec(dirArg)?.[1];
  if (!rel) throw new Error(`stack: cannot find the catalog directory in catalog_dir = ${dirArg}`);

  const glueLocals = mergedLocals(glueMain);
  const mapOf = (key) => {
    const m = glueLocals[key];
    if (!m || typeof m !== "object" || Array.isArray(m)) throw new Error(`glue_catalog: local.${key} is not a literal map`);
    return m;
  };
  const mapping = { types: mapOf("catalog_glue_types"), formats: mapOf("catalog_glue_formats") };
  const reserved = glueLocals.reserved_names;
  if (!Array.isArray(reserved)) throw new Error("glue_catalog: local.reserved_names is not a literal list");
  const viewTemplate = readFileSync(join(tf, "glue_catalog", "type_view.sql.tftpl"), "utf8");

  const events = { name: tableName, prefix: parquetPrefix, ...glueTable(glueMain, "events") };
  const tableNames = [tableName, rawTableName, badTableName, "events_dedup"];
  return {
    query: zones.parquet.query,
    engine: zones.parquet.engine,
    partitionKeys: zones.parquet.partitionKeys,
    zones,
    deliveries,
    catalogDir: resolve(root, rel),
    mapping,
    viewTemplate,
    // The catalog's types and the columns of events: the table's own columns
    // (common and derived), then one per catalog field (catalog.mjs).
    readCatalog(dir = this.catalogDir) {
      const cat = readCatalog(dir, mapping, { reserved, tables: tableNames });
      return { ...cat, columns: [...events.columns, ...cat.columns] };
    },
    // A view's SQL from the module's template, as Terraform's templatefile renders it.
    viewSql(type) {
      const cols = [...events.columns.map((c) => c.name), ...type.fields.map((f) => f.name), ...events.partitionKeys.map((k) => k.name)];
      const vars = { columns: cols.map((c) => `"${c}"`).join(", "), table: tableName, event_type: type.eventType, event_name: type.eventName };
      return viewTemplate.replace(/\$\{([a-z_]+)\}/g, (_, k) => {
        if (!(k in vars)) throw new Error(`type_view.sql.tftpl: no value for ${k}`);
        return vars[k];
      });
    },
    tables: {
      events,
      events_raw: { name: rawTableName, prefix: rawPrefix, ...glueTable(glueMain, "events_raw") },
      bad_events: { name: badTableName, prefix: badPrefix, ...glueTable(glueMain, "bad_events") },
    },
  };
}

// Evaluates a Firehose prefix expression: !{partitionKeyFromQuery:k},
// !{firehose:error-output-type}, !{timestamp:<Java date pattern>} (UTC).
export function evalPrefix(template, { keys = {}, errorType, now = new Date() } = {}) {
  return template.replace(/!\{([A-Za-z]+):([^}]*)\}/g, (_, ns, arg) => {
    if (ns === "partitionKeyFromQuery") {
      if (!(arg in keys)) throw new Error(`no partition key ${arg}`);
      return keys[arg];
    }
    if (ns === "firehose" && arg === "error-output-type") {
      if (!errorType) throw new Error("no error type");
      return errorType;
    }
    if (ns === "timestamp") return formatUtc(now, arg);
    throw new Error(`cannot evaluate !{${ns}:${arg}}`);
  });
}

function formatUtc(d, pattern) {
  const pad = (n, w) => String(n).padStart(w, "0");
  const fields = {
    yyyy: pad(d.getUTCFullYear(), 4), MM: pad(d.getUTCMonth() + 1, 2), dd: pad(d.getUTCDate(), 2),
    HH: pad(d.getUTCHours(), 2), mm: pad(d.getUTCMinutes(), 2), ss: pad(d.getUTCSeconds(), 2),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => fields[t]);
}
