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
 * It also owns the one answer written past libmicrohttpd: libmicrohttpd
 * 0.9.75 queues its own HTML error for an unparsable Content-Length, then
 * still calls the access handler and would send both answers' headers (a
 * garbled reply). Its answer cannot be replaced (MHD_queue_response refuses
 * a second one) and nothing of it has been sent yet, so the gate writes the
 * gateway's own JSON answer to the socket and the handler closes the
 * connection (MHD_NO), which drops libmicrohttpd's.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "http_head.h"
#include "http_internal.h"

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
    w->prev = (struct sg_http_field){key, key_size, value ? value : "", value ? value_size : 0,
                                     NULL, 0, false, false};
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
    return (size_t)(v - 1 - t);
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
    size_t n = sg_respond_error_raw(out, sizeof out, status, &req->respond, message);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    /* A fresh connection's send buffer is empty: a 1-2 KiB answer fits
     * without blocking. A short write is left as is: the connection closes. */
    if (n && ci)
        (void)!send(ci->connect_fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}
