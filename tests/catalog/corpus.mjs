// corpus.mjs: a deterministic corpus of events over an event catalog, for
// the differential test (differential.test.mjs).
//
// Each case is one line of JSON text (the event as a client sends it as
// `Data`) and a tag naming the rule it exercises (`kw`); the verdict is not
// decided here: the oracle (ajv over the composed schema) and the gateway
// each read the same bytes. The generator only aims: for every keyword of
// every field it makes values on both sides of the constraint (at the bound,
// just past it, code points vs UTF-16 units, escapes), so that the test can
// check that the corpus holds both verdicts for every keyword.
//
// Number texts are chosen so that their IEEE-754 double (what JSON.parse
// and so ajv see) is on the same side of every bound as the exact decimal
// value the gateway reads: no integer between 2^53 and 2^63 (the double of
// 9223372036854775807 is 2^63, outside the lake's bigint, while the text is
// inside), no more digits than a double holds next to a bound
// (1.0000000000000001 is 1 to JSON.parse), no underflow (1e-400 is 0).
// Those bounds are the C unit tests' (tests/unit/test_catalog*.c), where
// the exact text is known. Lone surrogates (\ud800 alone) and duplicate
// member names are left out too: RFC 8259 leaves their meaning open, I-JSON
// forbids them, and the gateway refuses them as invalid JSON while
// JSON.parse keeps the surrogate and the last duplicate. Nesting deeper
// than limits.max_json_depth is a limit of the body, not of the schema.
import { COMMON_FIELDS, DERIVED_FIELDS } from "../../scripts/catalog/compose.mjs";

// mulberry32: small, seeded, the same sequence on every machine.
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  return { next, int, pick, chance: (p) => next() < p };
}

// A number written exactly as given (1.0, 1e3, -0): JSON.stringify cannot.
export class Raw {
  constructor(text) {
    this.text = text;
  }
}
const raw = (t) => new Raw(t);

// JSON text of a value. `esc` picks how strings and member names are
// escaped: "none" (JSON.stringify's), "nonascii" (every non-ASCII code unit
// as \uXXXX, so astral characters become surrogate-pair escapes), "all"
// (every character escaped), "mixed" (a random share, "\/" included).
export function serialize(v, esc = "none", rng = null, spaced = false) {
  // Whitespace between tokens (spaces and tabs only: a line is one event).
  const w = () => (spaced && rng.chance(0.5) ? rng.pick([" ", "  ", "\t", " \t "]) : "");
  if (v instanceof Raw) return v.text;
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("not a JSON number");
    return JSON.stringify(v);
  }
  if (typeof v === "string") return quote(v, esc, rng);
  if (Array.isArray(v)) return `[${w()}${v.map((x) => serialize(x, esc, rng, spaced)).join(`${w()},${w()}`)}${w()}]`;
  const members = Object.entries(v).map(([k, x]) => `${w()}${quote(k, esc, rng)}${w()}:${w()}${serialize(x, esc, rng, spaced)}${w()}`);
  return `{${members.join(",")}${w()}}`;
}

const hex4 = (c, upper = false) => {
  const h = c.toString(16).padStart(4, "0");
  return "\\u" + (upper ? h.toUpperCase() : h);
};
const SHORT = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f" };
function quote(s, esc, rng) {
  if (esc === "none") return JSON.stringify(s);
  let out = '"';
  for (const ch of s) { // by code point: a surrogate pair is escaped whole or not at all
    const c = ch.codePointAt(0);
    const must = ch === '"' || ch === "\\" || c < 0x20;
    const want = esc === "all" || (esc === "nonascii" && c > 0x7e) || (esc === "mixed" && rng.chance(0.4));
    if (!must && !want) out += ch;
    else if (!want) out += SHORT[ch] ?? hex4(c);
    else if (esc === "mixed" && ch === "/") out += "\\/";
    else if (esc === "mixed" && SHORT[ch] && rng.chance(0.5)) out += SHORT[ch];
    else {
      const upper = esc === "mixed" && rng.chance(0.5);
      for (let i = 0; i < ch.length; i++) out += hex4(ch.charCodeAt(i), upper);
    }
  }
  return out + '"';
}

// Characters strings are made of: ASCII, Latin-1, CJK, astral (2 UTF-16
// units, 1 code point), and some that must or may be escaped.
const CHARS = ["a", "b", "z", "0", "9", "_", "-", " ", "é", "ß", "中", "文", "😀", "𝄞", "🇫", '"', "\\", "/", "\n",
  "\t", "\u0001", "\u001f", "\u007f", "\u2028", "\ufeff", "\u00a0", "\u0000"];
