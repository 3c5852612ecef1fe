// differential.test.mjs: the gateway's verdict on every event of a generated
// corpus equals ajv's.
//
//   CATALOG_VERDICTS=build/tests/catalog_verdicts node --test tests/catalog/differential.test.mjs
//
// The corpus (corpus.mjs, seeded, the same on every run) has thousands of
// events over the example catalog (config/catalog/): valid ones of every
// type, and for every keyword of every field values on both sides of it
// (bounds, exclusive bounds, code points against UTF-16 units, formats with
// leap days and leap seconds, enum and const by value), type swaps, nulls,
// escapes and surrogate pairs, huge and negative numbers, missing and
// additional fields, event names that break the rule or are not catalog
// types, created_at outside the window, events that are not objects or
// are sent as a string holding the JSON.
//
// The oracle is ajv (draft 2020-12 class, ajv-formats "full") over the
// event's type's composed schema (scripts/catalog/compose.mjs, the same
// composition docs/openapi.json shows), plus the one rule JSON Schema has no
// keyword for: an integer is within the lake's bigint, [-2^63, 2^63-1].
// An event that is not an object or whose event_name is not a catalog type
// is invalid. The gateway's verdict comes from catalog_verdicts (the real
// sg_ingest_parse path on a /record body), given by ctest.
//
// Any disagreement fails, printing the event, ajv's errors and the gateway's
// line. When ajv finds exactly one fault in a type's own field, the gateway
// must also name the same rule and JSON path. The corpus must hold both
// verdicts for every keyword, so the test cannot pass by refusing (or
// accepting) everything.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { DEFAULT_WINDOW, readCatalog } from "../../scripts/catalog/catalog.mjs";
import { composeSchema } from "../../scripts/catalog/compose.mjs";
import { DEFAULT_CATALOG } from "../../scripts/catalog/openapi.mjs";
import { generateCorpus } from "./corpus.mjs";
import { makeOracle } from "./oracle.mjs";

// A fixed clock: the corpus and the window's bounds are the same on every run.
const NOW = Date.UTC(2026, 11, 6) / 1000;
const catalog = readCatalog(DEFAULT_CATALOG);
const composeFor = (t) => composeSchema(t, { now: NOW, window: DEFAULT_WINDOW });
const { ajv, oracle, expectedRule } = makeOracle(catalog, composeFor);

