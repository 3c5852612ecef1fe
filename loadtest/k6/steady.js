// Steady load at the design volume: 1M events/hour (about 278 events/s) on
// the single-record route for 10 minutes, at a constant arrival rate.
//   k6 run -e BASE_URL=... steady.js            (RATE, DURATION to change)
import { DESIGN_RATE, config, sendOne, thresholds, vus } from './lib.js';

const rate = config.num('RATE', Math.round(DESIGN_RATE));

export const options = {
    scenarios: {
        steady: {
            executor: 'constant-arrival-rate',
            rate,
            timeUnit: '1s',
            duration: __ENV.DURATION || '10m',
            ...vus(rate),
            exec: 'steady',
        },
    },
    thresholds: thresholds(100, 250),
};

export function steady() {
    sendOne();
}
