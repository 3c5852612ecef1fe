/*
 * test_ingest_parse: server/ingest_parse.h.
 *   - data-driven: tests/data/ingest/<case>/{body.json,expected.json} (see the
 *     README there): every produced PutRecords entry is decoded (jansson +
 *     base64) and its stored bytes and partition key compared exactly;
 *   - generated: the 500/501-record boundary, partition keys of 0/1/256/257
 *     characters (ASCII and multi-byte UTF-8), the max_record_bytes boundary,
 *     random keys, the empty body.
 * Every result is also checked for internal consistency: n, n_valid, the
 * kinesis_bytes sum, and entries laid out back to back in `entries`; and
 * each data-driven case is parsed again with the structural index bounded
 * to 0, 1 and 3 containers, which must give the very same result.
 */
#include "ingest_parse.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rand.h"
#include "read_file.h"

static const char *source_dir;

static struct sg_stream_config stream(enum sg_stream_mode mode, enum sg_partition_rule pk)
{
    struct sg_stream_config s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "s");
    snprintf(s.stream_name, sizeof s.stream_name, "s");
    s.mode = mode;
    s.partition_key = pk;
    return s;
}

/* One decoded entry. data/key are malloc'd, NUL-terminated. */
struct decoded {
    unsigned char *data;
    size_t data_len;
    char *key;
    size_t key_len;
};

/* Decodes standard base64 exactly (EVP_DecodeBlock counts '=' as zero bytes). */
static int b64_decode(const char *s, size_t n, unsigned char **out, size_t *out_len)
{
    if (n % 4 != 0)
        return -1;
    *out = malloc(n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(*out, (const unsigned char *)s, (int)n);
    if (got < 0) {
        free(*out);
        return -1;
    }
    size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
    *out_len = (size_t)got - pad;
    (*out)[*out_len] = '\0';
    return 0;
}

/* Parses one entry {"Data":"<b64>","PartitionKey":"..."} (exactly those two). */
static int decode_entry(const char *p, size_t len, struct decoded *d, const char *ctx)
{
    json_error_t jerr;
    memset(d, 0, sizeof *d);
    json_t *e = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(e != NULL, "%s: entry is not JSON: %s [%.*s]", ctx, jerr.text, (int)len, p);
    if (!e)
        return -1;
    json_t *data = json_object_get(e, "Data"), *key = json_object_get(e, "PartitionKey");
    int rc = -1;
    CHECK(json_object_size(e) == 2 && json_is_string(data) && json_is_string(key),
          "%s: entry shape [%.*s]", ctx, (int)len, p);
    /* the exact layout the sender concatenates */
    CHECK(len > 10 && memcmp(p, "{\"Data\":\"", 9) == 0 && p[len - 1] == '}',
          "%s: entry layout [%.*s]", ctx, (int)len, p);
    if (json_is_string(data) && json_is_string(key)) {
        int b =
            b64_decode(json_string_value(data), json_string_length(data), &d->data, &d->data_len);
        CHECK(b == 0, "%s: Data is not base64", ctx);
        if (b == 0) {
            d->key_len = json_string_length(key);
            d->key = malloc(d->key_len + 1);
            memcpy(d->key, json_string_value(key), d->key_len + 1);
            rc = 0;
        }
    }
    json_decref(e);
    return rc;
}

static void decoded_free(struct decoded *d)
{
    free(d->data);
    free(d->key);
}

/* UTF-16 length of valid UTF-8 (independent of sg_kinesis_pk_units). */
static size_t utf16_units(const char *s, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        u += len == 4 ? 2 : 1;
        i += len;
    }
    return u;
}

/* Checks n / n_valid / kinesis_bytes / entry layout of an OK result. */
static void check_consistent(const struct sg_ingest *in, const char *ctx)
{
    size_t valid = 0, bytes = 0, off = 0;
    for (size_t i = 0; i < in->n; i++) {
        const struct sg_ingest_item *it = &in->items[i];
        if (!it->valid) {
            CHECK(it->message[0] != '\0', "%s: item %zu invalid without a message", ctx, i);
            continue;
        }
        valid++;
        bytes += it->kinesis_bytes;
        CHECK(it->entry_off == off, "%s: item %zu at %zu, expected %zu", ctx, i, it->entry_off,
              off);
        off = it->entry_off + it->entry_len;
        struct decoded d;
        char c2[96];
        snprintf(c2, sizeof c2, "%s item %zu", ctx, i);
        if (decode_entry(in->entries.data + it->entry_off, it->entry_len, &d, c2) == 0) {
            CHECK(it->kinesis_bytes == d.data_len + d.key_len,
                  "%s: kinesis_bytes %zu != data %zu + key %zu", c2, it->kinesis_bytes, d.data_len,
                  d.key_len);
            size_t units = utf16_units(d.key, d.key_len);
            CHECK(units >= 1 && units <= 256, "%s: key of %zu UTF-16 units", c2, units);
            decoded_free(&d);
        }
    }
    CHECK(in->n_valid == valid, "%s: n_valid %zu, counted %zu", ctx, in->n_valid, valid);
    CHECK(in->kinesis_bytes == bytes, "%s: kinesis_bytes %zu, summed %zu", ctx, in->kinesis_bytes,
          bytes);
    CHECK(in->entries.len == off, "%s: entries %zu bytes, items end at %zu", ctx, in->entries.len,
          off);
}

