/*
 * token_bucket: a lock-free rate limiter (rate per second + burst).
 *
 * Design: the bucket is kept as GCRA (the "generic cell rate algorithm",
 * ITU-T I.371), which is a token bucket stated as one number: the
 * theoretical arrival time `tat`, the instant at which the bucket will be
 * full again. Each token costs one emission interval T = 1 s / rate; taking
 * n tokens at `now` moves tat to max(tat, now) + n*T, which is allowed while
 * that is no further than burst*T ahead of `now`. One int64 of state means a
 * take is a single compare-and-swap loop: no lock, and any number of threads
 * may share one bucket.
 *
 * Invariants:
 *   - tat - now <= burst*T whenever a take succeeded at `now`: the bucket
 *     never goes into debt, and a long idle period leaves it exactly full
 *     (max(tat, now) forgets the idle time beyond a full bucket);
 *   - burst*T fits comfortably in int64 (checked in init), so no arithmetic
 *     below can overflow for any now_ns a monotonic clock produces.
 *
 * Pure: time is a parameter (monotonic nanoseconds; any origin, the same
 * clock for every call on one bucket). Callers embed the struct; its fields
 * are private.
 */
#ifndef SG_TOKEN_BUCKET_H
#define SG_TOKEN_BUCKET_H

#include <stdatomic.h>
#include <stdint.h>

#include "must_check.h"

/* Accepted rates: at least one token per 1000 s, at most one per ns. */
#define SG_TOKEN_BUCKET_MIN_RATE 0.001
#define SG_TOKEN_BUCKET_MAX_RATE 1e9
#define SG_TOKEN_BUCKET_MAX_BURST 1000000000u

/* What sg_token_bucket_take returns when n can never be taken (n > burst). */
#define SG_TOKEN_BUCKET_NEVER INT64_MAX

struct sg_token_bucket {
    _Atomic int64_t _tat_ns; /* when the bucket is full again (GCRA TAT) */
    int64_t _interval_ns;    /* T: the cost of one token, >= 1 */
    int64_t _burst;          /* capacity in tokens, >= 1 */
};

/*
 * Initialises a full bucket refilling `rate_per_s` tokens per second up to
 * `burst` tokens. Returns 0, or -1 (bucket untouched) when rate_per_s is not
 * a finite number in [SG_TOKEN_BUCKET_MIN_RATE, SG_TOKEN_BUCKET_MAX_RATE] or
 * burst is not in [1, SG_TOKEN_BUCKET_MAX_BURST], or burst*T would not fit.
 * Not thread-safe (initialise before sharing).
 */
SG_MUST_CHECK int sg_token_bucket_init(struct sg_token_bucket *b, double rate_per_s,
                                       unsigned burst);

/*
 * Takes `n` tokens at monotonic time `now_ns`.
 * Returns 0 when they were taken; otherwise nothing is taken and the return
 * is the number of milliseconds (>= 1, rounded up) after which n tokens will
 * be available if nobody else takes any, or SG_TOKEN_BUCKET_NEVER when
 * n > burst (no wait is ever enough: the caller should refuse for good).
 * n == 0 always returns 0.
 * Thread-safe and lock-free (a CAS loop on the packed state).
 */
int64_t sg_token_bucket_take(struct sg_token_bucket *b, int64_t now_ns, unsigned n);

/*
 * Carries the level of `src` into `dst` (e.g. across a configuration
 * reload): dst's tokens at `now_ns` become min(dst's burst, src's tokens),
 * counted in fractions of a token, so a reload neither refills a drained
 * bucket nor punishes a full one. Rates and bursts may differ. `src` is
 * read atomically and may be in use by other threads; `dst` must not be
 * shared yet (the store is not a CAS against concurrent takes).
 */
void sg_token_bucket_carry(struct sg_token_bucket *dst, const struct sg_token_bucket *src,
                           int64_t now_ns);

#endif
