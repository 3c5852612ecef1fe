/*
 * test_batcher: server/batcher.h, single-threaded, with plain records and a
 * dummy ticket (no pipeline): batch cutting at the record and byte limits,
 * linger and next_due_ms, admission bounds, the wake flag and the sender's
 * watch over it, the retry heap's time order, and flush.
 */
#include "batcher.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MIB ((size_t)1024 * 1024)

static struct sg_ticket dummy_ticket;

/* n records with index 0..n-1 (plus `first_index`), each of `bytes`, linked. */
static struct sg_record *make_records(size_t n, size_t bytes, uint32_t first_index)
{
    struct sg_record *r = calloc(n ? n : 1, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i].ticket = &dummy_ticket;
        r[i].index = first_index + (uint32_t)i;
        r[i].kinesis_bytes = bytes;
        r[i].next = i + 1 < n ? &r[i + 1] : NULL;
    }
    return r;
}

static size_t list_len(const struct sg_record *r)
{
    size_t n = 0;
    for (; r; r = r->next)
        n++;
    return n;
}

static size_t list_bytes(const struct sg_record *r)
{
    size_t b = 0;
    for (; r; r = r->next)
        b += r->kinesis_bytes;
    return b;
}

static struct sg_batcher_limits limits(unsigned linger, unsigned max_records, size_t max_bytes,
                                       size_t q_records, size_t q_bytes)
{
    struct sg_batcher_limits l = {linger, max_records, max_bytes, q_records, q_bytes};
    return l;
}

/* Takes one batch and checks it: n records, bytes, consecutive indexes from
 * `first` (first < 0: not checked). Returns n. */
static size_t take_check(struct sg_batcher *b, int64_t now, bool flush, size_t want_n, long first,
                         const char *ctx)
{
    struct sg_record *out = (struct sg_record *)0x1;
    size_t bytes = 12345;
    int64_t next = 0;
    size_t n = sg_batcher_take(b, now, flush, &out, &bytes, &next);
    CHECK(n == want_n, "%s: took %zu want %zu", ctx, n, want_n);
    CHECK(list_len(out) == n, "%s: list of %zu for n %zu", ctx, list_len(out), n);
    CHECK(list_bytes(out) == bytes, "%s: bytes %zu vs list %zu", ctx, bytes, list_bytes(out));
    if (n == 0)
        CHECK(out == NULL && bytes == 0, "%s: empty take", ctx);
    if (first >= 0) {
        long i = first;
        int order = 0;
        for (struct sg_record *r = out; r; r = r->next, i++)
            order += (long)r->index != i;
        CHECK(order == 0, "%s: %d records out of FIFO order", ctx, order);
    }
    return n;
}

