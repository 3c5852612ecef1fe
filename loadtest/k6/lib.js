// Shared k6 plumbing for the streamgate scenarios: configuration from the
// environment, the two ingestion routes, response checks and metrics.
//
// Environment (all optional):
//   BASE_URL         gateway base URL                 (http://127.0.0.1:8080)
//   API_KEY          sent as the x-api-key header      (none)
//   STREAM           stream name in the route          (events)
//   RATE             events per second                 (per scenario)
//   DURATION         scenario length, k6 syntax        (per scenario)
//   BATCH_SIZE       records per batch request         (500)
//   INVALID_SHARE    fraction of invalid events        (0)
//   DUPLICATE_SHARE  fraction of exact duplicates      (0)
//   P95_MS, P99_MS   latency thresholds                (per scenario)
//   MAX_ERROR_RATE   allowed failed-event fraction     (0.001)
//   PRE_VUS, MAX_VUS VU pool of arrival-rate executors (derived from RATE)
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import { createGenerator } from './events.js';

function num(name, fallback) {
    const v = __ENV[name];
    if (v === undefined || v === '') {
        return fallback;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) {
        throw new Error(`${name} must be a number, got "${v}"`);
    }
    return n;
}

export const config = {
    baseUrl: (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    apiKey: __ENV.API_KEY || '',
    stream: __ENV.STREAM || 'events',
    batchSize: num('BATCH_SIZE', 500),
    invalidShare: num('INVALID_SHARE', 0),
    duplicateShare: num('DUPLICATE_SHARE', 0),
    maxErrorRate: num('MAX_ERROR_RATE', 0.001),
    num,
};

// The design volume: 1M events per hour.
export const DESIGN_RATE = 1e6 / 3600;

export const eventsSent = new Counter('events_sent');
export const eventsAcked = new Counter('events_acked');
// Valid events (fresh or duplicate) the gateway did not acknowledge.
export const eventErrors = new Rate('event_errors');
// Invalid events the gateway accepted instead of refusing.
export const invalidAccepted = new Rate('invalid_accepted');

let generator = null;

// The VU's generator, created on first use (__VU is 0 in the init context).
// overrides: createGenerator options replacing the environment's shares.
export function events(overrides) {
    if (generator === null) {
        generator = createGenerator({
            vu: __VU,
            invalidShare: config.invalidShare,
            duplicateShare: config.duplicateShare,
            ...overrides,
        });
    }
    return generator;
}

function headers() {
    const h = { 'Content-Type': 'application/json' };
    if (config.apiKey) {
        h['x-api-key'] = config.apiKey;
    }
    return h;
}

function isInvalid(kind) {
    return kind !== 'valid' && kind !== 'duplicate';
}

function parse(res) {
    try {
        return JSON.parse(res.body);
    } catch (e) {
        return null;
    }
}

// PUT /streams/<stream>/record with one event from gen; checks the answer.
export function sendOne(gen = events()) {
    const ev = gen.next();
    const bad = isInvalid(ev.kind);
    const body = JSON.stringify({ Data: ev.data, PartitionKey: ev.partitionKey });
    const res = http.put(`${config.baseUrl}/streams/${config.stream}/record`, body, {
        headers: headers(),
        tags: { route: 'record', expect: bad ? 'invalid' : 'valid' },
        responseCallback: http.expectedStatuses(bad ? 400 : 200),
    });
    eventsSent.add(1);
    if (bad) {
        invalidAccepted.add(res.status === 200);
        check(res, { 'invalid event refused with 400': (r) => r.status === 400 });
        return res;
    }
    const json = res.status === 200 ? parse(res) : null;
    const ok = json !== null && typeof json.SequenceNumber === 'string'
        && typeof json.ShardId === 'string';
    eventErrors.add(!ok);
    if (ok) {
        eventsAcked.add(1);
    }
    check(res, { 'event acknowledged with a sequence number': () => ok });
    return res;
}

// Checks one batch answer against the kinds sent; returns [acked, wrong].
function checkBatch(json, kinds) {
    let acked = 0;
    let wrong = 0;
    kinds.forEach((kind, i) => {
        const r = json.Records[i] || {};
        if (isInvalid(kind)) {
            invalidAccepted.add(r.ErrorCode !== 'InvalidEvent');
            wrong += r.ErrorCode !== 'InvalidEvent' ? 1 : 0;
        } else {
            const ok = typeof r.SequenceNumber === 'string';
            eventErrors.add(!ok);
            acked += ok ? 1 : 0;
            wrong += ok ? 0 : 1;
        }
    });
    return [acked, wrong];
}

// PUT /streams/<stream>/records with n events from gen; checks every entry.
export function sendBatch(n = config.batchSize, gen = events()) {
    const records = [];
    const kinds = [];
    for (let i = 0; i < n; i++) {
        const ev = gen.next();
        records.push({ data: ev.data, 'partition-key': ev.partitionKey });
        kinds.push(ev.kind);
    }
    const res = http.put(`${config.baseUrl}/streams/${config.stream}/records`,
        JSON.stringify({ records }), { headers: headers(), tags: { route: 'records' } });
    eventsSent.add(n);
    const json = res.status === 200 ? parse(res) : null;
    const shaped = json !== null && Array.isArray(json.Records) && json.Records.length === n;
    if (!shaped) {
        kinds.forEach((kind) => (isInvalid(kind) ? invalidAccepted.add(false)
            : eventErrors.add(true)));
        check(res, { 'batch answered 200 with one entry per record': () => false });
        return res;
    }
    const [acked, wrong] = checkBatch(json, kinds);
    eventsAcked.add(acked);
    check(res, {
        'batch answered 200 with one entry per record': () => true,
        'every batch entry as expected': () => wrong === 0,
    });
    return res;
}

// Thresholds every scenario shares; k6 exits non-zero when one is missed.
export function thresholds(p95Ms, p99Ms) {
    const p95 = config.num('P95_MS', p95Ms);
    const p99 = config.num('P99_MS', p99Ms);
    return {
        http_req_failed: [`rate<${config.maxErrorRate}`],
        event_errors: [`rate<${config.maxErrorRate}`],
        invalid_accepted: ['rate==0'],
        http_req_duration: [`p(95)<${p95}`, `p(99)<${p99}`],
        checks: [`rate>${1 - config.maxErrorRate}`],
    };
}

// VU pool for an arrival-rate executor: enough for rate x (latency 0.2 s).
export function vus(requestsPerSecond) {
    const pre = config.num('PRE_VUS', Math.max(2, Math.ceil(requestsPerSecond * 0.2)));
    const max = config.num('MAX_VUS', Math.max(pre * 4, 50));
    return { preAllocatedVUs: pre, maxVUs: max };
}