// The gateway's lines for the corpus, one per event.
function gatewayVerdicts(tool, lines) {
  const r = spawnSync(tool, [DEFAULT_CATALOG, String(NOW)], { input: lines.join("\n") + "\n", maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, `catalog_verdicts exited ${r.status} (${r.signal ?? ""}): ${r.stderr}`);
  const out = [];
  let start = 0;
  for (let i = 0; i < r.stdout.length; i++) {
    if (r.stdout[i] !== 0x0a) continue;
    out.push(r.stdout.subarray(start, i));
    start = i + 1;
  }
  assert.equal(out.length, lines.length, "one verdict per event");
  return out.map((bytes) => {
    // The message goes into a JSON answer: it must be UTF-8 even when a
    // client-chosen name is cut to fit.
    let l;
    try {
      l = UTF8.decode(bytes);
    } catch {
      l = new TextDecoder().decode(bytes);
      return { valid: null, line: l, notUtf8: true };
    }
    const [verdict, rule, path, ...message] = l.split("\t");
    assert.ok(verdict === "ok" || verdict === "invalid", `verdict line: ${l}`);
    return { valid: verdict === "ok", rule, path, message: message.join("\t"), line: l };
  });
}

// The gateway's path is at most 95 bytes (struct sg_event_error's path[96]):
// a longer one is cut, so a prefix of ajv's path is the same path.
// A name with a control character has no agreed spelling in a path (the
// gateway cuts it at a NUL): only the rule is compared there.
const samePath = (want, got) =>
  want === got ||
  (Buffer.byteLength(got) >= 64 && want.startsWith(got) && Buffer.byteLength(want) > 95) ||
  /[\u0000-\u001f]/.test(want);

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const corpus = generateCorpus({ catalog, composeFor, now: NOW, window: DEFAULT_WINDOW });
const verdicts = corpus.map((c) => oracle(c.line));

// The keywords that must have both verdicts in the corpus (a tag counts for
// the keyword before its first "." or ":": items.type counts for items).
const BOTH = ["type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
  "maxLength", "format:date", "format:date-time", "format:uuid", "items", "minItems", "maxItems", "required",
  "additionalProperties", "range", "event_uuid", "event_name", "created_at", "string_event"];

test("the corpus: thousands of events, its valid events valid, both verdicts for every keyword", () => {
  assert.ok(corpus.length >= 3000, `corpus size ${corpus.length}`);
  const bad = corpus.filter((c, i) => c.kw === "valid" && !verdicts[i].valid);
  assert.deepEqual(bad.map((c) => `${c.line}: ${ajv.errorsText(oracle(c.line).errors)}`), [], "generated valid events");
  const seen = new Map();
  corpus.forEach((c, i) => {
    const key = c.kw.startsWith("format") ? c.kw : c.kw.split(/[.:]/)[0];
    const s = seen.get(key) ?? new Set();
    s.add(verdicts[i].valid);
    seen.set(key, s);
  });
  for (const kw of BOTH) assert.deepEqual([...(seen.get(kw) ?? [])].sort(), [false, true], `both verdicts for ${kw}`);
  for (const kw of ["not_object", "missing.event_uuid", "missing.event_name", "missing.created_at"])
    assert.deepEqual([...(seen.get(kw.split(".")[0]) ?? [])], [false], `${kw} always invalid`);
  // Every type has valid and invalid events.
  for (const t of catalog) {
    const v = new Set(corpus.flatMap((c, i) => (c.type === t.name ? [verdicts[i].valid] : [])));
    assert.equal(v.size, 2, `${t.name}: both verdicts`);
  }
});

test("the gateway's verdict equals ajv's on every event of the corpus", { skip: !process.env.CATALOG_VERDICTS && "CATALOG_VERDICTS is not set (ctest sets it)" }, () => {
  const got = gatewayVerdicts(process.env.CATALOG_VERDICTS, corpus.map((c) => c.line));
  const problems = [];
  const counts = { ok: 0, invalid: 0, rulesChecked: 0 };
  corpus.forEach((c, i) => {
    const want = verdicts[i];
    const g = got[i];
    counts[want.valid ? "ok" : "invalid"]++;
    if (g.notUtf8) {
      problems.push(`[${c.kw}] ${c.line}\n  gateway's line is not UTF-8: ${g.line}`);
      return;
    }
    if (want.valid !== g.valid) {
      problems.push(`[${c.kw}] ${c.line}\n  ajv: ${want.valid ? "valid" : JSON.stringify(want.errors.map(({ keyword, instancePath, message, params }) => ({ keyword, instancePath, message, params })))}\n  gateway: ${g.line}`);
      return;
    }
    if (!want.valid && want.errors.length === 1 && want.errors[0].instancePath !== undefined) {
      const exp = expectedRule(want.errors[0]);
      if (exp) {
        counts.rulesChecked++;
        if (exp.rule !== g.rule || !samePath(exp.path, g.path))
          problems.push(`[${c.kw}] ${c.line}\n  ajv: ${exp.rule} at ${exp.path} (${want.errors[0].message})\n  gateway: ${g.line}`);
      }
    }
  });
  if (problems.length) console.log(`${problems.length} disagreements (of ${corpus.length}):\n` + problems.slice(0, 60).join("\n"));
  console.log(`corpus ${corpus.length}: ${counts.ok} valid, ${counts.invalid} invalid; rule and path compared on ${counts.rulesChecked}`);
  assert.equal(problems.length, 0, `${problems.length} disagreements with ajv`);
});