static void test_record_boundary(void)
{
    static const struct {
        size_t submit;
        size_t batches[3];
    } rows[] = {
        {1, {1, 0, 0}},     {499, {499, 0, 0}},    {500, {500, 0, 0}},
        {501, {500, 1, 0}}, {1000, {500, 500, 0}}, {1001, {500, 500, 1}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_batcher_limits l = limits(0, 500, 5 * MIB, 10000, 1024 * MIB);
        struct sg_batcher *b = sg_batcher_new(&l);
        struct sg_record *recs = make_records(rows[i].submit, 100, 0);
        bool wake = false;
        CHECK(sg_batcher_submit(b, recs, rows[i].submit, rows[i].submit * 100, 1000, &wake) == 0,
              "submit %zu", rows[i].submit);
        CHECK(wake, "submit %zu into an empty queue wakes", rows[i].submit);
        long first = 0;
        char ctx[64];
        for (size_t k = 0; k < 3; k++) {
            snprintf(ctx, sizeof ctx, "submit %zu, batch %zu", rows[i].submit, k);
            first += (long)take_check(b, 1000, false, rows[i].batches[k], first, ctx);
        }
        struct sg_batcher_stats st;
        sg_batcher_get_stats(b, &st);
        CHECK(st.ready == 0 && st.outstanding_records == rows[i].submit &&
                  st.outstanding_bytes == rows[i].submit * 100,
              "submit %zu: stats %zu %zu %zu", rows[i].submit, st.ready, st.outstanding_records,
              st.outstanding_bytes);
        sg_batcher_release(b, rows[i].submit, rows[i].submit * 100);
        sg_batcher_free(b);
        free(recs);
    }

    /* batch_max_records below 500 is honoured too */
    struct sg_batcher_limits l = limits(0, 3, 5 * MIB, 100, 100 * MIB);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *recs = make_records(7, 10, 0);
    bool wake;
    CHECK(sg_batcher_submit(b, recs, 7, 70, 0, &wake) == 0, "submit 7");
    take_check(b, 0, false, 3, 0, "max 3: first");
    take_check(b, 0, false, 3, 3, "max 3: second");
    take_check(b, 0, false, 1, 6, "max 3: third");
    sg_batcher_release(b, 7, 70);
    sg_batcher_free(b);
    free(recs);
}

/* Records of `sizes` (in order); expected batch sizes (records per take). */
static void run_bytes_case(const char *name, size_t limit, const size_t *sizes, size_t n,
                           const size_t *batches, size_t n_batches)
{
    struct sg_batcher_limits l = limits(0, 500, limit, 10000, 1024 * MIB);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *recs = make_records(n, 0, 0);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        recs[i].kinesis_bytes = sizes[i];
        total += sizes[i];
    }
    bool wake;
    CHECK(sg_batcher_submit(b, recs, n, total, 0, &wake) == 0, "%s: submit", name);
    long first = 0;
    for (size_t k = 0; k <= n_batches; k++) {
        char ctx[80];
        snprintf(ctx, sizeof ctx, "%s: batch %zu", name, k);
        struct sg_record *out;
        size_t bytes;
        int64_t next;
        size_t got = sg_batcher_take(b, 0, false, &out, &bytes, &next);
        size_t want = k < n_batches ? batches[k] : 0;
        CHECK(got == want, "%s: took %zu want %zu", ctx, got, want);
        CHECK(got <= 1 || bytes <= limit, "%s: %zu bytes over the %zu limit", ctx, bytes, limit);
        CHECK(list_bytes(out) == bytes && list_len(out) == got, "%s: list", ctx);
        long i = first;
        for (struct sg_record *r = out; r; r = r->next, i++)
            CHECK((long)r->index == i, "%s: index %u want %ld", ctx, r->index, i);
        first += (long)got;
    }
    sg_batcher_release(b, n, total);
    sg_batcher_free(b);
    free(recs);
}

static void test_byte_boundary(void)
{
    const size_t L = 5 * MIB;
    {
        /* 1 MiB records: five fill a batch exactly */
        size_t s[11];
        for (int i = 0; i < 11; i++)
            s[i] = MIB;
        size_t want[] = {5, 5, 1};
        run_bytes_case("1 MiB x 11", L, s, 11, want, 3);
    }
    {
        /* one byte over: the fifth record starts the next batch */
        size_t s[] = {MIB, MIB, MIB, MIB, MIB + 1, MIB};
        size_t want[] = {4, 2};
        run_bytes_case("fifth one byte over", L, s, 6, want, 2);
    }
    {
        /* a record equal to the limit goes alone, before and after others */
        size_t s[] = {L, 10, L, L, 10, 20};
        size_t want[] = {1, 1, 1, 1, 2};
        run_bytes_case("records equal to the limit", L, s, 6, want, 5);
    }
    {
        /* a record over the limit (never admitted by ingest, but safe) goes alone */
        size_t s[] = {10, L + 1, 10};
        size_t want[] = {1, 1, 1};
        run_bytes_case("record over the limit", L, s, 3, want, 3);
    }
    {
        /* 3 MiB + 2 MiB = 5 MiB exactly fits; then 3 + 3 does not */
        size_t s[] = {3 * MIB, 2 * MIB, 3 * MIB, 3 * MIB};
        size_t want[] = {2, 1, 1};
        run_bytes_case("3+2 then 3, 3", L, s, 4, want, 3);
    }
    {
        /* records and bytes both: 600 records of 10 KiB -> the byte limit
         * (512 per 5 MiB) is above 500, so the record limit cuts first */
        size_t s[600];
        for (int i = 0; i < 600; i++)
            s[i] = 10 * 1024;
        size_t want[] = {500, 100};
        run_bytes_case("600 x 10 KiB", L, s, 600, want, 2);
    }
    {
        /* 600 records of 20 KiB: 256 per 5 MiB */
        size_t s[600];
        for (int i = 0; i < 600; i++)
            s[i] = 20 * 1024;
        size_t want[] = {256, 256, 88};
        run_bytes_case("600 x 20 KiB", L, s, 600, want, 3);
    }
}

