/*
 * http_conns: every open connection of a listener, and the housekeeping
 * thread that closes those the slow-client rules or the connection limit
 * condemn (conn_guard.h).
 *
 * DESIGN. libmicrohttpd 0.9.75 has no call to close a connection from
 * another thread, and its own timeout counts idle time only (it restarts on
 * every byte), so a head or body sent one byte at a time is never ended by
 * it. What it does have: MHD_OPTION_NOTIFY_CONNECTION, called on the
 * connection's thread when a connection starts and when it is cleaned up,
 * before its socket is closed; and it closes a connection whose socket
 * reads EOF or fails. So each connection gets a record here (its socket,
 * its phase and when the phase began, its body bytes), registered at
 * STARTED and removed at CLOSED under the set's mutex; a thread wakes every
 * SG_HTTP_CONNS_TICK_MS, and for each connection condemned calls
 * shutdown(SHUT_RDWR) on its socket under the same mutex: the socket is
 * then still open and still this connection's (CLOSED, which removes the
 * record, runs before libmicrohttpd closes the socket), and the shutdown
 * wakes the connection's own thread (EOF), which closes it the ordinary
 * way (request-completed callback, access log, CLOSED). No answer is sent:
 * the connection's thread may be writing to the socket at any moment, so
 * this thread never does (nginx closes a timed-out head without an answer
 * too); the access log has 408 or 503 and the reason.
 *
 * Rejected alternatives: MHD_set_connection_option(TIMEOUT) from this
 * thread races with the connection being freed (there is no reference to
 * hold) and still counts idle time only; returning MHD_NO from a callback
 * only works when data arrives and never during the head (no callback
 * runs between the request line and the head's end); running the daemon
 * with an external event loop would mean rewriting the server.
 *
 * Threads: the phase fields are written by the connection's MHD thread and
 * read by the housekeeping thread (atomics, relaxed: a stale value at worst
 * closes a connection at its deadline); the list and the counts are under
 * `mu`, a leaf lock (nothing is called while holding it but shutdown(2)),
 * and so is the writing of a connection's close reason (read lock-free).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "http_internal.h"
#include "log.h"
#include "mhd_compat.h" /* item 5 */

#define SG_HTTP_CONNS_TICK_MS 50

struct sg_http_conn {
    struct sg_http_conn *prev, *next; /* in the set's list, under mu */
    struct sg_http_conns *set;
    int fd;
    atomic_int reason; /* enum sg_conn_close_reason: written once under mu, before the
                        * shutdown; read without it */
    atomic_int phase;
    atomic_int_fast64_t since_ms;
    atomic_uint_fast64_t body_bytes;
};

struct sg_http_conns {
    struct sg_gateway *gw;
    pthread_mutex_t mu;
    struct sg_http_conn *head;
    size_t open, closing; /* closing: condemned, not yet cleaned up */
    size_t max;
    struct sg_conn_limits lim;
    /* One pass's scratch, room for `cap` connections (the pass runs on
     * the one housekeeping thread). */
    size_t cap;
    struct sg_conn_view *views;
    struct sg_http_conn **conns;
    struct sg_conn_rank *ranks;
};