const ASTRAL = ["😀", "𝄞", "🐍", "\u{10ffff}"];

function text(rng, n, pool = CHARS) {
  let s = "";
  for (let i = 0; i < n; i++) s += rng.pick(pool);
  return s;
}
const cpLen = (s) => [...s].length;

// ---- formats (ajv-formats 3.0.1 "full": dist/lib/formats.js) ----------------

const pad = (n, w = 2) => String(n).padStart(w, "0");
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

function validDate(rng) {
  if (rng.chance(0.2)) return rng.pick(["2024-02-29", "2000-02-29", "0000-02-29", "1600-02-29", "2023-12-31", "9999-12-31", "0001-01-01"]);
  const y = rng.int(1900, 2100);
  const m = rng.int(1, 12);
  const d = rng.int(1, m === 2 && leap(y) ? 29 : DAYS[m]);
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}
const BAD_DATES = ["2023-02-29", "2100-02-29", "1900-02-29", "2025-02-29", "2024-02-30", "2024-04-31", "2024-13-01",
  "2024-00-10", "2024-01-00", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01T00:00:00Z", " 2024-01-01",
  "2024-01-01 ", "2024-01-01\n", "２０２４-01-01", "2024-01-1x", "", "20240101", "+2024-01-01", "2024-06-31", "2024-09-31"];

function validTime(rng) {
  const frac = rng.pick(["", "", ".5", ".123", ".123456789", ".0"]);
  const zone = rng.pick(["Z", "z", "+00:00", "-00:00", "+05:30", "-08:00", "+0530", "+05", "-23:59", "+14:00"]);
  return `${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}${frac}${zone}`;
}
function validDateTime(rng) {
  if (rng.chance(0.3))
    return rng.pick([
      "2016-12-31T23:59:60Z", // a leap second at 23:59 UTC
      "2016-12-31T23:59:60.999Z",
      "2016-12-31t23:59:60z",
      "2017-01-01T00:59:60+01:00", // 23:59:60 UTC written in UTC+1
      "2016-12-31T22:59:60-01:00",
      "2016-12-31T18:29:60-05:30",
      "2016-12-31T24:59:59+01:00", // ajv's leap-second rule: hour 24 at UTC+1 is 23 UTC
      "2016-12-31T23:60:00+00:01",
      "2024-02-29 10:00:00Z",
      "2024-02-29\t10:00:00Z", // ajv splits on /t|\s/i: any JS whitespace separates
      "2024-02-29\u00a010:00:00Z",
      "2024-02-29\u202810:00:00Z",
      "2024-02-29\ufeff10:00:00Z",
      "2024-02-29\n10:00:00Z",
    ]);
  const sep = rng.pick(["T", "T", "t", " "]);
  return `${validDate(rng)}${sep}${validTime(rng)}`;
}
const BAD_DATE_TIMES = ["2024-01-01T10:00:00", "2024-01-01 10:00:00", "2024-01-01T10:00:00.123", "2024-01-01T10:00Z",
  "2024-01-01T25:00:00Z", "2024-01-01T10:60:00Z", "2024-01-01T10:00:61Z", "2024-01-01T23:59:60+01:00",
  "2024-01-01T12:59:60Z", "2016-12-31T23:58:60Z", "2024-01-01T10:00:00+24:00", "2024-01-01T10:00:00+05:60",
  "2024-01-01T10:00:00.Z", "2024-01-01X10:00:00Z", "2024-01-01TT10:00:00Z", "2023-02-29T10:00:00Z",
  "2024-01-01T10:00:00 Z", "2024-01-01T10:00:00+5:30", "2024-01-01", "10:00:00Z", "2024-01-01T1:00:00Z",
  "2024-01-01T10:00:00Z ", "2024-01-01T10:00:00ZZ", "2024-01-01T10:00:00+05:30:00", "", "2024-01-01T１0:00:00Z",
  "2024-01-01 T10:00:00Z", "2024-01-01T10:00:00UTC", "2017-01-01T00:59:60+01:30"];