static void test_linger(void)
{
    struct sg_batcher_limits l = limits(50, 500, 5 * MIB, 10000, 100 * MIB);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *a = make_records(3, 100, 0), *c = make_records(2, 100, 3);
    struct sg_record *out;
    size_t bytes;
    int64_t next;

    /* empty queue */
    CHECK(sg_batcher_take(b, 0, false, &out, &bytes, &next) == 0 && next == INT64_MAX,
          "empty: next %lld", (long long)next);

    bool wake = false;
    CHECK(sg_batcher_submit(b, a, 3, 300, 1000, &wake) == 0 && wake, "first submit wakes");
    CHECK(sg_batcher_take(b, 1000, false, &out, &bytes, &next) == 0, "not due at once");
    CHECK(next == 1050, "next_due %lld want 1050", (long long)next);
    CHECK(sg_batcher_take(b, 1049, false, &out, &bytes, &next) == 0 && next == 1050,
          "not due at 1049");
    wake = true;
    CHECK(sg_batcher_submit(b, c, 2, 200, 1030, &wake) == 0 && !wake,
          "second submit, not full: no wake");
    CHECK(sg_batcher_take(b, 1049, false, &out, &bytes, &next) == 0 && next == 1050,
          "due time set by the oldest record");
    take_check(b, 1050, false, 5, 0, "due at 1050: everything ready");
    CHECK(sg_batcher_take(b, 1050, false, &out, &bytes, &next) == 0 && next == INT64_MAX,
          "drained");

    /* after the first batch goes, the next is due linger after its own oldest */
    struct sg_record *d = make_records(1, 100, 0), *e = make_records(1, 100, 1);
    CHECK(sg_batcher_submit(b, d, 1, 100, 2000, &wake) == 0 && wake, "submit d wakes (empty)");
    take_check(b, 2050, false, 1, 0, "d at 2050");
    CHECK(sg_batcher_submit(b, e, 1, 100, 2040, &wake) == 0 && wake, "submit e wakes (empty)");
    CHECK(sg_batcher_take(b, 2060, false, &out, &bytes, &next) == 0 && next == 2090,
          "e due at 2090, got %lld", (long long)next);
    take_check(b, 2090, false, 1, 1, "e at 2090");

    /* a full batch is due at once, whatever the linger */
    struct sg_batcher_limits l2 = limits(1000, 4, 5 * MIB, 10000, 100 * MIB);
    struct sg_batcher *b2 = sg_batcher_new(&l2);
    struct sg_record *f = make_records(3, 10, 0), *g = make_records(2, 10, 3);
    CHECK(sg_batcher_submit(b2, f, 3, 30, 0, &wake) == 0 && wake, "f");
    CHECK(sg_batcher_take(b2, 0, false, &out, &bytes, &next) == 0 && next == 1000, "f waits");
    CHECK(sg_batcher_submit(b2, g, 2, 20, 10, &wake) == 0 && wake, "g fills a batch: wake");
    CHECK(sg_batcher_take(b2, 10, false, &out, &bytes, &next) == 4, "full batch at once");
    CHECK(next == 1010, "remaining record due at its own linger: %lld", (long long)next);
    take_check(b2, 1010, false, 1, 4, "last one at 1010");

    /* full by bytes */
    struct sg_batcher_limits l3 = limits(1000, 500, 1024, 10000, 100 * MIB);
    struct sg_batcher *b3 = sg_batcher_new(&l3);
    struct sg_record *h = make_records(2, 600, 0);
    h[0].next = NULL;
    CHECK(sg_batcher_submit(b3, h, 1, 600, 0, &wake) == 0 && wake, "600 bytes");
    CHECK(sg_batcher_take(b3, 0, false, &out, &bytes, &next) == 0 && next == 1000, "waits");
    CHECK(sg_batcher_submit(b3, &h[1], 1, 600, 5, &wake) == 0 && wake, "1200 >= 1024 bytes: wake");
    take_check(b3, 5, false, 1, 0, "byte-full: first alone (1200 > 1024)");
    CHECK(sg_batcher_take(b3, 5, false, &out, &bytes, &next) == 0 && next == 1005,
          "second waits for its linger: %lld", (long long)next);

    sg_batcher_release(b, 7, 700);
    sg_batcher_release(b2, 5, 50);
    sg_batcher_release(b3, 2, 1200);
    take_check(b3, 0, true, 1, 1, "flush b3");
    sg_batcher_free(b);
    sg_batcher_free(b2);
    sg_batcher_free(b3);
    free(a);
    free(c);
    free(d);
    free(e);
    free(f);
    free(g);
    free(h);
}

