/*
 * http_respond: JSON responses in API Gateway's shape.
 *
 * Every response carries x-amzn-RequestId and Content-Type: application/json;
 * errors are {"message": "..."} with an x-amzn-ErrorType header named after
 * the status (answer.h's table), and 503/429 add Retry-After.
 */
#ifndef SG_HTTP_RESPOND_H
#define SG_HTTP_RESPOND_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#define SG_RETRY_AFTER_S 1
#define SG_RESPOND_MAX_EXTRA 8

struct sg_respond_header {
    const char *name;
    const char *value;
};

/* What every response of one request carries besides its body. */
struct sg_respond_ctx {
    const char *request_id;
    bool close; /* add Connection: close (the gateway is draining) */
    struct sg_respond_header extra[SG_RESPOND_MAX_EXTRA]; /* e.g. CORS, Allow */
    size_t n_extra;
};

/* Builds a response of `body` (copied) with `status`'s headers (and, for a
 * status of 400 or more, its x-amzn-ErrorType). Returns a
 * response the caller owns (queue it, then MHD_destroy_response), or NULL
 * when out of memory. */
struct MHD_Response *sg_respond_json_new(unsigned status, const struct sg_respond_ctx *ctx,
                                         const char *body, size_t len);

/* As sg_respond_json_new with another Content-Type (e.g. /metrics' text). */
struct MHD_Response *sg_respond_text_new(unsigned status, const struct sg_respond_ctx *ctx,
                                         const char *content_type, const char *body, size_t len);

/* Builds {"message": message} with `status` and its x-amzn-ErrorType.
 * Ownership as sg_respond_json_new. */
struct MHD_Response *sg_respond_error_new(unsigned status, const struct sg_respond_ctx *ctx,
                                          const char *message);

/* Builds a response with an empty body (CORS preflight). Ownership as
 * sg_respond_json_new. */
struct MHD_Response *sg_respond_empty_new(unsigned status, const struct sg_respond_ctx *ctx);

/* Formats {"message": message} as a complete HTTP/1.1 answer (status line,
 * the same headers as sg_respond_error_new, Connection: close) into out.
 * For the one case where libmicrohttpd has already queued an answer of its
 * own and only the socket is left (see http_server.c). Returns the length,
 * or 0 when it does not fit `cap`. */
size_t sg_respond_error_raw(char *out, size_t cap, unsigned status,
                            const struct sg_respond_ctx *ctx, const char *message);

/* The x-amzn-ErrorType for a status, e.g. "BadRequestException". */
const char *sg_respond_error_type(unsigned status);

#endif