function validUuid(rng) {
  const h = () => rng.int(0, 15).toString(16);
  const s = (n) => Array.from({ length: n }, h).join("");
  let u = `${s(8)}-${s(4)}-${s(4)}-${s(4)}-${s(12)}`;
  if (rng.chance(0.2)) u = u.toUpperCase();
  if (rng.chance(0.15)) u = rng.pick(["urn:uuid:", "URN:UUID:", "Urn:Uuid:"]) + u;
  return u;
}
const BAD_UUIDS = ["3f2b8c1e9d4a4b7ea1c57e6d5f4a3b21", "3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b2", "3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b211",
  "3f2b8c1g-9d4a-4b7e-a1c5-7e6d5f4a3b21", "{3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21}", "uuid:3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21",
  "urn:uuid:", "3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21\n", " 3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21",
  "3f2b8c1e_9d4a_4b7e_a1c5_7e6d5f4a3b21", "3f2b8c1e-9d4a4b7e-a1c5-7e6d5f4a3b21", "", "urn:uuid:3f2b8c1e-9d4a-4b7e-a1c5",
  "3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b2１", "urn:uuid:urn:uuid:3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21"];

// ---- values of a property schema --------------------------------------------

const baseType = (ps) => (Array.isArray(ps.type) ? ps.type.find((t) => t !== "null") : ps.type);
const nullable = (ps) => Array.isArray(ps.type) && ps.type.includes("null");
const lowBound = (ps) => ps.minimum ?? ps.exclusiveMinimum;
const highBound = (ps) => ps.maximum ?? ps.exclusiveMaximum;

// Integer texts of value v in several spellings (all the same integer).
function intText(rng, v) {
  const forms = [String(v)];
  if (Math.abs(v) < 1e15) forms.push(`${v}.0`, `${v}e0`, `${v}.000`);
  if (v !== 0 && v % 1000 === 0) forms.push(`${v / 1000}e3`, `${v / 1000}E+3`);
  if (v !== 0 && v % 10 === 0) forms.push(`${v / 10}e1`);
  if (Math.abs(v) < 1e14 && v !== 0) forms.push(`${v * 10}e-1`, `${v * 100}E-2`);
  if (v === 0) forms.push("-0", "0.0", "0e5", "-0.0", "0E-7");
  // The same integer with its digits moved by the exponent (decimal, exact).
  if (v > 0 && v < 1e6) forms.push(`0.${"0".repeat(15)}${v}e${15 + String(v).length}`, `${v}${"0".repeat(17)}e-17`, `${v}.${"0".repeat(25)}`);
  return raw(rng.pick(forms));
}

function validInteger(rng, ps) {
  let lo = ps.minimum ?? (ps.exclusiveMinimum !== undefined ? ps.exclusiveMinimum + 1 : -(2 ** 53));
  let hi = ps.maximum ?? (ps.exclusiveMaximum !== undefined ? ps.exclusiveMaximum - 1 : 2 ** 53);
  const r = rng.next();
  const v = r < 0.2 ? lo : r < 0.4 ? hi : r < 0.7 ? rng.int(lo, Math.min(hi, lo + 100)) : Math.floor(lo + rng.next() * (hi - lo));
  return rng.chance(0.4) ? intText(rng, v) : v;
}

function validNumber(rng, ps) {
  const lo = lowBound(ps) ?? -1e308;
  const hi = highBound(ps) ?? 1e308;
  const r = rng.next();
  let v;
  if (r < 0.15 && ps.minimum !== undefined) v = ps.minimum;
  else if (r < 0.3 && ps.maximum !== undefined) v = ps.maximum;
  else if (r < 0.4 && ps.exclusiveMinimum !== undefined) v = ps.exclusiveMinimum + 0.001;
  else if (r < 0.5 && ps.exclusiveMaximum !== undefined) v = ps.exclusiveMaximum - 0.001;
  else if (r < 0.6 && lowBound(ps) === undefined) v = rng.pick([-1e308, -1.7976931348623157e308, -123456.789]);
  else if (r < 0.7 && highBound(ps) === undefined) v = rng.pick([1e308, 1.7976931348623157e308, 5e-324, 123456789012.5]);
  else v = Math.round((lo + rng.next() * Math.min(hi - lo, 1e6)) * 1000) / 1000;
  if (v <= (ps.exclusiveMinimum ?? -Infinity) || v >= (ps.exclusiveMaximum ?? Infinity) || v < lo || v > hi)
    v = ps.minimum ?? ps.maximum ?? 1;
  if (rng.chance(0.3)) {
    const t = JSON.stringify(v);
    const forms = [t];
    if (Number.isInteger(v) && Math.abs(v) < 1e15) forms.push(`${t}.0`, `${t}.00`, `${t}e0`, `${t}E0`);
    if (!t.includes("e")) forms.push(`${t}e+0`, `${t}E-0`);
    return raw(rng.pick(forms));
  }
  return v;
}

