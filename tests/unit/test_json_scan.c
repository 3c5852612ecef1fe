/*
 * test_json_scan: the strict validator (one table row per grammar rule, both
 * sides), the duplicate-key check, depth limits, and the navigation helpers
 * (iterators, object_get, string_equals, decode, compact), and the
 * structural index: indexed navigation must equal plain navigation on every
 * document, for every bound of the index (full, partial, none).
 */
#include "json_scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* A document with its length, so rows may hold NUL and raw bytes. */
#define DOC(s) s, sizeof(s) - 1

struct valid_case {
    const char *doc;
    size_t len;
};

static const struct valid_case valid_cases[] = {
    {DOC("{}")},
    {DOC("[]")},
    {DOC("0")},
    {DOC("-0")},
    {DOC("1")},
    {DOC("-1")},
    {DOC("123456789012345678901234567890")},
    {DOC("9.99")},
    {DOC("0.5")},
    {DOC("-0.0")},
    {DOC("1e5")},
    {DOC("1E5")},
    {DOC("1e+5")},
    {DOC("1e-5")},
    {DOC("1.5e-005")},
    {DOC("0e0")},
    {DOC("true")},
    {DOC("false")},
    {DOC("null")},
    {DOC("\"\"")},
    {DOC("\"abc\"")},
    {DOC(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n")},
    {DOC("{\"a\":{\"b\":{\"c\":[true,false,null]}}}")},
    {DOC("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"")},
    {DOC("\"\\u0000\"")},
    {DOC("\"\\u00e9\\u00E9\"")},
    {DOC("\"\\uD83D\\uDE00\"")},
    {DOC("\"\\udbff\\udfff\"")},
    {DOC("\"\xc3\xa9\"")},         /* U+00E9 */
    {DOC("\"\xe2\x82\xac\"")},     /* U+20AC */
    {DOC("\"\xed\x9f\xbf\"")},     /* U+D7FF, last before the surrogates */
    {DOC("\"\xee\x80\x80\"")},     /* U+E000, first after them */
    {DOC("\"\xf0\x9f\x98\x80\"")}, /* U+1F600 */
    {DOC("\"\xf4\x8f\xbf\xbf\"")}, /* U+10FFFF */
    {DOC("\"\x7f\"")},             /* DEL is not a control character in JSON */
    {DOC("{\"a\":1,\"b\":2,\"A\":3}")},
    {DOC("{\"a\":{\"a\":1},\"b\":{\"a\":2}}")}, /* same key in different objects */
    {DOC("[{\"a\":1},{\"a\":2}]")},
    {DOC("{\"a\":1,\"ab\":2,\"a\\u0062c\":3}")},
    {DOC("{\"glbvs\":1,\"yacxa\":2}")}, /* same FNV-1a hash, different keys */
    {DOC("{\"glbvs\":1,\"yac\\u0078a\":2}")},
    {DOC("[[[[[[[[[[]]]]]]]]]]")},
};

struct invalid_case {
    const char *doc;
    size_t len;
    size_t offset;
    const char *text; /* substring of the error text */
};

static const struct invalid_case invalid_cases[] = {
    {DOC(""), 0, "expected a value (found end of input)"},
    {DOC("   "), 3, "expected a value"},
    {DOC("{"), 1, "expected a string key in object (found end of input)"},
    {DOC("["), 1, "expected a value"},
    {DOC("[1"), 2, "expected ',' or ']' after array element"},
    {DOC("{\"a\":1"), 6, "expected ',' or '}' after object member"},
    {DOC("{\"a\" 1}"), 5, "expected ':' after object key (found '1')"},
    {DOC("{\"a\":}"), 5, "expected a value (found '}')"},
    {DOC("{a:1}"), 1, "expected a string key in object (found 'a')"},
    {DOC("{1:1}"), 1, "expected a string key"},
    {DOC("{\"a\":1,}"), 7, "expected a string key"},
    {DOC("[1,]"), 3, "expected a value (found ']')"},
    {DOC("[,1]"), 1, "expected a value (found ',')"},
    {DOC("[1 2]"), 3, "expected ',' or ']'"},
    {DOC("{\"a\":1 \"b\":2}"), 7, "expected ',' or '}'"},
    {DOC("[1}"), 2, "expected ',' or ']'"},
    {DOC("{\"a\":1]"), 6, "expected ',' or '}'"},
    {DOC("{}}"), 2, "unexpected data after the JSON value (found '}')"},
    {DOC("1 2"), 2, "unexpected data after the JSON value"},
    {DOC("{} x"), 3, "unexpected data after the JSON value (found 'x')"},
    {DOC("\"a\"\"b\""), 3, "unexpected data"},
    {DOC("01"), 0, "leading zeros are not allowed"},
    {DOC("-01"), 1, "leading zeros are not allowed"},
    {DOC("00"), 0, "leading zeros"},
    {DOC("-"), 1, "expected a digit after '-' (found end of input)"},
    {DOC("-a"), 1, "expected a digit after '-' (found 'a')"},
    {DOC("1."), 2, "expected a digit after '.' in number"},
    {DOC("1.e5"), 2, "expected a digit after '.'"},
    {DOC(".5"), 0, "expected a value (found '.')"},
    {DOC("1e"), 2, "expected a digit in the number's exponent"},
    {DOC("1e+"), 3, "exponent"},
    {DOC("1E-x"), 3, "exponent"},
    {DOC("+1"), 0, "expected a value (found '+')"},
    {DOC("1.5x"), 3, "unexpected data"},
    {DOC("0x10"), 1, "unexpected data"},
    {DOC("NaN"), 0, "expected a value (found 'N')"},
    {DOC("Infinity"), 0, "expected a value"},
    {DOC("-Infinity"), 1, "expected a digit after '-'"},
    {DOC("tru"), 0, "invalid literal"},
    {DOC("nul"), 0, "invalid literal"},
    {DOC("True"), 0, "expected a value (found 'T')"},
    {DOC("truex"), 4, "unexpected data"},
    {DOC("[true false]"), 6, "expected ',' or ']'"},
    {DOC("'a'"), 0, "expected a value (found ''')"},
    {DOC("\"abc"), 4, "unterminated string"},
    {DOC("\"abc\\"), 4, "unterminated string"},
    {DOC("\"a\tb\""), 2, "control character in string"},
    {DOC("\"a\nb\""), 2, "control character"},
    {DOC("\"\x01\""), 1, "control character"},
    {DOC("\"a\0b\""), 2, "control character"},
    {DOC("\"\\x\""), 1, "invalid escape in string"},
    {DOC("\"\\'\""), 1, "invalid escape"},
    {DOC("\"\\U0041\""), 1, "invalid escape"},
    {DOC("\"\\u12\""), 1, "\\u must be followed by four hex digits"},
    {DOC("\"\\u12g4\""), 1, "four hex digits"},
    {DOC("\"\\uDE00\""), 1, "lone UTF-16 low surrogate"},
    {DOC("\"\\uD83D\""), 1, "high surrogate without a low surrogate"},
    {DOC("\"\\uD83Dx\""), 1, "high surrogate"},
    {DOC("\"\\uD83D\\u0041\""), 1, "high surrogate"},
    {DOC("\"\\uD83D\\uD83D\""), 1, "high surrogate"},
    {DOC("\"\\uD83D\\n\""), 1, "high surrogate"},
    {DOC("\"\x80\""), 1, "invalid UTF-8"}, /* lone continuation */
    {DOC("\"\xbf\""), 1, "invalid UTF-8"},
    {DOC("\"\xc0\xaf\""), 1, "invalid UTF-8"}, /* overlong '/' */
    {DOC("\"\xc1\xbf\""), 1, "invalid UTF-8"}, /* overlong */
    {DOC("\"\xe0\x80\xaf\""), 1, "overlong"},  /* overlong 3-byte */
    {DOC("\"\xe0\x9f\xbf\""), 1, "overlong"},
    {DOC("\"\xf0\x80\x80\xaf\""), 1, "overlong"}, /* overlong 4-byte */
    {DOC("\"\xf0\x8f\xbf\xbf\""), 1, "overlong"},
    {DOC("\"\xed\xa0\x80\""), 1, "surrogate"},        /* U+D800 */
    {DOC("\"\xed\xbf\xbf\""), 1, "surrogate"},        /* U+DFFF */
    {DOC("\"\xf4\x90\x80\x80\""), 1, "out of range"}, /* U+110000 */
    {DOC("\"\xf5\x80\x80\x80\""), 1, "invalid UTF-8"},
    {DOC("\"\xff\""), 1, "invalid UTF-8"},
    {DOC("\"\xc3\""), 1, "invalid UTF-8"}, /* truncated by the quote */
    {DOC("\"\xc3"), 1, "invalid UTF-8"},   /* truncated by the end */
    {DOC("\"\xe2\x82\""), 1, "invalid UTF-8"},
    {DOC("\"\xe2\x28\xa1\""), 1, "invalid UTF-8"},
    {DOC("\"\xf0\x9f\x98\x28\""), 1, "truncated sequence"},
    {DOC("\xef\xbb\xbf{}"), 0, "expected a value (found byte 0xEF)"}, /* BOM */
    {DOC("{}\0"), 2, "unexpected data after the JSON value (found byte 0x00)"},
    {DOC("{\"a\":1,\"a\":2}"), 7, "duplicate key \"a\" in object"},
    {DOC("{\"a\":1,\"b\":2,\"a\":3}"), 13, "duplicate key"},
    {DOC("{\"a\":1,\"\\u0061\":2}"), 7, "duplicate key \"\\u0061\""},
    {DOC("{\"\\u00e9\":1,\"\xc3\xa9\":2}"), 12, "duplicate key"},
    {DOC("{\"\\/\":1,\"/\":2}"), 8, "duplicate key"},
    {DOC("{\"x\":{\"a\":1,\"a\":2}}"), 12, "duplicate key"},
    {DOC("[{\"a\":{},\"a\":[]}]"), 9, "duplicate key"},
    {DOC("{\"a\":{\"b\":1},\"a\":2}"), 13, "duplicate key"}, /* after a nested object closed */
    {DOC("{\"glbvs\":1,\"yacxa\":2,\"glbvs\":3}"), 21, "duplicate key \"glbvs\""},
};

static void test_valid(void)
{
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const struct valid_case *c = &valid_cases[i];
        struct sg_json_error err;
        struct sg_json_span v = {NULL, 0};
        int rc = sg_json_validate(
            c->doc, c->len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &v, &err);
        CHECK(rc == 0, "valid #%zu [%.*s] refused: %s", i, (int)c->len, c->doc, err.text);
        CHECK(v.len > 0 && v.ptr >= c->doc && v.ptr + v.len <= c->doc + c->len,
              "valid #%zu: span outside the document", i);
    }
}

static void test_invalid(void)
{
    for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct sg_json_error err;
        struct sg_json_span v;
        int rc = sg_json_validate(
            c->doc, c->len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &v, &err);
        CHECK(rc == -1, "invalid #%zu [%.*s] accepted", i, (int)c->len, c->doc);
        if (rc != -1)
            continue;
        CHECK(strstr(err.text, c->text) != NULL, "invalid #%zu: text [%s] lacks [%s]", i, err.text,
              c->text);
        CHECK(err.offset == c->offset, "invalid #%zu [%s]: offset %zu, want %zu", i, err.text,
              err.offset, c->offset);
        CHECK(strncmp(err.text, "invalid JSON at offset ", 23) == 0, "#%zu prefix: %s", i,
              err.text);
    }
}

static void test_error_text_format(void)
{
    struct sg_json_error err;
    const char doc[] = "{\"event\" 12}";
    CHECK(sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) ==
              -1,
          "refused");
    CHECK_STREQ(err.text, "invalid JSON at offset 9: expected ':' after object key (found '1')",
                "message");
    /* err may be NULL when the caller does not want the reason */
    CHECK(sg_json_validate("[", 1, &(struct sg_json_opts){{64, 0}, NULL}, NULL, NULL) == -1,
          "NULL err");
    CHECK(sg_json_validate(NULL, 0, &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) == -1,
          "NULL buffer is empty");
}

static char *nested(unsigned depth, char open, char close)
{
    char *s = malloc(2 * (size_t)depth + 1);
    for (unsigned i = 0; i < depth; i++) {
        s[i] = open;
        s[2 * depth - 1 - i] = close;
    }
    s[2 * depth] = '\0';
    return s;
}

static void test_depth(void)
{
    struct sg_json_error err;
    char *a = nested(64, '[', ']');
    CHECK(sg_json_validate(a, strlen(a), &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) == 0,
          "depth 64 at limit 64: %s", err.text);
    CHECK(sg_json_validate(a, strlen(a), &(struct sg_json_opts){{63, 0}, NULL}, NULL, &err) == -1,
          "depth 64 at limit 63");
    CHECK(strstr(err.text, "nesting deeper than 63 levels") != NULL, "%s", err.text);
    CHECK(err.offset == 63, "offset %zu", err.offset);
    free(a);

    CHECK(sg_json_validate("1", 1, &(struct sg_json_opts){{0, 0}, NULL}, NULL, &err) == 0,
          "scalar at depth 0");
    CHECK(sg_json_validate("[]", 2, &(struct sg_json_opts){{0, 0}, NULL}, NULL, &err) == -1,
          "array at limit 0");
    CHECK(sg_json_validate("{\"a\":{}}", 8, &(struct sg_json_opts){{1, 0}, NULL}, NULL, &err) == -1,
          "object in object, limit 1");
    CHECK(sg_json_validate("{\"a\":[],\"b\":{}}", 15, &(struct sg_json_opts){{1, 0}, NULL}, NULL,
                           &err) == -1,
          "siblings, limit 1");
    CHECK(sg_json_validate("[[],[],{}]", 10, &(struct sg_json_opts){{2, 0}, NULL}, NULL, &err) == 0,
          "siblings reuse depth");

    /* A huge max_depth is clamped, so deep hostile input is still refused. */
    char *deep = nested(100000, '[', ']');
    CHECK(sg_json_validate(deep, strlen(deep), &(struct sg_json_opts){{UINT32_MAX, 0}, NULL}, NULL,
                           &err) == -1,
          "clamped");
    CHECK(strstr(err.text, "nesting deeper than 256 levels") != NULL, "%s", err.text);
    free(deep);
    char *ok = nested(SG_JSON_MAX_DEPTH_LIMIT, '[', ']');
    CHECK(sg_json_validate(ok, strlen(ok), &(struct sg_json_opts){{UINT32_MAX, 0}, NULL}, NULL,
                           &err) == 0,
          "at the hard limit");
    free(ok);
}

/* {"k0":0,"k1":1,...} with n keys, optionally repeating key 0 at the end. */
static char *many_keys(unsigned n, bool repeat_first, size_t *len)
{
    size_t cap = (size_t)n * 24 + 64, o = 0;
    char *s = malloc(cap);
    s[o++] = '{';
    for (unsigned i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s\"k%u\":%u", i ? "," : "", i, i);
    if (repeat_first)
        o += (size_t)snprintf(s + o, cap - o, ",\"k0\":0");
    s[o++] = '}';
    s[o] = '\0';
    *len = o;
    return s;
}

/* Members per object, at and over the limit, and duplicates found past the
 * keys kept on the stack (the key stack then grows on the heap). */
static void test_members_limit(void)
{
    static const struct {
        unsigned members;
        bool repeat_first;    /* one more member: a repeat of the first key */
        unsigned max_members; /* 0: the default */
        int rc;
        enum sg_json_error_kind kind;
        const char *text;
    } rows[] = {
        {SG_JSON_MAX_MEMBERS_DEFAULT, false, 0, 0, SG_JSON_ERR_SYNTAX, ""},
        {SG_JSON_MAX_MEMBERS_DEFAULT + 1, false, 0, -1, SG_JSON_ERR_MEMBERS,
         "an object with more than 10000 members"},
        {SG_JSON_MAX_MEMBERS_DEFAULT - 1, true, 0, -1, SG_JSON_ERR_SYNTAX, "duplicate key \"k0\""},
        {1023, false, 0, 0, SG_JSON_ERR_SYNTAX, ""}, /* the old hard limit, and past it */
        {1024, false, 0, 0, SG_JSON_ERR_SYNTAX, ""},
        {1025, false, 0, 0, SG_JSON_ERR_SYNTAX, ""},
        {SG_JSON_INLINE_KEYS, true, 0, -1, SG_JSON_ERR_SYNTAX, "duplicate key \"k0\""},
        {5000, true, 0, -1, SG_JSON_ERR_SYNTAX, "duplicate key \"k0\""},
        {3, false, 3, 0, SG_JSON_ERR_SYNTAX, ""},
        {4, false, 3, -1, SG_JSON_ERR_MEMBERS, "an object with more than 3 members"},
        {SG_JSON_MAX_MEMBERS_LIMIT, false, UINT32_MAX, 0, SG_JSON_ERR_SYNTAX, ""},
        {SG_JSON_MAX_MEMBERS_LIMIT + 1, false, UINT32_MAX, -1, SG_JSON_ERR_MEMBERS,
         "more than 100000 members"}, /* clamped */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_json_error err;
        struct sg_json_limits lim = {64, rows[i].max_members};
        size_t len;
        char *s = many_keys(rows[i].members, rows[i].repeat_first, &len);
        int rc = sg_json_validate(s, len, &(struct sg_json_opts){lim, NULL}, NULL, &err);
        CHECK(rc == rows[i].rc, "members row %zu (%u keys): rc %d: %s", i, rows[i].members, rc,
              err.text);
        if (rc != 0 && rows[i].rc != 0)
            CHECK(err.kind == rows[i].kind && strstr(err.text, rows[i].text) != NULL,
                  "members row %zu: kind %d [%s]", i, (int)err.kind, err.text);
        free(s);
    }

    /* The limit is per object, not per document: 300 objects of 300 keys
     * with the first (outer) object's keys open, 600 keys open at most. */
    struct sg_buf b;
    struct sg_json_error err;
    struct sg_json_limits lim = {64, 300};
    sg_buf_init(&b, 0);
    int rc = sg_buf_append_char(&b, '{');
    for (unsigned i = 0; i < 300; i++) {
        rc |= sg_buf_printf(&b, "%s\"o%u\":{", i ? "," : "", i);
        for (unsigned j = 0; j < 300; j++)
            rc |= sg_buf_printf(&b, "%s\"o%u\":%u", j ? "," : "", j, j);
        rc |= sg_buf_append_char(&b, '}');
    }
    rc |= sg_buf_append_char(&b, '}');
    CHECK(rc == 0 &&
              sg_json_validate(b.data, b.len, &(struct sg_json_opts){lim, NULL}, NULL, &err) == 0,
          "300 x 300 members, same names inside and out: %s", err.text);
    sg_buf_free(&b);

    struct sg_json_span v;
    /* the limits struct may be NULL or hold zeros: the defaults */
    CHECK(sg_json_validate("{\"a\":[[1]]}", 11, NULL, &v, &err) == 0 && v.len == 11, "NULL limits");
    struct sg_json_limits zero = {1, 0};
    CHECK(sg_json_validate("{\"a\":1}", 7, &(struct sg_json_opts){zero, NULL}, NULL, &err) == 0,
          "max_members 0 is the default");
    struct sg_json_limits depth2 = {2, 0};
    CHECK(sg_json_validate("[[[1]]]", 7, &(struct sg_json_opts){depth2, NULL}, NULL, &err) == -1 &&
              err.kind == SG_JSON_ERR_DEPTH,
          "depth kind: %d %s", (int)err.kind, err.text);
    CHECK(sg_json_validate("[1,]", 4, &(struct sg_json_opts){depth2, NULL}, NULL, &err) == -1 &&
              err.kind == SG_JSON_ERR_SYNTAX,
          "syntax kind");
}

static void test_duplicates_scale(void)
{
    struct sg_json_error err;
    /* Keys are released when their object closes: many small objects are fine. */
    struct sg_buf b;
    sg_buf_init(&b, 0);
    int rc = sg_buf_append_char(&b, '[');
    for (unsigned i = 0; i < 5000; i++)
        rc |= sg_buf_printf(&b, "%s{\"a\":%u,\"b\":{\"a\":1,\"c\":2}}", i ? "," : "", i);
    rc |= sg_buf_append_char(&b, ']');
    CHECK(rc == 0, "build");
    CHECK(sg_json_validate(b.data, b.len, &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) == 0,
          "5000 objects: %s", err.text);
    sg_buf_free(&b);
}

static void test_type_of(void)
{
    static const struct {
        const char *v;
        enum sg_json_type t;
    } rows[] = {
        {"{}", SG_JSON_OBJECT},   {"[]", SG_JSON_ARRAY},  {"\"\"", SG_JSON_STRING},
        {"-1", SG_JSON_NUMBER},   {"7", SG_JSON_NUMBER},  {"true", SG_JSON_TRUE},
        {"false", SG_JSON_FALSE}, {"null", SG_JSON_NULL}, {"", SG_JSON_INVALID},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_json_span s = {rows[i].v, strlen(rows[i].v)};
        CHECK(sg_json_type_of(s) == rows[i].t, "type of [%s]", rows[i].v);
    }
}

static struct sg_json_span span_of(const char *doc)
{
    struct sg_json_span v = {NULL, 0};
    struct sg_json_error err;
    if (sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, NULL}, &v, &err) != 0)
        fprintf(stderr, "test document refused: %s\n", err.text);
    return v;
}

