/*
 * http_reply: how a handler answers a request. Below the handlers
 * (http_ingest.c, http_ops.c, the head gate) and the router
 * (http_server.c), which all call down into it; it calls only down, into
 * http_respond.c (the response's bytes and headers) and libmicrohttpd.
 *
 * Every answer goes through here, so each one alike: records its status
 * (and why, for the access log), counts it by route and answer (/metrics),
 * carries the request id, the CORS headers and, while the gateway drains,
 * Connection: close; an answer decided before a small body is read waits
 * for the body (sg_http_deliver).
 *
 * HTTP threads only; a request is touched by one thread at a time.
 */
#ifndef SG_HTTP_REPLY_H
#define SG_HTTP_REPLY_H

#include <stddef.h>

#include "http_internal.h"

/* Reads what the answers of a request carry from its head: the client's
 * x-amzn-RequestId when it is a UUID, and the CORS response headers. Once,
 * when the head has passed the gate. */
void sg_http_request_headers_in(struct sg_http_request *req);

/* Queues `r` (owned, consumed; NULL: out of memory) with `status`, or keeps
 * it for the last call when the request's body can be read and dropped
 * first (keeps the connection). The status must already be recorded (the
 * functions below do it). Returns MHD_YES/MHD_NO for the access handler. */
enum MHD_Result sg_http_deliver(struct sg_http_request *req, unsigned status,
                                struct MHD_Response *r);

/* Answers an error: `answer`'s status and type, with `message` (NULL: the
 * answer's own stem), and records it for the access log. */
enum MHD_Result sg_http_fail(struct sg_http_request *req, enum sg_answer answer,
                             const char *message);

/* Answers 405 with an Allow header. */
enum MHD_Result sg_http_method_not_allowed(struct sg_http_request *req, const char *allow);

/* Answers a JSON body (copied). */
enum MHD_Result sg_http_reply(struct sg_http_request *req, unsigned status, const char *body,
                              size_t len);

/* Answers a body of another type (copied), e.g. /metrics' text. */
enum MHD_Result sg_http_reply_text(struct sg_http_request *req, unsigned status,
                                   const char *content_type, const char *body, size_t len);

/* Answers a CORS preflight: 200, no body, the preflight headers. */
enum MHD_Result sg_http_reply_preflight(struct sg_http_request *req);

#endif
