// The event catalog (config/catalog/, one JSON Schema per event type) as the
// lake sees it: each type's own fields with their Glue column types, the
// columns of the Parquet table `events` and the name of each type's view.
//
// The JSON Schema -> Glue type table is not here: it is read from the
// locals of terraform/modules/glue_catalog (layout.mjs hands it in), so the
// local lake and Athena map a field the same way. What this file adds is the
// rule around the table, which is also in that module's locals:
//   a property's type is its "type" without "null" ("string" or
//   ["string", "null"] -> string); a string with a format in the format
//   table takes that type (date-time -> timestamp, date -> date); an array
//   is array<the type of its items>.
// The gateway's loader (server/) validates a catalog in full; this reader
// refuses only what would make a bad table: a field named like a partition
// key or a common field, one field name with two column types, two types
// whose view names collide or take a table's name.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const NAME = /^[a-z][a-z0-9_]{0,127}$/;
const EVENT_NAME = /^[a-z0-9_]{1,64}(:[a-z0-9_]{1,64})*$/;

// "payment:order:completed" -> "payment_order_completed" (the Athena view).
export const viewName = (eventName) => eventName.replace(/:/g, "_");

function baseType(t, where) {
  const list = Array.isArray(t) ? t.filter((x) => x !== "null") : [t];
  if (list.length !== 1 || typeof list[0] !== "string") throw new Error(`${where}.type: one type (and "null") expected`);
  return list[0];
}

// mapping: {types: {string: "string", integer: "bigint", ...}, formats: {"date-time": "timestamp", ...}}
export function glueType(prop, mapping, where) {
  if (!prop || typeof prop !== "object") throw new Error(`${where}: not a schema`);
  const base = baseType(prop.type, where);
  if (base === "array") {
    if (!prop.items) throw new Error(`${where}: an array needs items`);
    const inner = glueType(prop.items, mapping, `${where}.items`);
    if (inner.startsWith("array<")) throw new Error(`${where}.items: arrays of arrays are not supported`);
    return `array<${inner}>`;
  }
  if (base === "string" && typeof prop.format === "string" && prop.format in mapping.formats) return mapping.formats[prop.format];
  const t = mapping.types[base];
  if (!t) throw new Error(`${where}.type: ${JSON.stringify(base)} has no column type`);
  return t;
}

// dir: the catalog directory. reserved: names no field may take (common,
// derived and partition columns). tables: names no view may take.
// Returns {types: [{eventName, eventType, view, file, fields: [{name, type}]}],
//          columns: [{name, type}] (every field once, sorted by name)}.
export function readCatalog(dir, mapping, { reserved = [], tables = [] } = {}) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  const types = [];
  const columnType = new Map(); // field -> {type, file}
  const views = new Map(); // view -> file
  for (const file of files) {
    const where = `${file}: $`;
    const eventName = file.slice(0, -".json".length).replace(/\./g, ":");
    if (!EVENT_NAME.test(eventName)) throw new Error(`${file}: ${eventName} is not an event name (parts of [a-z0-9_], joined by ':')`);
    let doc;
    try {
      doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (e) {
      throw new Error(`${file}: ${e.message}`);
    }
    const props = doc.properties ?? {};
    if (typeof props !== "object" || Array.isArray(props)) throw new Error(`${where}.properties: an object expected`);
    const fields = [];
    for (const name of Object.keys(props).sort()) {
      const fwhere = `${where}.properties.${name}`;
      if (!NAME.test(name)) throw new Error(`${fwhere}: a field name is ^[a-z][a-z0-9_]{0,127}$`);
      if (reserved.includes(name)) throw new Error(`${fwhere}: ${name} is a column of every event (implied, do not declare)`);
      const type = glueType(props[name], mapping, fwhere);
      const seen = columnType.get(name);
      if (seen && seen.type !== type) throw new Error(`${fwhere}: column ${name} is ${type} here and ${seen.type} in ${seen.file}; one field name has one type`);
      if (!seen) columnType.set(name, { type, file });
      fields.push({ name, type });
    }
    const view = viewName(eventName);
    if (tables.includes(view)) throw new Error(`${file}: the view ${view} would take the name of a table`);
    if (views.has(view)) throw new Error(`${file}: the view ${view} is also the view of ${views.get(view)}`);
    views.set(view, file);
    types.push({ eventName, eventType: eventName.split(":")[0], view, file, fields });
  }
  const columns = [...columnType.keys()].sort().map((name) => ({ name, type: columnType.get(name).type }));
  return { types, columns };
}