static bool span_is(struct sg_json_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static void test_iterators(void)
{
    const char *doc = " { \"a\" : 1 , \"b\\\"}\" : { \"x\" : [ 1 , \"]\" ] } ,\"c\":\"s,}\" , "
                      "\"d\" : -1.5e3 , \"e\":[] } ";
    struct sg_json_span obj = span_of(doc), k, v;
    CHECK(obj.ptr && obj.ptr[0] == '{' && obj.ptr[obj.len - 1] == '}', "trimmed span");
    static const char *const keys[] = {"\"a\"", "\"b\\\"}\"", "\"c\"", "\"d\"", "\"e\""};
    static const char *const vals[] = {"1", "{ \"x\" : [ 1 , \"]\" ] }", "\"s,}\"", "-1.5e3", "[]"};
    struct sg_json_iter it;
    sg_json_iter_init(&it, obj);
    size_t n = 0;
    while (sg_json_object_next(&it, &k, &v)) {
        CHECK(n < 5 && span_is(k, keys[n]) && span_is(v, vals[n]), "member %zu: [%.*s]:[%.*s]", n,
              (int)k.len, k.ptr, (int)v.len, v.ptr);
        n++;
    }
    CHECK(n == 5, "5 members, got %zu", n);
    CHECK(!sg_json_object_next(&it, &k, &v), "stays at the end");

    struct sg_json_span arr = span_of("[ 1, \"a\\\\\" ,{\"k\":[2]} , [ ] ,true,null ]");
    static const char *const elems[] = {"1", "\"a\\\\\"", "{\"k\":[2]}", "[ ]", "true", "null"};
    sg_json_iter_init(&it, arr);
    n = 0;
    while (sg_json_array_next(&it, &v)) {
        CHECK(n < 6 && span_is(v, elems[n]), "element %zu: [%.*s]", n, (int)v.len, v.ptr);
        n++;
    }
    CHECK(n == 6, "6 elements, got %zu", n);

    sg_json_iter_init(&it, span_of("[]"));
    CHECK(!sg_json_array_next(&it, &v), "empty array");
    sg_json_iter_init(&it, span_of("{ }"));
    CHECK(!sg_json_object_next(&it, &k, &v), "empty object");
    sg_json_iter_init(&it, span_of("\"str\""));
    CHECK(!sg_json_array_next(&it, &v), "a string is not iterable");
}

static void test_object_get_and_equals(void)
{
    struct sg_json_span obj = span_of("{\"a\":1,\"caf\\u00e9\":2,\"\\ud83d\\ude00\":3,"
                                      "\"q\\\"\":4,\"ab\":5,\"\":6}"),
                        v;
    CHECK(sg_json_object_get(obj, "a", &v) && span_is(v, "1"), "a");
    CHECK(sg_json_object_get(obj, "caf\xc3\xa9", &v) && span_is(v, "2"), "escaped key");
    CHECK(sg_json_object_get(obj, "\xf0\x9f\x98\x80", &v) && span_is(v, "3"), "surrogate key");
    CHECK(sg_json_object_get(obj, "q\"", &v) && span_is(v, "4"), "quote key");
    CHECK(sg_json_object_get(obj, "ab", &v) && span_is(v, "5"), "ab");
    CHECK(sg_json_object_get(obj, "", &v) && span_is(v, "6"), "empty key");
    CHECK(!sg_json_object_get(obj, "b", &v), "missing");
    CHECK(!sg_json_object_get(obj, "caf", &v), "prefix of a key");
    CHECK(!sg_json_object_get(span_of("[1]"), "a", &v), "array");

    static const struct {
        const char *tok, *lit;
        bool eq;
    } rows[] = {
        {"\"abc\"", "abc", true},
        {"\"abc\"", "ab", false},
        {"\"ab\"", "abc", false},
        {"\"\\u0061bc\"", "abc", true},
        {"\"\\u0061bc\"", "abcd", false},
        {"\"a\\\\b\"", "a\\b", true},
        {"\"a\\\\b\"", "a\\\\b", false},
        {"\"a\\nb\"", "a\nb", true},
        {"\"\\/\"", "/", true},
        {"\"\"", "", true},
        {"\"\\u00e9\"", "\xc3\xa9", true},
        {"\"\\u00e9\"", "\xc3", false},
        {"abc", "abc", false}, /* not a string token */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_json_span t = {rows[i].tok, strlen(rows[i].tok)};
        CHECK(sg_json_string_equals(t, rows[i].lit) == rows[i].eq, "equals #%zu %s", i,
              rows[i].tok);
    }
}

static void test_decode(void)
{
    static const struct {
        const char *tok;
        const char *want;
        size_t want_len;
    } rows[] = {
        {"\"plain\"", DOC("plain")},
        {"\"\"", DOC("")},
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", DOC("\"\\/\b\f\n\r\t")},
        {"\"a\\u0000b\"", DOC("a\0b")},
        {"\"\\u0041\\u00e9\\u20AC\"", DOC("A\xc3\xa9\xe2\x82\xac")},
        {"\"\\uD83D\\uDE00!\"", DOC("\xf0\x9f\x98\x80!")},
        {"\"\\uDBFF\\uDFFF\"", DOC("\xf4\x8f\xbf\xbf")},
        {"\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
         DOC("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf")},
        {"\"raw \xc3\xa9 kept\"", DOC("raw \xc3\xa9 kept")},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_json_span t = {rows[i].tok, strlen(rows[i].tok)};
        struct sg_json_error err;
        CHECK(sg_json_validate(t.ptr, t.len, &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) ==
                  0,
              "row %zu valid", i);
        struct sg_buf b;
        sg_buf_init(&b, 0);
        CHECK(sg_buf_append_str(&b, "pre:") == 0, "prefix");
        CHECK(sg_json_string_decode(t, &b) == 0, "decode %zu", i);
        CHECK(b.len == 4 + rows[i].want_len &&
                  memcmp(b.data + 4, rows[i].want, rows[i].want_len) == 0,
              "decode %zu: got %zu bytes", i, b.len - 4);
        sg_buf_free(&b);

        char dst[64];
        size_t n = 99;
        CHECK(sg_json_string_decode_to(t, dst, sizeof dst, &n) == 0 && n == rows[i].want_len &&
                  memcmp(dst, rows[i].want, n) == 0,
              "decode_to %zu", i);
        if (rows[i].want_len > 0)
            CHECK(sg_json_string_decode_to(t, dst, rows[i].want_len - 1, &n) == -1,
                  "decode_to %zu one byte short", i);
    }
    /* Past the buffer's limit: -1 and the buffer is unchanged. */
    struct sg_buf b;
    sg_buf_init(&b, 8);
    CHECK(sg_buf_append_str(&b, "1234") == 0, "fill");
    struct sg_json_span t = {"\"abcdef\"", 8};
    CHECK(sg_json_string_decode(t, &b) == SG_BUF_TOO_LARGE && b.len == 4, "limit");
    sg_buf_free(&b);
}