/* Links r[from .. from+n) into a NULL-terminated list; returns its head. */
static struct sg_record *link_range(struct sg_record *r, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++)
        r[i].next = i + 1 < from + n ? &r[i + 1] : NULL;
    return &r[from];
}

static void test_admission(void)
{
    struct sg_batcher_limits l = limits(10, 500, 5 * MIB, 10, 1000);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *r = make_records(30, 100, 0);
    bool wake;
    struct sg_batcher_stats st;

    /* 11 records never fit */
    CHECK(sg_batcher_submit(b, link_range(r, 0, 11), 11, 1100, 0, &wake) == -1,
          "11 > 10 records refused");
    sg_batcher_get_stats(b, &st);
    CHECK(st.outstanding_records == 0 && st.ready == 0, "nothing queued after refusal");

    /* 6 then 5: the second is refused as a whole */
    CHECK(sg_batcher_submit(b, link_range(r, 0, 6), 6, 600, 0, &wake) == 0, "6 admitted");
    CHECK(sg_batcher_submit(b, link_range(r, 6, 5), 5, 500, 0, &wake) == -1, "6 + 5 > 10 refused");
    sg_batcher_get_stats(b, &st);
    CHECK(st.outstanding_records == 6 && st.outstanding_bytes == 600 && st.ready == 6,
          "all or nothing: %zu %zu %zu", st.outstanding_records, st.outstanding_bytes, st.ready);
    /* 4 more: exactly 10 records and exactly 1000 bytes */
    CHECK(sg_batcher_submit(b, link_range(r, 6, 4), 4, 400, 0, &wake) == 0,
          "exactly at both bounds");
    CHECK(sg_batcher_submit(b, link_range(r, 10, 1), 1, 1, 0, &wake) == -1, "one more refused");

    /* taking does not free room: only release does */
    take_check(b, 100, false, 10, 0, "take all 10");
    CHECK(sg_batcher_submit(b, link_range(r, 10, 1), 1, 1, 0, &wake) == -1,
          "in flight still counts");
    sg_batcher_release(b, 3, 300);
    sg_batcher_get_stats(b, &st);
    CHECK(st.outstanding_records == 7 && st.outstanding_bytes == 700, "after release 3: %zu %zu",
          st.outstanding_records, st.outstanding_bytes);
    CHECK(sg_batcher_submit(b, link_range(r, 10, 3), 3, 300, 200, &wake) == 0,
          "release made room for 3");
    CHECK(sg_batcher_submit(b, link_range(r, 13, 1), 1, 1, 200, &wake) == -1, "but not 4");
    sg_batcher_release(b, 7, 700);

    /* the byte bound alone: 3 + 7 records fit, 300 + 701 bytes do not */
    CHECK(sg_batcher_submit(b, link_range(r, 13, 7), 7, 701, 200, &wake) == -1,
          "300 + 701 > 1000 bytes refused");
    CHECK(sg_batcher_submit(b, link_range(r, 13, 7), 7, 700, 200, &wake) == 0,
          "300 + 700 = 1000 bytes admitted");
    sg_batcher_get_stats(b, &st);
    CHECK(st.outstanding_records == 10 && st.outstanding_bytes == 1000 && st.ready == 10,
          "stats %zu %zu %zu", st.outstanding_records, st.outstanding_bytes, st.ready);
    take_check(b, 0, true, 10, 10, "flush the rest");
    sg_batcher_release(b, 10, 1000);
    sg_batcher_get_stats(b, &st);
    CHECK(st.outstanding_records == 0 && st.outstanding_bytes == 0 && st.ready == 0 &&
              st.retrying == 0,
          "all released");
    sg_batcher_free(b);
    free(r);
}