/* The same status, message, items and (unless keys are random) entries. */
static void check_same_result(const struct sg_ingest *a, enum sg_ingest_status sa,
                              const struct sg_ingest *b, enum sg_ingest_status sb,
                              bool same_entries, const char *ctx)
{
    CHECK(sa == sb && strcmp(a->message, b->message) == 0, "%s: status %d/%d [%s] [%s]", ctx,
          (int)sa, (int)sb, a->message, b->message);
    CHECK(a->n == b->n && a->n_valid == b->n_valid && a->kinesis_bytes == b->kinesis_bytes &&
              a->entries.len == b->entries.len,
          "%s: counts differ", ctx);
    if (sa != sb || a->n != b->n || a->entries.len != b->entries.len)
        return;
    for (size_t i = 0; i < a->n; i++) {
        const struct sg_ingest_item *x = &a->items[i], *y = &b->items[i];
        CHECK(x->valid == y->valid && x->entry_off == y->entry_off &&
                  x->entry_len == y->entry_len && x->kinesis_bytes == y->kinesis_bytes &&
                  strcmp(x->field, y->field) == 0 && strcmp(x->message, y->message) == 0,
              "%s: item %zu differs", ctx, i);
    }
    if (same_entries && a->entries.len)
        CHECK(memcmp(a->entries.data, b->entries.data, a->entries.len) == 0, "%s: entries differ",
              ctx);
}

/* ---- data-driven cases ---- */

static enum sg_ingest_status status_named(const char *s)
{
    if (s && strcmp(s, "bad_request") == 0)
        return SG_INGEST_BAD_REQUEST;
    if (s && strcmp(s, "too_large") == 0)
        return SG_INGEST_TOO_LARGE;
    return SG_INGEST_OK;
}

static void run_case(const char *name)
{
    char path[1024];
    size_t body_len = 0, exp_len = 0;
    snprintf(path, sizeof path, "%s/tests/data/ingest/%s/body.json", source_dir, name);
    char *body = read_file(path, &body_len);
    snprintf(path, sizeof path, "%s/tests/data/ingest/%s/expected.json", source_dir, name);
    char *exp_text = read_file(path, &exp_len);
    CHECK(body && exp_text, "%s: cannot read the case", name);
    json_error_t jerr;
    json_t *exp = exp_text ? json_loads(exp_text, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    CHECK(exp != NULL, "%s: expected.json: %s", name, exp_text ? jerr.text : "missing");
    if (!body || !exp) {
        free(body);
        free(exp_text);
        json_decref(exp);
        return;
    }

    const char *route = json_string_value(json_object_get(exp, "route"));
    const char *mode = json_string_value(json_object_get(exp, "mode"));
    const char *pk = json_string_value(json_object_get(exp, "partition_key"));
    json_t *mrb = json_object_get(exp, "max_record_bytes"), *md = json_object_get(exp, "max_depth");
    CHECK(route && mode, "%s: route and mode are required", name);
    enum sg_partition_rule rule = !pk                             ? SG_PK_CLIENT
                                  : strcmp(pk, "event_uuid") == 0 ? SG_PK_EVENT_UUID
                                  : strcmp(pk, "random") == 0     ? SG_PK_RANDOM
                                                                  : SG_PK_CLIENT;
    struct sg_stream_config s = stream(
        mode && strcmp(mode, "passthrough") == 0 ? SG_STREAM_PASSTHROUGH : SG_STREAM_EVENT, rule);
    struct sg_ingest_limits lim = {mrb ? (size_t)json_integer_value(mrb) : 1024 * 1024,
                                   md ? (unsigned)json_integer_value(md) : 64,
                                   500,
                                   0,
                                   NULL,
                                   0,
                                   0};
    enum sg_ingest_route rt =
        route && strcmp(route, "records") == 0 ? SG_ROUTE_RECORDS : SG_ROUTE_RECORD;

    struct sg_ingest in;
    enum sg_ingest_status st = sg_ingest_parse(&in, rt, &s, body, body_len, &lim);
    static const size_t bounds[] = {0, 1, 3};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        struct sg_ingest again;
        char ctx[320];
        snprintf(ctx, sizeof ctx, "%s (index bound %zu)", name, bounds[b]);
        struct sg_ingest_limits bounded = lim;
        bounded.max_index = bounds[b] ? bounds[b] : SG_INGEST_NO_INDEX;
        enum sg_ingest_status st2 = sg_ingest_parse(&again, rt, &s, body, body_len, &bounded);
        check_same_result(&in, st, &again, st2, rule != SG_PK_RANDOM, ctx);
        sg_ingest_free(&again);
    }
    enum sg_ingest_status want = status_named(json_string_value(json_object_get(exp, "status")));
    CHECK(st == want, "%s: status %d want %d (%s)", name, (int)st, (int)want, in.message);

    if (st == want && want != SG_INGEST_OK) {
        const char *msg = json_string_value(json_object_get(exp, "message"));
        CHECK(msg && strstr(in.message, msg) != NULL, "%s: message [%s] lacks [%s]", name,
              in.message, msg ? msg : "");
    }
    if (st == SG_INGEST_OK && want == SG_INGEST_OK) {
        json_t *items = json_object_get(exp, "items");
        CHECK(in.n == json_array_size(items), "%s: %zu items, want %zu", name, in.n,
              json_array_size(items));
        check_consistent(&in, name);
        for (size_t i = 0; i < in.n && i < json_array_size(items); i++) {
            json_t *x = json_array_get(items, i);
            const struct sg_ingest_item *it = &in.items[i];
            char ctx[320];
            snprintf(ctx, sizeof ctx, "%s item %zu", name, i);
            int want_valid = json_is_true(json_object_get(x, "valid"));
            CHECK(it->valid == want_valid, "%s: valid %d want %d (%s: %s)", ctx, it->valid,
                  want_valid, it->field, it->message);
            if (!want_valid || !it->valid) {
                if (!want_valid && !it->valid) {
                    const char *field = json_string_value(json_object_get(x, "field"));
                    const char *msg = json_string_value(json_object_get(x, "message"));
                    CHECK_STREQ(it->field, field ? field : "?", ctx);
                    CHECK(msg && strstr(it->message, msg) != NULL, "%s: message [%s] lacks [%s]",
                          ctx, it->message, msg ? msg : "");
                }
                continue;
            }
            struct decoded d;
            if (decode_entry(in.entries.data + it->entry_off, it->entry_len, &d, ctx) != 0)
                continue;
            json_t *wd = json_object_get(x, "data");
            const char *want_data = json_string_value(wd);
            size_t want_len = json_string_length(wd);
            CHECK(want_data && d.data_len == want_len && memcmp(d.data, want_data, want_len) == 0,
                  "%s: stored bytes\n  got  [%s]\n  want [%s]", ctx, (const char *)d.data,
                  want_data ? want_data : "");
            if (json_is_true(json_object_get(x, "key_random"))) {
                CHECK(d.key_len == SG_UUID_LEN && sg_is_uuid(d.key, d.key_len) && d.key[14] == '4',
                      "%s: random key [%s]", ctx, d.key);
            } else {
                json_t *wk = json_object_get(x, "key");
                CHECK(json_is_string(wk) && d.key_len == json_string_length(wk) &&
                          memcmp(d.key, json_string_value(wk), d.key_len) == 0,
                      "%s: key [%s] want [%s]", ctx, d.key,
                      json_is_string(wk) ? json_string_value(wk) : "?");
            }
            decoded_free(&d);
        }
    }
    sg_ingest_free(&in);
    json_decref(exp);
    free(body);
    free(exp_text);
}