static void test_compact(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {" { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x y\\n\" } ", "{\"a\":[1,2],\"b\":\"x y\\n\"}"},
        {"[ 123456789012345678901234567890 , 9.99 , 1E+05 , -0.0 ]",
         "[123456789012345678901234567890,9.99,1E+05,-0.0]"},
        {"{ \"k \\\" }\" : \" [ , ] \\\\\" }", "{\"k \\\" }\":\" [ , ] \\\\\"}"},
        {"\"\\u00e9 \xc3\xa9 \\/\"", "\"\\u00e9 \xc3\xa9 \\/\""},
        {" true ", "true"},
        {"{}", "{}"},
        {"[ { } , [ ] , null , false ]", "[{},[],null,false]"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_json_span v = span_of(rows[i].in);
        struct sg_buf b;
        sg_buf_init(&b, 0);
        CHECK(sg_json_compact(v, &b) == 0, "compact %zu", i);
        CHECK_STREQ(b.data ? b.data : "", rows[i].want, "compact");
        struct sg_json_error err;
        CHECK(sg_json_validate(b.data, b.len, &(struct sg_json_opts){{64, 0}, NULL}, NULL, &err) ==
                  0,
              "compact %zu re-validates", i);
        sg_buf_free(&b);
    }
    struct sg_buf b;
    sg_buf_init(&b, 5);
    CHECK(sg_json_compact(span_of("[1, 2, 3]"), &b) == SG_BUF_TOO_LARGE && b.len == 0,
          "past the limit");
    CHECK(sg_json_compact(span_of("[1,2]"), &b) == 0 && b.len == 5, "exactly at the limit");
    sg_buf_free(&b);
}

