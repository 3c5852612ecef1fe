// The lake's layout, read from the Terraform that builds the real one, so the
// local delivery cannot drift from it: the jq partition query, its engine and
// the prefix templates from modules/firehose_to_s3, each delivery stream's
// prefix, error prefix and output format from the calls in modules/stack, and
// the Glue tables (names, columns, partition keys) from modules/glue_catalog.
// Anything here that the local delivery cannot evaluate is an error, never a
// guess.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";

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

function firehoseModule(mod) {
  const locals = mergedLocals(mod);
  const stream = first(mod.resource?.aws_kinesis_firehose_delivery_stream?.this);
  const s3 = first(stream?.extended_s3_configuration);
  if (!s3) throw new Error("firehose_to_s3: no extended_s3_configuration");
  const params = {};
  for (const pc of s3.processing_configuration ?? []) {
    for (const p of pc.processors ?? []) {
      if (p.type !== "MetadataExtraction") continue;
      for (const kv of p.parameters ?? []) params[kv.parameter_name] = resolveLocal(kv.parameter_value, locals, kv.parameter_name);
    }
  }
  // The prefixes are "${local.x}" or literal text with ${var.*} left for the caller.
  const viaLocal = (v) => (/^\$\{local\.[a-z_]+\}$/.test(v) ? resolveLocal(v, locals, v) : v);
  const prefix = viaLocal(s3.prefix);
  const errorPrefix = viaLocal(s3.error_output_prefix);
  if (!params.MetadataExtractionQuery) throw new Error("firehose_to_s3: no MetadataExtractionQuery");
  return {
    query: params.MetadataExtractionQuery,
    engine: params.JsonParsingEngine,
    prefixTemplate: prefix,
    errorPrefixTemplate: errorPrefix,
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
  const fh = firehoseModule(await parseTf(join(tf, "firehose_to_s3", "main.tf")));
  const stack = await parseTf(join(tf, "stack", "main.tf"));
  const glueMain = await parseTf(join(tf, "glue_catalog", "main.tf"));
  const glueVars = await parseTf(join(tf, "glue_catalog", "variables.tf"));

  const zones = {};
  let catalogCall;
  for (const [name, bodies] of Object.entries(stack.module ?? {})) {
    const call = first(bodies);
    const source = String(call.source ?? "").replace(/\/+$/, "");
    if (source.endsWith("/glue_catalog")) catalogCall = call;
    if (!source.endsWith("/firehose_to_s3")) continue;
    const zone = call.output_format === "PARQUET" ? "parquet" : call.output_format === "JSON_GZIP" ? "raw" : null;
    if (!zone) throw new Error(`stack: module ${name} has output_format ${call.output_format}`);
    if (zones[zone]) throw new Error(`stack: two ${call.output_format} delivery streams`);
    const vars = { prefix: call.prefix, error_prefix: call.error_prefix };
    zones[zone] = {
      module: name,
      outputFormat: call.output_format,
      prefix: call.prefix,
      prefixTemplate: substVars(fh.prefixTemplate, vars, `${name} prefix`),
      errorPrefixTemplate: substVars(fh.errorPrefixTemplate, vars, `${name} error prefix`),
    };
  }
  if (!zones.parquet || !zones.raw) throw new Error("stack: needs one PARQUET and one JSON_GZIP firehose_to_s3");

  const tableName = catalogCall?.table_name ?? variableDefault(glueVars, "table_name");
  const rawTableName = catalogCall?.raw_table_name ?? variableDefault(glueVars, "raw_table_name");
  const parquetPrefix = catalogCall?.parquet_prefix ?? variableDefault(glueVars, "parquet_prefix");
  const rawPrefix = catalogCall?.raw_prefix ?? variableDefault(glueVars, "raw_prefix");
  if (parquetPrefix !== zones.parquet.prefix) throw new Error(`Glue ${tableName} reads ${parquetPrefix}, Firehose writes ${zones.parquet.prefix}`);
  if (rawPrefix !== zones.raw.prefix) throw new Error(`Glue ${rawTableName} reads ${rawPrefix}, Firehose writes ${zones.raw.prefix}`);

  return {
    query: fh.query,
    engine: fh.engine,
    partitionKeys: [...fh.prefixTemplate.matchAll(/!\{partitionKeyFromQuery:([A-Za-z0-9_]+)\}/g)].map((m) => m[1]),
    zones,
    tables: {
      events: { name: tableName, prefix: parquetPrefix, ...glueTable(glueMain, "events") },
      events_raw: { name: rawTableName, prefix: rawPrefix, ...glueTable(glueMain, "events_raw") },
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
