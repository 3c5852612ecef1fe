/*
 * test_event: the event contract, data-driven from tests/data/events:
 *   valid/<case>/input.json    a Data value; expected = the exact enriched
 *                              output (one trailing newline in the file is
 *                              not part of it);
 *   invalid/<case>/input.json  expected = line 1 the field at fault ("" for
 *                              the whole event), line 2 a substring of the
 *                              message.
 * Every case also runs through sg_event_enrich_indexed, with a full and a
 * partial structural index, and must give the same bytes and errors.
 * Plus the date formatter, the output limit, and a check that the field
 * names in config/event-fields.json are the ones this module reads and adds.
 */
#include "event.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "read_file.h"

static const char *source_dir;

static char *case_file(const char *kind, const char *name, const char *file, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/events/%s/%s/%s", source_dir, kind, name, file);
    char *s = read_file(path, len);
    CHECK(s != NULL, "cannot read %s", path);
    return s;
}

static void strip_newline(char *s, size_t *len)
{
    if (*len > 0 && s[*len - 1] == '\n')
        s[--*len] = '\0';
}

/* Enriches with an index bounded to `bound` containers; checks that the
 * result, bytes and error equal the plain ones given. */
static void same_indexed(const char *name, const char *input, size_t len, size_t limit,
                         size_t bound, int want_rc, const struct sg_buf *want_out,
                         const char *want_uuid, const struct sg_event_error *want_err)
{
    struct sg_json_index idx;
    struct sg_json_span data;
    struct sg_buf out;
    struct sg_event_error err;
    char uuid[SG_EVENT_UUID_LEN + 1];
    sg_json_index_init(&idx, bound);
    sg_buf_init(&out, limit);
    if (sg_json_validate(input, len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, &idx},
                         &data, NULL) != 0 ||
        sg_buf_append_str(&out, "prefix|") != 0) {
        CHECK(0, "%s: indexed setup", name);
        goto done;
    }
    struct sg_event_opts opts = {.idx = &idx};
    int rc = sg_event_enrich(data, &opts, &out, uuid, &err);
    CHECK(rc == want_rc && out.len == want_out->len &&
              memcmp(out.data, want_out->data, out.len) == 0,
          "%s (index bound %zu): rc %d, got [%s] want [%s]", name, bound, rc, out.data,
          want_out->data);
    if (rc == 0)
        CHECK_STREQ(uuid, want_uuid, name);
    else
        CHECK(strcmp(err.field, want_err->field) == 0 &&
                  strcmp(err.message, want_err->message) == 0 &&
                  err.too_large == want_err->too_large,
              "%s (index bound %zu): error [%s] %s", name, bound, err.field, err.message);
done:
    sg_buf_free(&out);
    sg_json_index_free(&idx);
}

/* Enriches input.json after a prefix, so appending (not overwriting) is checked too. */
static int enrich_case(const char *name, const char *input, size_t len, struct sg_buf *out,
                       char uuid[SG_EVENT_UUID_LEN + 1], struct sg_event_error *err)
{
    struct sg_json_span data;
    struct sg_json_error jerr;
    if (sg_json_validate(input, len, &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL},
                         &data, &jerr) != 0) {
        CHECK(0, "%s: input.json is not valid JSON: %s", name, jerr.text);
        return -2;
    }
    sg_buf_init(out, 1 << 20);
    if (sg_buf_append_str(out, "prefix|") != 0)
        return -2;
    int rc = sg_event_enrich(data, NULL, out, uuid, err);
    static const size_t bounds[] = {SG_JSON_INDEX_MAX, 1, 2, 0};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        same_indexed(name, input, len, 1 << 20, bounds[i], rc, out, uuid, err);
    return rc;
}

static void run_valid(const char *name)
{
    size_t in_len, exp_len;
    char *input = case_file("valid", name, "input.json", &in_len);
    char *expected = case_file("valid", name, "expected", &exp_len);
    struct sg_buf out;
    struct sg_event_error err;
    char uuid[SG_EVENT_UUID_LEN + 1];
    if (!input || !expected)
        goto done;
    strip_newline(expected, &exp_len);
    int rc = enrich_case(name, input, in_len, &out, uuid, &err);
    CHECK(rc == 0, "valid/%s refused: [%s] %s", name, err.field, err.message);
    if (rc == 0) {
        const char *got = out.data + 7;
        CHECK(strncmp(out.data, "prefix|", 7) == 0, "valid/%s: prefix kept", name);
        CHECK(out.len - 7 == exp_len && memcmp(got, expected, exp_len) == 0,
              "valid/%s:\n  got  %s\n  want %s", name, got, expected);
        CHECK(strlen(uuid) == SG_EVENT_UUID_LEN && strstr(input, uuid) != NULL,
              "valid/%s: uuid [%s]", name, uuid);
        struct sg_json_error jerr;
        CHECK(sg_json_validate(got, out.len - 7, &(struct sg_json_opts){{64, 0}, NULL}, NULL,
                               &jerr) == 0,
              "valid/%s: output is not valid JSON: %s", name, jerr.text);
    }
    if (rc != -2)
        sg_buf_free(&out);
done:
    free(input);
    free(expected);
}