/* ---- the structural index ---- */

static bool same_span(struct sg_json_span a, struct sg_json_span b)
{
    return a.ptr == b.ptr && a.len == b.len;
}

/* Walks v plainly and through idx side by side at every level, each nested
 * level started from idx or, with from_parent, from its parent's iterator
 * (sg_json_iter_init_child), and checks compact_indexed against compact for
 * every value. */
static bool walk_equals_plain(struct sg_json_span v, const struct sg_json_iter *parent,
                              bool from_parent, const struct sg_json_index *idx, unsigned depth)
{
    struct sg_buf a, b;
    sg_buf_init(&a, 0);
    sg_buf_init(&b, 0);
    bool ok = sg_json_compact(v, &a) == 0 && sg_json_compact_indexed(v, idx, &b) == 0 &&
              a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
    /* Known compact means compacting changes nothing. */
    if (sg_json_is_compact(idx, v))
        ok = ok && a.len == v.len && memcmp(a.data, v.ptr, v.len) == 0;
    sg_buf_free(&a);
    sg_buf_free(&b);
    enum sg_json_type t = sg_json_type_of(v);
    if (!ok || (t != SG_JSON_OBJECT && t != SG_JSON_ARRAY))
        return ok;
    struct sg_json_iter pi, ii;
    struct sg_json_span pk = {NULL, 0}, pv, ik = {NULL, 0}, iv;
    sg_json_iter_init(&pi, v);
    if (parent)
        sg_json_iter_init_child(&ii, parent, v);
    else
        sg_json_iter_init_indexed(&ii, v, idx);
    if (sg_json_iter_is_compact(&ii) && !sg_json_is_compact(idx, v))
        return false;
    for (;;) {
        bool pr =
            t == SG_JSON_OBJECT ? sg_json_object_next(&pi, &pk, &pv) : sg_json_array_next(&pi, &pv);
        bool ir =
            t == SG_JSON_OBJECT ? sg_json_object_next(&ii, &ik, &iv) : sg_json_array_next(&ii, &iv);
        if (pr != ir)
            return false;
        if (!pr)
            return true;
        if (!same_span(pv, iv) || (t == SG_JSON_OBJECT && !same_span(pk, ik)))
            return false;
        if (depth < 64 &&
            !walk_equals_plain(iv, from_parent ? &ii : NULL, from_parent, idx, depth + 1))
            return false;
    }
}