static void test_wake(void)
{
    struct sg_batcher_limits l = limits(100, 5, 1000, 1000, 100000);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *r = make_records(20, 10, 0);
    for (int i = 0; i < 20; i++)
        r[i].next = NULL; /* submitted one at a time */
    static const struct {
        int64_t now;
        bool want;
    } seq[] = {{0, true}, {1, false}, {2, false}, {3, false}, {4, true} /* 5 = full */,
               {5, true} /* still full */};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        bool wake = !seq[i].want;
        CHECK(sg_batcher_submit(b, &r[i], 1, 10, seq[i].now, &wake) == 0, "submit %zu", i);
        CHECK(wake == seq[i].want, "submit %zu: wake %d want %d", i, wake, seq[i].want);
    }
    take_check(b, 5, false, 5, 0, "full batch");
    bool wake = true;
    CHECK(sg_batcher_submit(b, &r[6], 1, 10, 6, &wake) == 0 && !wake,
          "one left ready: not empty, not full");
    take_check(b, 0, true, 2, 5, "flush");
    wake = false;
    CHECK(sg_batcher_submit(b, &r[7], 1, 10, 7, &wake) == 0 && wake, "empty again: wake");

    /* refusal does not touch wake's meaning: the call fails */
    struct sg_batcher_limits l2 = limits(100, 5, 1000, 1, 100000);
    struct sg_batcher *b2 = sg_batcher_new(&l2);
    CHECK(sg_batcher_submit(b2, &r[8], 1, 10, 0, &wake) == 0 && wake, "b2 first");
    CHECK(sg_batcher_submit(b2, &r[9], 1, 10, 0, &wake) == -1, "b2 full queue");
    take_check(b2, 0, true, 1, 8, "b2 flush");

    /* full by bytes wakes */
    struct sg_batcher_limits l3 = limits(100, 500, 25, 1000, 100000);
    struct sg_batcher *b3 = sg_batcher_new(&l3);
    CHECK(sg_batcher_submit(b3, &r[10], 1, 10, 0, &wake) == 0 && wake, "b3 first");
    CHECK(sg_batcher_submit(b3, &r[11], 1, 10, 0, &wake) == 0 && !wake, "b3 20 bytes");
    CHECK(sg_batcher_submit(b3, &r[12], 1, 10, 0, &wake) == 0 && wake, "b3 30 >= 25 bytes");
    take_check(b3, 0, true, 2, 10, "b3 flush 1");
    take_check(b3, 0, true, 1, 12, "b3 flush 2");

    sg_batcher_release(b, 8, 80);
    sg_batcher_release(b2, 1, 10);
    sg_batcher_release(b3, 3, 30);
    take_check(b, 0, true, 1, 7, "flush r7");
    sg_batcher_free(b);
    sg_batcher_free(b2);
    sg_batcher_free(b3);
    free(r);
}

/* sg_batcher_watch: while the sender watches (calls in flight), a submit
 * into the empty queue does not wake it, and the sender is told to come
 * back within a linger; unwatched, the first submit wakes again, and a
 * record that slipped in after the last take is due at once (no_linger). */