static void test_data_dir(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/ingest", source_dir);
    DIR *d = opendir(path);
    CHECK(d != NULL, "cannot open tests/data/ingest");
    if (!d)
        return;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
            continue; /* directories only (README.md is skipped) */
        run_case(e->d_name);
        n++;
    }
    closedir(d);
    CHECK(n >= 30, "only %d ingest cases", n);
}

/* ---- generated cases ---- */

/* {"records":[ {"data":{"i":<i>},"partition-key":"k<i>"}, ... n times ]} */
static char *batch_body(size_t n, const char *list, const char *data_name, const char *key_name)
{
    size_t cap = 64 + n * 80;
    char *b = malloc(cap);
    size_t o = (size_t)snprintf(b, cap, "{\"%s\":[", list);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, cap - o, "%s{\"%s\":{\"i\":%zu},\"%s\":\"k%zu\"}",
                              i ? "," : "", data_name, i, key_name, i);
    snprintf(b + o, cap - o, "]}");
    return b;
}

static void test_record_count(void)
{
    struct sg_stream_config s = stream(SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
    struct sg_ingest_limits lim = {1024 * 1024, 64, 500, 0, NULL, 0, 0};
    static const struct {
        size_t n;
        int kinesis_shape;
        enum sg_ingest_status want;
    } rows[] = {
        {1, 0, SG_INGEST_OK},
        {499, 0, SG_INGEST_OK},
        {500, 0, SG_INGEST_OK},
        {500, 1, SG_INGEST_OK},
        {501, 0, SG_INGEST_BAD_REQUEST},
        {501, 1, SG_INGEST_BAD_REQUEST},
        {1000, 0, SG_INGEST_BAD_REQUEST},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        char *body = rows[r].kinesis_shape
                         ? batch_body(rows[r].n, "Records", "Data", "PartitionKey")
                         : batch_body(rows[r].n, "records", "data", "partition-key");
        struct sg_ingest in;
        enum sg_ingest_status st =
            sg_ingest_parse(&in, SG_ROUTE_RECORDS, &s, body, strlen(body), &lim);
        char ctx[64];
        snprintf(ctx, sizeof ctx, "%zu records (%s)", rows[r].n,
                 rows[r].kinesis_shape ? "Records" : "records");
        CHECK(st == rows[r].want, "%s: status %d (%s)", ctx, (int)st, in.message);
        if (st == SG_INGEST_OK) {
            CHECK(in.n == rows[r].n && in.n_valid == rows[r].n, "%s: n %zu valid %zu", ctx, in.n,
                  in.n_valid);
            check_consistent(&in, ctx);
            /* spot-check the last record's bytes */
            const struct sg_ingest_item *it = &in.items[in.n - 1];
            struct decoded d;
            char want_data[32], want_key[32];
            snprintf(want_data, sizeof want_data, "{\"i\":%zu}", in.n - 1);
            snprintf(want_key, sizeof want_key, "k%zu", in.n - 1);
            if (decode_entry(in.entries.data + it->entry_off, it->entry_len, &d, ctx) == 0) {
                CHECK(strcmp((char *)d.data, want_data) == 0 && strcmp(d.key, want_key) == 0,
                      "%s: last record [%s] [%s]", ctx, (char *)d.data, d.key);
                decoded_free(&d);
            }
        } else {
            char want[64];
            snprintf(want, sizeof want, "has %zu records, more than 500", rows[r].n);
            CHECK(strstr(in.message, want) != NULL, "%s: message [%s]", ctx, in.message);
            CHECK(in.n == 0 && in.n_valid == 0 && in.entries.len == 0, "%s: nothing kept", ctx);
        }
        sg_ingest_free(&in);
        free(body);
    }
    /* a lower max_records is honoured */
    struct sg_ingest_limits lim3 = {1024 * 1024, 64, 3, 0, NULL, 0, 0};
    char *body = batch_body(4, "records", "data", "partition-key");
    struct sg_ingest in;
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORDS, &s, body, strlen(body), &lim3) ==
                  SG_INGEST_BAD_REQUEST &&
              strstr(in.message, "has 4 records, more than 3") != NULL,
          "max_records 3: %s", in.message);
    sg_ingest_free(&in);
    free(body);
}

