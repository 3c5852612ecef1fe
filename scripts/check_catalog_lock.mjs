#!/usr/bin/env node
// check_catalog_lock.mjs: the event catalog may only grow (a schema registry's
// BACKWARD rule), checked against the committed lock config/catalog.lock.json.
//
//   node scripts/check_catalog_lock.mjs            check (CI: ctest infra_catalog_lock)
//   node scripts/check_catalog_lock.mjs --update   write the lock after an addition
//   [--catalog DIR] [--lock FILE]                  another catalog or lock (tests)
//
// The lock holds every column of the lake's events table that comes from the
// catalog, with its Glue type, and each event type's fields. Files already in
// the lake were written with those columns, and each type's Athena view
// selects them, so:
//   - adding an optional field, or a new event type, is allowed: old files
//     read the new column as NULL; the lock must be updated (--update) in the
//     same change, so that the next change is checked against it;
//   - changing a field's column type, removing a field from a type, or
//     removing a type is refused, with the way to migrate.
// Column types come from the same table as Terraform's (layout.mjs reads
// terraform/modules/glue_catalog), so "type" here is the Glue column type:
// integer -> bigint, a string with format date-time -> timestamp, and so on.
// Nullability, bounds, enums and "required" do not change a column and are
// not locked. Exit status: 0 ok, 1 refused or out of date, 2 usage.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadLayout } from "../deploy/local/layout.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// The lock's content for a catalog read by layout.readCatalog.
export function lockOf(cat, base) {
  const own = new Set(base.map((c) => c.name));
  return {
    _comment: "The event catalog's columns and types, as the lake has them (scripts/check_catalog_lock.mjs; README, Schema evolution). Written by --update; do not edit by hand.",
    columns: Object.fromEntries(cat.columns.filter((c) => !own.has(c.name)).map((c) => [c.name, c.type])),
    types: Object.fromEntries(cat.types.map((t) => [t.eventName, t.fields.map((f) => f.name)])),
  };
}

// lock, next: lockOf(...) values. Returns {refused: [msg], added: [msg]}.
export function compare(lock, next) {
  const refused = [];
  const added = [];
  for (const [name, type] of Object.entries(lock.columns)) {
    if (!(name in next.columns)) continue; // reported per type below
    if (next.columns[name] !== type) {
      refused.push(`field ${name}: its column type would change from ${type} to ${next.columns[name]}. ` +
        `Files already written hold ${name} as ${type}, and Athena and DuckDB read a column with one type. ` +
        `To migrate: keep ${name} as it is, add a field with a new name and the new type (say ${name}_v2), ` +
        `send both while clients move, then stop sending ${name} (keep it declared, optional).`);
    }
  }
  for (const [type, fields] of Object.entries(lock.types)) {
    if (!(type in next.types)) {
      refused.push(`event type ${type} would be removed: its view ${type.replace(/:/g, "_")} and its columns would go, while its files stay. ` +
        `To retire it, keep its document, so that its view keeps reading the files already written, and stop sending it.`);
      continue;
    }
    for (const f of fields) {
      if (!next.types[type].includes(f)) {
        refused.push(`field ${f} would be removed from ${type}: files already written have it, and its view selects it. ` +
          `To retire it, keep it declared and make it optional (its type, if a list, with "null"); clients may stop sending it, and new rows read NULL.`);
      }
    }
  }
  for (const name of Object.keys(next.columns)) if (!(name in lock.columns)) added.push(`new column ${name} (${next.columns[name]})`);
  for (const [type, fields] of Object.entries(next.types)) {
    if (!(type in lock.types)) added.push(`new event type ${type}`);
    else for (const f of fields) if (!lock.types[type].includes(f)) added.push(`new field ${f} of ${type}`);
  }
  return { refused, added };
}

async function main() {
  let opt;
  try {
    ({ values: opt } = parseArgs({
      options: {
        update: { type: "boolean", default: false },
        catalog: { type: "string" },
        lock: { type: "string", default: join(ROOT, "config", "catalog.lock.json") },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e.message}\nusage: node scripts/check_catalog_lock.mjs [--update] [--catalog DIR] [--lock FILE]\n`);
    process.exit(2);
  }
  const layout = await loadLayout(ROOT);
  const dir = opt.catalog ? resolve(opt.catalog) : layout.catalogDir;
  const rel = (p) => relative(process.cwd(), p) || ".";
  const next = lockOf(layout.readCatalog(dir), layout.tables.events.columns);
  const lock = existsSync(opt.lock) ? JSON.parse(readFileSync(opt.lock, "utf8")) : { columns: {}, types: {} };
  const { refused, added } = compare(lock, next);
  for (const r of refused) console.log(`refused: ${r}`);
  if (refused.length) {
    console.log(`${rel(dir)}: ${refused.length} change(s) the lake cannot take (see README, Schema evolution); ${rel(opt.lock)} is unchanged`);
    process.exit(1);
  }
  if (opt.update) {
    writeFileSync(opt.lock, JSON.stringify(next, null, 2) + "\n");
    console.log(`${rel(opt.lock)}: ${Object.keys(next.columns).length} columns, ${Object.keys(next.types).length} event types${added.length ? ` (${added.join("; ")})` : ""}`);
    return;
  }
  if (added.length) {
    for (const a of added) console.log(`not in the lock: ${a}`);
    console.log(`${rel(opt.lock)} is out of date: run node scripts/check_catalog_lock.mjs --update and commit the lock with the catalog`);
    process.exit(1);
  }
  console.log(`ok: ${rel(dir)} matches ${rel(opt.lock)} (${Object.keys(next.columns).length} columns, ${Object.keys(next.types).length} event types)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.log(`error: ${e.message}`);
    process.exit(1);
  });
}