static void test_watch(void)
{
    struct sg_batcher_limits l = limits(100, 3, 1000, 1000, 100000);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *r = make_records(8, 10, 0);
    for (int i = 0; i < 8; i++)
        r[i].next = NULL;
    static const struct {
        bool watch, no_linger;
        int64_t now;
        size_t submit; /* records submitted after the watch, one at a time */
        int64_t submit_at;
        bool want_wake[3];   /* wake of each submit */
        int64_t want_due;    /* returned by the watch (before the submits) */
        int64_t want_next;   /* sg_batcher_take's next due after the submits */
        size_t take_at_next; /* records taken at want_next (then flushed) */
    } rows[] = {
        /* watched, empty: back within a linger; the first submit does not
         * wake, the one that fills a batch (3) still does */
        {true, false, 1000, 3, 1010, {false, false, true}, 1100, 1010, 3},
        /* unwatched: the first submit wakes as before */
        {false, true, 2000, 2, 2010, {true, false}, INT64_MAX, 2110, 2},
        /* watched: a record submitted meanwhile is due at its own linger */
        {true, false, 3000, 1, 3005, {false}, 3100, 3105, 1},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t due = sg_batcher_watch(b, rows[i].watch, rows[i].no_linger, rows[i].now);
        CHECK(due == rows[i].want_due, "row %zu: watch returns %lld want %lld", i, (long long)due,
              (long long)rows[i].want_due);
        for (size_t j = 0; j < rows[i].submit; j++, k++) {
            bool wake = !rows[i].want_wake[j];
            CHECK(sg_batcher_submit(b, &r[k], 1, 10, rows[i].submit_at, &wake) == 0,
                  "row %zu submit %zu", i, j);
            CHECK(wake == rows[i].want_wake[j], "row %zu submit %zu: wake %d want %d", i, j, wake,
                  rows[i].want_wake[j]);
        }
        struct sg_record *out;
        size_t bytes;
        int64_t next;
        sg_batcher_take(b, rows[i].submit_at, false, &out, &bytes, &next);
        if (rows[i].take_at_next < 3)
            CHECK(next == rows[i].want_next, "row %zu: next due %lld want %lld", i, (long long)next,
                  (long long)rows[i].want_next);
        if (rows[i].take_at_next == 3)
            CHECK(list_len(out) == 3, "row %zu: a full batch at once", i);
        else
            take_check(b, rows[i].want_next, false, rows[i].take_at_next, -1, "row's batch");
    }

    /* A record submitted while watched, then the watch ends (the call came
     * back) before any take: due at once with no_linger. */
    CHECK(sg_batcher_watch(b, true, false, 4000) == 4100, "watched again");
    bool wake = true;
    CHECK(sg_batcher_submit(b, &r[k], 1, 10, 4001, &wake) == 0 && !wake, "watched: no wake");
    CHECK(sg_batcher_watch(b, false, true, 4002) == 0, "unwatched with a record: due now");
    take_check(b, 4002, false, 0, -1, "with the linger it waits");
    CHECK(sg_batcher_watch(b, false, false, 4002) == 4101, "its linger otherwise");
    /* Watched with a record already queued: its due when sooner than a
     * linger from now. */
    CHECK(sg_batcher_watch(b, true, false, 4090) == 4101, "watched: the record's own due");
    take_check(b, 0, true, 1, (long)k, "flush");
    sg_batcher_release(b, k + 1, (k + 1) * 10);
    sg_batcher_free(b);
    free(r);
}

