/*
 * conn_guard: slow-client and connection-limit rules (see conn_guard.h).
 */
#include "conn_guard.h"

#include <stdbool.h>
#include <stdlib.h>

static const char *const reason_names[SG_CONN_REASON_COUNT] = {
    "open",      "header_timeout", "body_too_slow", "idle_timeout",
    "shed_head", "shed_idle",      "shed_body",     "other"};

const char *sg_conn_reason_name(enum sg_conn_close_reason r)
{
    return (unsigned)r < SG_CONN_REASON_COUNT ? reason_names[r] : "other";
}

/* Below the minimum average rate since the body began (grace included:
 * the grace only delays the judgement, as Kestrel's does). */
static bool body_below_rate(const struct sg_conn_view *v, int64_t now_ms,
                            const struct sg_conn_limits *lim)
{
    if (!lim->body_min_rate)
        return false;
    int64_t elapsed = now_ms - v->since_ms;
    if (elapsed <= 0)
        return false;
    /* bytes / (elapsed / 1000) < rate, without division or overflow for
     * any body a limit admits (at most 2^28 bytes * 1000). */
    return v->body_bytes * 1000 < lim->body_min_rate * (uint64_t)elapsed;
}

enum sg_conn_close_reason sg_conn_guard_check(const struct sg_conn_view *v, int64_t now_ms,
                                              const struct sg_conn_limits *lim)
{
    int64_t elapsed = now_ms - v->since_ms;
    switch (v->phase) {
    case SG_CONN_HEAD:
        return elapsed >= lim->header_timeout_ms ? SG_CONN_HEADER_TIMEOUT : SG_CONN_OPEN;
    case SG_CONN_IDLE:
        return elapsed >= lim->idle_timeout_ms ? SG_CONN_IDLE_TIMEOUT : SG_CONN_OPEN;
    case SG_CONN_BODY:
        return elapsed >= lim->body_grace_ms && body_below_rate(v, now_ms, lim)
                   ? SG_CONN_BODY_TOO_SLOW
                   : SG_CONN_OPEN;
    case SG_CONN_BUSY:
        break;
    }
    return SG_CONN_OPEN;
}

enum sg_conn_close_reason sg_conn_guard_sheddable(const struct sg_conn_view *v, int64_t now_ms,
                                                  const struct sg_conn_limits *lim)
{
    switch (v->phase) {
    case SG_CONN_HEAD:
        return SG_CONN_SHED_HEAD;
    case SG_CONN_IDLE:
        return SG_CONN_SHED_IDLE;
    case SG_CONN_BODY:
        /* Still in its grace but already too slow over its first second at
         * least: the rule would close it later anyway. A body keeping up,
         * or too young to judge, is never shed. */
        return now_ms - v->since_ms >= SG_CONN_SHED_BODY_MIN_MS && body_below_rate(v, now_ms, lim)
                   ? SG_CONN_SHED_BODY
                   : SG_CONN_OPEN;
    case SG_CONN_BUSY:
        break;
    }
    return SG_CONN_OPEN;
}

size_t sg_conn_guard_excess(size_t open, size_t max)
{
    size_t high = max - max / 16, low = max - max / 8;
    return open > high ? open - low : 0;
}

static int by_rank(const void *a, const void *b)
{
    const struct sg_conn_rank *x = a, *y = b;
    /* heads and idle connections (SHED_HEAD, SHED_IDLE) before bodies */
    int cx = x->reason == SG_CONN_SHED_BODY, cy = y->reason == SG_CONN_SHED_BODY;
    if (cx != cy)
        return cx - cy;
    if (x->since_ms != y->since_ms)
        return x->since_ms < y->since_ms ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t sg_conn_guard_order(const struct sg_conn_view *views, size_t n, int64_t now_ms,
                           const struct sg_conn_limits *lim, struct sg_conn_rank *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        enum sg_conn_close_reason r = sg_conn_guard_sheddable(&views[i], now_ms, lim);
        if (r != SG_CONN_OPEN)
            out[k++] = (struct sg_conn_rank){i, r, views[i].since_ms};
    }
    qsort(out, k, sizeof *out, by_rank);
    return k;
}
