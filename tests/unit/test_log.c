/*
 * test_log: sg_log_append_json_text (server/log.h), the access log's string
 * writer: valid UTF-8 is kept byte for byte, JSON's specials are escaped,
 * and every byte outside a valid UTF-8 sequence (0xFF, overlong forms,
 * surrogates, past U+10FFFF, cut sequences) becomes the text \xHH, so the
 * line always parses as JSON.
 */
#include "log.h"

#include <jansson.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static const struct {
    const char *in;
    size_t len;       /* 0: strlen */
    const char *want; /* the JSON text written */
} rows[] = {
    {"/streams/events/record", 0, "\"/streams/events/record\""},
    {"/streams/ev\xffnts/record", 0, "\"/streams/ev\\\\xffnts/record\""},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"\xc0\x80", 0, "\"\\\\xc0\\\\x80\""},                       /* overlong NUL */
    {"\xe0\x80\xaf", 0, "\"\\\\xe0\\\\x80\\\\xaf\""},            /* overlong '/' */
    {"\xed\xa0\x80", 0, "\"\\\\xed\\\\xa0\\\\x80\""},            /* a surrogate */
    {"\xf4\x90\x80\x80", 0, "\"\\\\xf4\\\\x90\\\\x80\\\\x80\""}, /* past U+10FFFF */
    {"ab\xe2\x82", 0, "\"ab\\\\xe2\\\\x82\""},                   /* cut at the end */
    {"q\"b\\s\n\x01", 0, "\"q\\\"b\\\\s\\u000a\\u0001\""},
    {"a\0b", 3, "\"a\\u0000b\""},
    {"", 0, "\"\""},
};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_buf b;
        sg_buf_init(&b, 4096);
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].in);
        CHECK(sg_log_append_json_text(&b, rows[i].in, len) == 0, "row %zu appends", i);
        CHECK(b.data && strcmp(b.data, rows[i].want) == 0, "row %zu: got [%s] want [%s]", i,
              b.data ? b.data : "(null)", rows[i].want);
        /* jansson refuses invalid UTF-8 in its input: it parses only if the
         * line would. */
        json_error_t err;
        json_t *j =
            b.data ? json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err) : NULL;
        CHECK(j && json_is_string(j), "row %zu is a JSON string: %s", i, j ? "" : err.text);
        json_decref(j);
        sg_buf_free(&b);
    }
    struct sg_buf small;
    sg_buf_init(&small, 4);
    CHECK(sg_log_append_json_text(&small, "\xff\xff", 2) != 0, "over the buffer's limit fails");
    sg_buf_free(&small);
    return sg_check_result("test_log");
}
