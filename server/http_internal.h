/*
 * http_internal: the per-request state shared by the HTTP modules
 * (http_server.c routes and frees it, http_ingest.c and http_ops.c handle it).
 *
 * Ownership: allocated on a connection's first access-handler call, freed in
 * MHD's request-completed callback. While an ingest request waits for
 * Kinesis its connection is suspended and the pipeline borrows its records
 * (record.h); the ticket's countdown guarantees the pipeline is done with
 * them before MHD can complete the request.
 */
#ifndef SG_HTTP_INTERNAL_H
#define SG_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "answer.h"
#include "buf.h"
#include "conn_guard.h"
#include "gateway.h"
#include "http_head.h"
#include "http_respond.h"
#include "ingest_parse.h"
#include "rand.h"
#include "record.h"

enum sg_req_state {
    SG_REQ_RECEIVING = 0,         /* reading the body */
    SG_REQ_DISCARDING,            /* body over the limit: read and drop, then 413 */
    SG_REQ_DISCARDING_NO_MEMORY,  /* no memory for the body: read and drop, then 503 */
    SG_REQ_DISCARDING_BAD_CODING, /* not the stated gzip/deflate: read and drop, then 415 */
    SG_REQ_WAITING,               /* suspended until the ticket completes */
    SG_REQ_RESPONDED,
};

/* An answer decided on the first call for a request with a body of at most
 * this many declared bytes waits for the body to be read and dropped, so the
 * connection is kept (libmicrohttpd closes a connection whose answer was
 * queued before its body was read). Larger bodies are not worth reading: the
 * answer goes at once and the connection is closed. */
#define SG_HTTP_SKIP_BODY_MAX (64 * 1024)

/* The longest X-Amzn-Trace-Id the access log keeps (the ALB's is about 40
 * bytes, with Self= and custom fields well under this). */
#define SG_HTTP_TRACE_ID_MAX 256

struct sg_http_request {
    struct sg_gateway *gw;
    struct MHD_Connection *conn;
    enum sg_route_id route;
    enum sg_req_state state;
    size_t stream_idx;
    const struct sg_stream_config *stream;
    char request_id[SG_UUID_LEN + 1];
    struct sg_respond_ctx respond; /* request id, CORS and close headers */
    struct sg_policy *policy;      /* reference held for the request's life */
    const char *api_key_id;        /* borrowed from policy->apikeys, or NULL */
    char method[8];
    char path[160];
    int64_t start_ms;
    unsigned status;            /* the status answered, for the access log */
    char error[96];             /* short reason for the access log, no payload */
    struct sg_buf body;         /* decompressed when the body is encoded */
    size_t body_bytes;          /* received (as sent, compressed or not), for the access log */
    enum sg_coding coding;      /* the body's Content-Encoding */
    struct sg_inflate *inflate; /* its decoder, owned; NULL for identity */
    enum sg_inflate_result coding_error; /* why a body is SG_REQ_DISCARDING_BAD_CODING */
    struct sg_ingest ingest;
    struct sg_record *records; /* n_valid of them, borrowed by the pipeline */
    struct sg_result *results; /* one per input record */
    /* A request of one record (every /record, many /records) uses these
     * instead of two allocations: records and results then point here. */
    struct sg_record one_record;
    struct sg_result one_result;
    struct sg_ticket ticket;
    bool started;      /* the access handler has run for this request */
    bool answered_raw; /* answered by sg_http_gate_answer_raw: close */
    struct sg_http_request *gate_next, **gate_pprev; /* on one of http_gate.c's lists */
    struct sg_http_conn *guard; /* the connection's record (http_conns.c), borrowed; may be NULL */
    char client_ip[SG_IP_TEXT_MAX]; /* from X-Forwarded-For via a trusted proxy; "" = the peer */
    char trace_id[SG_HTTP_TRACE_ID_MAX + 1]; /* X-Amzn-Trace-Id via a trusted proxy */
    bool in_first_call;                      /* answers now may be deferred (see defer_ok) */
    bool defer_ok;                           /* the body may be read and dropped before answering */
    struct MHD_Response *pending;            /* a deferred answer, owned; queued on the last call */
    unsigned pending_status;
    const char *target_raw; /* libmicrohttpd's request target, borrowed: only its
                             * address is used, on the first handler call */
    char *target_sent;      /* the whole target as received, in target[] */
    size_t target_visible;  /* its length (up to a NUL it may hold) */
    char target[];          /* the path as sent (no query, not decoded): routing;
                             * then target_sent */
};

