/*
 * test_retry: server/retry.h: full-jitter backoff bounds for attempts 0..20
 * and extreme random values, the outcome for each Kinesis status, and the
 * HTTP status of each outcome.
 */
#include "retry.h"

#include <stdint.h>

#include "check.h"

/* min(max_ms, base_ms * 2^attempt), computed without overflow. */
static uint64_t ceiling(unsigned attempt, unsigned base, unsigned max)
{
    uint64_t c = base;
    for (unsigned i = 0; i < attempt; i++) {
        if (c >= max)
            break;
        c *= 2;
    }
    return c < max ? c : max;
}

static void test_backoff_bounds(void)
{
    static const struct {
        unsigned base, max;
    } cfgs[] = {{50, 2000},
                {1, 1},
                {1, 600000},
                {60000, 600000},
                {100, 100},
                {7, 1000},
                {1000, 999}, /* base above max: max wins */
                {4000000000u, 4294967295u}};
    static const uint64_t randoms[] = {
        0, 1, 2, 12345, UINT32_MAX, 1ULL << 40, UINT64_MAX - 1, UINT64_MAX};
    int bad = 0, n = 0;
    for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; c++)
        for (unsigned a = 0; a <= 20; a++) {
            uint64_t ceil = ceiling(a, cfgs[c].base, cfgs[c].max);
            for (size_t r = 0; r < sizeof randoms / sizeof randoms[0]; r++) {
                int64_t d = sg_retry_backoff_ms(a, cfgs[c].base, cfgs[c].max, randoms[r]);
                n++;
                if (d < 0 || (uint64_t)d > ceil) {
                    bad++;
                    CHECK(0, "backoff(%u, %u, %u, %llu) = %lld outside [0, %llu]", a, cfgs[c].base,
                          cfgs[c].max, (unsigned long long)randoms[r], (long long)d,
                          (unsigned long long)ceil);
                }
                /* the exact full-jitter value: random mod (ceiling + 1) */
                CHECK(d == (int64_t)(randoms[r] % (ceil + 1)), "backoff(%u,%u,%u,%llu) = %lld", a,
                      cfgs[c].base, cfgs[c].max, (unsigned long long)randoms[r], (long long)d);
            }
        }
    CHECK(bad == 0 && n > 1000, "%d of %d out of bounds", bad, n);
    /* huge attempt counts do not overflow */
    CHECK(sg_retry_backoff_ms(4000000000u, 50, 2000, UINT64_MAX) == (int64_t)(UINT64_MAX % 2001),
          "attempt 4e9");
    CHECK(sg_retry_backoff_ms(64, 1, UINT32_MAX, UINT64_MAX) <= (int64_t)UINT32_MAX, "attempt 64");
}