/* Partition keys as Kinesis measures them: decoded, in UTF-16 code units
 * (issue 14, defects 2 and 5: 129 emoji passed and failed a whole batch;
 * 171 "\u0416" escapes were refused). */
static void test_key_length(void)
{
    static const struct {
        const char *unit;    /* one repetition as written in the body */
        const char *decoded; /* ... and as stored */
        size_t count;
        int valid;
    } rows[] = {
        {"a", "a", 1, 1},
        {"a", "a", 256, 1},
        {"a", "a", 257, 0},
        {"\xc3\xa9", "\xc3\xa9", 256, 1}, /* é: 2 bytes, 1 unit */
        {"\xc3\xa9", "\xc3\xa9", 257, 0},
        {"\xe2\x82\xac", "\xe2\x82\xac", 256, 1}, /* €: 3 bytes, 1 unit */
        {"\xe2\x82\xac", "\xe2\x82\xac", 257, 0},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 128, 1}, /* 😀: 2 units */
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 129, 0},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", 256, 0},
        {"a\xf0\x9f\x98\x80", "a\xf0\x9f\x98\x80", 85, 1}, /* 255 units */
        {"a\xf0\x9f\x98\x80", "a\xf0\x9f\x98\x80", 86, 0}, /* 258 */
        /* escaped: measured decoded */
        {"\\u0416", "\xd0\x96", 171, 1},
        {"\\u0416", "\xd0\x96", 256, 1},
        {"\\u0416", "\xd0\x96", 257, 0},
        {"\\u0041", "A", 200, 1},
        {"\\u0041", "A", 256, 1},
        {"\\u0041", "A", 257, 0},
        {"\\ud83d\\ude00", "\xf0\x9f\x98\x80", 128, 1},
        {"\\ud83d\\ude00", "\xf0\x9f\x98\x80", 129, 0},
        {"\\b", "\b", 256, 1},
        {"a", "a", 0, 0},
    };
    for (int ev = 0; ev < 2; ev++) {
        struct sg_stream_config s =
            stream(ev ? SG_STREAM_EVENT : SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
        struct sg_ingest_limits lim = {1024 * 1024, 64, 500, 0, NULL, 0, 0};
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            size_t ul = strlen(rows[r].unit), dl = strlen(rows[r].decoded);
            char *raw = malloc(ul * rows[r].count + 1), *key = malloc(dl * rows[r].count + 1);
            for (size_t i = 0; i < rows[r].count; i++) {
                memcpy(raw + i * ul, rows[r].unit, ul);
                memcpy(key + i * dl, rows[r].decoded, dl);
            }
            raw[ul * rows[r].count] = '\0';
            key[dl * rows[r].count] = '\0';
            size_t cap = strlen(raw) + 512;
            char *body = malloc(cap);
            snprintf(body, cap,
                     "{\"Data\":{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                     "\"event_name\":\"a\",\"created_at\":1},\"PartitionKey\":\"%s\"}",
                     raw);
            struct sg_ingest in;
            enum sg_ingest_status st =
                sg_ingest_parse(&in, SG_ROUTE_RECORD, &s, body, strlen(body), &lim);
            char ctx[96];
            snprintf(ctx, sizeof ctx, "%s: key of %zu x [%s]", ev ? "event" : "passthrough",
                     rows[r].count, rows[r].unit);
            CHECK(st == SG_INGEST_OK && in.n == 1, "%s: status %d (%s)", ctx, (int)st, in.message);
            if (st == SG_INGEST_OK && in.n == 1) {
                CHECK(in.items[0].valid == rows[r].valid, "%s: valid %d (%s)", ctx,
                      in.items[0].valid, in.items[0].message);
                if (!rows[r].valid) {
                    CHECK_STREQ(in.items[0].field, "PartitionKey", ctx);
                    CHECK(strstr(in.items[0].message, "1-256 characters") != NULL &&
                              strstr(in.items[0].message, "UTF-16 code units") != NULL,
                          "%s: message [%s]", ctx, in.items[0].message);
                }
                check_consistent(&in, ctx);
                struct decoded d;
                if (in.items[0].valid && decode_entry(in.entries.data + in.items[0].entry_off,
                                                      in.items[0].entry_len, &d, ctx) == 0) {
                    CHECK(d.key_len == strlen(key) && memcmp(d.key, key, d.key_len) == 0,
                          "%s: key round trip", ctx);
                    decoded_free(&d);
                }
            }
            sg_ingest_free(&in);
            free(body);
            free(key);
            free(raw);
        }
    }
}

