// Record format conversion as Firehose does it with the OpenX JSON SerDe and
// the Glue table's columns: keys match columns case-insensitively, fields
// outside the table are dropped, a missing field is NULL, and a value that
// does not fit its column's type fails the whole record
// (format-conversion-failed).
//
// Integers are kept exactly: a bigint column gets the digits as sent, so
// 9223372036854775807 is not rounded to a double on the way (JSON.parse
// alone would), and a value outside [-2^63, 2^63-1] fails the record.
import { setFlagsFromString } from "node:v8";

// JSON.parse hands a reviver the source text of each value (on by default
// from Node 22; Node 20 has it behind this flag).
setFlagsFromString("--harmony-json-parse-with-source");

// Glue/Hive type -> DuckDB type. array<T> -> T[], struct<a:T,...> -> STRUCT.
const DUCK = { string: "VARCHAR", double: "DOUBLE", float: "FLOAT", bigint: "BIGINT", int: "INTEGER", boolean: "BOOLEAN", timestamp: "TIMESTAMP", date: "DATE" };

// Splits "a:T1,b:struct<c:T2,d:T3>" at the top-level commas.
function splitTop(s) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "<") depth++;
    else if (s[i] === ">") depth--;
    else if (s[i] === "," && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out;
}

export function duckType(glueType) {
  const arr = /^array<(.+)>$/.exec(glueType);
  if (arr) return `${duckType(arr[1])}[]`;
  const st = /^struct<(.+)>$/.exec(glueType);
  if (st) {
    return `STRUCT(${splitTop(st[1]).map((f) => {
      const i = f.indexOf(":");
      return `"${f.slice(0, i)}" ${duckType(f.slice(i + 1))}`;
    }).join(", ")})`;
  }
  const t = DUCK[glueType];
  if (!t) throw new Error(`Glue type ${glueType} is not supported by the local lake`);
  return t;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// The exact integer a JSON number's text denotes (1, -0, 1.0, 1e3,
// 12.5e1), or null when it has a fractional part.
export function exactInteger(src) {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(src);
  if (!m) return null;
  const frac = m[3] ?? "";
  let exp = Number(m[4] ?? 0) - frac.length;
  let digits = (m[2] + frac).replace(/^0+(?=\d)/, "");
  if (exp < 0) {
    const cut = Math.min(-exp, digits.length);
    if (!/^0*$/.test(digits.slice(digits.length - cut))) return null;
    digits = digits.slice(0, digits.length - cut) || "0";
    exp += cut;
    if (exp < 0) return digits === "0" ? 0n : null;
  }
  if (digits !== "0" && digits.length + exp > 40) return m[1] ? INT64_MIN - 1n : INT64_MAX + 1n; // far out of range
  const v = BigInt(digits) * 10n ** BigInt(exp);
  return m[1] ? -v : v;
}

// A number JSON.parse may have rounded, with its text.
class Num {
  constructor(value, src) { this.value = value; this.src = src; }
}
const keepSource = (_k, v, ctx) => (typeof v === "number" && !Number.isSafeInteger(v) && ctx?.source !== undefined ? new Num(v, ctx.source) : v);

// Days since 1970-01-01 of "YYYY-MM-DD", or throws.
export function dateDays(v) {
  if (typeof v !== "string") throw new Error(`a ${typeof v} is not a date`);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) throw new Error(`${JSON.stringify(v.slice(0, 40))} is not a date`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).getUTCDate() !== Number(m[3]) || Number(m[2]) > 12) throw new Error(`${JSON.stringify(v)} is not a date`);
  return ms / 86400000;
}

// OpenX accepts yyyy-MM-dd'T'HH:mm:ss[.S...]'Z' and yyyy-[M]M-[d]d HH:mm:ss[.S...].
const TS = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