/* The answers themselves (sg_http_fail, sg_http_reply, ...): http_reply.h. */

/* The head gate (http_gate.c), on the first call: checks the head into
 * *h (caller's; its message stays valid with it) and fills *info. */
enum sg_head_verdict sg_http_gate_check(struct sg_http_request *req, struct sg_http_head *h,
                                        const char *method, const char *version,
                                        struct sg_head_info *info);

/* True when libmicrohttpd queued an answer of its own; its status (0 if none). */
bool sg_http_gate_mhd_answered(struct MHD_Connection *conn);
unsigned sg_http_gate_mhd_status(struct MHD_Connection *conn);

/* Writes {"message": message} as a whole HTTP answer straight to the
 * socket and ends the sending side; sets answered_raw. The connection must
 * then be closed (the handler returns MHD_NO). */
void sg_http_gate_answer_raw(struct sg_http_request *req, unsigned status, const char *message);

/* The requests of the calling MHD thread whose access handler has not run
 * yet (on_uri tracks, first call and on_completed untrack; idempotent). */
void sg_http_gate_track(struct sg_http_request *req);
void sg_http_gate_untrack(struct sg_http_request *req);

/* Moves the request to the calling thread's list of chunked bodies being
 * read (first call); untracked on the last call or on_completed. */
void sg_http_gate_track_chunked(struct sg_http_request *req);

/* MHD_OPTION_EXTERNAL_LOGGER: forwards libmicrohttpd's messages to the
 * debug log, and answers in the gateway's shape the errors libmicrohttpd
 * 0.9.75 would garble or answer in HTML (bad Content-Length, bad chunked
 * framing; see http_gate.c). */
void sg_http_gate_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Takes what the answers need from the head: the client's request id
 * (when a UUID) and the CORS headers. */
void sg_http_request_headers_in(struct sg_http_request *req);

/* Ingest routes: first call (headers only), then every later call. */
enum MHD_Result sg_http_ingest_begin(struct sg_http_request *req);
enum MHD_Result sg_http_ingest_continue(struct sg_http_request *req, const char *data,
                                        size_t *data_size);
void sg_http_ingest_free(struct sg_http_request *req);

/* Operations routes (/healthz, /readyz, /metrics). Returns MHD_YES after
 * queueing a response, or MHD_NO to drop the connection. */
enum MHD_Result sg_http_ops_handle(struct sg_http_request *req, const char *path);
bool sg_http_ops_is_path(const char *path);

/* ---- connections and the slow-client guard (http_conns.c) ------------- */

struct sg_http_conns; /* the open connections of one listener */
struct sg_http_conn;  /* one connection's record */
struct sg_http_guard; /* the housekeeping thread */

/* A listener's set, with the limits of gw->cfg (borrowed). NULL when out
 * of memory. */
struct sg_http_conns *sg_http_conns_new(struct sg_gateway *gw);
void sg_http_conns_free(struct sg_http_conns *s); /* NULL-safe; after the daemon stopped */

/* MHD_OPTION_NOTIFY_CONNECTION (cls: the listener's set). */
void sg_http_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);

/* The record of `conn` (NULL when untracked). On the connection's thread. */
struct sg_http_conn *sg_http_conn_of(struct MHD_Connection *conn);

/* Moves the connection to `phase`, starting now (NULL-safe; on the
 * connection's thread). */
void sg_http_conn_set_phase(struct sg_http_conn *c, enum sg_conn_phase phase);
enum sg_conn_phase sg_http_conn_phase(const struct sg_http_conn *c);

/* Counts body bytes received in the body phase (NULL-safe). */
void sg_http_conn_add_body(struct sg_http_conn *c, size_t n);

/* Why the guard closed the connection, or SG_CONN_OPEN (NULL-safe). */
enum sg_conn_close_reason sg_http_conn_reason(struct sg_http_conn *c);

/* Starts the housekeeping thread over up to two sets (NULL entries are
 * skipped; borrowed, must outlive the guard). NULL on failure. */
struct sg_http_guard *sg_http_guard_start(struct sg_http_conns *const *sets, size_t n);

/* Stops and joins the thread (NULL-safe). Before the daemons stop. */
void sg_http_guard_stop(struct sg_http_guard *g);

#endif
