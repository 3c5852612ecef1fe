/*
 * test_token_bucket: server/token_bucket.h: parameter checks, a burst taken
 * exactly then refused, refill at the rate, idle time capped at the burst,
 * retry-after values (rounded up), n > burst, carrying a level across
 * buckets, and many threads sharing one bucket without losing a token.
 */
#include "token_bucket.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define MS INT64_C(1000000)
#define S INT64_C(1000000000)

/* The whole tokens available at `now`: the most a copy of the bucket lets one
 * take then (a binary search; the bucket itself is left alone). */
static unsigned available(const struct sg_token_bucket *b, int64_t now)
{
    unsigned lo = 0, hi = SG_TOKEN_BUCKET_MAX_BURST;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo + 1) / 2;
        struct sg_token_bucket copy = *b;
        if (sg_token_bucket_take(&copy, now, mid) == 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void test_init_bounds(void)
{
    static const struct {
        double rate;
        unsigned burst;
        int want;
    } rows[] = {
        {1, 1, 0},
        {100, 200, 0},
        {0.001, 1, 0},         /* lowest rate */
        {1e9, 1, 0},           /* one token per ns */
        {1e9, 1000000000u, 0}, /* largest burst at the highest rate */
        {0, 1, -1},
        {-1, 1, -1},
        {0.0009, 1, -1},
        {1e9 * 1.01, 1, -1},
        {1, 0, -1},
        {1, 1000000001u, -1},
        {0.001, 1000000000u, -1}, /* burst*T = 1e21 ns does not fit */
        {0.001, 2000000u, 0},     /* 2e18 ns does */
        {0.001, 3000000u, -1},    /* 3e18 ns does not */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_token_bucket b;
        int rc = sg_token_bucket_init(&b, rows[i].rate, rows[i].burst);
        CHECK(rc == rows[i].want, "init(%g, %u) = %d want %d", rows[i].rate, rows[i].burst, rc,
              rows[i].want);
        if (rc == 0)
            CHECK(available(&b, 0) == rows[i].burst, "fresh bucket full (%g,%u)", rows[i].rate,
                  rows[i].burst);
    }
    struct sg_token_bucket b;
    CHECK(sg_token_bucket_init(&b, NAN, 1) == -1, "NaN rate");
    CHECK(sg_token_bucket_init(&b, INFINITY, 1) == -1, "infinite rate");
}

/* The whole burst at one instant, then one more: refused, wait = T. */
static void test_burst_then_refused(void)
{
    static const struct {
        double rate;
        unsigned burst;
        int64_t now;
        int64_t want_ms; /* for the burst+1-th take */
    } rows[] = {
        {10, 5, 0, 100},
        {100, 200, 123 * S, 10},
        {1, 1, -5 * S, 1000}, /* any clock origin */
        {3, 4, 7, 334},       /* T = 333.33 ms, rounded up */
        {1000, 10, 1, 1},
        {2000, 10, 1, 1}, /* 0.5 ms -> at least 1 */
        {0.5, 2, INT64_C(1) << 60, 2000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_token_bucket b;
        CHECK(sg_token_bucket_init(&b, rows[i].rate, rows[i].burst) == 0, "row %zu init", i);
        unsigned ok = 0;
        for (unsigned k = 0; k < rows[i].burst; k++)
            ok += sg_token_bucket_take(&b, rows[i].now, 1) == 0;
        CHECK(ok == rows[i].burst, "row %zu: %u of %u taken", i, ok, rows[i].burst);
        CHECK(available(&b, rows[i].now) == 0, "row %zu: empty", i);
        int64_t w = sg_token_bucket_take(&b, rows[i].now, 1);
        CHECK(w == rows[i].want_ms, "row %zu: wait %lld want %lld", i, (long long)w,
              (long long)rows[i].want_ms);
        /* a refusal takes nothing: the same answer again */
        CHECK(sg_token_bucket_take(&b, rows[i].now, 1) == w, "row %zu: refusal is idempotent", i);
    }
}

/* Refill: rate 10/s burst 5, drained at t=0; then a script of takes. */
static void test_refill_script(void)
{
    static const struct {
        int64_t at;
        unsigned n;
        int64_t want;
        unsigned avail_after;
    } steps[] = {
        {0, 5, 0, 0},          /* drain */
        {50 * MS, 1, 50, 0},   /* half a token: wait 50 ms */
        {99 * MS, 1, 1, 0},    /* 1 ms short */
        {100 * MS, 1, 0, 0},   /* exactly one token */
        {150 * MS, 2, 150, 0}, /* has 0.5, needs 2: 1.5 tokens = 150 ms */
        {300 * MS, 2, 0, 0},   /* has 2 */
        {400 * MS, 3, 200, 1}, /* has 1 */
        {550 * MS, 1, 0, 1},   /* had 2.5 */
        {10 * S, 5, 0, 0},     /* idle: capped at 5, all taken */
        {10 * S, 6, -1, 0},    /* n > burst: never */
        {10 * S + 250 * MS, 2, 0, 0},
        {10 * S + 250 * MS, 0, 0, 0}, /* n = 0 always succeeds */
    };
    struct sg_token_bucket b;
    CHECK(sg_token_bucket_init(&b, 10, 5) == 0, "init");
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int64_t got = sg_token_bucket_take(&b, steps[i].at, steps[i].n);
        int64_t want = steps[i].want < 0 ? SG_TOKEN_BUCKET_NEVER : steps[i].want;
        CHECK(got == want, "step %zu: take(%u) = %lld want %lld", i, steps[i].n, (long long)got,
              (long long)want);
        unsigned av = available(&b, steps[i].at);
        CHECK(av == steps[i].avail_after, "step %zu: available %u want %u", i, av,
              steps[i].avail_after);
    }
}

/* A long idle period leaves exactly `burst` tokens, never more. */
static void test_idle_caps_at_burst(void)
{
    static const int64_t idles[] = {1 * S, 3600 * S, 86400 * S * 365};
    for (size_t i = 0; i < sizeof idles / sizeof idles[0]; i++) {
        struct sg_token_bucket b;
        CHECK(sg_token_bucket_init(&b, 100, 20) == 0, "init");
        for (int k = 0; k < 20; k++)
            CHECK(sg_token_bucket_take(&b, 0, 1) == 0, "drain %d", k);
        int64_t t = idles[i];
        CHECK(available(&b, t) == 20, "idle %zu: available %u", i, available(&b, t));
        CHECK(sg_token_bucket_take(&b, t, 20) == 0, "idle %zu: the burst", i);
        CHECK(sg_token_bucket_take(&b, t, 1) == 10, "idle %zu: then nothing left", i);
    }
}

/* Steady state: takes at exactly the rate always succeed, faster ones fail. */
static void test_sustained_rate(void)
{
    struct sg_token_bucket b;
    CHECK(sg_token_bucket_init(&b, 50, 1) == 0, "init");
    int ok = 0, refused = 0;
    for (int64_t t = 0; t < 10 * S; t += 10 * MS) /* 100/s offered, 50/s allowed */
        sg_token_bucket_take(&b, t, 1) == 0 ? ok++ : refused++;
    CHECK(ok == 500 && refused == 500, "ok %d refused %d", ok, refused);
}

static void test_carry(void)
{
    static const struct {
        double src_rate;
        unsigned src_burst, src_taken;
        double dst_rate;
        unsigned dst_burst;
        unsigned want_now;   /* dst tokens at the carry instant */
        int64_t later;       /* ns after the carry */
        unsigned want_later; /* dst tokens then */
    } rows[] = {
        {10, 5, 5, 10, 5, 0, 100 * MS, 1},        /* same: drained stays drained */
        {10, 5, 2, 10, 5, 3, 0, 3},               /* same: level kept */
        {10, 5, 0, 10, 5, 5, 0, 5},               /* full stays full */
        {100, 200, 200, 1, 200, 0, 1 * S, 1},     /* rate cut: no free refill */
        {100, 200, 150, 100, 20, 20, 0, 20},      /* burst cut: capped at the new burst */
        {100, 200, 200, 100, 400, 0, 1 * S, 100}, /* burst raised: not refilled by the reload */
        {100, 200, 200, 100, 400, 0, 4 * S, 400}, /* refills to the new burst in time */
        {1, 1, 1, 1000, 10, 0, 5 * MS, 5},        /* tokens carried, not the wait */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_token_bucket src, dst;
        int64_t now = 42 * S;
        CHECK(sg_token_bucket_init(&src, rows[i].src_rate, rows[i].src_burst) == 0, "src");
        CHECK(sg_token_bucket_init(&dst, rows[i].dst_rate, rows[i].dst_burst) == 0, "dst");
        if (rows[i].src_taken)
            CHECK(sg_token_bucket_take(&src, now, rows[i].src_taken) == 0, "row %zu take", i);
        sg_token_bucket_carry(&dst, &src, now);
        unsigned a = available(&dst, now);
        CHECK(a == rows[i].want_now, "row %zu: %u tokens after carry, want %u", i, a,
              rows[i].want_now);
        a = available(&dst, now + rows[i].later);
        CHECK(a == rows[i].want_later, "row %zu: %u tokens later, want %u", i, a,
              rows[i].want_later);
    }
    /* Same parameters: the retry-after of a drained bucket is carried to the ms. */
    struct sg_token_bucket src, dst;
    CHECK(sg_token_bucket_init(&src, 7, 3) == 0 && sg_token_bucket_init(&dst, 7, 3) == 0, "init");
    CHECK(sg_token_bucket_take(&src, 5 * S, 3) == 0, "drain");
    sg_token_bucket_carry(&dst, &src, 5 * S + 30 * MS);
    CHECK(sg_token_bucket_take(&dst, 5 * S + 30 * MS, 1) ==
              sg_token_bucket_take(&src, 5 * S + 30 * MS, 1),
          "same wait after carry");
}

#define THREADS 4
#define TRIES 5000

struct race {
    struct sg_token_bucket *b;
    int taken;
};

static void *race_main(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < TRIES; i++)
        r->taken += sg_token_bucket_take(r->b, 7 * S, 1) == 0;
    return NULL;
}

/* THREADS x TRIES takes at one instant on a burst of 1000: exactly 1000 win. */
static void test_threads_share_a_bucket(void)
{
    struct sg_token_bucket b;
    CHECK(sg_token_bucket_init(&b, 1, 1000) == 0, "init");
    pthread_t th[THREADS];
    struct race r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct race){&b, 0};
        CHECK(pthread_create(&th[i], NULL, race_main, &r[i]) == 0, "thread %d", i);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        total += r[i].taken;
    }
    CHECK(total == 1000, "%d tokens taken by %d threads, want 1000", total, THREADS);
}

int main(void)
{
    test_init_bounds();
    test_burst_then_refused();
    test_refill_script();
    test_idle_caps_at_burst();
    test_sustained_rate();
    test_carry();
    test_threads_share_a_bucket();
    return sg_check_result("test_token_bucket");
}
