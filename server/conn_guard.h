/*
 * conn_guard: when the gateway closes a connection that holds a slot
 * without making progress (slow heads, slow bodies, the connection limit).
 * Pure: the caller (http_conns.c) passes each connection's phase, when the
 * phase began, the body bytes so far and `now`; nothing here reads a clock
 * or a socket.
 *
 * The rules (README, Limits > Slow clients):
 *   - a request head (from the accept for a connection's first request,
 *     from the request line for later ones) must be whole within
 *     header_timeout_ms;
 *   - a kept-alive connection may stay idle between requests for
 *     idle_timeout_ms in total: the next request line must be in by then
 *     (libmicrohttpd's own timeout counts idle time only and restarts on
 *     every byte, so a request line sent one byte at a time never ends it);
 *   - a body, once body_grace_ms have passed since its head was read, must
 *     have arrived at body_min_rate bytes per second on average since then;
 *   - at the connection limit, connections in their head or idle between
 *     requests are closed first, oldest first, then bodies already below
 *     the minimum rate; never a request waiting for Kinesis or being
 *     answered.
 */
#ifndef SG_CONN_GUARD_H
#define SG_CONN_GUARD_H

#include <stddef.h>
#include <stdint.h>

/* Where a connection is in its current request. */
enum sg_conn_phase {
    SG_CONN_HEAD = 0, /* reading a request head (or waiting for the first one) */
    SG_CONN_BODY,     /* reading a request body */
    SG_CONN_BUSY,     /* waiting for Kinesis or sending the answer: never closed here */
    SG_CONN_IDLE,     /* kept alive between requests */
};

/* Why a connection was closed, for /metrics. The first ones are the
 * gateway's own decisions; SG_CONN_CLOSED_OTHER is everything else (the
 * client left, an answer with Connection: close, a read error). */
enum sg_conn_close_reason {
    SG_CONN_OPEN = 0,       /* not closed (no reason yet) */
    SG_CONN_HEADER_TIMEOUT, /* head not whole within header_timeout */
    SG_CONN_BODY_TOO_SLOW,  /* body below the minimum rate after the grace */
    SG_CONN_IDLE_TIMEOUT,   /* idle between requests for idle_timeout */
    SG_CONN_SHED_HEAD,      /* at the connection limit, in its head */
    SG_CONN_SHED_IDLE,      /* at the connection limit, idle between requests */
    SG_CONN_SHED_BODY,      /* at the connection limit, a body below the rate */
    SG_CONN_CLOSED_OTHER,
    SG_CONN_REASON_COUNT
};

/* A body is judged for shedding after this long at the earliest. */
#define SG_CONN_SHED_BODY_MIN_MS 1000

struct sg_conn_limits {
    int64_t header_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t body_grace_ms;
    uint64_t body_min_rate; /* bytes per second; 0: no rate rule */
};

/* One connection as the guard sees it (a snapshot: the fields may be a
 * little stale, which at worst closes a connection at its deadline). */
struct sg_conn_view {
    enum sg_conn_phase phase;
    int64_t since_ms;    /* when the phase began */
    uint64_t body_bytes; /* body bytes received in the phase (SG_CONN_BODY) */
};

/* The metric label of a reason ("header_timeout", ...). */
const char *sg_conn_reason_name(enum sg_conn_close_reason r);

/* Whether the connection must be closed now for its own sake: the reason,
 * or SG_CONN_OPEN. */
enum sg_conn_close_reason sg_conn_guard_check(const struct sg_conn_view *v, int64_t now_ms,
                                              const struct sg_conn_limits *lim);

/* Whether the connection may be shed at the connection limit, and why:
 * SG_CONN_SHED_HEAD / _IDLE / _BODY, or SG_CONN_OPEN when it must be kept. */
enum sg_conn_close_reason sg_conn_guard_sheddable(const struct sg_conn_view *v, int64_t now_ms,
                                                  const struct sg_conn_limits *lim);

/* How many connections to shed with `open` of them and a limit of `max`:
 * above max - max/16, down to max - max/8 (so a burst of new clients finds
 * free slots until the next pass); 0 below. */
size_t sg_conn_guard_excess(size_t open, size_t max);

/* A sheddable connection in shedding order. */
struct sg_conn_rank {
    size_t index; /* into the views passed to sg_conn_guard_order */
    enum sg_conn_close_reason reason;
    int64_t since_ms;
};

/* Fills out[] (room for n, caller's) with the sheddable connections of
 * views[0..n), those to shed first first: heads and idle ones before
 * bodies, oldest first within each. Returns how many (<= n). */
size_t sg_conn_guard_order(const struct sg_conn_view *views, size_t n, int64_t now_ms,
                           const struct sg_conn_limits *lim, struct sg_conn_rank *out);

#endif