/* data + key at, and one over, max_record_bytes; the limit counts bytes. */
static void test_size_limit(void)
{
    struct sg_stream_config s = stream(SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
    const size_t max = 2048;
    struct sg_ingest_limits lim = {max, 64, 500, 0, NULL, 0, 0};
    for (size_t key_len = 1; key_len <= 256; key_len += 85) {
        for (int over = 0; over <= 1; over++) {
            size_t data_len = max - key_len + (size_t)over; /* stored as-is: an array of digits */
            /* data: [1111...1] -> data_len bytes */
            size_t cap = data_len + key_len + 128;
            char *body = malloc(cap);
            size_t o = (size_t)snprintf(body, cap, "{\"records\":[{\"data\":[");
            memset(body + o, '1', data_len - 2);
            o += data_len - 2;
            o += (size_t)snprintf(body + o, cap - o, "],\"partition-key\":\"");
            memset(body + o, 'k', key_len);
            o += key_len;
            o += (size_t)snprintf(body + o, cap - o, "\"}]}");
            struct sg_ingest in;
            enum sg_ingest_status st = sg_ingest_parse(&in, SG_ROUTE_RECORDS, &s, body, o, &lim);
            char ctx[96];
            snprintf(ctx, sizeof ctx, "data %zu + key %zu vs %zu", data_len, key_len, max);
            if (over) {
                CHECK(st == SG_INGEST_TOO_LARGE, "%s: status %d", ctx, (int)st);
                CHECK(strstr(in.message, "records[0] is over the 2048-byte limit") != NULL,
                      "%s: message [%s]", ctx, in.message);
            } else {
                CHECK(st == SG_INGEST_OK && in.n_valid == 1 && in.kinesis_bytes == max,
                      "%s: status %d valid %zu bytes %zu (%s)", ctx, (int)st, in.n_valid,
                      in.kinesis_bytes, in.message);
                if (st == SG_INGEST_OK)
                    check_consistent(&in, ctx);
            }
            sg_ingest_free(&in);
            free(body);
        }
    }

    /* event streams: the enriched size is what counts */
    struct sg_stream_config ev = stream(SG_STREAM_EVENT, SG_PK_CLIENT);
    const char *e = "{\"Data\":{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                    "\"event_name\":\"a:b\",\"created_at\":1},\"PartitionKey\":\"k\"}";
    /* enriched: {"event_uuid":"...","event_name":"a:b","created_at":1,
     * "created_datetime":"1970-01-01T00:00:01Z","event_type":"a","event_subtype":"b"} */
    const char *stored = "{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
                         "\"event_name\":\"a:b\",\"created_at\":1,"
                         "\"created_datetime\":\"1970-01-01T00:00:01Z\",\"event_type\":\"a\","
                         "\"event_subtype\":\"b\"}";
    struct sg_ingest_limits big = {1024 * 1024, 64, 500, 0, NULL, 0, 0};
    struct sg_ingest in;
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &ev, e, strlen(e), &big) == SG_INGEST_OK &&
              in.n_valid == 1 && in.kinesis_bytes == strlen(stored) + 1,
          "enriched size %zu want %zu", in.kinesis_bytes, strlen(stored) + 1);
    struct decoded d;
    if (in.n_valid == 1 && decode_entry(in.entries.data + in.items[0].entry_off,
                                        in.items[0].entry_len, &d, "ev") == 0) {
        CHECK(d.data_len == strlen(stored) && memcmp(d.data, stored, d.data_len) == 0,
              "enriched bytes [%s]", (char *)d.data);
        decoded_free(&d);
    }
    sg_ingest_free(&in);
}

/* ---- size accounting (issue 14, defects 3, 4 and 6) ---- */

/* A growing body for the generated cases below. */
struct gen {
    char *p;
    size_t len, cap;
};

static void gen_add(struct gen *g, const char *s, size_t times)
{
    size_t n = strlen(s);
    if (g->len + n * times + 1 > g->cap) {
        g->cap = (g->len + n * times + 1) * 2;
        g->p = realloc(g->p, g->cap);
    }
    for (size_t i = 0; i < times; i++, g->len += n)
        memcpy(g->p + g->len, s, n);
    g->p[g->len] = '\0';
}

#define EVENT_HEAD "{\"event_uuid\":\"123e4567-e89b-12d3-a456-426614174000\",\"created_at\":1,"

enum body_kind {
    B_BACKSPACE_NAME,  /* event_name of 65,000 "\b", ':', 65,000 "\b" */
    B_WS_INSIDE,       /* an event with 1.1 MB of whitespace between its members */
    B_WS_OUTSIDE,      /* ... and after Data */
    B_ESCAPED_STRING,  /* tutorial shape: a string of `count` "\u00e9" (2 bytes each) */
    B_ESCAPED_A,       /* tutorial shape: a string of `count` "\u0061" (1 byte each) */
    B_KINESIS_ESCAPED, /* Records shape: Data "\u00e9" x count, stored as JSON with escapes */
    B_MEMBERS,         /* Data: an object of `count` members */
    B_BATCH_MEMBERS,   /* /records, one record whose data has `count` members */
};

static char *gen_body(enum body_kind kind, size_t count, size_t *len)
{
    struct gen g = {NULL, 0, 0};
    char num[32];
    switch (kind) {
    case B_BACKSPACE_NAME:
        gen_add(&g, "{\"Data\":" EVENT_HEAD "\"event_name\":\"", 1);
        gen_add(&g, "\\b", 65000);
        gen_add(&g, ":", 1);
        gen_add(&g, "\\b", 65000);
        gen_add(&g, "\"}}", 1);
        break;
    case B_WS_INSIDE:
        gen_add(&g, "{\"Data\":" EVENT_HEAD, 1);
        gen_add(&g, " ", 1100000);
        gen_add(&g, "\"event_name\":\"a:b\"}}", 1);
        break;
    case B_WS_OUTSIDE:
        gen_add(&g, "{\"Data\":" EVENT_HEAD "\"event_name\":\"a:b\"}", 1);
        gen_add(&g, "\n", 1100000);
        gen_add(&g, "}", 1);
        break;
    case B_ESCAPED_STRING:
    case B_ESCAPED_A:
        gen_add(&g, "{\"records\":[{\"partition-key\":\"k\",\"data\":\"", 1);
        gen_add(&g, kind == B_ESCAPED_A ? "\\u0061" : "\\u00e9", count);
        gen_add(&g, "\"}]}", 1);
        break;
    case B_KINESIS_ESCAPED:
        gen_add(&g, "{\"Records\":[{\"PartitionKey\":\"k\",\"Data\":\"", 1);
        gen_add(&g, "\\u00e9", count);
        gen_add(&g, "\"}]}", 1);
        break;
    case B_MEMBERS:
    case B_BATCH_MEMBERS:
        gen_add(&g,
                kind == B_MEMBERS ? "{\"PartitionKey\":\"k\",\"Data\":{"
                                  : "{\"records\":[{\"partition-key\":\"k\",\"data\":{",
                1);
        for (size_t i = 0; i < count; i++) {
            snprintf(num, sizeof num, "%s\"m%zu\":0", i ? "," : "", i);
            gen_add(&g, num, 1);
        }
        gen_add(&g, kind == B_MEMBERS ? "}}" : "}}]}", 1);
        break;
    }
    *len = g.len;
    return g.p;
}

