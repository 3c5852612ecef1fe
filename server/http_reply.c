/*
 * http_reply: the one way a request is answered (see http_reply.h).
 */
#include "http_reply.h"

#include <stdio.h>
#include <string.h>

#include "cors.h"
#include "http_respond.h"
#include "rand.h"

/* Copies CORS headers (borrowed from the request's policy) into the reply. */
static void add_cors(struct sg_http_request *req, enum sg_cors_kind kind)
{
    if (!sg_cors_enabled(req->policy->cors))
        return; /* the common case: no header lookup per request */
    const char *origin = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Origin");
    struct sg_cors_headers h;
    sg_cors_headers(req->policy->cors, kind, origin, &h);
    struct sg_respond_ctx *rc = &req->respond;
    rc->n_extra = 0;
    for (size_t i = 0; i < h.n && rc->n_extra < SG_RESPOND_MAX_EXTRA; i++)
        rc->extra[rc->n_extra++] = (struct sg_respond_header){h.h[i].name, h.h[i].value};
}

void sg_http_request_headers_in(struct sg_http_request *req)
{
    const char *id = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "x-amzn-RequestId");
    if (id && sg_is_uuid(id, strlen(id)))
        memcpy(req->request_id, id, SG_UUID_LEN + 1);
    add_cors(req, SG_CORS_RESPONSE);
}

static void note_status(struct sg_http_request *req, unsigned status, const char *why)
{
    /* While draining, tell keep-alive clients to reconnect (to other tasks). */
    req->respond.close |= atomic_load(&req->gw->draining);
    req->status = status;
    req->state = SG_REQ_RESPONDED;
    if (why)
        snprintf(req->error, sizeof req->error, "%.95s", why);
    sg_gateway_count_response(req->gw, req->route, status);
}

enum MHD_Result sg_http_deliver(struct sg_http_request *req, unsigned status,
                                struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    if (req->in_first_call && req->defer_ok && !req->pending) {
        /* libmicrohttpd would close the connection for an answer queued
         * before the body is read: read (and drop) it first. */
        req->pending = r;
        req->pending_status = status;
        return MHD_YES;
    }
    enum MHD_Result ret = MHD_queue_response(req->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result sg_http_fail(struct sg_http_request *req, enum sg_answer answer,
                             const char *message)
{
    const struct sg_answer_kind *k = sg_answer_kind(answer);
    unsigned status = k->status;
    if (!message)
        message = k->stem;
    note_status(req, status, message);
    return sg_http_deliver(req, status, sg_respond_error_new(status, &req->respond, message));
}

enum MHD_Result sg_http_method_not_allowed(struct sg_http_request *req, const char *allow)
{
    if (req->respond.n_extra < SG_RESPOND_MAX_EXTRA)
        req->respond.extra[req->respond.n_extra++] =
            (struct sg_respond_header){MHD_HTTP_HEADER_ALLOW, allow};
    return sg_http_fail(req, SG_ANSWER_METHOD_NOT_ALLOWED, NULL);
}

enum MHD_Result sg_http_reply(struct sg_http_request *req, unsigned status, const char *body,
                              size_t len)
{
    note_status(req, status, NULL);
    return sg_http_deliver(req, status, sg_respond_json_new(status, &req->respond, body, len));
}

enum MHD_Result sg_http_reply_text(struct sg_http_request *req, unsigned status,
                                   const char *content_type, const char *body, size_t len)
{
    note_status(req, status, NULL);
    return sg_http_deliver(req, status,
                           sg_respond_text_new(status, &req->respond, content_type, body, len));
}

enum MHD_Result sg_http_reply_preflight(struct sg_http_request *req)
{
    add_cors(req, SG_CORS_PREFLIGHT);
    note_status(req, 200, NULL);
    return sg_http_deliver(req, 200, sg_respond_empty_new(200, &req->respond));
}