static void run_invalid(const char *name)
{
    size_t in_len, exp_len;
    char *input = case_file("invalid", name, "input.json", &in_len);
    char *expected = case_file("invalid", name, "expected", &exp_len);
    struct sg_buf out;
    struct sg_event_error err;
    char uuid[SG_EVENT_UUID_LEN + 1];
    if (!input || !expected)
        goto done;
    char *msg = strchr(expected, '\n');
    CHECK(msg != NULL, "invalid/%s: expected needs two lines", name);
    if (!msg)
        goto done;
    *msg++ = '\0';
    size_t msg_len = strlen(msg);
    strip_newline(msg, &msg_len);
    int rc = enrich_case(name, input, in_len, &out, uuid, &err);
    CHECK(rc == -1, "invalid/%s accepted", name);
    if (rc == -1) {
        CHECK_STREQ(err.field, expected, name);
        CHECK(strstr(err.message, msg) != NULL, "invalid/%s: message [%s] lacks [%s]", name,
              err.message, msg);
        CHECK(out.len == 7 && strcmp(out.data, "prefix|") == 0, "invalid/%s: out changed", name);
    }
    if (rc != -2)
        sg_buf_free(&out);
done:
    free(input);
    free(expected);
}

static int run_dir(const char *kind, void (*run)(const char *))
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/events/%s", source_dir, kind);
    DIR *d = opendir(path);
    int n = 0;
    CHECK(d != NULL, "cannot open %s", path);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        run(e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static void test_format_datetime(void)
{
    static const struct {
        long long secs;
        int millis;
        const char *want;
    } rows[] = {
        {0, -1, "1970-01-01T00:00:00Z"},
        {0, 0, "1970-01-01T00:00:00.000Z"},
        {1712514065, -1, "2024-04-07T18:21:05Z"},
        {1712514065, 123, "2024-04-07T18:21:05.123Z"},
        {1712514065, 7, "2024-04-07T18:21:05.007Z"},
        {951782400, -1, "2000-02-29T00:00:00Z"}, /* leap day of a 400-year */
        {951868800, -1, "2000-03-01T00:00:00Z"},
        {4107542400, -1, "2100-03-01T00:00:00Z"}, /* 2100 is not a leap year */
        {4107456000, -1, "2100-02-28T00:00:00Z"},
        {1709251199, 999, "2024-02-29T23:59:59.999Z"},
        {1735689599, -1, "2024-12-31T23:59:59Z"},
        {1735689600, -1, "2025-01-01T00:00:00Z"},
        {99999999999, -1, "5138-11-16T09:46:39Z"},
        {253402300799, -1, "9999-12-31T23:59:59Z"},
        {253402300800, -1, "9999-12-31T23:59:59Z"}, /* clamped: five-digit years don't fit */
        {-1, -1, "1970-01-01T00:00:00Z"},           /* clamped */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[25];
        memset(out, 'x', sizeof out);
        sg_event_format_datetime(rows[i].secs, rows[i].millis, out);
        CHECK_STREQ(out, rows[i].want, "format_datetime");
    }
    /* Random instants up to 9999 against the C library's calendar. */
    srand(7);
    int same = 0, total = 0;
    for (int i = 0; i < 20000; i++) {
        long long secs = ((long long)rand() << 16 ^ rand()) % 253402300800LL;
        time_t t = (time_t)secs;
        struct tm tm;
        char want[32], out[25];
        if (!gmtime_r(&t, &tm))
            continue;
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        sg_event_format_datetime(secs, -1, out);
        total++;
        if (strcmp(out, want) == 0)
            same++;
        else if (total - same == 1)
            CHECK_STREQ(out, want, "format_datetime, random"); /* the first only */
    }
    CHECK(total > 19000 && same == total, "random instants: %d of %d", same, total);
}

static const char EVENT[] = "{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                            "\"event_name\":\"a:b\",\"created_at\":1,\"pad\":\"xxxxxxxxxx\"}";

static void test_out_limit(void)
{
    struct sg_json_span data = {EVENT, sizeof EVENT - 1};
    struct sg_event_error err;
    char uuid[SG_EVENT_UUID_LEN + 1];
    struct sg_buf out;
    sg_buf_init(&out, 64);
    CHECK(sg_buf_append_str(&out, "keep") == 0, "prefix");
    CHECK(sg_event_enrich(data, NULL, &out, uuid, &err) == -1, "past the limit");
    CHECK_STREQ(err.field, "", "limit field");
    CHECK(strstr(err.message, "too large") != NULL, "limit message: %s", err.message);
    CHECK(out.len == 4 && strcmp(out.data, "keep") == 0, "out unchanged");
    sg_buf_free(&out);

    /* Room for the members but not for the derived ones: still all or nothing. */
    sg_buf_init(&out, 4 + sizeof EVENT + 20);
    CHECK(sg_buf_append_str(&out, "keep") == 0, "prefix");
    CHECK(sg_event_enrich(data, NULL, &out, uuid, &err) == -1 && out.len == 4,
          "derived part too big");
    sg_buf_free(&out);

    sg_buf_init(&out, 0);
    CHECK(sg_event_enrich(data, NULL, &out, uuid, &err) == 0, "no limit: %s", err.message);
    CHECK_STREQ(uuid, "123e4567-e89b-12d3-a456-426614174000", "uuid out");
    sg_buf_free(&out);

    /* The indexed path (one copy of the event's bytes) fails and succeeds
     * exactly where the member walk does, at every limit around the size. */
    sg_buf_init(&out, 0);
    if (sg_buf_append_str(&out, "prefix|") != 0 ||
        sg_event_enrich(data, NULL, &out, uuid, &err) != 0)
        CHECK(0, "reference output");
    size_t full = out.len;
    sg_buf_free(&out);
    int rc = -1;
    /* (write_event reserves the event + 128 bytes first: up to there it fails.) */
    for (size_t limit = sizeof EVENT - 8; limit <= 7 + sizeof EVENT + 130; limit++) {
        struct sg_buf want;
        sg_buf_init(&want, limit);
        rc = sg_buf_append_str(&want, "prefix|") == 0
                 ? sg_event_enrich(data, NULL, &want, uuid, &err)
                 : -2;
        CHECK(rc == 0 || rc == -1, "limit %zu: rc %d", limit, rc);
        same_indexed("limit", EVENT, sizeof EVENT - 1, limit, SG_JSON_INDEX_MAX, rc, &want, uuid,
                     &err);
        sg_buf_free(&want);
    }
    CHECK(rc == 0 && full < 7 + sizeof EVENT + 130, "the largest limit fits");
}

/* The keys of the last `n` members of a validated object, decoded. */
static size_t last_keys(struct sg_json_span obj, char names[][32], size_t n)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    size_t total = 0;
    sg_json_iter_init(&it, obj);
    while (sg_json_object_next(&it, &k, &v)) {
        size_t len;
        char *slot = names[total % n];
        if (sg_json_string_decode_to(k, slot, 31, &len) != 0)
            len = 0;
        slot[len] = '\0';
        total++;
    }
    return total;
}

