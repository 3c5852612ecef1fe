/*
 * http_gate: the request-head gate between libmicrohttpd and the routes.
 *
 * On a request's first access-handler call it walks the header fields
 * libmicrohttpd parsed (MHD_HEADER_KIND, in the order received) into the
 * pure checker of http_head.h, with the layout facts only this glue can see:
 * the head's size as received, and what lies between each value and the
 * next line in libmicrohttpd's read buffer (a value cut at a NUL byte leaves
 * bytes there). Everything here runs on the connection's MHD thread.
 *
 * It also owns the one answer written past libmicrohttpd. For a
 * Content-Length it cannot parse (abc, -1, +2, "2, 2", 2^64), libmicrohttpd
 * 0.9.75 queues its own HTML error before any access-handler call, then
 * builds that answer's header lines twice (a garbled reply). There is no
 * hook for it but its error log, which it writes, on the connection's own
 * thread, just before queueing the error. There the gate finds the request
 * (the one request of this thread whose head is complete but whose handler
 * has not run: libmicrohttpd goes from the head's end to the first call
 * without returning to its event loop), writes the gateway's JSON answer to
 * the socket and shuts its sending side: libmicrohttpd's own answer then
 * fails to send (EPIPE) and it closes the connection. The same hook answers
 * bad chunked framing and a head larger than libmicrohttpd's memory (both
 * HTML otherwise) when the thread reads only the one request that can be at
 * fault: the log line does not name the connection, so with several
 * candidates libmicrohttpd's own (whole) answer goes out.
 *
 * What this relies on in libmicrohttpd 0.9.75 is listed in mhd_compat.h.
 *
 * Threads: libmicrohttpd runs every callback of a connection on the worker
 * thread that owns it (close_all_connections at shutdown included), so the
 * lists of requests not yet started and of chunked bodies being read are
 * per thread, without a lock.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "http_head.h"
#include "http_internal.h"
#include "http_reply.h"
#include "log.h"
#include "mhd_compat.h"

/* How many not-yet-started requests the log hook looks through: under a
 * slowloris crowd the one it wants may lie deeper; then libmicrohttpd's own
 * (garbled) answer goes out, as without the hook. */
#define GATE_SCAN_MAX 1024

/* This thread's requests whose access handler has not run yet, and those
 * whose chunked body is being read (a request is on one list at most). */
static _Thread_local struct sg_http_request *unstarted;
static _Thread_local struct sg_http_request *chunked;

/* Collects fields one behind, so each field's tail can end at the next
 * field's name. */
struct walk {
    struct sg_http_head *head;
    uintptr_t lo, hi; /* the head in libmicrohttpd's buffer; lo == 0: unknown */
    struct sg_http_field prev;
    bool have_prev;
};

/* Sets the previous field's tail up to `next_line` (the next field's name,
 * or the head's end for the last field). */
static void set_tail(struct walk *w, uintptr_t next_line, bool last)
{
    struct sg_http_field *f = &w->prev;
    f->last = last;
    if (!w->lo)
        return;
    uintptr_t name = (uintptr_t)f->name, name_end = name + f->name_len;
    uintptr_t v = (uintptr_t)f->value, end = v + f->value_len;
    if (name < w->lo || name_end >= w->hi || v <= name_end || end > w->hi) {
        /* libmicrohttpd moved the field to join a folded line to it */
        f->folded = true;
        return;
    }
    if (next_line < end || next_line > w->hi)
        return; /* the next field was moved: its own check refuses it */
    f->tail = f->value + f->value_len;
    f->tail_len = (size_t)(next_line - end);
}

static enum MHD_Result walk_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct walk *w = cls;
    if (w->have_prev) {
        set_tail(w, (uintptr_t)key, false);
        sg_http_head_field(w->head, &w->prev);
    }
    w->prev = (struct sg_http_field){
        key, key_size, value ? value : "", value ? value_size : 0, NULL, 0, false, false};
    w->have_prev = true;
    return MHD_YES;
}

/* Fields lie in the head's bytes: libmicrohttpd keeps the head in place, as
 * 0.9.75 does (but for a field it joined a folded line to). When none does
 * (another version), no layout check is made rather than refusing every
 * request. */
struct span {
    uintptr_t lo, hi;
    bool inside;
};

