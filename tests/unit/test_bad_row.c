/*
 * test_bad_row: server/bad_row.h: the capped JSON string (escapes, UTF-8,
 * replacement of bad bytes, cuts on character boundaries), whole rows byte
 * for byte, event_name of objects and string-wrapped events, and the size
 * bound of a row whatever its payload.
 */
#include "bad_row.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_capped(void)
{
    static const struct {
        const char *name;
        const char *in;
        size_t in_len; /* 0: strlen */
        size_t cap;
        const char *want;
        bool cut;
    } cases[] = {
        {"plain", "abc", 0, 100, "\"abc\"", false},
        {"empty", "", 0, 100, "\"\"", false},
        {"quote and backslash", "a\"b\\c", 0, 100, "\"a\\\"b\\\\c\"", false},
        {"short escapes", "\b\f\n\r\t", 0, 100, "\"\\b\\f\\n\\r\\t\"", false},
        {"other controls", "\x01\x1f", 0, 100, "\"\\u0001\\u001f\"", false},
        {"NUL kept", "a\0b", 3, 100, "\"a\\u0000b\"", false},
        {"UTF-8 copied", "caf\xC3\xA9 \xF0\x9F\x98\x80", 0, 100, "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"",
         false},
        {"escape text kept as text", "\\u00e9", 0, 100, "\"\\\\u00e9\"", false},
        {"bad byte replaced",
         "a\xFF"
         "b",
         0, 100,
         "\"a\xEF\xBF\xBD"
         "b\"",
         false},
        {"lone continuation", "\x80", 0, 100, "\"\xEF\xBF\xBD\"", false},
        {"surrogate encoded", "\xED\xA0\x80", 0, 100, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"",
         false},
        {"cut exactly at cap", "abcdef", 0, 6, "\"abcdef\"", false},
        {"cut one over", "abcdefg", 0, 6, "\"abcdef\"", true},
        {"cut before an escape", "abcde\"", 0, 6, "\"abcde\"", true},
        {"cut before a \\u escape", "ab\x01", 0, 7, "\"ab\"", true},
        {"never half a character", "ab\xF0\x9F\x98\x80", 0, 5, "\"ab\"", true},
        {"cap zero", "x", 0, 0, "\"\"", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_buf b;
        sg_buf_init(&b, 0);
        bool cut = !cases[i].cut;
        size_t n = cases[i].in_len ? cases[i].in_len : strlen(cases[i].in);
        CHECK(sg_bad_row_append_capped(&b, cases[i].in, n, cases[i].cap, &cut) == SG_BUF_OK, "%s",
              cases[i].name);
        CHECK(b.len == strlen(cases[i].want) && memcmp(b.data, cases[i].want, b.len) == 0,
              "%s: got [%s] want [%s]", cases[i].name, b.data ? b.data : "", cases[i].want);
        CHECK(cut == cases[i].cut, "%s: truncated %d", cases[i].name, cut);
        sg_buf_free(&b);
    }
}

static const struct sg_bad_row_reason reason_type = {
    "$.amount", "type", "payment:order:completed: $.amount must be a number"};

static void test_rows(void)
{
    static const struct {
        const char *name;
        const char *event_name; /* NULL: none */
        const char *api_key_id;
        const char *payload;
        const char *want;
    } cases[] = {
        {"full row", "payment:order:completed", "team-a", "{\"amount\":\"19.99\"}",
         "{\"failure\":{\"timestamp\":\"2026-12-06T10:00:00.123Z\",\"reasons\":[{\"path\":\"$."
         "amount\",\"rule\":\"type\",\"message\":\"payment:order:completed: $.amount must be a "
         "number\"}]},\"event_name\":\"payment:order:completed\",\"stream\":\"events\","
         "\"request_id\":\"8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b\",\"api_key_id\":\"team-a\","
         "\"received_at\":\"2026-12-06T10:00:00.120Z\",\"payload\":\"{\\\"amount\\\":\\\"19."
         "99\\\"}\",\"payload_truncated\":false}"},
        {"no name, no key", NULL, NULL, "not json\n",
         "{\"failure\":{\"timestamp\":\"2026-12-06T10:00:00.123Z\",\"reasons\":[{\"path\":\"$."
         "amount\",\"rule\":\"type\",\"message\":\"payment:order:completed: $.amount must be a "
         "number\"}]},\"stream\":\"events\",\"request_id\":\"8f9a3c1e-2b4d-4e6f-9a1b-"
         "3c5d7e9f1a2b\",\"api_key_id\":null,\"received_at\":\"2026-12-06T10:00:00.120Z\","
         "\"payload\":\"not json\\n\",\"payload_truncated\":false}"},
        {"string-wrapped event kept as sent", "a\"b", NULL, "\"{\\\"event_name\\\":\\\"a\\\"}\"",
         "{\"failure\":{\"timestamp\":\"2026-12-06T10:00:00.123Z\",\"reasons\":[{\"path\":\"$."
         "amount\",\"rule\":\"type\",\"message\":\"payment:order:completed: $.amount must be a "
         "number\"}]},\"event_name\":\"a\\\"b\",\"stream\":\"events\",\"request_id\":"
         "\"8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b\",\"api_key_id\":null,\"received_at\":\"2026-"
         "12-06T10:00:00.120Z\",\"payload\":\"\\\"{\\\\\\\"event_name\\\\\\\":\\\\\\\"a\\\\\\\"}"
         "\\\"\",\"payload_truncated\":false}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_bad_row row = {
            .failed_at_ms = 1796551200123LL,
            .received_at_ms = 1796551200120LL,
            .reasons = &reason_type,
            .n_reasons = 1,
            .event_name = cases[i].event_name,
            .event_name_len = cases[i].event_name ? strlen(cases[i].event_name) : 0,
            .stream = "events",
            .request_id = "8f9a3c1e-2b4d-4e6f-9a1b-3c5d7e9f1a2b",
            .api_key_id = cases[i].api_key_id,
            .payload = cases[i].payload,
            .payload_len = strlen(cases[i].payload),
        };
        struct sg_buf b;
        sg_buf_init(&b, 0);
        bool cut = true;
        CHECK(sg_bad_row_append(&b, &row, &cut) == SG_BUF_OK, "%s", cases[i].name);
        CHECK(b.data && strcmp(b.data, cases[i].want) == 0, "%s:\n got [%s]\nwant [%s]",
              cases[i].name, b.data ? b.data : "", cases[i].want);
        CHECK(!cut, "%s: not truncated", cases[i].name);
        sg_buf_free(&b);
    }
}

/* Whatever the payload, the row fits SG_BAD_ROW_MAX and under Kinesis' 1 MiB
 * record (with a 36-byte partition key); a cut payload says so. */
static void test_size_bound(void)
{
    static const struct {
        const char *name;
        unsigned char fill;
        size_t len;
        bool cut;
    } cases[] = {
        {"1 MiB of controls", 0x01, 1 << 20, true},
        {"2 MiB of quotes", '"', 2 << 20, true},
        {"2 MiB of bad bytes", 0xFF, 2 << 20, true},
        {"384 KiB of quotes fits", '"', 384 * 1024, false},
        {"128 KiB of controls fits", 0x02, 128 * 1024, false},
        {"768 KiB plain fits", 'x', 768 * 1024, false},
        {"one byte more is cut", 'x', 768 * 1024 + 1, true},
    };
    static char long_text[4096];
    memset(long_text, '\x01', sizeof long_text - 1);
    struct sg_bad_row_reason reasons[SG_BAD_ROW_REASONS_MAX + 2];
    for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++)
        reasons[r] = (struct sg_bad_row_reason){long_text, long_text, long_text};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = malloc(cases[i].len);
        memset(p, cases[i].fill, cases[i].len);
        struct sg_bad_row row = {
            .failed_at_ms = 0,
            .received_at_ms = 0,
            .reasons = reasons,
            .n_reasons = sizeof reasons / sizeof reasons[0],
            .event_name = long_text,
            .event_name_len = sizeof long_text - 1,
            .stream = long_text,
            .request_id = long_text,
            .api_key_id = long_text,
            .payload = p,
            .payload_len = cases[i].len,
        };
        struct sg_buf b;
        sg_buf_init(&b, SG_BAD_ROW_MAX);
        bool cut = !cases[i].cut;
        CHECK(sg_bad_row_append(&b, &row, &cut) == SG_BUF_OK, "%s: fits SG_BAD_ROW_MAX",
              cases[i].name);
        CHECK(cut == cases[i].cut, "%s: truncated %d", cases[i].name, cut);
        CHECK(b.len + 36 < 1024 * 1024, "%s: %zu bytes", cases[i].name, b.len);
        sg_buf_free(&b);
        free(p);
    }
}

