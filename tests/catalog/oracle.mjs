// oracle.mjs: ajv's verdict on an event, the reference of the differential
// test (differential.test.mjs).
//
// ajv (draft 2020-12 class, ajv-formats "full") over the event's type's
// composed schema (scripts/catalog/compose.mjs), plus the one rule JSON
// Schema has no keyword for: an integer is within the lake's bigint,
// [-2^63, 2^63-1]. An event that is not an object, or whose event_name is
// not a catalog type, is invalid. `Data` may be a string holding the event's
// JSON: the oracle reads it as the gateway does.
import { COMMON_FIELDS } from "../../scripts/catalog/compose.mjs";
import { makeAjv } from "./ajv.mjs";

const INT64_MIN = -(2 ** 63); // exact as a double
const INT64_END = 2 ** 63; // 2^63-1 is not a double: "below 2^63"

// The composed schema with the bigint range on every integer (field or
// item) that has no bound of its own on that side.
export function withInt64(schema) {
  const bound = (ps) => {
    const types = Array.isArray(ps.type) ? ps.type : [ps.type];
    if (types.includes("integer")) {
      ps = { ...ps };
      if (ps.minimum === undefined && ps.exclusiveMinimum === undefined) ps.minimum = INT64_MIN;
      if (ps.maximum === undefined && ps.exclusiveMaximum === undefined) ps.exclusiveMaximum = INT64_END;
    }
    if (ps.items) ps = { ...ps, items: bound(ps.items) };
    return ps;
  };
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([k, ps]) => [k, bound(ps)]));
  return { ...schema, properties };
}

// "/answer_ids/2" -> "$.answer_ids[2]"
export const jsonPath = (ptr) =>
  "$" +
  ptr
    .split("/")
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replaceAll("~1", "/").replaceAll("~0", "~")}`))
    .join("");

// The rule and path the gateway must name for a single ajv error in a
// type's own field, or null where the contract leaves them open (the common
// fields have their own messages and rule ids: uuid, created_at_window...).
export function expectedRule(e) {
  let path;
  if (e.keyword === "required") path = `${jsonPath(e.instancePath)}.${e.params.missingProperty}`;
  else if (e.keyword === "additionalProperties") path = `${jsonPath(e.instancePath)}.${e.params.additionalProperty}`;
  else path = jsonPath(e.instancePath ?? "");
  const field = path.split(/[.[]/)[1];
  if (!field || COMMON_FIELDS.includes(field)) return null;
  return { rule: e.keyword, path };
}

export function makeOracle(catalog, composeFor) {
  const ajv = makeAjv({ strict: false });
  const validators = new Map(catalog.map((t) => [t.name, ajv.compile(withInt64(composeFor(t)))]));
  // ajv's verdict on one line (the event's JSON text): {valid, errors}.
  const oracle = (line) => {
    let ev;
    try {
      ev = JSON.parse(line);
      if (typeof ev === "string") ev = JSON.parse(ev);
    } catch (e) {
      return { valid: false, errors: [{ keyword: "json", message: e.message }] };
    }
    if (ev === null || typeof ev !== "object" || Array.isArray(ev))
      return { valid: false, errors: [{ keyword: "object", message: "not an object" }] };
    const validate = typeof ev.event_name === "string" ? validators.get(ev.event_name) : undefined;
    if (!validate)
      return { valid: false, errors: [{ keyword: "unknown_event_type", message: `event_name ${JSON.stringify(ev.event_name)}` }] };
    const valid = validate(ev);
    return { valid, errors: valid ? [] : validate.errors.map((e) => ({ ...e })) };
  };
  return { ajv, oracle, expectedRule };
}
