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
#include <stdatomic.h>
#include <stdbool.h>

#include "buf.h"
#include "gateway.h"
#include "http_respond.h"
#include "ingest_parse.h"
#include "rand.h"
#include "record.h"

enum sg_req_state {
    SG_REQ_RECEIVING = 0, /* reading the body */
    SG_REQ_DISCARDING,    /* body over the limit: read and drop, then 413 */
    SG_REQ_WAITING,       /* suspended until the ticket completes */
    SG_REQ_RESPONDED,
};

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
    unsigned status;    /* the status answered, for the access log */
    char error[96];     /* short reason for the access log, no payload */
    struct sg_buf body;
    size_t body_bytes;  /* received, for the access log */
    struct sg_ingest ingest;
    struct sg_record *records; /* n_valid of them, borrowed by the pipeline */
    struct sg_result *results; /* one per input record */
    struct sg_ticket ticket;
};

/* Answers an error and records it for the access log. */
enum MHD_Result sg_http_fail(struct sg_http_request *req, unsigned status, const char *message);

/* Answers 405 with an Allow header. */
enum MHD_Result sg_http_method_not_allowed(struct sg_http_request *req, const char *allow);

/* Answers a JSON body and records the status. */
enum MHD_Result sg_http_reply(struct sg_http_request *req, unsigned status, const char *body,
                              size_t len);

/* Ingest routes: first call (headers only), then every later call. */
enum MHD_Result sg_http_ingest_begin(struct sg_http_request *req);
enum MHD_Result sg_http_ingest_continue(struct sg_http_request *req, const char *data,
                                        size_t *data_size);
void sg_http_ingest_free(struct sg_http_request *req);

/* Operations routes (/healthz, /readyz, /metrics). Returns MHD_YES after
 * queueing a response, or MHD_NO to drop the connection. */
enum MHD_Result sg_http_ops_handle(struct sg_http_request *req, const char *path);
bool sg_http_ops_is_path(const char *path);

#endif
