// CI check of the k6 load tests, run with node (k6 itself is not installed
// in CI): `node loadtest/k6/check.mjs`.
//  1. every k6 script parses (node --check);
//  2. every scenario imports with stub 'k6' modules, declares scenarios and
//     thresholds on known metrics, and one iteration of each exec function
//     sends well-formed requests that pass all of its checks against a stub
//     gateway applying the event rules of server/event.h;
//  3. the shared generator (events.js) yields 100 distinct event types with
//     their field shapes, unique event_uuids, and the configured shares of
//     invalid events and duplicates;
//  4. the wrk scripts read the same event list and handle every generator.
// Prints one line per check and a final `N passed, M failed`; exits 1 on failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let passed = 0;
let failed = 0;

function report(ok, name, detail) {
    if (ok) {
        passed++;
        console.log(`ok - ${name}`);
    } else {
        failed++;
        console.log(`not ok - ${name}${detail ? `: ${detail}` : ''}`);
    }
}

async function test(name, fn) {
    try {
        const detail = await fn();
        report(detail === undefined || detail === true, name, typeof detail === 'string' ? detail : '');
    } catch (e) {
        report(false, name, e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
    }
}

// ---- The gateway's event rules (server/event.h), for the stub gateway ----

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function eventProblem(data) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        return 'not an object';
    }
    if (typeof data.event_uuid !== 'string' || !UUID_RE.test(data.event_uuid)) {
        return 'event_uuid';
    }
    if (typeof data.event_name !== 'string' || data.event_name.split(':').some((p) => p === '')) {
        return 'event_name';
    }
    if (typeof data.created_at !== 'number' || data.created_at < 0 || data.created_at >= 1e11) {
        return 'created_at';
    }
    return null;
}

// ---- Stub k6 modules, served to the scenarios by a loader hook ----

const stub = {
    requests: [],
    checks: [],
    metrics: {},
    seq: 0,
};
globalThis.__k6stub = stub;
globalThis.__ENV = {
    BASE_URL: 'http://gateway.test:8080/',
    API_KEY: 'test-key',
    INVALID_SHARE: '0.1',
    DUPLICATE_SHARE: '0.05',
    BATCH_SIZE: '50',
};
globalThis.__VU = 0;
globalThis.__ITER = 0;

function stubAnswer(method, url, body) {
    const s = globalThis.__k6stub;
    const ok = (extra) => ({ SequenceNumber: String(49000000000 + s.seq++), ShardId: 'shardId-000000000000', ...extra });
    let req;
    try {
        req = JSON.parse(body);
    } catch (e) {
        return { status: 400, body: '{"message":"bad json"}' };
    }
    if (method !== 'PUT') {
        return { status: 405, body: '' };
    }
    if (/\/streams\/[^/]+\/record$/.test(url)) {
        const problem = eventProblem(req.Data);
        return problem ? { status: 400, body: JSON.stringify({ message: problem }) }
            : { status: 200, body: JSON.stringify(ok()) };
    }
    if (/\/streams\/[^/]+\/records$/.test(url)) {
        const recs = req.records || req.Records || [];
        let failedCount = 0;
        const out = recs.map((r) => {
            const problem = eventProblem(r.data !== undefined ? r.data : r.Data);
            failedCount += problem ? 1 : 0;
            return problem ? { ErrorCode: 'InvalidEvent', ErrorMessage: problem } : ok();
        });
        return { status: 200, body: JSON.stringify({ FailedRecordCount: failedCount, Records: out }) };
    }
    return { status: 404, body: '' };
}
globalThis.__k6stubAnswer = stubAnswer;