static enum MHD_Result any_inside(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind, (void)key_size, (void)value, (void)value_size;
    struct span *sp = cls;
    uintptr_t k = (uintptr_t)key;
    sp->inside = k > sp->lo && k < sp->hi;
    return sp->inside ? MHD_NO : MHD_YES; /* one is enough */
}

static bool layout_known(struct MHD_Connection *conn, const char *method, size_t head_bytes)
{
    struct span sp = {(uintptr_t)method, (uintptr_t)method + head_bytes, false};
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, any_inside, &sp);
    return sp.inside;
}

/* The request target as sent: its length between method and version is
 * known from where libmicrohttpd put the version (the space before it is
 * now a NUL). Falls back to the visible length when the layout is odd. */
static size_t target_len(const struct sg_http_request *req, const char *version, size_t visible)
{
    uintptr_t t = (uintptr_t)req->target_raw, v = (uintptr_t)version;
    if (!req->target_raw || v <= t + visible)
        return visible;
    return (size_t)(v - SG_MHD_TARGET_VERSION_GAP - t);
}

enum sg_head_verdict sg_http_gate_check(struct sg_http_request *req, struct sg_http_head *h,
                                        const char *method, const char *version,
                                        struct sg_head_info *info)
{
    sg_http_head_init(h, strcmp(version, MHD_HTTP_VERSION_1_1) == 0,
                      req->gw->cfg->max_header_bytes);
    if (req->target_raw)
        sg_http_head_target(h, req->target_sent, req->target_visible,
                            target_len(req, version, req->target_visible));
    req->target_raw = NULL; /* libmicrohttpd reuses that memory from here on */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    size_t head_bytes = ci ? ci->header_size : 0;
    struct walk w = {h, 0, 0, {0}, false};
    if (head_bytes && layout_known(req->conn, method, head_bytes)) {
        w.lo = (uintptr_t)method;
        w.hi = w.lo + head_bytes;
    }
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, walk_field, &w);
    if (w.have_prev) {
        set_tail(&w, w.hi, true);
        sg_http_head_field(h, &w.prev);
    }
    return sg_http_head_finish(h, head_bytes, info);
}

bool sg_http_gate_mhd_answered(struct MHD_Connection *conn)
{
    return MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS) != NULL;
}

unsigned sg_http_gate_mhd_status(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    return ci ? ci->http_status : 0;
}

void sg_http_gate_answer_raw(struct sg_http_request *req, unsigned status, const char *message)
{
    char out[2048];
    req->respond.close = true;
    req->answered_raw = true;
    req->status = status;
    snprintf(req->error, sizeof req->error, "%.95s", message);
    size_t n = sg_respond_error_raw(out, sizeof out, status, &req->respond, message);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    /* Nothing has been sent on this request yet and the answer is 1-2 KiB:
     * it fits the socket's send buffer without blocking. A short write is
     * left as is; the connection closes either way. */
    if (n)
        (void)!send(ci->connect_fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(ci->connect_fd, SHUT_WR);
}

static void push(struct sg_http_request **head, struct sg_http_request *req)
{
    req->gate_next = *head;
    if (*head)
        (*head)->gate_pprev = &req->gate_next;
    req->gate_pprev = head;
    *head = req;
}

void sg_http_gate_track(struct sg_http_request *req)
{
    push(&unstarted, req);
}

void sg_http_gate_track_chunked(struct sg_http_request *req)
{
    sg_http_gate_untrack(req);
    push(&chunked, req);
}

void sg_http_gate_untrack(struct sg_http_request *req)
{
    if (!req->gate_pprev)
        return;
    *req->gate_pprev = req->gate_next;
    if (req->gate_next)
        req->gate_next->gate_pprev = req->gate_pprev;
    req->gate_next = NULL;
    req->gate_pprev = NULL;
}

/* The request libmicrohttpd is refusing from parse_connection_headers: its
 * head is complete (REQUEST_HEADER_SIZE is known from then on), no answer
 * is queued yet, and its handler has not run. */
static struct sg_http_request *refused_request(void)
{
    size_t scanned = 0;
    for (struct sg_http_request *r = unstarted; r && scanned < GATE_SCAN_MAX;
         r = r->gate_next, scanned++) {
        if (r->answered_raw || sg_http_gate_mhd_answered(r->conn))
            continue;
        if (MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE))
            return r;
    }
    return NULL;
}