// -> microseconds since the epoch (BigInt), or throws.
export function timestampMicros(v) {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("not a finite number");
    return BigInt(Math.round(v * 1e6));
  }
  if (typeof v !== "string") throw new Error(`a ${typeof v} is not a timestamp`);
  const m = TS.exec(v);
  if (!m) throw new Error(`${JSON.stringify(v.slice(0, 40))} is not a timestamp`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new Error(`${JSON.stringify(v)} is out of range`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) throw new Error(`${JSON.stringify(v)} is not a date`);
  const frac = BigInt(((m[7] ?? "") + "000000").slice(0, 6));
  return BigInt(ms) * 1000n + frac;
}

function convertValue(v, type) {
  if (v instanceof Num) {
    if (type === "bigint") {
      const n = exactInteger(v.src);
      if (n === null) throw new Error(`${v.src} is not an integer`);
      if (n < INT64_MIN || n > INT64_MAX) throw new Error(`${v.src} does not fit bigint`);
      return n;
    }
    v = v.value;
  }
  const arr = /^array<(.+)>$/.exec(type);
  if (arr) {
    if (!Array.isArray(v)) throw new Error(`${JSON.stringify(v)?.slice(0, 40)} is not an array`);
    return v.map((x) => (x === null || x === undefined ? null : convertValue(x, arr[1])));
  }
  switch (type) {
    case "string":
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean") return String(v);
      return JSON.stringify(v, (_k, x) => (x instanceof Num ? Number(x.src) : x));
    case "double":
    case "float": {
      if (typeof v === "number") return v;
      if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
      throw new Error(`${JSON.stringify(v)} is not a number`);
    }
    case "bigint":
    case "int": {
      const n = typeof v === "string" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new Error(`${JSON.stringify(v)} is not an integer`);
      if (type === "int" && (n < -2147483648 || n > 2147483647)) throw new Error(`${n} does not fit int`);
      return type === "bigint" ? BigInt(n) : n;
    }
    case "boolean":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw new Error(`${JSON.stringify(v)} is not a boolean`);
    case "timestamp":
      return timestampMicros(v);
    case "date":
      return dateDays(v);
    default:
      throw new Error(`type ${type} is not supported`);
  }
}

// columns: [{name, type}] of the Glue table (partition keys excluded).
// Returns text -> {row: [values in column order]} | {error, code}.
export function makeConverter(columns) {
  const names = columns.map((c) => c.name.toLowerCase());
  // Column index by lower-case name; the bigint columns (and arrays of them).
  const index = new Map(names.map((n, i) => [n, i]));
  const big = new Set(columns.flatMap((c, i) => (/\bbigint\b/.test(c.type) ? [i] : [])));
  const unsafe = (v) => (typeof v === "number" && !Number.isSafeInteger(v)) || (Array.isArray(v) && v.some((x) => typeof x === "number" && !Number.isSafeInteger(x)));
  // The record's members by column, the first of each lower-cased name (as
  // OpenX matches them); members that are no column are skipped.
  const byColumn = (obj) => {
    const vals = new Array(columns.length);
    for (const k in obj) {
      const i = index.get(k) ?? index.get(k.toLowerCase());
      if (i !== undefined && vals[i] === undefined && Object.hasOwn(obj, k)) vals[i] = obj[k];
    }
    return vals;
  };
  return (text) => {
    let obj;
    let vals;
    try {
      obj = JSON.parse(text);
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        return { code: "DataFormatConversion.MalformedData", error: "the record is not a JSON object" };
      }
      vals = byColumn(obj);
      // A bigint column holding a number JSON.parse may have rounded: parse
      // again keeping the numbers' text, so the column gets the exact value.
      for (const i of big) {
        if (unsafe(vals[i])) { vals = byColumn(JSON.parse(text, keepSource)); break; }
      }
    } catch (e) {
      return { code: "DataFormatConversion.MalformedData", error: `not JSON: ${e.message}` };
    }
    const row = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const v = vals[i];
      if (v === undefined || v === null) { row[i] = null; continue; }
      try {
        row[i] = convertValue(v, columns[i].type);
      } catch (e) {
        return { code: "DataFormatConversion.InvalidSchema", error: `column ${columns[i].name} (${columns[i].type}): ${e.message}` };
      }
    }
    return { row };
  };
}