const STUBS = {
    k6: `
export function check(val, sets) {
  let all = true;
  for (const [name, fn] of Object.entries(sets)) {
    const ok = !!fn(val);
    globalThis.__k6stub.checks.push({ name, ok });
    all = all && ok;
  }
  return all;
}
export function sleep() {}
export function group(name, fn) { return fn(); }
export function fail(msg) { throw new Error(msg); }
export default { check, sleep, group, fail };`,
    'k6/http': `
function request(method, url, body, params) {
  globalThis.__k6stub.requests.push({ method, url, body, params: params || {} });
  const a = globalThis.__k6stubAnswer(method, url, body);
  return { status: a.status, body: a.body, headers: {}, json: () => JSON.parse(a.body) };
}
export const put = (url, body, params) => request('PUT', url, body, params);
export const post = (url, body, params) => request('POST', url, body, params);
export const get = (url, params) => request('GET', url, null, params);
export const expectedStatuses = (...codes) => ({ expected: codes });
export const setResponseCallback = () => {};
export function batch(reqs) { return reqs.map((r) => request(r.method, r.url, r.body, r.params)); }
export default { put, post, get, request, batch, expectedStatuses, setResponseCallback };`,
    'k6/metrics': `
function metric(type) {
  return class {
    constructor(name) {
      this.name = name;
      globalThis.__k6stub.metrics[name] = { type, values: [] };
    }
    add(v) { globalThis.__k6stub.metrics[this.name].values.push(v); }
  };
}
export const Counter = metric('counter');
export const Rate = metric('rate');
export const Trend = metric('trend');
export const Gauge = metric('gauge');
export default { Counter, Rate, Trend, Gauge };`,
    'k6/crypto': `
export function randomBytes(n) { return new Uint8Array(n).buffer; }
export default { randomBytes };`,
    'k6/execution': `export default { vu: { idInTest: 1 }, scenario: { name: 'check' } };`,
};