/* Answers `req`, which libmicrohttpd is about to refuse with `status`, with
 * the gateway's own verdict on its head (the layout checks need the
 * request line's address, unknown here, and are skipped). */
static void answer_refused(struct sg_http_request *req, unsigned status)
{
    sg_http_request_headers_in(req);
    struct sg_http_head h;
    sg_http_head_init(&h, false, req->gw->cfg->max_header_bytes);
    struct walk w = {&h, 0, 0, {0}, false};
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, walk_field, &w);
    if (w.have_prev)
        sg_http_head_field(&h, &w.prev);
    enum sg_head_verdict v = sg_http_head_finish(&h, 0, NULL);
    if (v != SG_HEAD_OK)
        status = sg_http_head_status(v);
    const char *reason = MHD_get_reason_phrase_for(status);
    sg_http_gate_answer_raw(req, status,
                            v != SG_HEAD_OK     ? sg_http_head_message(&h)
                            : reason && *reason ? reason
                                                : "Bad Request");
}

/* The request whose chunked body libmicrohttpd is refusing: chunk errors
 * arise only while a chunked body is read, and on the connection's own
 * thread, so when this thread reads exactly one chunked body it is that
 * one. With several, none is picked (libmicrohttpd's own answer goes). */
static bool sole_in(struct sg_http_request *head, struct sg_http_request **found)
{
    size_t scanned = 0;
    for (struct sg_http_request *r = head; r; r = r->gate_next) {
        if (++scanned > GATE_SCAN_MAX)
            return false;
        if (r->answered_raw || sg_http_gate_mhd_answered(r->conn))
            continue;
        if (*found)
            return false;
        *found = r;
    }
    return true;
}

static struct sg_http_request *sole_chunked(void)
{
    struct sg_http_request *found = NULL;
    return sole_in(chunked, &found) ? found : NULL;
}

/* The request a 431 is for: libmicrohttpd raises it while reading a head
 * (after on_uri: the request is unstarted) or a chunked body's trailer
 * (chunked), so when this thread has one request on the two lists, it is
 * that one. (414, for a request line alone, comes before on_uri.) */
static struct sg_http_request *sole_tracked(void)
{
    struct sg_http_request *found = NULL;
    return sole_in(unstarted, &found) && sole_in(chunked, &found) ? found : NULL;
}

/* A chunk error libmicrohttpd reports: the gateway's message, or NULL when
 * (status, its HTML text) is no chunk error. */
static const char *chunk_error(unsigned *status, const char *html)
{
    if (*status == 400 && html && strstr(html, SG_MHD_HTML_BAD_CHUNK))
        return "Invalid chunked body: the chunk framing does not parse";
    if (*status == 413 && html && strstr(html, SG_MHD_HTML_CHUNK_SIZE))
        return "Invalid chunked body: a chunk size is too large";
    if (*status == 500) {
        /* Only raised while a body is read and the read buffer is full: a
         * chunk-size line (extensions) longer than the connection's memory. */
        *status = 400;
        return "Invalid chunked body: a chunk size line is longer than the connection's memory";
    }
    return NULL;
}

void sg_http_gate_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static const char refusing[] = SG_MHD_REFUSING_FMT;
    if (sg_log_enabled(SG_LOG_DEBUG)) {
        char msg[256];
        va_list cp;
        va_copy(cp, ap);
        vsnprintf(msg, sizeof msg, fmt, cp);
        va_end(cp);
        msg[strcspn(msg, "\n")] = '\0';
        sg_log(SG_LOG_DEBUG, "libmicrohttpd: %s", msg);
    }
    if (strncmp(fmt, refusing, sizeof refusing - 1) != 0)
        return;
    unsigned status;
    const char *html;
    sg_mhd_refusal_args(ap, &status, &html);
    struct sg_http_request *req = refused_request();
    if (req) {
        answer_refused(req, status);
        return;
    }
    const char *msg = chunk_error(&status, html);
    if (msg && (req = sole_chunked())) {
        sg_http_gate_answer_raw(req, status, msg);
    } else if (status == 431 && (req = sole_tracked())) {
        char m[96];
        snprintf(m, sizeof m, "Request header fields are over the %zu-byte limit",
                 req->gw->cfg->max_header_bytes);
        sg_http_request_headers_in(req);
        sg_http_gate_answer_raw(req, 431, m);
    }
    /* else libmicrohttpd's own answer goes: it is whole (README, Limits) */
}