function validString(rng, ps) {
  if (ps.format === "date") return validDate(rng);
  if (ps.format === "date-time") return validDateTime(rng);
  if (ps.format === "uuid") return validUuid(rng);
  const lo = ps.minLength ?? 0;
  const hi = ps.maxLength ?? lo + 40;
  const r = rng.next();
  const n = r < 0.2 ? lo : r < 0.4 ? hi : rng.int(lo, Math.min(hi, lo + 20));
  // At a bound, astral characters make UTF-16 length twice the code points.
  return text(rng, n, rng.chance(0.3) ? ASTRAL : CHARS);
}

export function validValue(rng, ps) {
  if (nullable(ps) && rng.chance(0.15)) return null;
  if (ps.const !== undefined) return ps.const;
  if (ps.enum) {
    const v = rng.pick(ps.enum);
    if (typeof v === "number" && rng.chance(0.5)) return intText(rng, v);
    return v;
  }
  switch (baseType(ps)) {
    case "string":
      return validString(rng, ps);
    case "integer":
      return validInteger(rng, ps);
    case "number":
      return validNumber(rng, ps);
    case "boolean":
      return rng.chance(0.5);
    case "array": {
      const lo = ps.minItems ?? 0;
      const hi = ps.maxItems ?? lo + 4;
      const n = rng.chance(0.3) ? rng.pick([lo, hi]) : rng.int(lo, Math.min(hi, lo + 4));
      return Array.from({ length: n }, () => validValue(rng, ps.items));
    }
  }
  throw new Error(`no generator for ${JSON.stringify(ps)}`);
}

// Values of the wrong JSON type for a property schema (a type swap).
function wrongTypes(ps) {
  const t = baseType(ps);
  const out = [];
  if (t !== "string") out.push("1", "", "true", "null", "1e3");
  if (t !== "integer" && t !== "number") out.push(1, 0, raw("-0"), raw("1e3"), raw("1.0"));
  if (t === "integer") out.push(1.5, raw("1.000001"), raw("-2.5e-1"), raw("1e400"), raw("-1e400"), raw("1e19"), raw("-1e19"),
    raw("18446744073709551616"), raw("1e300"), raw("2e-1"));
  if (t === "number") out.push(raw("1e400"), raw("-1e400"), raw("1E999"));
  if (t !== "boolean") out.push(true, false);
  if (t !== "array") out.push([], [1], ["a"]);
  out.push({}, { a: 1 }, { [Object.keys(ps).includes("items") ? "x" : "y"]: [1, { b: null }] }); // nested objects are never a field's value
  if (!nullable(ps)) out.push(null);
  return out;
}

