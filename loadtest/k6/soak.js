// Soak: the design rate for hours (DURATION, default 4h) on both routes, to
// find leaks and slow drifts: latency thresholds must hold to the end. Watch
// the gateway's memory on its host (or /metrics) while it runs.
//   k6 run -e BASE_URL=... -e DURATION=8h soak.js
import { DESIGN_RATE, config, sendBatch, sendOne, thresholds, vus } from './lib.js';

const rate = config.num('RATE', Math.round(DESIGN_RATE));
const duration = __ENV.DURATION || '4h';

export const options = {
    scenarios: {
        soak_record: {
            executor: 'constant-arrival-rate',
            rate,
            timeUnit: '1s',
            duration,
            ...vus(rate),
            exec: 'record',
        },
        soak_records: {
            executor: 'constant-arrival-rate',
            rate: 1,
            timeUnit: '1s',
            duration,
            preAllocatedVUs: 2,
            maxVUs: 10,
            exec: 'records',
        },
    },
    thresholds: thresholds(100, 250),
};

export function record() {
    sendOne();
}

export function records() {
    sendBatch(Math.min(config.batchSize, 100));
}