static bool same_walk(struct sg_json_span v, const struct sg_json_index *idx)
{
    return walk_equals_plain(v, NULL, false, idx, 0);
}

static bool same_child_walk(struct sg_json_span v, const struct sg_json_index *idx)
{
    return walk_equals_plain(v, NULL, true, idx, 0);
}

static void test_index_equals_plain(void)
{
    static const char *const docs[] = {
        " { \"a\" : 1 , \"b\\\"}\" : { \"x\" : [ 1 , \"]\" ] } ,\"c\":\"s,}\" , \"d\" : -1.5e3 , "
        "\"e\":[] } ",
        "{\"records\":[{\"data\":{\"event_uuid\":\"u\",\"tags\":[\"a\",\"b\"],\"m\":{\"k\":[1,[2,"
        "{}]]}},\"partition-key\":\"k\"},{\"data\":\"{\\\"x\\\":[1]}\"},{\"data\":[ ]}]}",
        "[[[[[[[[[[]]]]]]]]]]",
        "[ {}, [], {\"a\":[{},{\"b\":[]}]}, \"[{\", 1, [ 2 ], {\"c\" :{ }} ]",
        "\"just a string\"",
        "[1,2,3]",
        "{}",
    };
    static const size_t bounds[] = {0, 1, 2, 3, 5, 8, SG_JSON_INDEX_MAX, 1000000};
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
            struct sg_json_index idx;
            struct sg_json_span plain, v;
            struct sg_json_error e1, e2;
            sg_json_index_init(&idx, bounds[b]);
            int r1 = sg_json_validate(docs[d], strlen(docs[d]),
                                      &(struct sg_json_opts){{64, 0}, NULL}, &plain, &e1);
            int r2 = sg_json_validate(docs[d], strlen(docs[d]),
                                      &(struct sg_json_opts){{64, 0}, &idx}, &v, &e2);
            CHECK(r1 == 0 && r2 == 0 && same_span(plain, v), "doc %zu bound %zu validates", d,
                  bounds[b]);
            CHECK(same_walk(v, &idx), "doc %zu bound %zu: indexed walk differs", d, bounds[b]);
            sg_json_index_free(&idx);
        }
    }
}