static void test_config_fields(void)
{
    char path[1024];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/config/event-fields.json", source_dir);
    json_t *cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(cfg != NULL, "%s: %s", path, jerr.text);
    if (!cfg)
        return;
    json_t *derived = json_object_get(cfg, "derived"), *common = json_object_get(cfg, "common");
    CHECK(json_array_size(derived) == 3, "three derived fields");
    CHECK(json_array_size(common) == 3, "three common fields");

    /* The derived names are what enrichment appends, in that order. */
    struct sg_json_span data = {EVENT, sizeof EVENT - 1};
    struct sg_event_error err;
    char uuid[SG_EVENT_UUID_LEN + 1], names[3][32];
    struct sg_buf out;
    sg_buf_init(&out, 0);
    CHECK(sg_event_enrich(data, NULL, &out, uuid, &err) == 0, "enrich: %s", err.message);
    struct sg_json_span obj = {out.data, out.len};
    size_t total = last_keys(obj, names, 3);
    CHECK(total == 4 + 3, "members: %zu", total);
    for (size_t i = 0; i < 3 && i < json_array_size(derived); i++) {
        const char *want = json_string_value(json_object_get(json_array_get(derived, i), "name"));
        CHECK(want && strcmp(names[(total - 3 + i) % 3], want) == 0, "derived %zu: %s vs %s", i,
              names[(total - 3 + i) % 3], want ? want : "(none)");
    }
    sg_buf_free(&out);

    /* Each common name is a required input: without it the event is refused
     * with that field named; and the three together suffice. */
    for (size_t i = 0; i < json_array_size(common); i++) {
        const char *name = json_string_value(json_object_get(json_array_get(common, i), "name"));
        json_t *ev = json_loads(EVENT, 0, NULL);
        CHECK(name && json_object_get(ev, name) != NULL, "common %zu is an event field", i);
        json_object_del(ev, name ? name : "");
        json_object_del(ev, "pad");
        char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        struct sg_json_span d = {text, strlen(text)};
        sg_buf_init(&out, 0);
        CHECK(sg_event_enrich(d, NULL, &out, uuid, &err) == -1, "without %s", name);
        CHECK(name && strcmp(err.field, name) == 0 && strstr(err.message, "missing required field"),
              "without %s: [%s] %s", name, err.field, err.message);
        sg_buf_free(&out);
        free(text);
        json_decref(ev);
    }
    json_decref(cfg);
}

int main(void)
{
    source_dir = getenv("SG_SOURCE_DIR");
    if (!source_dir) {
        fprintf(stderr, "SG_SOURCE_DIR is not set (ctest sets it)\n");
        return 77;
    }
    int nvalid = run_dir("valid", run_valid);
    int ninvalid = run_dir("invalid", run_invalid);
    CHECK(nvalid >= 30 && ninvalid >= 40, "cases found: %d valid, %d invalid", nvalid, ninvalid);
    printf("event cases: %d valid, %d invalid\n", nvalid, ninvalid);
    test_format_datetime();
    test_out_limit();
    test_config_fields();
    return sg_check_result("test_event");
}
