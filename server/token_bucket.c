/*
 * token_bucket: GCRA with one atomic int64 of state (see token_bucket.h for
 * the design and invariants).
 *
 * "Full" is any tat <= now; a fresh bucket starts at INT64_MIN so that it is
 * full whatever clock origin the caller uses. Differences against tat are
 * only taken after max(tat, now), so that sentinel never overflows.
 */
#include "token_bucket.h"

#include <math.h>

/* burst*T above this is refused, so max(tat, now) + n*T cannot overflow for
 * any realistic monotonic clock (2^61 ns is 73 years). */
#define MAX_SPAN_NS (INT64_C(1) << 61)
#define NS_PER_S 1e9
#define NS_PER_MS INT64_C(1000000)
#define FULL INT64_MIN

int sg_token_bucket_init(struct sg_token_bucket *b, double rate_per_s, unsigned burst)
{
    if (!isfinite(rate_per_s) || rate_per_s < SG_TOKEN_BUCKET_MIN_RATE ||
        rate_per_s > SG_TOKEN_BUCKET_MAX_RATE || burst < 1 || burst > SG_TOKEN_BUCKET_MAX_BURST)
        return -1;
    int64_t interval = llround(NS_PER_S / rate_per_s);
    if (interval < 1)
        interval = 1;
    if (interval > MAX_SPAN_NS / (int64_t)burst)
        return -1;
    b->_interval_ns = interval;
    b->_burst = burst;
    atomic_init(&b->_tat_ns, FULL);
    return 0;
}

static int64_t span_ns(const struct sg_token_bucket *b)
{
    return b->_burst * b->_interval_ns;
}

/* Rounds a positive wait up to whole milliseconds, at least 1. */
static int64_t wait_ms(int64_t ns)
{
    int64_t ms = (ns + NS_PER_MS - 1) / NS_PER_MS;
    return ms < 1 ? 1 : ms;
}

int64_t sg_token_bucket_take(struct sg_token_bucket *b, int64_t now_ns, unsigned n)
{
    if (n == 0)
        return 0;
    if ((int64_t)n > b->_burst)
        return SG_TOKEN_BUCKET_NEVER;
    int64_t cost = (int64_t)n * b->_interval_ns;
    int64_t tat = atomic_load_explicit(&b->_tat_ns, memory_order_relaxed);
    for (;;) {
        int64_t start = tat > now_ns ? tat : now_ns;
        int64_t next = start + cost;
        if (next - now_ns > span_ns(b))
            return wait_ms(next - now_ns - span_ns(b));
        /* Relaxed is enough: the bucket guards no other memory. On failure
         * `tat` is reloaded and the decision is made again against it. */
        if (atomic_compare_exchange_weak_explicit(&b->_tat_ns, &tat, next, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 0;
    }
}

/* Tokens missing from a full bucket at now_ns, in nanoseconds of refill. */
static int64_t debt_ns(const struct sg_token_bucket *b, int64_t now_ns)
{
    int64_t tat = atomic_load_explicit(&b->_tat_ns, memory_order_relaxed);
    return tat > now_ns ? tat - now_ns : 0;
}

void sg_token_bucket_carry(struct sg_token_bucket *dst, const struct sg_token_bucket *src,
                           int64_t now_ns)
{
    /* In tokens (fractional), so that buckets with different T compare. */
    double src_tokens = (double)src->_burst - (double)debt_ns(src, now_ns) / src->_interval_ns;
    double missing = (double)dst->_burst - src_tokens;
    if (missing <= 0) {
        atomic_store_explicit(&dst->_tat_ns, FULL, memory_order_relaxed);
        return;
    }
    if (missing > (double)dst->_burst)
        missing = (double)dst->_burst;
    int64_t debt = llround(missing * (double)dst->_interval_ns);
    atomic_store_explicit(&dst->_tat_ns, now_ns + debt, memory_order_relaxed);
}