// Each case: [kw, value]. Values around every constraint of one property
// schema, on both sides; kw names the keyword the value was aimed at.
export function valuesAround(rng, ps) {
  const out = [];
  const t = baseType(ps);
  for (const v of wrongTypes(ps)) out.push(["type", v]);
  if (nullable(ps)) out.push(["type", null]);
  if (ps.const !== undefined) {
    const c = ps.const;
    out.push(["const", c]);
    if (typeof c === "number") out.push(["const", raw(`${c}.0`)], ["const", raw(`${c}e0`)], ["const", c + 1], ["const", c - 1], ["const", raw(`${c}.5`)]);
    else out.push(["const", c.toUpperCase()], ["const", c + " "], ["const", c.slice(0, -1)], ["const", ""], ["const", c + "\u0000"]);
  }
  if (ps.enum) {
    for (const e of ps.enum) out.push(["enum", e]);
    const strs = ps.enum.filter((e) => typeof e === "string");
    const nums = ps.enum.filter((e) => typeof e === "number");
    for (const s of strs.slice(0, 3))
      out.push(["enum", s.toLowerCase() === s ? s.toUpperCase() : s.toLowerCase()], ["enum", ` ${s}`], ["enum", `${s}\u0000`], ["enum", s.slice(1)]);
    if (strs.length) out.push(["enum", "other"], ["enum", ""]);
    for (const n of nums) out.push(["enum", raw(`${n}.0`)], ["enum", raw(`${n}e0`)], ["enum", raw(`${n * 10}e-1`)]);
    if (nums.length) out.push(["enum", Math.max(...nums) + 1], ["enum", raw(`${nums[0]}.5`)], ["enum", 0]);
    if (!ps.enum.includes(null) && nullable(ps)) out.push(["enum", null]);
  }
  if (t === "integer" || t === "number") {
    const step = t === "integer" ? 1 : 0.5;
    const tiny = t === "integer" ? 1 : 1e-6;
    const T = (v) => (t === "integer" ? intText(rng, v) : v);
    if (ps.minimum !== undefined) out.push(["minimum", T(ps.minimum)], ["minimum", T(ps.minimum - step)], ["minimum", ps.minimum - tiny], ["minimum", T(ps.minimum + step)]);
    if (ps.maximum !== undefined) out.push(["maximum", T(ps.maximum)], ["maximum", T(ps.maximum + step)], ["maximum", ps.maximum + tiny], ["maximum", T(ps.maximum - step)]);
    if (ps.exclusiveMinimum !== undefined) {
      const b = ps.exclusiveMinimum;
      out.push(["exclusiveMinimum", b], ["exclusiveMinimum", raw(`${b}.0`)], ["exclusiveMinimum", b + tiny], ["exclusiveMinimum", b - tiny]);
      if (b === 0) out.push(["exclusiveMinimum", raw("-0")], ["exclusiveMinimum", raw("0e10")], ["exclusiveMinimum", raw("1e-300")]);
    }
    if (ps.exclusiveMaximum !== undefined) {
      const b = ps.exclusiveMaximum;
      out.push(["exclusiveMaximum", b], ["exclusiveMaximum", raw(`${b}.0`)], ["exclusiveMaximum", raw(`${b / 10}e1`)],
        ["exclusiveMaximum", b - tiny], ["exclusiveMaximum", b + tiny]);
    }
    // Huge and negative numbers, the int64 range of the lake's bigint.
    out.push(["range", -1], ["range", raw("-0")], ["range", raw("-1e308")]);
    if (t === "integer")
      out.push(["range", 2 ** 53], ["range", -(2 ** 53)], ["range", raw("9007199254740993")], ["range", raw("1e19")],
        ["range", raw("-1e19")], ["range", raw("-9223372036854775809000")], ["range", raw("99999999999999999999")],
        // 2^63 and -2^63 are doubles, and so is the next double below -2^63 (-2^63 - 2048).
        ["range", raw("9223372036854775808")], ["range", raw("9.223372036854775808e18")], ["range", raw("9223372036854775808.0")],
        ["range", raw("-9223372036854775808")], ["range", raw("-9.223372036854775808E+18")], ["range", raw("-9223372036854777856")],
        ["range", raw("123456789012345678901234567890")], ["range", raw("1e18")], ["range", raw("-1e18")], ["range", raw("4611686018427387904")],
        ["range", raw("1.5e1")], ["range", raw("1.00000000001")], ["range", raw("100.5e-1")], ["range", raw("15e-1")]);
    else out.push(["range", raw("1.7976931348623157e308")], ["range", raw("-1.7976931348623157e308")], ["range", raw("4.9e-324")], ["range", raw("1e309")]);
  }
  if (t === "string" && !ps.enum && ps.const === undefined && !ps.format) {
    const lo = ps.minLength;
    const hi = ps.maxLength;
    if (lo !== undefined) {
      out.push(["minLength", text(rng, lo, ASTRAL)], ["minLength", text(rng, lo, CHARS)]);
      if (lo > 0) out.push(["minLength", text(rng, lo - 1, ASTRAL)], ["minLength", text(rng, lo - 1, ["a", "é"])]);
      if (lo > 1) out.push(["minLength", "😀".repeat(Math.ceil(lo / 2))]); // enough UTF-16 units, too few code points
    }
    if (hi !== undefined) {
      out.push(["maxLength", text(rng, hi, ASTRAL)], ["maxLength", text(rng, hi, CHARS)], ["maxLength", text(rng, hi + 1, CHARS)],
        ["maxLength", text(rng, hi + 1, ASTRAL)], ["maxLength", "é".repeat(hi)], ["maxLength", "中".repeat(hi + 1)]);
    }
  }
  if (ps.format === "date") {
    for (let i = 0; i < 6; i++) out.push([`format:${ps.format}`, validDate(rng)]);
    for (const d of BAD_DATES) out.push([`format:${ps.format}`, d]);
  }
  if (ps.format === "date-time") {
    for (let i = 0; i < 14; i++) out.push([`format:${ps.format}`, validDateTime(rng)]);
    for (const d of BAD_DATE_TIMES) out.push([`format:${ps.format}`, d]);
  }
  if (ps.format === "uuid") {
    for (let i = 0; i < 8; i++) out.push([`format:${ps.format}`, validUuid(rng)]);
    for (const d of BAD_UUIDS) out.push([`format:${ps.format}`, d]);
  }
  if (t === "array") {
    const lo = ps.minItems ?? 0;
    const hi = ps.maxItems;
    const items = (n) => Array.from({ length: n }, () => validValue(rng, ps.items));
    out.push(["minItems", items(lo)]);
    if (lo > 0) out.push(["minItems", items(lo - 1)]);
    if (hi !== undefined) out.push(["maxItems", items(hi)], ["maxItems", items(hi + 1)]);
    // One item at fault, anywhere in the array (its own keywords and type).
    for (const [kw, v] of valuesAround(rng, ps.items)) {
      const a = items(Math.max(lo, 1));
      a.splice(rng.int(0, a.length - 1), 0, v);
      if (hi !== undefined && a.length > hi) a.shift();
      out.push([`items.${kw}`, a]);
    }
    out.push(["items", [[1]]], ["items", [{}]]); // no arrays of arrays, no objects
  }
  return out;
}

