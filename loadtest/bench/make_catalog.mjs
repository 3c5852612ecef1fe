// Writes loadtest/bench/catalog/: an event catalog (README "Event catalog")
// of the benchmark's 100 event types, from EVENT_SPEC in ../k6/events.js, so
// the records_b500_catalog case checks every event it sends against its
// type: each field typed, bounded as its generator is, every field required,
// no other field allowed. A field name generated as an integer in one type
// and a number in another is a number in both (one column per name).
// Run: node loadtest/bench/make_catalog.mjs (the output is committed).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_TYPES, LISTS } from '../k6/events.js';

const out = join(dirname(fileURLToPath(import.meta.url)), 'catalog');

function schemaOf(gen) {
    const [kind, ...args] = gen.split(':');
    switch (kind) {
    case 'id': return { type: 'string', minLength: 1, maxLength: 64 };
    case 'int': return { type: 'integer', minimum: Number(args[0]), maximum: Number(args[1]) };
    case 'num': return { type: 'number', minimum: Number(args[0]), maximum: Number(args[1]) };
    case 'enum': return { type: 'string', enum: args.join(':').split('|') };
    case 'bool': return { type: 'boolean' };
    case 'email': return { type: 'string', minLength: 3, maxLength: 254 };
    case 'ip': return { type: 'string', minLength: 7, maxLength: 45 };
    case 'uuid': return { type: 'string', format: 'uuid' };
    case 'ts': return { type: 'integer', minimum: 0 };
    case 'text': return { type: 'string', maxLength: 512 };
    case 'tags': return { type: 'array', items: { type: 'string', enum: LISTS.tags }, maxItems: 3 };
    case 'url': return { type: 'string', minLength: 10, maxLength: 2048 };
    default:
        if (LISTS[kind]) return { type: 'string', enum: LISTS[kind] };
        throw new Error(`unknown generator ${gen}`);
    }
}

const numbers = new Set();
for (const t of EVENT_TYPES) for (const [f, g] of t.fields) if (g.startsWith('num')) numbers.add(f);

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith('.json')) rmSync(join(out, f));
for (const t of EVENT_TYPES) {
    const properties = {};
    for (const [f, g] of t.fields) {
        const s = schemaOf(g);
        if (s.type === 'integer' && numbers.has(f)) s.type = 'number';
        properties[f] = s;
    }
    const doc = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: t.name,
        type: 'object',
        properties,
        required: t.fields.map(([f]) => f),
        additionalProperties: false,
    };
    writeFileSync(join(out, `${t.name.replaceAll(':', '.')}.json`), JSON.stringify(doc, null, 2) + '\n');
}
console.log(`${EVENT_TYPES.length} types written to ${out}`);