static void test_index_flags(void)
{
    const char *doc = "{\"a\":[1,2],\"b\":[ 1],\"c\":{\"d\":{\"e\":\" \"}},\"f\":{\"g\":[\n]}}";
    struct sg_json_index idx;
    struct sg_json_span root, v;
    sg_json_index_init(&idx, SG_JSON_INDEX_MAX);
    CHECK(sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, &idx}, &root, NULL) ==
              0,
          "validates");
    CHECK(!sg_json_is_compact(&idx, root), "whitespace deep inside the root");
    CHECK(sg_json_object_get(root, "a", &v) && sg_json_is_compact(&idx, v), "a is compact");
    CHECK(sg_json_object_get(root, "b", &v) && !sg_json_is_compact(&idx, v), "b is not");
    CHECK(sg_json_object_get(root, "c", &v) && sg_json_is_compact(&idx, v),
          "c: spaces inside a string are not whitespace");
    CHECK(sg_json_object_get(root, "f", &v) && !sg_json_is_compact(&idx, v), "f: nested");
    struct sg_json_span part = {root.ptr, root.len - 1};
    CHECK(!sg_json_is_compact(&idx, part), "not a container's exact span");
    CHECK(sg_json_object_get(root, "a", &v) && !sg_json_is_compact(NULL, v), "no index");
    /* An index describes only its own document. */
    char copy[64];
    memcpy(copy, doc, strlen(doc) + 1);
    struct sg_json_span other = {copy + (root.ptr - doc), root.len};
    CHECK(sg_json_object_get(other, "a", &v) && !sg_json_is_compact(&idx, v), "other buffer");
    CHECK(same_walk(other, &idx), "other buffer: walk unchanged");
    /* A failed validation leaves the index empty. */
    CHECK(sg_json_validate("[[1],", 5, &(struct sg_json_opts){{64, 0}, &idx}, &v, NULL) == -1,
          "refused");
    CHECK(sg_json_object_get(root, "a", &v) && !sg_json_is_compact(&idx, v), "index emptied");
    sg_json_index_free(&idx);
    sg_json_index_free(&idx); /* twice is fine */
    sg_json_index_free(NULL);
}

