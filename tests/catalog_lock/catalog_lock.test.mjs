// scripts/check_catalog_lock.mjs as CI runs it, on copies of a fixture
// catalog: additions pass once the lock is updated; a changed column type, a
// removed field and a removed type are refused with the way to migrate, and
// --update then leaves the lock as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compare, lockOf } from "../../scripts/check_catalog_lock.mjs";
import { loadLayout } from "../../deploy/local/layout.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHECK = join(ROOT, "scripts", "check_catalog_lock.mjs");
const FIXTURE = join(ROOT, "terraform", "modules", "glue_catalog", "tests", "fixtures", "catalog_a");

function setup(t) {
  const dir = mkdtempSync(join(tmpdir(), "sg-lock-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const catalog = join(dir, "catalog");
  cpSync(FIXTURE, catalog, { recursive: true });
  const lock = join(dir, "catalog.lock.json");
  const run = (...args) => {
    const r = spawnSync(process.execPath, [CHECK, "--catalog", catalog, "--lock", lock, ...args], { encoding: "utf8" });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  const edit = (file, fn) => {
    const p = join(catalog, file);
    writeFileSync(p, JSON.stringify(fn(JSON.parse(readFileSync(p, "utf8")))));
  };
  assert.equal(run("--update").code, 0);
  return { catalog, lock, run, edit };
}

test("an unchanged catalog matches its lock", (t) => {
  const { run, lock } = setup(t);
  const r = run();
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /ok: .* \(9 columns, 2 event types\)/);
  const l = JSON.parse(readFileSync(lock, "utf8"));
  assert.equal(l.columns.item_ids, "array<bigint>");
  assert.equal(l.columns.paid_at, "timestamp");
  assert.deepEqual(l.types.user, ["plan", "tags"]);
});

test("an optional field or a new type: allowed, once the lock is updated", (t) => {
  const { run, edit, catalog } = setup(t);
  edit("user.json", (d) => ({ ...d, properties: { ...d.properties, locale: { type: ["string", "null"] } } }));
  writeFileSync(join(catalog, "user.logged_in.json"), JSON.stringify({ type: "object", properties: { plan: { type: "string" } } }));
  let r = run();
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /not in the lock: new column locale \(string\)/);
  assert.match(r.out, /not in the lock: new event type user:logged_in/);
  assert.match(r.out, /out of date: run node scripts\/check_catalog_lock.mjs --update/);
  r = run("--update");
  assert.equal(r.code, 0, r.out);
  assert.equal(run().code, 0);
});

// The CLI once for a refusal (exit status, --update leaves the lock), then
// each rule in-process (a node start per case would cost seconds in CI).
test("refused by the CLI: a field's type changes; --update refuses too", (t) => {
  const s = setup(t);
  const before = readFileSync(s.lock, "utf8");
  s.edit("shop.order.placed.json", (d) => ({ ...d, properties: { ...d.properties, total: { type: "integer" } } }));
  const r = s.run();
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /refused: field total: its column type would change from double to bigint\. .*To migrate: keep total as it is, add a field with a new name and the new type \(say total_v2\)/);
  assert.equal(s.run("--update").code, 1, "--update refuses too");
  assert.equal(readFileSync(s.lock, "utf8"), before, "the lock is unchanged");
});

for (const [name, change, message] of [
  ["a field's type changes", (s) => s.edit("shop.order.placed.json", (d) => ({ ...d, properties: { ...d.properties, total: { type: "integer" } } })),
    /^field total: its column type would change from double to bigint\. .*To migrate: keep total as it is, add a field with a new name and the new type \(say total_v2\)/],
  ["a format changes the column (string -> timestamp)", (s) => s.edit("shop.order.placed.json", (d) => ({ ...d, properties: { ...d.properties, note: { type: "string", format: "date-time" } } })),
    /^field note: its column type would change from string to timestamp/],
  ["an array's items change type", (s) => s.edit("user.json", (d) => ({ ...d, properties: { ...d.properties, tags: { type: "array", items: { type: "integer" } } } })),
    /^field tags: its column type would change from array<string> to array<bigint>/],
  ["a field is removed", (s) => s.edit("user.json", (d) => ({ ...d, properties: { plan: d.properties.plan } })),
    /^field tags would be removed from user: .*keep it declared and make it optional/],
  ["a type is removed", (s) => rmSync(join(s.catalog, "user.json")),
    /^event type user would be removed: its view user .*keep its document/],
]) {
  test(`refused: ${name}`, async (t) => {
    const s = setup(t);
    const layout = await loadLayout(ROOT);
    const lock = JSON.parse(readFileSync(s.lock, "utf8"));
    change(s);
    const { refused } = compare(lock, lockOf(layout.readCatalog(s.catalog), layout.tables.events.columns));
    assert.equal(refused.length, 1, refused.join("\n"));
    assert.match(refused[0], message);
  });
}

test("nullability, bounds and required do not change a column", async (t) => {
  const s = setup(t);
  const layout = await loadLayout(ROOT);
  const lock = JSON.parse(readFileSync(s.lock, "utf8"));
  s.edit("shop.order.placed.json", (d) => ({ ...d, required: [], properties: { ...d.properties, total: { type: ["number", "null"], maximum: 5 } } }));
  assert.deepEqual(compare(lock, lockOf(layout.readCatalog(s.catalog), layout.tables.events.columns)), { refused: [], added: [] });
});
