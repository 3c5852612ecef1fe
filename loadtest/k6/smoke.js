// Smoke test: a handful of requests on both routes, with invalid events
// (20%) and duplicates (10%) mixed in, checking every answer. Run it after
// each deployment.
//   k6 run -e BASE_URL=https://gateway.example.com -e API_KEY=... smoke.js
import { config, events, sendBatch, sendOne, thresholds } from './lib.js';

export const options = {
    scenarios: {
        smoke: {
            executor: 'per-vu-iterations',
            vus: 1,
            iterations: config.num('ITERATIONS', 20),
            maxDuration: '1m',
            exec: 'smoke',
        },
    },
    thresholds: {
        ...thresholds(500, 1000),
        checks: ['rate==1'],
    },
};

export function smoke() {
    // Invalid and duplicate events are part of the smoke test unless set.
    const gen = events({
        invalidShare: config.invalidShare || 0.2,
        duplicateShare: config.duplicateShare || 0.1,
    });
    sendOne(gen);
    sendBatch(10, gen);
}