/* Errors are the same with and without an index, whatever its bound. */
static void test_index_same_errors(void)
{
    for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
        const struct invalid_case *c = &invalid_cases[i];
        struct sg_json_error e1, e2;
        struct sg_json_index idx;
        struct sg_json_span v;
        sg_json_index_init(&idx, i % 3 == 0 ? 1 : SG_JSON_INDEX_MAX);
        int r1 = sg_json_validate(
            c->doc, c->len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &v, &e1);
        int r2 = sg_json_validate(
            c->doc, c->len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, &idx}, &v, &e2);
        CHECK(r1 == r2 && e1.offset == e2.offset && strcmp(e1.text, e2.text) == 0,
              "invalid #%zu: [%s] vs [%s]", i, e1.text, e2.text);
        sg_json_index_free(&idx);
    }
}

/* Many containers: the entries grow past the first guess, and a bound
 * below the count leaves a partial index that must still walk the same. */
static void test_index_growth(void)
{
    size_t n = 5000, len = 0;
    size_t cap = n * 12 + 16;
    char *doc = malloc(cap);
    if (!doc)
        return;
    doc[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, cap - len, "%s{\"a\":[%zu]}", i ? "," : "", i % 10);
    doc[len++] = ']';
    static const size_t bounds[] = {SG_JSON_INDEX_MAX, 4097, 100};
    for (size_t b = 0; b < 3; b++) {
        struct sg_json_index idx;
        struct sg_json_span v;
        sg_json_index_init(&idx, bounds[b]);
        CHECK(sg_json_validate(doc, len, &(struct sg_json_opts){{64, 0}, &idx}, &v, NULL) == 0,
              "validates");
        CHECK(same_walk(v, &idx), "bound %zu: same walk", bounds[b]);
        CHECK(sg_json_is_compact(&idx, v), "bound %zu: root recorded", bounds[b]);
        sg_json_index_free(&idx);
    }
    free(doc);
}

/* The member spans the validator records: each object's members as the
 * plain walk finds them (keys with escapes, whitespace around every token,
 * nested containers), read from the index when every member was recorded;
 * a members' bound below the count leaves the object to the scan, with the
 * same result. */
static void test_index_members(void)
{
    static const struct {
        const char *doc;
        const char *member;  /* a member of the root, by name */
        const char *key_tok; /* its raw key token */
        const char *value;   /* its raw value */
        unsigned n;          /* members of the root */
    } cases[] = {
        {"{\"a\":1}", "a", "\"a\"", "1", 1},
        {" { \"a\" : [ 1 , 2 ] , \"b\" : \"x\" } ", "b", "\"b\"", "\"x\"", 2},
        {"{\"\\u0061b\":{\"c\":{}},\"d\":null}", "ab", "\"\\u0061b\"", "{\"c\":{}}", 2},
        {"{\"x\":{\"y\":1,\"z\":[{\"w\":2}]},\"v\":-1.5e3}", "v", "\"v\"", "-1.5e3", 2},
        {"{\"k\":\"s\\\"}\",\"l\":true}", "k", "\"k\"", "\"s\\\"}\"", 2},
        {"[{\"a\":1},{\"b\":2}]", NULL, NULL, NULL, 0},
    };
    static const size_t bounds[] = {SG_JSON_INDEX_MAX, 1, 2};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
            struct sg_json_index idx;
            struct sg_json_span root, k, v;
            struct sg_json_iter it;
            sg_json_index_init(&idx, bounds[b]);
            const char *doc = cases[i].doc;
            CHECK(sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, &idx}, &root,
                                   NULL) == 0,
                  "case %zu validates", i);
            CHECK(same_walk(root, &idx) && same_child_walk(root, &idx),
                  "case %zu bound %zu: same walks", i, bounds[b]);
            if (!cases[i].member) {
                sg_json_index_free(&idx);
                continue;
            }
            sg_json_iter_init_indexed(&it, root, &idx);
            /* The members' bound is 4 per container: bound 1 holds 4. */
            bool recorded = 4 * bounds[b] >= cases[i].n + 2 || bounds[b] == SG_JSON_INDEX_MAX;
            CHECK(!recorded || it._members, "case %zu bound %zu: members from the index", i,
                  bounds[b]);
            bool found = false;
            unsigned n = 0;
            while (sg_json_object_next(&it, &k, &v)) {
                n++;
                if (sg_json_string_equals(k, cases[i].member)) {
                    found = k.len == strlen(cases[i].key_tok) &&
                            memcmp(k.ptr, cases[i].key_tok, k.len) == 0 &&
                            v.len == strlen(cases[i].value) &&
                            memcmp(v.ptr, cases[i].value, v.len) == 0;
                }
            }
            CHECK(found && n == cases[i].n, "case %zu bound %zu: member %s", i, bounds[b],
                  cases[i].member);
            sg_json_index_free(&idx);
        }
    }
    /* An object with more members than the bound allows is walked by scan. */
    const char *doc = "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":{\"g\":6}}";
    struct sg_json_index idx;
    struct sg_json_span root;
    struct sg_json_iter it;
    sg_json_index_init(&idx, 1);
    CHECK(sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, &idx}, &root, NULL) ==
              0,
          "validates");
    sg_json_iter_init_indexed(&it, root, &idx);
    CHECK(!it._members, "past the members' bound: scanned");
    CHECK(same_walk(root, &idx) && same_child_walk(root, &idx), "same walks");
    /* A child from another value than the parent returned: searched, same walk. */
    struct sg_json_span k, v, first = {NULL, 0};
    sg_json_index_free(&idx);
    sg_json_index_init(&idx, SG_JSON_INDEX_MAX);
    CHECK(sg_json_validate(doc, strlen(doc), &(struct sg_json_opts){{64, 0}, &idx}, &root, NULL) ==
              0,
          "validates");
    sg_json_iter_init_indexed(&it, root, &idx);
    while (sg_json_object_next(&it, &k, &v))
        if (sg_json_type_of(v) == SG_JSON_OBJECT)
            first = v;
    struct sg_json_iter c;
    sg_json_iter_init_child(&c, &it, root); /* it returned f's value, not root */
    CHECK(c._members && sg_json_object_next(&c, &k, &v) && sg_json_string_equals(k, "a"),
          "mismatched child: found by search");
    sg_json_iter_init_child(&c, &it, first);
    CHECK(sg_json_object_next(&c, &k, &v) && sg_json_string_equals(k, "g"), "child f");
    sg_json_index_free(&idx);
}