struct sg_http_conns *sg_http_conns_new(struct sg_gateway *gw)
{
    const struct sg_config *cfg = gw->cfg;
    struct sg_http_conns *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->gw = gw;
    s->max = cfg->max_connections;
    s->lim = (struct sg_conn_limits){(int64_t)cfg->header_timeout_s * 1000,
                                     (int64_t)cfg->idle_timeout_s * 1000,
                                     (int64_t)cfg->body_grace_s * 1000, cfg->body_min_rate};
    /* libmicrohttpd never holds more than max connections; the margin
     * covers a connection cleaned up while another is already counted. */
    s->cap = s->max + 64;
    s->views = calloc(s->cap, sizeof *s->views);
    s->conns = calloc(s->cap, sizeof *s->conns);
    s->ranks = calloc(s->cap, sizeof *s->ranks);
    if (!s->views || !s->conns || !s->ranks) {
        sg_http_conns_free(s);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

void sg_http_conns_free(struct sg_http_conns *s)
{
    if (!s)
        return;
    if (s->views && s->conns && s->ranks)
        pthread_mutex_destroy(&s->mu);
    free(s->views);
    free(s->conns);
    free(s->ranks);
    free(s);
}

void sg_http_conn_set_phase(struct sg_http_conn *c, enum sg_conn_phase phase)
{
    if (!c)
        return;
    atomic_store_explicit(&c->since_ms, sg_clock_ms(), memory_order_relaxed);
    atomic_store_explicit(&c->body_bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&c->phase, (int)phase, memory_order_relaxed);
}

enum sg_conn_phase sg_http_conn_phase(const struct sg_http_conn *c)
{
    return c ? (enum sg_conn_phase)atomic_load_explicit(&c->phase, memory_order_relaxed)
             : SG_CONN_BUSY;
}

void sg_http_conn_add_body(struct sg_http_conn *c, size_t n)
{
    if (c)
        atomic_fetch_add_explicit(&c->body_bytes, n, memory_order_relaxed);
}

enum sg_conn_close_reason sg_http_conn_reason(struct sg_http_conn *c)
{
    /* No lock: once per request, and the guard's pass may hold it a while. */
    return c ? (enum sg_conn_close_reason)atomic_load(&c->reason) : SG_CONN_OPEN;
}

struct sg_http_conn *sg_http_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void opened(struct sg_http_conns *s, struct MHD_Connection *conn, void **ctx)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct sg_http_conn *c = calloc(1, sizeof *c);
    *ctx = c;
    if (!c || !ci) {
        /* Untracked: the rules do not apply to it, libmicrohttpd's idle
         * timeout still does. */
        free(c);
        *ctx = NULL;
        sg_log(SG_LOG_WARN, "a connection is not guarded against slow clients (out of memory)");
        return;
    }
    c->set = s;
    c->fd = ci->connect_fd;
    sg_http_conn_set_phase(c, SG_CONN_HEAD); /* the first head counts from the accept */
    pthread_mutex_lock(&s->mu);
    c->next = s->head;
    if (s->head)
        s->head->prev = c;
    s->head = c;
    s->open++;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add_explicit(&s->gw->connections_open, 1, memory_order_relaxed);
}

static void closed(struct sg_http_conns *s, struct sg_http_conn *c)
{
    int64_t now = sg_clock_ms();
    pthread_mutex_lock(&s->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->open--;
    enum sg_conn_close_reason r = (enum sg_conn_close_reason)atomic_load(&c->reason);
    if (r != SG_CONN_OPEN)
        s->closing--;
    pthread_mutex_unlock(&s->mu);
    if (r == SG_CONN_OPEN) {
        /* libmicrohttpd's own idle timeout (one tick after ours) */
        bool idle = sg_http_conn_phase(c) == SG_CONN_IDLE &&
                    now - atomic_load(&c->since_ms) >= s->lim.idle_timeout_ms;
        r = idle ? SG_CONN_IDLE_TIMEOUT : SG_CONN_CLOSED_OTHER;
    }
    atomic_fetch_add_explicit(&s->gw->connections_closed[r], 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&s->gw->connections_open, 1, memory_order_relaxed);
    free(c);
}

void sg_http_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct sg_http_conns *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        opened(s, conn, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        closed(s, *socket_context);
        *socket_context = NULL;
    }
}

/* Under mu. */
static void condemn(struct sg_http_conns *s, struct sg_http_conn *c, enum sg_conn_close_reason r)
{
    if (atomic_load(&c->reason) != SG_CONN_OPEN)
        return;
    atomic_store(&c->reason, (int)r);
    s->closing++;
    shutdown(c->fd, SHUT_RDWR);
}

/* One pass over a set: the connections' own deadlines, then shedding. */
static void pass(struct sg_http_conns *s, int64_t now)
{
    pthread_mutex_lock(&s->mu);
    size_t n = 0;
    for (struct sg_http_conn *c = s->head; c && n < s->cap; c = c->next) {
        if (atomic_load(&c->reason) != SG_CONN_OPEN)
            continue;
        s->conns[n] = c;
        s->views[n] = (struct sg_conn_view){
            (enum sg_conn_phase)atomic_load_explicit(&c->phase, memory_order_relaxed),
            atomic_load_explicit(&c->since_ms, memory_order_relaxed),
            atomic_load_explicit(&c->body_bytes, memory_order_relaxed)};
        enum sg_conn_close_reason r = sg_conn_guard_check(&s->views[n], now, &s->lim);
        if (r != SG_CONN_OPEN)
            condemn(s, c, r);
        else
            n++;
    }
    size_t excess = sg_conn_guard_excess(s->open - s->closing, s->max);
    if (excess) {
        size_t k = sg_conn_guard_order(s->views, n, now, &s->lim, s->ranks);
        for (size_t i = 0; i < k && i < excess; i++)
            condemn(s, s->conns[s->ranks[i].index], s->ranks[i].reason);
    }
    pthread_mutex_unlock(&s->mu);
}

struct sg_http_guard {
    pthread_t thread;
    atomic_bool stop;
    struct sg_http_conns *sets[2];
    size_t n_sets;
};

static void *guard_main(void *arg)
{
    struct sg_http_guard *g = arg;
    const struct timespec tick = {0, SG_HTTP_CONNS_TICK_MS * 1000000L};
    while (!atomic_load(&g->stop)) {
        nanosleep(&tick, NULL);
        int64_t now = sg_clock_ms();
        for (size_t i = 0; i < g->n_sets; i++)
            pass(g->sets[i], now);
    }
    return NULL;
}

struct sg_http_guard *sg_http_guard_start(struct sg_http_conns *const *sets, size_t n)
{
    struct sg_http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    for (size_t i = 0; i < n && g->n_sets < 2; i++)
        if (sets[i])
            g->sets[g->n_sets++] = sets[i];
    if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
        free(g);
        return NULL;
    }
    return g;
}

void sg_http_guard_stop(struct sg_http_guard *g)
{
    if (!g)
        return;
    atomic_store(&g->stop, true);
    pthread_join(g->thread, NULL);
    free(g);
}
