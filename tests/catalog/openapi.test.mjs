// openapi.test.mjs: docs/openapi.json is what scripts/catalog/openapi.mjs
// makes of config/catalog/ today, and every example in it is valid against
// its own schema (ajv, draft 2020-12, ajv-formats full); the catalog's and
// README's example events are valid for the example catalog.
//
//   node --test tests/catalog/openapi.test.mjs
//
// Stale: regenerate with `node scripts/catalog/openapi.mjs` and commit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { readCatalog } from "../../scripts/catalog/catalog.mjs";
import { composeSchema } from "../../scripts/catalog/compose.mjs";
import { exampleEvents } from "../../scripts/catalog/examples.mjs";
import { DEFAULT_CATALOG, DEFAULT_OUT, buildOpenApi, componentName, render } from "../../scripts/catalog/openapi.mjs";
import { makeAjv } from "./ajv.mjs";

const catalog = readCatalog(DEFAULT_CATALOG);
const committed = readFileSync(DEFAULT_OUT, "utf8");
const doc = JSON.parse(committed);
const DOC_ID = "urn:streamgate:openapi";

test("docs/openapi.json is up to date with config/catalog (else: node scripts/catalog/openapi.mjs)", () => {
  assert.equal(committed, render(buildOpenApi(catalog)));
});

test("every catalog type has a schema, a discriminator mapping and a request example on both routes", () => {
  const ev = doc.components.schemas.Event;
  assert.equal(ev.discriminator.propertyName, "event_name");
  assert.deepEqual(Object.keys(ev.discriminator.mapping), catalog.map((t) => t.name));
  assert.equal(ev.oneOf.length, catalog.length);
  assert.ok(catalog.length >= 10, `about a dozen example types (${catalog.length})`);
  for (const t of catalog) {
    const c = componentName(t.name);
    assert.equal(ev.discriminator.mapping[t.name], `#/components/schemas/${c}`);
    assert.deepEqual(doc.components.schemas[c].properties.event_name.const, t.name);
    for (const path of ["/streams/{stream}/record", "/streams/{stream}/records"]) {
      const put = doc.paths[path].put;
      const req = put.requestBody.content["application/json"].examples[c];
      assert.ok(req, `${path} has a request example ${c}`);
      // Postman pairs request and response examples by key.
      assert.ok(put.responses[200].content["application/json"].examples[c], `${path} answers example ${c}`);
    }
  }
});

// Every (example value, JSON pointer of the schema it illustrates) in the document.
function examplesOf(doc) {
  const out = [];
  const esc = (k) => String(k).replaceAll("~", "~0").replaceAll("/", "~1");
  const walk = (node, ptr, inSchema) => {
    if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${ptr}/${i}`, inSchema));
    if (node === null || typeof node !== "object") return;
    // A schema's own `examples` (an array of instances).
    if (inSchema && Array.isArray(node.examples))
      node.examples.forEach((v, i) => out.push({ where: `${ptr}/examples/${i}`, schema: ptr, value: v }));
    // A media type's or a parameter's example(s).
    if (!inSchema && node.schema && typeof node.schema === "object") {
      if ("example" in node) out.push({ where: `${ptr}/example`, schema: `${ptr}/schema`, value: node.example });
      for (const [k, e] of Object.entries(node.examples ?? {}))
        out.push({ where: `${ptr}/examples/${esc(k)}`, schema: `${ptr}/schema`, value: e.value });
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "examples" || k === "example" || k === "discriminator") continue;
      const schemaHere = inSchema || k === "schema" || (ptr === "/components/schemas");
      walk(v, `${ptr}/${esc(k)}`, schemaHere && k !== "examples");
    }
  };
  walk(doc, "", false);
  return out;
}

test("every example in docs/openapi.json is valid against its own schema", () => {
  const ajv = makeAjv();
  ajv.addSchema({ $id: DOC_ID, components: doc.components, paths: doc.paths });
  const found = examplesOf(doc);
  // Request examples: one per catalog example on each route, plus one batch of all.
  const events = catalog.flatMap(exampleEvents);
  const requests = found.filter((e) => e.where.includes("/requestBody/"));
  assert.equal(requests.length, 2 * events.length + 1);
  const perSchema = new Map();
  const bad = [];
  for (const e of found) {
    if (!perSchema.has(e.schema)) perSchema.set(e.schema, ajv.compile({ $ref: `${DOC_ID}#${e.schema}` }));
    const validate = perSchema.get(e.schema);
    if (!validate(e.value)) bad.push(`${e.where}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.deepEqual(bad, []);
  assert.ok(found.length > 100, `examples checked: ${found.length}`);
});

test("the Event schema refuses a broken event (the example check can fail)", () => {
  const ajv = makeAjv();
  ajv.addSchema({ $id: DOC_ID, components: doc.components, paths: doc.paths });
  const validate = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/Event` });
  const ev = doc.paths["/streams/{stream}/record"].put.requestBody.content["application/json"].examples["payment.order.completed"].value.Data;
  assert.equal(validate(ev), true);
  assert.equal(validate({ ...ev, event_uuid: "not-a-uuid" }), false);
  assert.equal(validate({ ...ev, amount: "19.99" }), false);
  assert.equal(validate({ ...ev, event_name: "payment:order:complete" }), false);
});

