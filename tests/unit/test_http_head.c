/*
 * test_http_head: the request-head checks (server/http_head.h), one table
 * row per rule of issue 14's HTTP items: framing (one Content-Length of
 * digits, one Transfer-Encoding that is exactly chunked, never both), field
 * names and values, a NUL hidden behind a value, obs-fold, Host,
 * Content-Encoding (identity, gzip, deflate; others and stacked refused), the request target, and
 * the head size at the limit and one byte over.
 */
#include "http_head.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define MAX_HEAD 16384

struct field_spec {
    const char *name, *value;
    const char *tail; /* NULL: layout unknown */
    size_t tail_len;
    bool folded;
};

struct head_case {
    const char *what;
    bool http11;
    size_t head_bytes;
    struct field_spec fields[6];
    enum sg_head_verdict want;
    const char *message_has; /* a part of the message, for refusals */
    enum sg_head_body body;
    unsigned long long length;
};

#define HOST                                                                                       \
    {                                                                                              \
        "Host", "gw.example", NULL, 0, false                                                       \
    }
#define F(n, v)                                                                                    \
    {                                                                                              \
        n, v, NULL, 0, false                                                                       \
    }

static const struct head_case cases[] = {
    {"plain PUT",
     true,
     120,
     {HOST, F("Content-Length", "5")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_LENGTH,
     5},
    {"no body", true, 60, {HOST}, SG_HEAD_OK, NULL, SG_HEAD_BODY_NONE, 0},
    {"chunked, any case, trailing space",
     true,
     90,
     {HOST, F("transfer-encoding", "Chunked ")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_CHUNKED,
     0},
    {"largest Content-Length",
     true,
     90,
     {HOST, F("Content-Length", "18446744073709551615")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_LENGTH,
     18446744073709551615ULL},
    {"Content-Length 2^64",
     true,
     90,
     {HOST, F("Content-Length", "18446744073709551616")},
     SG_HEAD_LENGTH_TOO_LARGE,
     "too large",
     SG_HEAD_BODY_LENGTH,
     0},
    {"two different Content-Length",
     true,
     90,
     {HOST, F("Content-Length", "2"), F("Content-Length", "3")},
     SG_HEAD_BAD_REQUEST,
     "Content-Length must be sent once",
     SG_HEAD_BODY_LENGTH,
     0},
    {"two equal Content-Length",
     true,
     90,
     {HOST, F("Content-Length", "2"), F("Content-Length", "2")},
     SG_HEAD_BAD_REQUEST,
     "sent once",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length list",
     true,
     90,
     {HOST, F("Content-Length", "2, 2")},
     SG_HEAD_BAD_REQUEST,
     "decimal number",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length -1",
     true,
     90,
     {HOST, F("Content-Length", "-1")},
     SG_HEAD_BAD_REQUEST,
     "decimal number",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length +2",
     true,
     90,
     {HOST, F("Content-Length", "+2")},
     SG_HEAD_BAD_REQUEST,
     "decimal number",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length abc",
     true,
     90,
     {HOST, F("Content-Length", "abc")},
     SG_HEAD_BAD_REQUEST,
     "decimal number",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length empty",
     true,
     90,
     {HOST, F("Content-Length", "")},
     SG_HEAD_BAD_REQUEST,
     "decimal number",
     SG_HEAD_BODY_LENGTH,
     0},
    {"Content-Length with chunked",
     true,
     90,
     {HOST, F("Content-Length", "5"), F("Transfer-Encoding", "chunked")},
     SG_HEAD_BAD_REQUEST,
     "must not both",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"Transfer-Encoding gzip",
     true,
     90,
     {HOST, F("Transfer-Encoding", "gzip")},
     SG_HEAD_NOT_IMPLEMENTED,
     "Transfer-Encoding gzip is not supported",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"Transfer-Encoding gzip, chunked",
     true,
     90,
     {HOST, F("Transfer-Encoding", "gzip, chunked")},
     SG_HEAD_NOT_IMPLEMENTED,
     "gzip, chunked",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"Transfer-Encoding identity",
     true,
     90,
     {HOST, F("Transfer-Encoding", "identity")},
     SG_HEAD_NOT_IMPLEMENTED,
     "identity",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"two Transfer-Encoding",
     true,
     90,
     {HOST, F("Transfer-Encoding", "chunked"), F("Transfer-Encoding", "chunked")},
     SG_HEAD_BAD_REQUEST,
     "sent once",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"space before the colon",
     true,
     90,
     {HOST, F("Transfer-Encoding ", "chunked")},
     SG_HEAD_BAD_REQUEST,
     "Invalid header name Transfer-Encoding ",
     SG_HEAD_BODY_NONE,
     0},
    {"space in a name",
     true,
     90,
     {HOST, F("X A", "1")},
     SG_HEAD_BAD_REQUEST,
     "Invalid header name X A",
     SG_HEAD_BODY_NONE,
     0},
    {"empty name",
     true,
     90,
     {HOST, F("", "1")},
     SG_HEAD_BAD_REQUEST,
     "empty field name",
     SG_HEAD_BODY_NONE,
     0},
    {"bare CR in a value",
     true,
     90,
     {HOST, F("X-A", "a\rb")},
     SG_HEAD_BAD_REQUEST,
     "control characters",
     SG_HEAD_BODY_NONE,
     0},
    {"DEL in a value",
     true,
     90,
     {HOST, F("X-A", "a\x7f")},
     SG_HEAD_BAD_REQUEST,
     "control characters",
     SG_HEAD_BODY_NONE,
     0},
    {"HTAB and obs-text in a value",
     true,
     90,
     {HOST, F("X-A", "a\tb\xc3\xa9")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"CRLF line end",
     true,
     90,
     {HOST, {"X-A", "a", "\0\0", 2, false}},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"NUL then more in a value",
     true,
     90,
     {{"X-A", "a", "\0b\0\0", 4, false}, HOST},
     SG_HEAD_BAD_REQUEST,
     "X-A: it holds a NUL byte",
     SG_HEAD_BODY_NONE,
     0},
    {"NUL at a value's end",
     true,
     90,
     {{"X-A", "a", "\0\0\0", 3, false}, HOST},
     SG_HEAD_BAD_REQUEST,
     "NUL byte",
     SG_HEAD_BODY_NONE,
     0},
    {"obs-fold",
     true,
     90,
     {HOST, {"X-A", "ab", NULL, 0, true}},
     SG_HEAD_BAD_REQUEST,
     "obsolete line folding",
     SG_HEAD_BODY_NONE,
     0},
    {"HTTP/1.1 without Host",
     true,
     40,
     {F("Content-Length", "0")},
     SG_HEAD_BAD_REQUEST,
     "must have a Host header",
     SG_HEAD_BODY_LENGTH,
     0},
    {"HTTP/1.0 without Host",
     false,
     40,
     {F("Content-Length", "0")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_LENGTH,
     0},
    {"two Host",
     true,
     60,
     {HOST, F("host", "other")},
     SG_HEAD_BAD_REQUEST,
     "Host must be sent once",
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding gzip",
     true,
     90,
     {HOST, F("Content-Encoding", "gzip")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding x-gzip",
     true,
     90,
     {HOST, F("Content-Encoding", "X-Gzip ")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding deflate",
     true,
     90,
     {HOST, F("Content-Encoding", "deflate")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding br",
     true,
     90,
     {HOST, F("Content-Encoding", "br")},
     SG_HEAD_UNSUPPORTED_MEDIA,
     "Content-Encoding br is not supported: send gzip, deflate or identity",
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding stacked",
     true,
     90,
     {HOST, F("Content-Encoding", "gzip, gzip")},
     SG_HEAD_UNSUPPORTED_MEDIA,
     "Content-Encoding gzip, gzip is not supported",
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding twice",
     true,
     90,
     {HOST, F("Content-Encoding", "gzip"), F("Content-Encoding", "gzip")},
     SG_HEAD_UNSUPPORTED_MEDIA,
     "Content-Encoding gzip is a second coding",
     SG_HEAD_BODY_NONE,
     0},
    {"Content-Encoding identity",
     true,
     90,
     {HOST, F("Content-Encoding", "Identity")},
     SG_HEAD_OK,
     NULL,
     SG_HEAD_BODY_NONE,
     0},
    {"head at the limit", true, MAX_HEAD, {HOST}, SG_HEAD_OK, NULL, SG_HEAD_BODY_NONE, 0},
    {"head one byte over",
     true,
     MAX_HEAD + 1,
     {HOST},
     SG_HEAD_TOO_LARGE,
     "over the 16384-byte limit",
     SG_HEAD_BODY_NONE,
     0},
    {"head over the limit wins",
     true,
     MAX_HEAD + 1,
     {F("X A", "1")},
     SG_HEAD_TOO_LARGE,
     "16384-byte",
     SG_HEAD_BODY_NONE,
     0},
    {"first refusal named",
     true,
     90,
     {F("X A", "1"), F("Transfer-Encoding", "gzip"), HOST},
     SG_HEAD_BAD_REQUEST,
     "Invalid header name X A",
     SG_HEAD_BODY_CHUNKED,
     0},
    {"non-ASCII quoted as ?",
     true,
     90,
     {HOST, F("Content-Encoding", "gz\xc3\xa9")},
     SG_HEAD_UNSUPPORTED_MEDIA,
     "Content-Encoding gz?? is",
     SG_HEAD_BODY_NONE,
     0},
};

static size_t count_fields(const struct head_case *c)
{
    size_t n = 0;
    while (n < 6 && c->fields[n].name)
        n++;
    return n;
}

static void run_case(const struct head_case *c)
{
    struct sg_http_head h;
    sg_http_head_init(&h, c->http11, MAX_HEAD);
    size_t n = count_fields(c);
    for (size_t i = 0; i < n; i++) {
        const struct field_spec *s = &c->fields[i];
        struct sg_http_field f = {s->name, strlen(s->name), s->value,   strlen(s->value),
                                  s->tail, s->tail_len,     i + 1 == n, s->folded};
        sg_http_head_field(&h, &f);
    }
    struct sg_head_info info;
    enum sg_head_verdict v = sg_http_head_finish(&h, c->head_bytes, &info);
    CHECK(v == c->want, "%s: verdict %d, want %d (%s)", c->what, v, c->want,
          sg_http_head_message(&h));
    if (c->message_has)
        CHECK(strstr(sg_http_head_message(&h), c->message_has) != NULL,
              "%s: message [%s] lacks [%s]", c->what, sg_http_head_message(&h), c->message_has);
    else
        CHECK(sg_http_head_message(&h)[0] == '\0', "%s: message [%s] on OK", c->what,
              sg_http_head_message(&h));
    CHECK(info.body == c->body, "%s: body %d, want %d", c->what, info.body, c->body);
    if (c->want == SG_HEAD_OK && c->body == SG_HEAD_BODY_LENGTH)
        CHECK(info.content_length == c->length, "%s: length %llu", c->what,
              (unsigned long long)info.content_length);
}

/* The coding a head names reaches the body reader. */
static void test_codings(void)
{
    static const struct {
        const char *value;
        enum sg_coding want;
    } codings[] = {{NULL, SG_CODING_IDENTITY},      {"identity", SG_CODING_IDENTITY},
                   {"gzip", SG_CODING_GZIP},        {"X-GZIP", SG_CODING_GZIP},
                   {"deflate ", SG_CODING_DEFLATE}, {"Deflate", SG_CODING_DEFLATE}};
    for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++) {
        struct sg_http_head h;
        sg_http_head_init(&h, true, MAX_HEAD);
        struct sg_http_field host = {"Host", 4, "x", 1, NULL, 0, !codings[i].value, false};
        sg_http_head_field(&h, &host);
        if (codings[i].value) {
            struct sg_http_field ce = {"Content-Encoding",
                                       16,
                                       codings[i].value,
                                       strlen(codings[i].value),
                                       NULL,
                                       0,
                                       true,
                                       false};
            sg_http_head_field(&h, &ce);
        }
        struct sg_head_info info;
        CHECK(sg_http_head_finish(&h, 80, &info) == SG_HEAD_OK, "coding %s: OK", codings[i].value);
        CHECK(info.coding == codings[i].want, "coding %s: %d, want %d", codings[i].value,
              info.coding, codings[i].want);
    }
}

/* The last field's tail also holds the empty line: 2-4 NULs. */
static void test_last_tail(void)
{
    static const struct {
        size_t len;
        bool ok;
    } rows[] = {{1, false}, {2, true}, {3, true}, {4, true}, {5, false}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_http_head h;
        sg_http_head_init(&h, true, MAX_HEAD);
        struct sg_http_field f = {"Host", 4, "x", 1, "\0\0\0\0\0", rows[i].len, true, false};
        sg_http_head_field(&h, &f);
        enum sg_head_verdict v = sg_http_head_finish(&h, 30, NULL);
        CHECK((v == SG_HEAD_OK) == rows[i].ok, "last field, tail of %zu NULs: verdict %d",
              rows[i].len, v);
    }
}

static void test_expect(void)
{
    struct sg_http_head h;
    sg_http_head_init(&h, true, MAX_HEAD);
    struct sg_http_field host = {"Host", 4, "x", 1, NULL, 0, false, false};
    struct sg_http_field ex = {"Expect", 6, "100-Continue", 12, NULL, 0, true, false};
    sg_http_head_field(&h, &host);
    sg_http_head_field(&h, &ex);
    struct sg_head_info info;
    CHECK(sg_http_head_finish(&h, 40, &info) == SG_HEAD_OK, "Expect is no refusal");
    CHECK(info.expect_continue, "Expect: 100-continue is seen");
}

static void test_target(void)
{
    static const struct {
        const char *target;
        size_t target_len; /* 0: strlen */
        bool ok;
        const char *what;
    } rows[] = {
        {"/streams/events/record", 0, true, "plain path"},
        {"/streams/events/record?a=%20b", 0, true, "query, percent-encoded"},
        {"/streams/events%2Frecord", 0, true, "%2F is printable (routing refuses it, 404)"},
        {"/streams/events/record", 27, false, "a NUL then junk (as sent: 27 bytes)"},
        {"/streams/ev nts/record", 0, false, "a space"},
        {"/streams/ev\xffnts/record", 0, false, "a raw 0xFF byte"},
        {"/streams/ev\tnts/record", 0, false, "a tab"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_http_head h;
        sg_http_head_init(&h, false, MAX_HEAD);
        size_t vis = strlen(rows[i].target);
        sg_http_head_target(&h, rows[i].target, vis, rows[i].target_len ? rows[i].target_len : vis);
        enum sg_head_verdict v = sg_http_head_finish(&h, 40, NULL);
        CHECK((v == SG_HEAD_OK) == rows[i].ok, "target %s: verdict %d (%s)", rows[i].what, v,
              sg_http_head_message(&h));
    }
}

static void test_status(void)
{
    CHECK(sg_http_head_status(SG_HEAD_OK) == 200, "OK");
    CHECK(sg_http_head_status(SG_HEAD_BAD_REQUEST) == 400, "400");
    CHECK(sg_http_head_status(SG_HEAD_TOO_LARGE) == 431, "431");
    CHECK(sg_http_head_status(SG_HEAD_LENGTH_TOO_LARGE) == 413, "413");
    CHECK(sg_http_head_status(SG_HEAD_UNSUPPORTED_MEDIA) == 415, "415");
    CHECK(sg_http_head_status(SG_HEAD_NOT_IMPLEMENTED) == 501, "501");
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    test_last_tail();
    test_codings();
    test_expect();
    test_target();
    test_status();
    return sg_check_result("test_http_head");
}