static void test_retry_heap(void)
{
    struct sg_batcher_limits l = limits(10, 500, 5 * MIB, 1000, 100 * MIB);
    struct sg_batcher *b = sg_batcher_new(&l);
    enum { N = 100 };
    struct sg_record *r = make_records(N, 10, 0);
    bool wake;
    CHECK(sg_batcher_submit(b, r, N, N * 10, 0, &wake) == 0, "submit");
    struct sg_record *out;
    size_t bytes;
    int64_t next;
    CHECK(sg_batcher_take(b, 10, false, &out, &bytes, &next) == N, "take all");

    /* requeue out of order: not_before = 1000 + (i * 37 % N) * 10, all distinct */
    for (size_t i = 0; i < N; i++) {
        struct sg_record *x = &r[(i * 37) % N];
        x->next = (struct sg_record *)0xdead; /* the heap must not follow it */
        x->not_before_ms = 1000 + (int64_t)x->index * 10;
        x->attempts = 1;
        sg_batcher_requeue(b, x);
    }
    struct sg_batcher_stats st;
    sg_batcher_get_stats(b, &st);
    CHECK(st.retrying == N && st.ready == 0, "retrying %zu", st.retrying);

    CHECK(sg_batcher_take(b, 999, false, &out, &bytes, &next) == 0 && next == 1000,
          "nothing due before 1000: next %lld", (long long)next);
    /* at 1245: indexes 0..24 due, in time order; the rest stay */
    size_t n = sg_batcher_take(b, 1245, false, &out, &bytes, &next);
    CHECK(n == 25, "25 due, took %zu", n);
    int64_t prev = -1;
    int disorder = 0, not_due = 0;
    for (struct sg_record *x = out; x; x = x->next) {
        disorder += x->not_before_ms < prev;
        not_due += x->not_before_ms > 1245;
        prev = x->not_before_ms;
    }
    CHECK(disorder == 0 && not_due == 0, "time order: %d out of order, %d not due", disorder,
          not_due);
    CHECK(out && out->index == 0, "earliest first");
    CHECK(next == 1250, "next due 1250, got %lld", (long long)next);

    /* fresh records do not jump ahead of due retries, and join the batch */
    struct sg_record *fresh = make_records(3, 10, 500);
    CHECK(sg_batcher_submit(b, fresh, 3, 30, 1300, &wake) == 0, "fresh");
    n = sg_batcher_take(b, 1300, false, &out, &bytes, &next);
    CHECK(n == 6 + 3, "6 due retries (1250..1300) + 3 fresh: got %zu", n);
    size_t k = 0;
    for (struct sg_record *x = out; x; x = x->next, k++) {
        if (k < 6)
            CHECK(x->index == 25 + k, "retry %zu: index %u", k, x->index);
        else
            CHECK(x->index == 500 + (k - 6), "fresh %zu: index %u", k, x->index);
    }
    CHECK(next == 1310, "next retry at 1310: %lld", (long long)next);

    /* the heap honours the batch record limit */
    struct sg_batcher_limits l2 = limits(0, 4, 5 * MIB, 1000, 100 * MIB);
    struct sg_batcher *b2 = sg_batcher_new(&l2);
    struct sg_record *s = make_records(10, 10, 0);
    CHECK(sg_batcher_submit(b2, s, 10, 100, 0, &wake) == 0, "b2 submit");
    take_check(b2, 0, false, 4, 0, "b2 first 4");
    take_check(b2, 0, false, 4, 4, "b2 next 4");
    take_check(b2, 0, false, 2, 8, "b2 last 2");
    for (int i = 9; i >= 0; i--) {
        s[i].not_before_ms = 100 - i; /* index 9 is earliest */
        sg_batcher_requeue(b2, &s[i]);
    }
    n = sg_batcher_take(b2, 200, false, &out, &bytes, &next);
    CHECK(n == 4 && out && out->index == 9 && out->next && out->next->index == 8,
          "heap batch of 4");
    CHECK(next == 95, "next due 95 (index 5): %lld", (long long)next);
    take_check(b2, 200, false, 4, -1, "heap batch 2");
    take_check(b2, 200, false, 2, -1, "heap batch 3");
    take_check(b2, 200, false, 0, -1, "heap empty");

    /* flush takes retries that are not yet due */
    s[0].not_before_ms = 5000;
    s[1].not_before_ms = 4000;
    sg_batcher_requeue(b2, &s[0]);
    sg_batcher_requeue(b2, &s[1]);
    CHECK(sg_batcher_take(b2, 0, false, &out, &bytes, &next) == 0 && next == 4000, "not due");
    n = sg_batcher_take(b2, 0, true, &out, &bytes, &next);
    CHECK(n == 2 && out->index == 1 && out->next->index == 0 && next == INT64_MAX,
          "flush takes not-yet-due retries in time order");

    sg_batcher_release(b, N + 3, N * 10 + 30);
    take_check(b, 0, true, N - 31, -1, "flush the remaining retries");
    sg_batcher_release(b2, 10, 100);
    sg_batcher_free(b);
    sg_batcher_free(b2);
    free(r);
    free(fresh);
    free(s);
}

static void test_flush(void)
{
    struct sg_batcher_limits l = limits(1000, 500, 5 * MIB, 10000, 100 * MIB);
    struct sg_batcher *b = sg_batcher_new(&l);
    struct sg_record *r = make_records(700, 10, 0);
    bool wake;
    struct sg_record *out;
    size_t bytes;
    int64_t next;
    r[1].next = NULL;
    CHECK(sg_batcher_submit(b, r, 2, 20, 0, &wake) == 0, "2");
    CHECK(sg_batcher_take(b, 0, false, &out, &bytes, &next) == 0, "lingering");
    take_check(b, 0, true, 2, 0, "flush takes what lingers");
    CHECK(sg_batcher_take(b, 0, true, &out, &bytes, &next) == 0 && next == INT64_MAX,
          "flush of an empty queue");
    /* flush still cuts at the batch limits */
    CHECK(sg_batcher_submit(b, &r[2], 698, 6980, 0, &wake) == 0, "698");
    take_check(b, 0, true, 500, 2, "flush 500");
    take_check(b, 0, true, 198, 502, "flush 198");
    sg_batcher_release(b, 700, 7000);
    sg_batcher_free(b);
    free(r);
    sg_batcher_free(NULL);
}

int main(void)
{
    test_record_boundary();
    test_byte_boundary();
    test_linger();
    test_admission();
    test_wake();
    test_watch();
    test_retry_heap();
    test_flush();
    return sg_check_result("test_batcher");
}
