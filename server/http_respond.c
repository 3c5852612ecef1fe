/*
 * http_respond: JSON responses (see http_respond.h).
 */
#include "http_respond.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

struct error_type {
    unsigned status;
    const char *type;
};

/* API Gateway's gateway-response types, by status. */
static const struct error_type error_types[] = {
    {400, "BadRequestException"},
    {403, "ForbiddenException"},
    {404, "NotFoundException"},
    {405, "MethodNotAllowedException"},
    {413, "RequestTooLargeException"},
    {415, "UnsupportedMediaTypeException"},
    {429, "TooManyRequestsException"},
    {500, "InternalServerErrorException"},
    {502, "BadGatewayException"},
    {503, "ServiceUnavailableException"},
    {504, "GatewayTimeoutException"},
};

const char *sg_respond_error_type(unsigned status)
{
    for (size_t i = 0; i < sizeof error_types / sizeof error_types[0]; i++)
        if (error_types[i].status == status)
            return error_types[i].type;
    return status >= 500 ? "InternalServerErrorException" : "BadRequestException";
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
                             const struct sg_respond_ctx *ctx, const char *body, size_t len,
                             const char *error_type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (len)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (ctx->request_id && *ctx->request_id)
        MHD_add_response_header(r, "x-amzn-RequestId", ctx->request_id);
    if (error_type)
        MHD_add_response_header(r, "x-amzn-ErrorType", error_type);
    if (status == 503 || status == 429) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", SG_RETRY_AFTER_S);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    for (size_t i = 0; i < ctx->n_extra; i++)
        MHD_add_response_header(r, ctx->extra[i].name, ctx->extra[i].value);
    if (ctx->close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result sg_respond_json(struct MHD_Connection *conn, unsigned status,
                                const struct sg_respond_ctx *ctx, const char *body, size_t len)
{
    return queue(conn, status, ctx, body, len, NULL);
}

enum MHD_Result sg_respond_empty(struct MHD_Connection *conn, unsigned status,
                                 const struct sg_respond_ctx *ctx)
{
    return queue(conn, status, ctx, "", 0, NULL);
}

enum MHD_Result sg_respond_error(struct MHD_Connection *conn, unsigned status,
                                 const struct sg_respond_ctx *ctx, const char *message)
{
    struct sg_buf b;
    sg_buf_init(&b, 4096);
    enum MHD_Result ret;
    if (sg_buf_append_str(&b, "{\"message\":") == 0 &&
        sg_buf_append_json_string(&b, message, strlen(message)) == 0 &&
        sg_buf_append_char(&b, '}') == 0)
        ret = queue(conn, status, ctx, b.data, b.len, sg_respond_error_type(status));
    else
        ret = queue(conn, status, ctx, "{\"message\":\"error\"}", 19,
                    sg_respond_error_type(status));
    sg_buf_free(&b);
    return ret;
}
