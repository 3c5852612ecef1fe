/*
 * http_respond: JSON responses in API Gateway's shape.
 *
 * Every response carries x-amzn-RequestId and Content-Type: application/json;
 * errors are {"message": "..."} with an x-amzn-ErrorType header named after
 * the status (one table, below in the .c), and 503/429 add Retry-After.
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

/* Queues `body` (copied) with `status`. Returns MHD_YES/MHD_NO. */
enum MHD_Result sg_respond_json(struct MHD_Connection *conn, unsigned status,
                                const struct sg_respond_ctx *ctx, const char *body, size_t len);

/* Queues {"message": message} with `status` and its x-amzn-ErrorType. */
enum MHD_Result sg_respond_error(struct MHD_Connection *conn, unsigned status,
                                 const struct sg_respond_ctx *ctx, const char *message);

/* Queues a response with an empty body (CORS preflight). */
enum MHD_Result sg_respond_empty(struct MHD_Connection *conn, unsigned status,
                                 const struct sg_respond_ctx *ctx);

/* The x-amzn-ErrorType for a status, e.g. "BadRequestException". */
const char *sg_respond_error_type(unsigned status);

#endif
