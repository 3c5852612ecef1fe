/*
 * fuzz_http_head: the request-head checks (http_head.h) on any bytes, laid
 * out the way libmicrohttpd 0.9.75 leaves a head in its read buffer: lines
 * end at CRLF or a bare LF, each line end and each field's colon become NUL
 * bytes, a value starts after the colon's SP/HTAB and ends at its first NUL;
 * a line that starts with SP/HTAB is a folded continuation (flagged as
 * moved, as libmicrohttpd moves it). The first line is the request line:
 * method, target (up to its first NUL, and as long as it was sent), version.
 * Each field's tail is the bytes from its value's end to the next line, as
 * the gate computes it. The same bytes also go through the access log's
 * string writer (log.h). Then:
 *   - the verdict is one of the enum's, and its status is 200 only for OK;
 *   - a refusal has a message, OK has none; the message is printable ASCII;
 *   - with the head size over the limit the verdict is 431, whatever else;
 *   - the head of a framed body (Content-Length, chunked) that is OK says so;
 *   - the log writer's output parses with jansson as one JSON string.
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_head.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

/* The next line of buf[*pos..n): its length; the line end is NULed and
 * *pos moves past it. Returns false when no line end is left. */
static bool next_line(char *buf, size_t n, size_t *pos, size_t *len)
{
    for (size_t i = *pos; i < n; i++) {
        if (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < n && buf[i + 1] == '\n')) {
            *len = i - *pos;
            size_t eol = buf[i] == '\n' ? 1 : 2;
            memset(buf + i, 0, eol);
            *pos = i + eol;
            return true;
        }
    }
    return false;
}

static void check_fields(struct sg_http_head *h, char *buf, size_t n, size_t pos)
{
    struct sg_http_field prev = {0};
    bool have_prev = false;
    size_t len;
    size_t start = pos;
    while (next_line(buf, n, &pos, &len) && len > 0) {
        char *line = buf + start;
        bool folded = line[0] == ' ' || line[0] == '\t';
        char *colon = memchr(line, ':', len);
        if (!colon && !folded)
            return; /* libmicrohttpd answers this one itself (400) */
        if (folded) {
            if (have_prev)
                prev.folded = true;
            start = pos;
            continue;
        }
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (have_prev) {
            const char *end = prev.value + prev.value_len;
            if (!prev.folded && line >= end) {
                prev.tail = end;
                prev.tail_len = (size_t)(line - end);
            }
            sg_http_head_field(h, &prev);
        }
        prev = (struct sg_http_field){line, strlen(line), v, strlen(v), NULL, 0, false, false};
        have_prev = true;
        start = pos;
    }
    if (have_prev) {
        const char *end = prev.value + prev.value_len;
        prev.last = true;
        if (!prev.folded && buf + pos >= end) {
            prev.tail = end;
            prev.tail_len = (size_t)(buf + pos - end);
        }
        sg_http_head_field(h, &prev);
    }
}

static void check_log_text(const uint8_t *data, size_t size)
{
    struct sg_buf b;
    sg_buf_init(&b, 16 * size + 16);
    require(sg_log_append_json_text(&b, (const char *)data, size) == 0);
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    require(j && json_is_string(j));
    json_decref(j);
    sg_buf_free(&b);
}

static void check_head(const uint8_t *data, size_t size, size_t max_head)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct sg_http_head h;
    size_t pos = 0, len;
    bool http11 = size > 0 && (data[0] & 1);
    sg_http_head_init(&h, http11, max_head);
    if (next_line(buf, size, &pos, &len)) {
        /* Request line: "METHOD SP target SP version". */
        char *sp = memchr(buf, ' ', len);
        char *last = NULL;
        for (char *c = buf + len; sp && c > sp + 1 && !last; c--)
            if (c[-1] == ' ')
                last = c - 1;
        if (sp && last) {
            size_t target_len = (size_t)(last - (sp + 1));
            sg_http_head_target(&h, sp + 1, strnlen(sp + 1, target_len), target_len);
        }
        check_fields(&h, buf, size, pos);
    }
    struct sg_head_info info;
    enum sg_head_verdict v = sg_http_head_finish(&h, size, &info);
    require(v >= SG_HEAD_OK && v <= SG_HEAD_NOT_IMPLEMENTED);
    require((sg_http_head_status(v) == 200) == (v == SG_HEAD_OK));
    const char *msg = sg_http_head_message(&h);
    require((msg[0] == '\0') == (v == SG_HEAD_OK));
    for (const char *m = msg; *m; m++)
        require(*m >= 0x20 && *m < 0x7f);
    require(size <= max_head || v == SG_HEAD_TOO_LARGE);
    require(info.body >= SG_HEAD_BODY_NONE && info.body <= SG_HEAD_BODY_CHUNKED);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_head(data, size, 16384);
    check_head(data, size, 64); /* small enough that the 431 path is reached */
    check_log_text(data, size);
    return 0;
}
