// catalog.mjs: reads an event catalog directory (config/catalog/).
//
// One JSON Schema document per event type, named after the type with ':'
// replaced by '.' (payment:order:completed -> payment.order.completed.json).
// This reader only parses: the gateway's loader (server/, `streamgate
// --check-config`) is the authority on which keywords a document may use,
// so a document it refuses never reaches the tools that use this module.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

// The stream's created_at window when its config does not set one (README,
// "Event catalog"): ten years back, one day ahead.
export const DEFAULT_WINDOW = Object.freeze({ max_age_days: 3650, max_ahead_s: 86400 });

// The event name a catalog file stands for.
export function typeNameOfFile(file) {
  return file.replace(/\.json$/, "").replaceAll(".", ":");
}

// [{name, file, doc}] sorted by name, so that everything generated from a
// catalog comes out in the same order on every machine.
export function readCatalog(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), "utf8");
      let doc;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new Error(`${file}: not JSON: ${e.message}`);
      }
      if (doc === null || typeof doc !== "object" || Array.isArray(doc) || doc.type !== "object")
        throw new Error(`${file}: a catalog document is a JSON Schema object with "type": "object"`);
      return { name: typeNameOfFile(file), file, doc };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