const hooks = `
const STUBS = ${JSON.stringify(STUBS)};
export async function resolve(specifier, context, next) {
  if (Object.prototype.hasOwnProperty.call(STUBS, specifier)) {
    return { url: 'k6stub:' + specifier, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith('k6stub:')) {
    return { format: 'module', source: STUBS[url.slice(7)], shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url);

// ---- 1. Syntax ----

const scripts = readdirSync(here).filter((f) => f.endsWith('.js')).sort();
const scenarios = scripts.filter((f) => !['events.js', 'lib.js'].includes(f));

for (const file of scripts) {
    await test(`syntax: ${file}`, () => {
        const r = spawnSync(process.execPath, ['--check', join(here, file)], { encoding: 'utf8' });
        return r.status === 0 ? true : r.stderr.trim().split('\n').slice(0, 4).join(' | ');
    });
}
await test('at least the five scenarios exist', () => {
    const want = ['smoke.js', 'steady.js', 'burst.js', 'batch_1000x.js', 'soak.js'];
    const missing = want.filter((w) => !scenarios.includes(w));
    return missing.length === 0 ? true : `missing ${missing.join(', ')}`;
});

// ---- 2. Scenarios ----

const EXECUTORS = ['shared-iterations', 'per-vu-iterations', 'constant-vus', 'ramping-vus',
    'constant-arrival-rate', 'ramping-arrival-rate', 'externally-controlled'];
const BUILTIN_METRICS = ['http_req_failed', 'http_req_duration', 'http_reqs', 'checks',
    'iterations', 'iteration_duration', 'data_sent', 'data_received', 'http_req_waiting'];
const THRESHOLD_RE = /^(rate|count|value|avg|min|max|med|p\(\d+(\.\d+)?\))\s*(<|<=|>|>=|==|===|!=)\s*[\d.]+$/;

function checkOptions(mod) {
    const o = mod.options;
    if (!o || typeof o.scenarios !== 'object' || Object.keys(o.scenarios).length === 0) {
        return 'options.scenarios missing';
    }
    for (const [name, sc] of Object.entries(o.scenarios)) {
        if (!EXECUTORS.includes(sc.executor)) {
            return `scenario ${name}: unknown executor ${sc.executor}`;
        }
        const exec = sc.exec || 'default';
        if (typeof mod[exec] !== 'function') {
            return `scenario ${name}: exec "${exec}" is not an exported function`;
        }
        if (sc.executor.endsWith('arrival-rate') && !(sc.preAllocatedVUs > 0)) {
            return `scenario ${name}: preAllocatedVUs missing`;
        }
    }
    if (!o.thresholds || Object.keys(o.thresholds).length === 0) {
        return 'options.thresholds missing';
    }
    for (const [metric, exprs] of Object.entries(o.thresholds)) {
        const base = metric.split('{')[0];
        if (!BUILTIN_METRICS.includes(base) && !stub.metrics[base]) {
            return `threshold on unknown metric ${metric}`;
        }
        for (const e of exprs) {
            const expr = typeof e === 'string' ? e : e.threshold;
            if (!THRESHOLD_RE.test(expr)) {
                return `threshold "${expr}" on ${metric} is malformed`;
            }
        }
    }
    return true;
}

function checkRequests(reqs) {
    if (reqs.length === 0) {
        return 'no request sent';
    }
    for (const r of reqs) {
        const h = r.params.headers || {};
        if (!r.url.startsWith('http://gateway.test:8080/streams/events/')) {
            return `unexpected URL ${r.url}`;
        }
        if (h['Content-Type'] !== 'application/json' || h['x-api-key'] !== 'test-key') {
            return `headers ${JSON.stringify(h)}`;
        }
        JSON.parse(r.body);
    }
    return true;
}

for (const file of scenarios) {
    await test(`scenario ${file}: imports, options and thresholds`, async () => {
        const mod = await import(pathToFileURL(join(here, file)).href);
        return checkOptions(mod);
    });
    await test(`scenario ${file}: one iteration per exec passes its checks`, async () => {
        const mod = await import(pathToFileURL(join(here, file)).href);
        stub.requests = [];
        stub.checks = [];
        for (const m of Object.values(stub.metrics)) {
            m.values = [];
        }
        globalThis.__VU = 1;
        for (const sc of Object.values(mod.options.scenarios)) {
            for (let i = 0; i < 3; i++) {
                globalThis.__ITER = i;
                mod[sc.exec || 'default']();
            }
        }
        const req = checkRequests(stub.requests);
        if (req !== true) {
            return req;
        }
        const bad = stub.checks.filter((c) => !c.ok);
        if (bad.length > 0) {
            return `failed checks: ${[...new Set(bad.map((c) => c.name))].join('; ')}`;
        }
        for (const m of ['event_errors', 'invalid_accepted']) {
            if ((stub.metrics[m] ? stub.metrics[m].values : []).some((v) => v)) {
                return `${m} recorded a failure`;
            }
        }
        return stub.checks.length > 0 ? true : 'no check ran';
    });
}

// ---- 3. The generator ----

const ev = await import(pathToFileURL(join(here, 'events.js')).href);

await test('100 distinct event types, names of non-empty parts', () => {
    const names = ev.EVENT_TYPES.map((t) => t.name);
    if (names.length !== 100 || new Set(names).size !== 100) {
        return `${names.length} types, ${new Set(names).size} distinct`;
    }
    const bad = names.filter((n) => !/^[a-z_]+(:[a-z_]+)+$/.test(n));
    return bad.length === 0 ? true : `bad names ${bad.join(', ')}`;
});

function shapeProblem(gen, v) {
    const [kind, ...args] = gen.split(':');
    const inRange = (x) => x >= Number(args[0]) && x <= Number(args[1]);
    switch (kind) {
    case 'id': return new RegExp(`^${args[0]}_[0-9a-z]{10}$`).test(v) ? null : 'id';
    case 'int': return Number.isInteger(v) && inRange(v) ? null : 'int';
    case 'num': return typeof v === 'number' && inRange(v) ? null : 'num';
    case 'enum': return args.join(':').split('|').includes(v) ? null : 'enum';
    case 'bool': return typeof v === 'boolean' ? null : 'bool';
    case 'email': return /^[a-z0-9]+@example\.com$/.test(v) ? null : 'email';
    case 'ip': return /^\d+\.\d+\.\d+\.\d+$/.test(v) ? null : 'ip';
    case 'uuid': return UUID_RE.test(v) ? null : 'uuid';
    case 'ts': return Number.isInteger(v) && v > 1e9 && v < 1e11 ? null : 'ts';
    case 'text': return typeof v === 'string' && v.split(' ').length === Number(args[0]) ? null : 'text';
    case 'tags': return Array.isArray(v) && v.length <= 3 ? null : 'tags';
    case 'url': return /^https:\/\/app\.example\.com\/[a-z]+\/\d+$/.test(v) ? null : 'url';
    default: return ev.LISTS[kind] && ev.LISTS[kind].includes(v) ? null : `unknown ${kind}`;
    }
}

await test('fresh events are valid, fields have their declared shapes', () => {
    const g = ev.createGenerator({ seed: 42, vu: 7 });
    const seen = new Set();
    const now = Date.now() / 1000;
    for (let i = 0; i < 20000; i++) {
        const { data, kind, partitionKey } = g.next();
        const t = ev.EVENT_TYPES.find((x) => x.name === data.event_name);
        const problem = eventProblem(data);
        if (kind !== 'valid' || problem || !t || partitionKey !== data.event_uuid) {
            return `event ${i}: ${problem || kind} ${JSON.stringify(data)}`;
        }
        if (Math.abs(data.created_at - now) > 3600) {
            return `created_at ${data.created_at} is not now in seconds`;
        }
        for (const [field, gen] of t.fields) {
            const p = shapeProblem(gen, data[field]);
            if (p) {
                return `${t.name}.${field} (${gen}) = ${JSON.stringify(data[field])}: ${p}`;
            }
        }
        seen.add(t.name);
    }
    return seen.size === 100 ? true : `only ${seen.size} types drawn in 20000 events`;
});

await test('event_uuids unique within a generator and across VUs', () => {
    const ids = new Set();
    let n = 0;
    for (const vu of [1, 2, 3]) {
        const g = ev.createGenerator({ vu, seed: 1 }); // same seed: only the VU differs
        for (let i = 0; i < 30000; i++, n++) {
            ids.add(g.next().data.event_uuid);
        }
    }
    return ids.size === n ? true : `${n - ids.size} repeated uuids in ${n}`;
});

await test('invalid and duplicate shares as configured, each invalid breaks a rule', () => {
    const n = 50000;
    const g = ev.createGenerator({ seed: 9, vu: 1, invalidShare: 0.1, duplicateShare: 0.05 });
    const counts = { valid: 0, duplicate: 0, invalid: 0 };
    const kinds = new Set();
    const fresh = new Map();
    for (let i = 0; i < n; i++) {
        const e = g.next();
        if (e.kind === 'valid' || e.kind === 'duplicate') {
            if (eventProblem(e.data)) {
                return `${e.kind} event is invalid: ${JSON.stringify(e.data)}`;
            }
            const prev = fresh.get(e.data.event_uuid);
            if (e.kind === 'valid' && prev) {
                return `fresh event repeats uuid ${e.data.event_uuid}`;
            }
            if (e.kind === 'duplicate' && prev !== JSON.stringify(e.data)) {
                return 'duplicate is not an exact copy of an earlier event';
            }
            fresh.set(e.data.event_uuid, JSON.stringify(e.data));
            counts[e.kind]++;
        } else {
            if (!ev.INVALID_KINDS.includes(e.kind) || !eventProblem(e.data)) {
                return `invalid kind ${e.kind} passes the rules: ${JSON.stringify(e.data)}`;
            }
            kinds.add(e.kind);
            counts.invalid++;
        }
    }
    const share = (k) => counts[k] / n;
    if (Math.abs(share('invalid') - 0.1) > 0.001 || Math.abs(share('duplicate') - 0.05) > 0.001) {
        return `shares ${JSON.stringify(counts)}`;
    }
    return kinds.size === ev.INVALID_KINDS.length ? true : `only kinds ${[...kinds].join(',')}`;
});

await test('no invalid events or duplicates unless asked', () => {
    const g = ev.createGenerator({ vu: 1 });
    for (let i = 0; i < 5000; i++) {
        if (g.next().kind !== 'valid') {
            return 'non-valid event with zero shares';
        }
    }
    return true;
});

// ---- 4. The wrk scripts share the list ----

await test('wrk scripts read EVENT_SPEC from events.js and know every generator', () => {
    const wrkDir = join(here, '..', 'wrk');
    const lua = readFileSync(join(wrkDir, 'events.lua'), 'utf8');
    if (!lua.includes('k6/events.js') || !lua.includes('EVENT_SPEC')) {
        return 'events.lua does not read k6/events.js';
    }
    const kinds = new Set(ev.EVENT_TYPES.flatMap((t) => t.fields.map(([, g]) => g.split(':')[0])));
    const missing = [...kinds].filter((k) => !lua.includes(`"${k}"`));
    return missing.length === 0 ? true : `events.lua lacks generators ${missing.join(', ')}`;
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
