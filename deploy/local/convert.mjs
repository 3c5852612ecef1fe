// Record format conversion as Firehose does it with the OpenX JSON SerDe and
// the Glue table's columns: keys match columns case-insensitively, fields
// outside the table are dropped, a missing field is NULL, and a value that
// does not fit its column's type fails the whole record
// (format-conversion-failed).

// Glue/Hive type -> DuckDB type.
const DUCK = { string: "VARCHAR", double: "DOUBLE", float: "FLOAT", bigint: "BIGINT", int: "INTEGER", boolean: "BOOLEAN", timestamp: "TIMESTAMP", date: "DATE" };

export function duckType(glueType) {
  const t = DUCK[glueType];
  if (!t) throw new Error(`Glue type ${glueType} is not supported by the local lake`);
  return t;
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
  switch (type) {
    case "string":
      if (typeof v === "string") return v;
      if (typeof v === "number" || typeof v === "boolean") return String(v);
      return JSON.stringify(v);
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
    default:
      throw new Error(`type ${type} is not supported`);
  }
}

// columns: [{name, type}] of the Glue table (partition keys excluded).
// Returns text -> {row: [values in column order]} | {error, code}.
export function makeConverter(columns) {
  const names = columns.map((c) => c.name.toLowerCase());
  return (text) => {
    let obj;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      return { code: "DataFormatConversion.MalformedData", error: `not JSON: ${e.message}` };
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      return { code: "DataFormatConversion.MalformedData", error: "the record is not a JSON object" };
    }
    const lower = new Map();
    for (const [k, v] of Object.entries(obj)) {
      const lk = k.toLowerCase();
      if (!lower.has(lk)) lower.set(lk, v);
    }
    const row = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const v = lower.get(names[i]);
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
