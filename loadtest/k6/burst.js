// Burst: the design rate, then 10 times it for 3 minutes, then back, on the
// single-record route. Checks the gateway absorbs a sudden 10x.
//   k6 run -e BASE_URL=... burst.js             (RATE = base rate)
import { DESIGN_RATE, config, sendOne, thresholds, vus } from './lib.js';

const base = config.num('RATE', Math.round(DESIGN_RATE));
const peak = base * config.num('BURST_FACTOR', 10);

export const options = {
    scenarios: {
        burst: {
            executor: 'ramping-arrival-rate',
            startRate: base,
            timeUnit: '1s',
            stages: [
                { target: base, duration: '1m' },
                { target: peak, duration: '10s' },
                { target: peak, duration: __ENV.DURATION || '3m' },
                { target: base, duration: '10s' },
                { target: base, duration: '1m' },
            ],
            ...vus(peak),
            exec: 'burst',
        },
    },
    thresholds: thresholds(200, 500),
};

export function burst() {
    sendOne();
}