static void test_size_accounting(void)
{
    static const struct {
        const char *what;
        enum body_kind kind;
        size_t count;
        enum sg_stream_mode mode;
        enum sg_ingest_route route;
        unsigned max_members;
        enum sg_ingest_status want;
        size_t stored;   /* when OK: the record's kinesis_bytes (0: not checked) */
        const char *msg; /* when not OK: part of the message */
    } rows[] = {
        /* defect 3 (a valid event that re-escaping made larger than 4x the
         * body's entries allowed) cannot recur: event names are now at most
         * 255 bytes of [a-z0-9_:], which need no escape. Such a name is the
         * record's own error. */
        /* defect 4: the record limit is on what is stored */
        {"whitespace inside Data", B_WS_INSIDE, 0, SG_STREAM_EVENT, SG_ROUTE_RECORD, 0,
         SG_INGEST_OK, 0, NULL},
        {"whitespace after Data", B_WS_OUTSIDE, 0, SG_STREAM_EVENT, SG_ROUTE_RECORD, 0,
         SG_INGEST_OK, 0, NULL},
        {"200,000 \\u00e9 stored decoded", B_ESCAPED_STRING, 200000, SG_STREAM_PASSTHROUGH,
         SG_ROUTE_RECORDS, 0, SG_INGEST_OK, 400001, NULL},
        {"stored bytes at the limit", B_ESCAPED_A, 1048575, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORDS,
         0, SG_INGEST_OK, 1048576, NULL},
        {"stored bytes one over", B_ESCAPED_A, 1048576, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORDS, 0,
         SG_INGEST_TOO_LARGE, 0, "records[0] is over the 1048576-byte limit"},
        /* Data stored as JSON keeps its escapes: 6 bytes each, and that counts */
        {"Records shape keeps escapes", B_KINESIS_ESCAPED, 200000, SG_STREAM_PASSTHROUGH,
         SG_ROUTE_RECORDS, 0, SG_INGEST_TOO_LARGE, 0, "over the 1048576-byte limit"},
        /* defect 6: members per object, a named limit */
        {"1,023 members", B_MEMBERS, 1023, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, 0, SG_INGEST_OK,
         0, NULL},
        {"10,000 members", B_MEMBERS, 10000, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, 0,
         SG_INGEST_OK, 0, NULL},
        {"10,001 members", B_MEMBERS, 10001, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, 0,
         SG_INGEST_BAD_REQUEST, 0,
         "an object with more than 10000 members (limits.max_object_members)"},
        {"10,000 members in a batch", B_BATCH_MEMBERS, 10000, SG_STREAM_PASSTHROUGH,
         SG_ROUTE_RECORDS, 0, SG_INGEST_OK, 0, NULL},
        {"10,001 members in a batch", B_BATCH_MEMBERS, 10001, SG_STREAM_PASSTHROUGH,
         SG_ROUTE_RECORDS, 0, SG_INGEST_BAD_REQUEST, 0, "(limits.max_object_members)"},
        {"configured 50: 50", B_MEMBERS, 50, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, 50,
         SG_INGEST_OK, 0, NULL},
        {"configured 50: 51", B_MEMBERS, 51, SG_STREAM_PASSTHROUGH, SG_ROUTE_RECORD, 50,
         SG_INGEST_BAD_REQUEST, 0, "more than 50 members (limits.max_object_members)"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        size_t len;
        char *body = gen_body(rows[r].kind, rows[r].count, &len);
        struct sg_stream_config s = stream(rows[r].mode, SG_PK_CLIENT);
        struct sg_ingest_limits lim = {1024 * 1024, 64, 500, rows[r].max_members, NULL, 0, 0};
        struct sg_ingest in;
        enum sg_ingest_status st = sg_ingest_parse(&in, rows[r].route, &s, body, len, &lim);
        CHECK(st == rows[r].want, "%s: status %d want %d (%s)", rows[r].what, (int)st,
              (int)rows[r].want, in.message);
        if (st == SG_INGEST_OK && rows[r].want == SG_INGEST_OK) {
            CHECK(in.n == 1 && in.n_valid == 1, "%s: valid %zu (%s)", rows[r].what, in.n_valid,
                  in.n ? in.items[0].message : "");
            CHECK(!rows[r].stored || in.kinesis_bytes == rows[r].stored, "%s: %zu stored bytes",
                  rows[r].what, in.kinesis_bytes);
            check_consistent(&in, rows[r].what);
        } else if (st == rows[r].want) {
            CHECK(strstr(in.message, rows[r].msg) != NULL, "%s: message [%s]", rows[r].what,
                  in.message);
        }
        sg_ingest_free(&in);
        free(body);
    }

    /* An enriched event exactly at the limit, and one byte over it. */
    struct sg_stream_config ev = stream(SG_STREAM_EVENT, SG_PK_CLIENT);
    struct gen g = {NULL, 0, 0};
    gen_add(&g, "{\"PartitionKey\":\"k\",\"Data\":" EVENT_HEAD "\"event_name\":\"a:b\",\"p\":\"",
            1);
    gen_add(&g, "x", 1000000);
    gen_add(&g, "\"}}", 1);
    struct sg_ingest_limits big = {10 * 1024 * 1024, 64, 500, 0, NULL, 0, 0};
    struct sg_ingest in;
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &ev, g.p, g.len, &big) == SG_INGEST_OK &&
              in.n_valid == 1,
          "padded event");
    size_t exact = in.kinesis_bytes;
    sg_ingest_free(&in);
    struct sg_ingest_limits at = {exact, 64, 500, 0, NULL, 0, 0},
                            below = {exact - 1, 64, 500, 0, NULL, 0, 0};
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &ev, g.p, g.len, &at) == SG_INGEST_OK &&
              in.n_valid == 1 && in.kinesis_bytes == exact,
          "enriched event at max_record_bytes %zu: %s", exact, in.message);
    sg_ingest_free(&in);
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &ev, g.p, g.len, &below) == SG_INGEST_TOO_LARGE,
          "enriched event one byte over max_record_bytes");
    sg_ingest_free(&in);
    free(g.p);

    /* depth: the message names the setting */
    struct sg_stream_config pt = stream(SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
    struct sg_ingest_limits d3 = {1024 * 1024, 3, 500, 0, NULL, 0, 0};
    const char *deep = "{\"PartitionKey\":\"k\",\"Data\":[[[1]]]}";
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &pt, deep, strlen(deep), &d3) ==
                  SG_INGEST_BAD_REQUEST &&
              strstr(in.message, "nesting deeper than 3 levels (limits.max_json_depth)") != NULL,
          "depth message [%s]", in.message);
    sg_ingest_free(&in);
}