// ---- events -----------------------------------------------------------------

const NAME_RULE_CASES = ["Payment:Order:Completed", "payment:order:Completed", "lesson started", "a/b:c", "a=b", "a.b", "a::b",
  ":a", "a:", "", "é:x", "a b", "a-b", "a\tb", "a\u0000b", "x".repeat(65), ("x".repeat(64) + ":").repeat(3) + "x".repeat(64),
  "payment:order:completed ", " payment:order:completed", "payment:order:completed\n", "ｐayment:order:completed",
  "PAYMENT:ORDER:COMPLETED", "payment:order:completed:", "payment::order:completed"];

export function eventOf(rng, type, composed, now, window, { full = false } = {}) {
  const ev = {};
  ev.event_uuid = validUuid(rng).replace(/^urn:uuid:/i, "");
  ev.event_name = type.name;
  ev.created_at = validCreatedAt(rng, now, window);
  const props = type.doc.properties;
  const required = new Set(type.doc.required ?? []);
  for (const [k, ps] of Object.entries(props)) if (full || required.has(k) || rng.chance(0.6)) ev[k] = validValue(rng, ps);
  if (rng.chance(0.15)) ev.created_datetime = rng.pick(["2024-04-07T18:21:05Z", 17, null, { x: 1 }, ["x"]]);
  if (rng.chance(0.1)) ev.event_type = rng.pick(["payment", 1, null]);
  if (rng.chance(0.1)) ev.event_subtype = rng.pick(["order", null, true]);
  if (composed.additionalProperties !== false && rng.chance(0.3))
    ev[rng.pick(["client_build", "experiment", "nested"])] = rng.pick([1, "x", null, { deep: [1, { a: "b" }] }, [1, 2]]);
  return shuffleKeys(rng, ev);
}

function validCreatedAt(rng, now, window) {
  const lo = now - window.max_age_days * 86400;
  const hi = now + window.max_ahead_s;
  const r = rng.next();
  if (r < 0.05) return lo;
  if (r < 0.1) return hi;
  if (r < 0.15) return raw(`${hi}.000`);
  if (r < 0.2) return raw(`${lo}e0`);
  if (r < 0.25) return 1712514065.123; // README's
  return Math.round((lo + rng.next() * (hi - lo)) * 1000) / 1000;
}