/* Values worked out by hand. */
static void test_backoff_values(void)
{
    static const struct {
        unsigned attempt, base, max;
        uint64_t random;
        int64_t want;
    } rows[] = {
        {0, 50, 2000, 0, 0},         {0, 50, 2000, 50, 50}, /* the ceiling itself is reachable */
        {0, 50, 2000, 51, 0},                               /* 51 mod 51 */
        {1, 50, 2000, 100, 100},     {1, 50, 2000, 101, 0},
        {3, 50, 2000, 400, 400},  /* 50 * 8 */
        {5, 50, 2000, 2000, 399}, /* ceiling 1600: 2000 mod 1601 */
        {5, 50, 2000, 1600, 1600},   {5, 50, 2000, 1601, 0},
        {6, 50, 2000, 2000, 2000}, /* 3200 capped to 2000 */
        {20, 50, 2000, 2000, 2000},  {20, 50, 2000, 2001, 0},
        {10, 1, 600000, 1024, 1024}, {10, 1, 600000, 1025, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t got =
            sg_retry_backoff_ms(rows[i].attempt, rows[i].base, rows[i].max, rows[i].random);
        CHECK(got == rows[i].want, "row %zu: got %lld want %lld", i, (long long)got,
              (long long)rows[i].want);
    }
    CHECK(sg_retry_backoff_ms(2, 1000, 999, 999) == 999, "base above max: ceiling is max");
    CHECK(sg_retry_backoff_ms(0, 0, 2000, 12345) == 0, "base 0: no delay");
}

static void test_outcome_for(void)
{
    static const struct {
        enum sg_kinesis_status status;
        int unreachable;
        enum sg_outcome want;
    } rows[] = {
        {SG_KINESIS_OK, 0, SG_OUTCOME_OK},
        {SG_KINESIS_THROTTLED, 0, SG_OUTCOME_THROTTLED},
        {SG_KINESIS_RETRYABLE, 0, SG_OUTCOME_TIMEOUT},
        {SG_KINESIS_EXPIRED_TOKEN, 0, SG_OUTCOME_TIMEOUT},
        {SG_KINESIS_FATAL, 0, SG_OUTCOME_REFUSED},
        {SG_KINESIS_OK, 1, SG_OUTCOME_UNAVAILABLE},
        {SG_KINESIS_THROTTLED, 1, SG_OUTCOME_UNAVAILABLE},
        {SG_KINESIS_RETRYABLE, 1, SG_OUTCOME_UNAVAILABLE},
        {SG_KINESIS_EXPIRED_TOKEN, 1, SG_OUTCOME_UNAVAILABLE},
        {SG_KINESIS_FATAL, 1, SG_OUTCOME_UNAVAILABLE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        enum sg_outcome got = sg_retry_outcome_for(rows[i].status, rows[i].unreachable);
        CHECK(got == rows[i].want, "outcome_for(%d, %d) = %d want %d", (int)rows[i].status,
              rows[i].unreachable, (int)got, (int)rows[i].want);
    }
}

static void test_plan(void)
{
    /* now 1000, base 50, max 2000; random 49 -> delay 49 at attempt 0 */
    static const struct {
        enum sg_kinesis_status status;
        bool unreachable;
        unsigned attempt;
        int64_t deadline;
        bool stopping;
        uint64_t random;
        bool want_retry;
        int64_t want_at;
        enum sg_outcome want_outcome;
    } rows[] = {
        {SG_KINESIS_THROTTLED, false, 0, 5000, false, 49, true, 1049, SG_OUTCOME_THROTTLED},
        {SG_KINESIS_RETRYABLE, false, 3, 5000, false, 399, true, 1399, SG_OUTCOME_TIMEOUT},
        {SG_KINESIS_RETRYABLE, true, 0, 5000, false, 0, true, 1000, SG_OUTCOME_UNAVAILABLE},
        {SG_KINESIS_EXPIRED_TOKEN, false, 1, 5000, false, 7, true, 1007, SG_OUTCOME_TIMEOUT},
        /* the wait would reach the deadline: answer now */
        {SG_KINESIS_THROTTLED, false, 0, 1049, false, 49, false, 1049, SG_OUTCOME_THROTTLED},
        {SG_KINESIS_THROTTLED, false, 0, 1050, false, 49, true, 1049, SG_OUTCOME_THROTTLED},
        /* stopping: answer now */
        {SG_KINESIS_RETRYABLE, false, 0, 5000, true, 0, false, 1000, SG_OUTCOME_TIMEOUT},
        /* refused: at once, whatever else */
        {SG_KINESIS_FATAL, false, 0, 5000, false, 0, false, 0, SG_OUTCOME_REFUSED},
        {SG_KINESIS_FATAL, true, 0, 5000, false, 0, false, 0, SG_OUTCOME_REFUSED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_retry_plan got =
            sg_retry_plan_for(rows[i].status, rows[i].unreachable, rows[i].attempt, 1000,
                              rows[i].deadline, rows[i].stopping, 50, 2000, rows[i].random);
        CHECK(got.retry == rows[i].want_retry, "row %zu: retry %d", i, (int)got.retry);
        CHECK(got.outcome == rows[i].want_outcome, "row %zu: outcome %d", i, (int)got.outcome);
        if (got.retry || rows[i].status != SG_KINESIS_FATAL)
            CHECK(got.not_before_ms == rows[i].want_at, "row %zu: at %lld", i,
                  (long long)got.not_before_ms);
    }
}

int main(void)
{
    test_backoff_bounds();
    test_backoff_values();
    test_outcome_for();
    test_plan();
    return sg_check_result("test_retry");
}