static void test_event_name(void)
{
    static const struct {
        const char *name;
        const char *data; /* a JSON value as a record's Data */
        const char *want; /* NULL: none */
    } cases[] = {
        {"object", "{\"event_uuid\":\"x\",\"event_name\":\"a:b\"}", "a:b"},
        {"escaped name decoded", "{\"event_name\":\"caf\\u00e9\\n\"}", "caf\xC3\xA9\n"},
        {"string-wrapped", "\"{\\\"event_name\\\":\\\"lesson:started\\\"}\"", "lesson:started"},
        {"not a string", "{\"event_name\":42}", NULL},
        {"missing", "{\"a\":1}", NULL},
        {"nested one is not it", "{\"x\":{\"event_name\":\"a\"}}", NULL},
        {"array", "[\"event_name\"]", NULL},
        {"string without JSON", "\"hello\"", NULL},
        {"empty string", "\"\"", NULL},
        {"string holding an array", "\"[1]\"", NULL},
        {"number", "12", NULL},
    };
    struct sg_buf out;
    sg_buf_init(&out, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_json_span v;
        struct sg_json_error err;
        const char *d = cases[i].data;
        CHECK(sg_json_validate(d, strlen(d), &(struct sg_json_opts){{64, 0}, NULL}, &v, &err) == 0,
              "%s: valid JSON", cases[i].name);
        bool found = sg_bad_row_event_name(v, &out);
        CHECK(found == (cases[i].want != NULL), "%s: found %d", cases[i].name, found);
        if (found && cases[i].want)
            CHECK(out.len == strlen(cases[i].want) && memcmp(out.data, cases[i].want, out.len) == 0,
                  "%s: got [%.*s]", cases[i].name, (int)out.len, out.data);
    }
    /* A long name is cut on a character boundary. */
    size_t n = SG_BAD_ROW_EVENT_NAME_MAX * 2;
    char *doc = malloc(n + 32);
    char *o = doc + sprintf(doc, "{\"event_name\":\"a");
    for (size_t k = 0; k + 2 <= n; k += 2)
        o[0] = '\xC3', o[1] = '\xA9', o += 2;
    o += sprintf(o, "\"}");
    struct sg_json_span v;
    struct sg_json_error err;
    CHECK(sg_json_validate(doc, (size_t)(o - doc), &(struct sg_json_opts){{64, 0}, NULL}, &v,
                           &err) == 0,
          "long name: valid");
    CHECK(sg_bad_row_event_name(v, &out), "long name found");
    CHECK(out.len == SG_BAD_ROW_EVENT_NAME_MAX - 1, "long name cut to %zu bytes", out.len);
    free(doc);
    sg_buf_free(&out);
}

int main(void)
{
    test_capped();
    test_rows();
    test_size_bound();
    test_event_name();
    return sg_check_result("test_bad_row");
}