function shuffleKeys(rng, o) {
  const keys = Object.keys(o);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

const ESCAPES = ["none", "none", "none", "nonascii", "all", "mixed"];

// The corpus: [{line, kw, type}] for every type of the catalog.
export function generateCorpus({ catalog, composeFor, now, window, seed = 17, validPerType = 80 }) {
  const rng = prng(seed);
  const cases = [];
  const push = (kw, type, ev, esc = rng.pick(ESCAPES)) =>
    cases.push({ kw, type: type?.name ?? "", line: serialize(ev, esc, rng, rng.chance(0.2)) });
  for (const type of catalog) {
    const composed = composeFor(type);
    for (let i = 0; i < validPerType; i++) push("valid", type, eventOf(rng, type, composed, now, window, { full: i % 2 === 0 }));
    // Every field, every keyword, both sides.
    for (const [field, ps] of Object.entries(type.doc.properties)) {
      for (const [kw, v] of valuesAround(rng, ps)) {
        const ev = eventOf(rng, type, composed, now, window);
        ev[field] = v;
        push(kw, type, ev);
      }
    }
    // required: each one dropped, and all present.
    for (const field of type.doc.required ?? []) {
      const ev = eventOf(rng, type, composed, now, window, { full: true });
      delete ev[field];
      push("required", type, ev);
      push("required", type, eventOf(rng, type, composed, now, window, { full: true }));
    }
    // additionalProperties: an undeclared field, another type's field, a derived one, a near-miss name.
    for (const extra of ["extra_field", "amount", "user_id", "event_type", "created_datetime", "Event_uuid", "lesson_id", "x".repeat(200),
      "é".repeat(60), "a" + "😀".repeat(40), "\u0000", "a\"b", "a\\b", "\ud83d\ude00", "__proto__", "constructor", ""]) {
      const ev = eventOf(rng, type, composed, now, window);
      if (extra in ev && !DERIVED_FIELDS.includes(extra)) continue;
      ev[extra] = rng.pick([1, "x", null, true, [], { a: 1 }]);
      push("additionalProperties", type, ev);
    }
    // Common fields.
    const base = () => eventOf(rng, type, composed, now, window);
    for (const u of [...BAD_UUIDS, "urn:uuid:3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21", "3F2B8C1E-9D4A-4B7E-A1C5-7E6D5F4A3B21",
      "3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21", 1, null, true, ["3f2b8c1e-9d4a-4b7e-a1c5-7e6d5f4a3b21"]])
      if (rng.chance(0.4)) push("event_uuid", type, { ...base(), event_uuid: u });
    for (const f of COMMON_FIELDS) {
      const ev = base();
      delete ev[f];
      push(`missing.${f}`, type, ev);
    }
    const lo = now - window.max_age_days * 86400;
    const hi = now + window.max_ahead_s;
    for (const c of [lo, lo - 0.001, lo - 1, hi, hi + 0.001, hi + 1, raw(`${hi}.0001`), raw(`${lo - 1}.9999`), 0, -5, raw("-0"),
      4102444800, 1712514065123, 1e11, 99999999999.9, "1712514065", null, true, raw("1e400"), [now], now, raw(`${now}e0`), raw(`${now / 10}E1`)])
      if (rng.chance(0.5)) push("created_at", type, { ...base(), created_at: c });
  }
  // Event names: the rule, unknown types, escapes of a known name.
  for (let i = 0; i < 150; i++) {
    const type = rng.pick(catalog);
    const composed = composeFor(type);
    const ev = eventOf(rng, type, composed, now, window);
    const r = rng.next();
    if (r < 0.4) ev.event_name = rng.pick(NAME_RULE_CASES);
    else if (r < 0.6) ev.event_name = rng.pick(["payment:order:complete", "pament:order:completed", "payment", "payment:order",
      "account:created:extra", "lesson:started:x", "order", "unknown:type", "a:b", "x", "__proto__", "constructor",
      "to_string", "payment:order:completed_", "payment:order:completedx", "payment:order:complete_d"]);
    else if (r < 0.7) ev.event_name = rng.pick([1, null, true, ["a:b"], { a: "b" }]);
    // else: the type's own name, escaped by the serializer below
    push("event_name", type, ev, r >= 0.7 ? rng.pick(["all", "nonascii", "mixed"]) : undefined);
  }
  // Not an object, or an event sent as a string holding its JSON.
  for (const v of [42, [], [{}], null, true, "x", "", "{}", raw("1e400")]) push("not_object", null, v);
  for (let i = 0; i < 40; i++) {
    const type = rng.pick(catalog);
    const ev = eventOf(rng, type, composeFor(type), now, window);
    if (rng.chance(0.3)) delete ev[rng.pick([...COMMON_FIELDS, ...Object.keys(type.doc.properties)])];
    const text = serialize(ev, rng.pick(ESCAPES), rng, rng.chance(0.3));
    const around = rng.pick(["", "", "", " ", "\n", "\t\r\n ", "\ufeff", "\u00a0", "x"]);
    push("string_event", type, rng.chance(0.5) ? around + text : text + around);
  }
  return cases;
}
