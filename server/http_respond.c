/*
 * http_respond: JSON responses (see http_respond.h).
 */
#include "http_respond.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "buf.h"

const char *sg_respond_error_type(unsigned status)
{
    enum sg_answer a = sg_answer_for_status(status);
    if (a == SG_ANSWER_COUNT) /* a status outside the table: the generic type of its class */
        a = status >= 500 ? SG_ANSWER_INTERNAL_ERROR : SG_ANSWER_BAD_REQUEST;
    return sg_answer_kind(a)->error_type;
}

static struct MHD_Response *build_typed(unsigned status, const struct sg_respond_ctx *ctx,
                                        const char *content_type, const char *body, size_t len,
                                        const char *error_type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return NULL;
    if (len)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
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
    return r;
}

static struct MHD_Response *build(unsigned status, const struct sg_respond_ctx *ctx,
                                  const char *body, size_t len, const char *error_type)
{
    return build_typed(status, ctx, "application/json", body, len, error_type);
}

struct MHD_Response *sg_respond_text_new(unsigned status, const struct sg_respond_ctx *ctx,
                                         const char *content_type, const char *body, size_t len)
{
    return build_typed(status, ctx, content_type, body, len,
                       status >= 400 ? sg_respond_error_type(status) : NULL);
}

struct MHD_Response *sg_respond_json_new(unsigned status, const struct sg_respond_ctx *ctx,
                                         const char *body, size_t len)
{
    /* An error status carries its x-amzn-ErrorType whatever the body. */
    return build(status, ctx, body, len, status >= 400 ? sg_respond_error_type(status) : NULL);
}

struct MHD_Response *sg_respond_empty_new(unsigned status, const struct sg_respond_ctx *ctx)
{
    return build(status, ctx, "", 0, NULL);
}

/* {"message": message} into b; a fixed text when it cannot be built. */
static void error_body(struct sg_buf *b, const char *message)
{
    if (sg_buf_append_str(b, "{\"message\":") == 0 &&
        sg_buf_append_json_string(b, message, strlen(message)) == 0 &&
        sg_buf_append_char(b, '}') == 0)
        return;
    b->len = 0;
    if (sg_buf_append_str(b, "{\"message\":\"error\"}") != 0)
        b->len = 0;
}

struct MHD_Response *sg_respond_error_new(unsigned status, const struct sg_respond_ctx *ctx,
                                          const char *message)
{
    struct sg_buf b;
    sg_buf_init(&b, 4096);
    error_body(&b, message);
    struct MHD_Response *r =
        b.len ? build(status, ctx, b.data, b.len, sg_respond_error_type(status)) : NULL;
    sg_buf_free(&b);
    return r;
}

size_t sg_respond_error_raw(char *out, size_t cap, unsigned status,
                            const struct sg_respond_ctx *ctx, const char *message)
{
    struct sg_buf b;
    sg_buf_init(&b, 4096);
    error_body(&b, message);
    const char *reason = MHD_get_reason_phrase_for(status);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                     "x-amzn-RequestId: %s\r\nx-amzn-ErrorType: %s\r\n",
                     status, reason && *reason ? reason : "Error",
                     ctx->request_id ? ctx->request_id : "", sg_respond_error_type(status));
    size_t len = n > 0 ? (size_t)n : cap;
    for (size_t i = 0; i < ctx->n_extra && len < cap; i++) {
        n = snprintf(out + len, cap - len, "%s: %s\r\n", ctx->extra[i].name, ctx->extra[i].value);
        len = n > 0 ? len + (size_t)n : cap;
    }
    if (len < cap) {
        n = snprintf(out + len, cap - len, "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     b.len, b.len ? b.data : "");
        len = n > 0 ? len + (size_t)n : cap;
    }
    bool ok = len < cap && b.len;
    sg_buf_free(&b);
    return ok ? len : 0;
}
