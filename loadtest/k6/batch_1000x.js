// 1000 times the design volume (1M events/hour x 1000, about 278k events/s)
// through the batch route, BATCH_SIZE (500) events per request: about 556
// requests/s. Needs a load generator with several cores (or k6 cloud /
// distributed runs with a share of RATE each).
//   k6 run -e BASE_URL=... batch_1000x.js       (RATE in events/s)
import { DESIGN_RATE, config, sendBatch, thresholds, vus } from './lib.js';

const eventsPerSecond = config.num('RATE', Math.round(DESIGN_RATE * 1000));
const requestsPerSecond = Math.max(1, Math.round(eventsPerSecond / config.batchSize));

export const options = {
    scenarios: {
        batch_1000x: {
            executor: 'constant-arrival-rate',
            rate: requestsPerSecond,
            timeUnit: '1s',
            duration: __ENV.DURATION || '5m',
            ...vus(requestsPerSecond),
            exec: 'batch',
        },
    },
    thresholds: thresholds(500, 1000),
};

export function batch() {
    sendBatch(config.batchSize);
}
