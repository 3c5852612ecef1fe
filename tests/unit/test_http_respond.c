/*
 * test_http_respond: the answer written past libmicrohttpd
 * (sg_respond_error_raw): one status line, the API Gateway error headers,
 * a Content-Length equal to the {"message"} body, Connection: close; and 0
 * when it does not fit. Also the x-amzn-ErrorType names of the statuses the
 * request-head gate answers.
 */
#include "http_respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_raw(void)
{
    char out[2048];
    struct sg_respond_ctx ctx = {.request_id = "123e4567-e89b-12d3-a456-426614174000"};
    ctx.extra[ctx.n_extra++] = (struct sg_respond_header){"Access-Control-Allow-Origin", "*"};
    size_t n = sg_respond_error_raw(out, sizeof out, 400, &ctx, "Invalid \"Content-Length\"");
    CHECK(n > 0 && n < sizeof out && out[n] == '\0', "fits (%zu bytes)", n);
    CHECK(strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) == 0, "status line: %.30s", out);
    CHECK(strstr(out, "\r\nx-amzn-RequestId: 123e4567-e89b-12d3-a456-426614174000\r\n") != NULL,
          "request id");
    CHECK(strstr(out, "\r\nx-amzn-ErrorType: BadRequestException\r\n") != NULL, "error type");
    CHECK(strstr(out, "\r\nAccess-Control-Allow-Origin: *\r\n") != NULL, "extra headers");
    CHECK(strstr(out, "\r\nConnection: close\r\n") != NULL, "Connection: close");
    const char *body = strstr(out, "\r\n\r\n");
    const char *cl = strstr(out, "Content-Length: ");
    CHECK(body && cl, "head and body");
    if (body && cl) {
        body += 4;
        CHECK(strtoul(cl + 16, NULL, 10) == strlen(body), "Content-Length %lu = body %zu",
              strtoul(cl + 16, NULL, 10), strlen(body));
        CHECK_STREQ(body, "{\"message\":\"Invalid \\\"Content-Length\\\"\"}", "body");
    }
    char small[64];
    CHECK(sg_respond_error_raw(small, sizeof small, 400, &ctx, "x") == 0,
          "an answer that does not fit is not written");
}

static void test_types(void)
{
    CHECK_STREQ(sg_respond_error_type(431), "RequestHeaderFieldsTooLargeException", "431");
    CHECK_STREQ(sg_respond_error_type(501), "NotImplementedException", "501");
    CHECK_STREQ(sg_respond_error_type(413), "RequestTooLargeException", "413");
    CHECK_STREQ(sg_respond_error_type(415), "UnsupportedMediaTypeException", "415");
}

int main(void)
{
    test_raw();
    test_types();
    return sg_check_result("test_http_respond");
}