/* Duplicate keys around the size where an object's keys move from the
 * comparisons to the hash table, with escapes, nesting, and more keys
 * open than the inline stack holds. */
static void test_duplicates_small_large(void)
{
    /* n keys k0..k(n-1), then `extra` (a raw member text or ""). */
    static const struct {
        unsigned n;
        const char *extra;
        bool ok;
    } cases[] = {
        {1, "", true},
        {15, "", true},
        {16, "", true},
        {17, "", true},
        {40, "", true},
        {15, ",\"k3\":0", false},
        {15, ",\"k\\u0033\":0", false}, /* escaped duplicate, small */
        {16, ",\"k0\":0", false},       /* the 17th key: after the move */
        {16, ",\"k1\\u0035\":0", false},
        {30, ",\"k29\":0", false},
        {15, ",\"k15\":0", true},
        {15, ",\"k15\":{\"k15\":0,\"k1\":1},\"k16\":0", true}, /* same keys nested */
        {20, ",\"x\":{\"k3\":0,\"k3\":1}", false},
        {3,
         ",\"x\":{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":5,\"g\":6,\"h\":7,\"i\":8,"
         "\"j\":9,\"k\":10,\"l\":11,\"m\":12,\"n\":13,\"o\":14,\"p\":15,\"q\":16},\"k0\":0",
         false},
        {3,
         ",\"x\":{\"a\":0,\"b\":1,\"c\":2,\"d\":3,\"e\":4,\"f\":5,\"g\":6,\"h\":7,\"i\":8,"
         "\"j\":9,\"k\":10,\"l\":11,\"m\":12,\"n\":13,\"o\":14,\"p\":15,\"q\":16},\"k3\":0",
         true},
        {9, ",\"k12345678\":0,\"k12345679\":0", true}, /* same head, other tail */
        {9, ",\"k12345678\":0,\"k12345678\":0", false},
    };
    char doc[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        doc[len++] = '{';
        for (unsigned k = 0; k < cases[i].n; k++)
            len +=
                (size_t)snprintf(doc + len, sizeof doc - len, "%s\"k%u\":%u", k ? "," : "", k, k);
        len += (size_t)snprintf(doc + len, sizeof doc - len, "%s}", cases[i].extra);
        struct sg_json_error e;
        struct sg_json_span v;
        int rc = sg_json_validate(doc, len, NULL, &v, &e);
        CHECK((rc == 0) == cases[i].ok, "case %zu: %s (%s)", i, doc, e.text);
        if (!cases[i].ok)
            CHECK(strstr(e.text, "duplicate key") != NULL, "case %zu: %s", i, e.text);
    }
    /* 300 nested objects of one key each, then a duplicate deep down and at
     * the top: past the inline key stack while every object is small. */
    for (int dup = 0; dup < 3; dup++) {
        size_t len = 0;
        for (unsigned d = 0; d < 200; d++)
            len += (size_t)snprintf(doc + len, sizeof doc - len, "{\"a\":1,\"k\":");
        len += (size_t)snprintf(doc + len, sizeof doc - len, "%s",
                                dup == 1 ? "{\"z\":1,\"z\":2}" : "0");
        for (unsigned d = 0; d < 200; d++)
            len += (size_t)snprintf(doc + len, sizeof doc - len, "%s}",
                                    dup == 2 && d == 199 ? ",\"a\":3" : "");
        struct sg_json_error e;
        struct sg_json_span v;
        int rc = sg_json_validate(doc, len, &(struct sg_json_opts){{256, 0}, NULL}, &v, &e);
        CHECK((rc == 0) == (dup == 0), "nested %d: %s", dup, e.text);
    }
}

int main(void)
{
    test_valid();
    test_invalid();
    test_error_text_format();
    test_depth();
    test_duplicates_scale();
    test_members_limit();
    test_type_of();
    test_iterators();
    test_object_get_and_equals();
    test_decode();
    test_compact();
    test_index_equals_plain();
    test_index_flags();
    test_index_same_errors();
    test_index_growth();
    test_index_members();
    test_duplicates_small_large();
    return sg_check_result("test_json_scan");
}