static void test_random_keys(void)
{
    struct sg_stream_config s = stream(SG_STREAM_PASSTHROUGH, SG_PK_RANDOM);
    struct sg_ingest_limits lim = {1024 * 1024, 64, 500, 0, NULL, 0, 0};
    char *body = batch_body(50, "records", "data", "partition-key");
    struct sg_ingest in;
    CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORDS, &s, body, strlen(body), &lim) == SG_INGEST_OK &&
              in.n_valid == 50,
          "50 random keys: %s", in.message);
    char keys[50][SG_UUID_LEN + 1];
    int bad = 0, dup = 0;
    for (size_t i = 0; i < in.n_valid; i++) {
        struct decoded d;
        keys[i][0] = '\0';
        if (decode_entry(in.entries.data + in.items[i].entry_off, in.items[i].entry_len, &d,
                         "random") != 0)
            continue;
        if (d.key_len != SG_UUID_LEN || !sg_is_uuid(d.key, d.key_len) || d.key[14] != '4')
            bad++;
        snprintf(keys[i], sizeof keys[i], "%s", d.key);
        for (size_t j = 0; j < i; j++)
            dup += strcmp(keys[i], keys[j]) == 0;
        CHECK(in.items[i].kinesis_bytes == d.data_len + SG_UUID_LEN, "random key counted");
        decoded_free(&d);
    }
    CHECK(bad == 0 && dup == 0, "%d bad, %d repeated random keys", bad, dup);
    sg_ingest_free(&in);
    free(body);
}

static void test_request_errors(void)
{
    struct sg_stream_config s = stream(SG_STREAM_EVENT, SG_PK_CLIENT);
    struct sg_ingest_limits lim = {1024 * 1024, 64, 500, 0, NULL, 0, 0};
    static const struct {
        enum sg_ingest_route route;
        const char *body;
        size_t len; /* 0 = strlen */
        const char *msg;
    } rows[] = {
        {SG_ROUTE_RECORD, "", 0, "Invalid request body: empty body"},
        {SG_ROUTE_RECORDS, "", 0, "Invalid request body: empty body"},
        {SG_ROUTE_RECORD, "   ", 0, "Invalid request body: "},
        {SG_ROUTE_RECORD, "{\"Data\":1}x", 0, "Invalid request body: "},
        {SG_ROUTE_RECORD, "{\"Data\":\"\xff\"}", 0, "Invalid request body: "},
        {SG_ROUTE_RECORD, "{\"Data\":\"a\nb\"}", 0, "Invalid request body: "},
        {SG_ROUTE_RECORD, "{\"Data\":1}\0{", 11, "Invalid request body: "},
        {SG_ROUTE_RECORDS, "null", 0, "the body must be a JSON object"},
        {SG_ROUTE_RECORDS, "{\"records\":null}", 0, "records must be an array"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_ingest in;
        size_t len = rows[i].len ? rows[i].len : strlen(rows[i].body);
        enum sg_ingest_status st = sg_ingest_parse(&in, rows[i].route, &s, rows[i].body, len, &lim);
        CHECK(st == SG_INGEST_BAD_REQUEST, "request error row %zu: status %d", i, (int)st);
        CHECK(strstr(in.message, rows[i].msg) != NULL &&
                  strlen(in.message) > strlen("Invalid request body: "),
              "row %zu: message [%s] lacks [%s]", i, in.message, rows[i].msg);
        CHECK(in.n_valid == 0 && in.entries.len == 0, "row %zu: nothing kept", i);
        sg_ingest_free(&in);
    }

    /* depth: the body's own nesting counts, limit exactly at and one over */
    for (unsigned depth = 2; depth <= 8; depth++) {
        /* {"Data": [[[...1...]]], "PartitionKey":"k"} has nesting 1 + k */
        char body[256];
        size_t o = (size_t)snprintf(body, sizeof body, "{\"Data\":");
        unsigned k = depth - 1;
        for (unsigned j = 0; j < k; j++)
            body[o++] = '[';
        body[o++] = '1';
        for (unsigned j = 0; j < k; j++)
            body[o++] = ']';
        o += (size_t)snprintf(body + o, sizeof body - o, ",\"PartitionKey\":\"k\"}");
        struct sg_stream_config pt = stream(SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
        struct sg_ingest_limits at = {1024 * 1024, depth, 500, 0, NULL, 0, 0},
                                below = {1024 * 1024, depth - 1, 500, 0, NULL, 0, 0};
        struct sg_ingest in;
        CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &pt, body, o, &at) == SG_INGEST_OK &&
                  in.n_valid == 1,
              "depth %u at max_depth %u: %s", depth, depth, in.message);
        sg_ingest_free(&in);
        CHECK(sg_ingest_parse(&in, SG_ROUTE_RECORD, &pt, body, o, &below) == SG_INGEST_BAD_REQUEST,
              "depth %u over max_depth %u accepted", depth, depth - 1);
        sg_ingest_free(&in);
    }
}