test("each catalog example, with the common fields, is valid against its type's composed schema now", () => {
  const ajv = makeAjv({ strict: false });
  const now = Date.now() / 1000;
  for (const t of catalog) {
    const validate = ajv.compile(composeSchema(t, { now }));
    for (const ev of exampleEvents(t)) assert.ok(validate(ev), `${t.name}: ${ajv.errorsText(validate.errors)}`);
  }
});

// The README's curl examples send events to the local `events` stream, which
// uses the example catalog: each one README shows stored must be valid for it
// today (the smoke test sends them to the gateway; this is the quick check).
test("README's example events are valid for the example catalog, except the ones it shows refused", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const ajv = makeAjv({ strict: false });
  const now = Date.now() / 1000;
  const byName = new Map(catalog.map((t) => [t.name, ajv.compile(composeSchema(t, { now }))]));
  let checked = 0;
  for (const m of readme.matchAll(/-d '(\{.*?\})'/gs)) {
    const body = JSON.parse(m[1]);
    for (const rec of "Data" in body ? [body] : body.records ?? body.Records) {
      const ev = rec.Data ?? rec.data;
      // README's refused examples: an event without event_uuid, one with "not-a-uuid".
      if (!/^[0-9a-f-]{36}$/.test(ev.event_uuid ?? "")) continue;
      const validate = byName.get(ev.event_name);
      assert.ok(validate, `README sends ${ev.event_name}, which is not a catalog type`);
      assert.ok(validate(ev), `README's ${JSON.stringify(ev)}: ${ajv.errorsText(validate.errors)}`);
      checked++;
    }
  }
  assert.ok(checked >= 6, `README example events checked: ${checked}`);
});

// The example catalog is also the differential test's ground: together its
// documents use every keyword the contract supports, in every position.
test("the example catalog uses every supported keyword (and every format, nullable types, nullable items)", () => {
  const used = new Set();
  const note = (ps, where) => {
    for (const k of Object.keys(ps)) used.add(`${where}${k}`);
    if (Array.isArray(ps.type)) used.add(`${where}type[null]`);
    if (ps.format) used.add(`format:${ps.format}`);
    if (ps.enum?.includes(null)) used.add("enum[null]");
    if (ps.additionalProperties !== undefined) used.add(`additionalProperties:${ps.additionalProperties}`);
  };
  for (const t of catalog) {
    note(t.doc, "top.");
    for (const ps of Object.values(t.doc.properties)) {
      note(ps, "");
      used.add(`type:${[ps.type].flat().find((x) => x !== "null")}`);
      if (ps.items) note(ps.items, "items.");
    }
  }
  const want = ["top.$schema", "top.$id", "top.title", "top.description", "top.examples", "top.$comment", "top.type",
    "top.properties", "top.required", "top.additionalProperties", "additionalProperties:true", "additionalProperties:false",
    "type", "type[null]", "enum", "enum[null]", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "format", "format:date", "format:date-time", "format:uuid", "items", "minItems", "maxItems",
    "description", "examples", "$comment", "items.type", "items.type[null]", "items.minimum", "items.maxLength",
    "type:string", "type:integer", "type:number", "type:boolean", "type:array"];
  assert.deepEqual(want.filter((k) => !used.has(k)), [], "keywords the example catalog does not use");
  assert.deepEqual([...used].filter((k) => /(^|\.)(pattern|properties|\$ref|allOf|anyOf|oneOf|not|if)$/.test(k) && k !== "top.properties"), []);
});