#define X10 "xxxxxxxxxx"
#define X120 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10

/* What a refused record's bad row needs (dead_letter.h): the Data value as
 * sent, the body that is not JSON, the record over the size limit. */
static void test_sent_spans(void)
{
    static const struct {
        const char *name;
        enum sg_ingest_route route;
        const char *body;
        enum sg_ingest_status want;
        bool not_json;
        size_t n;
        const char *sent[3]; /* each item's Data as sent */
    } cases[] = {
        {"object kept with its spaces",
         SG_ROUTE_RECORD,
         "{\"Data\": { \"a\" : 1 } ,\"PartitionKey\":\"k\"}",
         SG_INGEST_OK,
         false,
         1,
         {"{ \"a\" : 1 }"}},
        {"string-wrapped",
         SG_ROUTE_RECORD,
         "{\"Data\":\"{\\\"a\\\":1}\"}",
         SG_INGEST_OK,
         false,
         1,
         {"\"{\\\"a\\\":1}\""}},
        {"batch: Data, no Data, not an object",
         SG_ROUTE_RECORDS,
         "{\"records\":[{\"data\":[1, 2]},{\"x\":\"\\u00e9\"},7]}",
         SG_INGEST_OK,
         false,
         3,
         {"[1, 2]", "{\"x\":\"\\u00e9\"}", "7"}},
        {"not JSON", SG_ROUTE_RECORD, "{\"Data\": nope", SG_INGEST_BAD_REQUEST, true, 0, {NULL}},
        {"empty", SG_ROUTE_RECORD, "", SG_INGEST_BAD_REQUEST, true, 0, {NULL}},
        {"JSON of the wrong shape",
         SG_ROUTE_RECORD,
         "[1]",
         SG_INGEST_BAD_REQUEST,
         false,
         0,
         {NULL}},
        {"too deep is JSON",
         SG_ROUTE_RECORD,
         "{\"Data\":[[[[[[[[[[[[1]]]]]]]]]]]]}",
         SG_INGEST_BAD_REQUEST,
         false,
         0,
         {NULL}},
        {"second record too large",
         SG_ROUTE_RECORDS,
         "{\"records\":[{\"data\":1,\"partition-key\":\"k\"},{\"data\":"
         "\"" X120 "\",\"partition-key\":\"k\"},"
         "{\"data\":1}]}",
         SG_INGEST_TOO_LARGE,
         false,
         2,
         {"1", "\"" X120 "\""}},
    };
    struct sg_stream_config s = stream(SG_STREAM_PASSTHROUGH, SG_PK_CLIENT);
    struct sg_ingest_limits lim = {100, 8, 500, 0, NULL, 0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sg_ingest in;
        const char *body = cases[i].body;
        enum sg_ingest_status st =
            sg_ingest_parse(&in, cases[i].route, &s, body, strlen(body), &lim);
        CHECK(st == cases[i].want, "%s: status %d", cases[i].name, (int)st);
        CHECK(in.not_json == cases[i].not_json, "%s: not_json %d", cases[i].name, in.not_json);
        if (cases[i].n) {
            CHECK(in.n == cases[i].n, "%s: %zu items", cases[i].name, in.n);
            for (size_t k = 0; k < in.n && k < cases[i].n; k++) {
                const struct sg_ingest_item *it = &in.items[k];
                const char *want = cases[i].sent[k];
                CHECK(it->data_sent_len == strlen(want) &&
                          memcmp(body + it->data_off, want, it->data_sent_len) == 0,
                      "%s: item %zu sent as [%.*s]", cases[i].name, k, (int)it->data_sent_len,
                      body + it->data_off);
            }
        }
        if (st == SG_INGEST_TOO_LARGE && in.n)
            CHECK(!in.items[in.n - 1].valid && strstr(in.items[in.n - 1].message, "limit"),
                  "%s: the last item is the record at fault", cases[i].name);
        sg_ingest_free(&in);
    }
}

int main(void)
{
    source_dir = getenv("SG_SOURCE_DIR");
    if (!source_dir) {
        fprintf(stderr, "SG_SOURCE_DIR is not set\n");
        return 77;
    }
    test_data_dir();
    test_record_count();
    test_key_length();
    test_size_limit();
    test_random_keys();
    test_request_errors();
    test_size_accounting();
    test_sent_spans();
    return sg_check_result("test_ingest_parse");
}
