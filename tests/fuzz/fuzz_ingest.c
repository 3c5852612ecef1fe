/*
 * fuzz_ingest: the request-body parser (ingest_parse.h) on both routes.
 *
 * Each input is parsed as a body of PUT .../record and PUT .../records, for
 * an event stream and a pass-through stream, with the production limits and
 * with tiny ones (so the 413 and record-count paths are reached too): eight
 * parses per input. Then:
 *   - a whole-request failure carries a message;
 *   - on success: 1 <= n (exactly 1 on /record), n_valid <= n and equals the
 *     number of valid items, kinesis_bytes is the sum over valid items, every
 *     invalid item carries a message;
 *   - every valid item's entry lies inside `entries`, after the previous one,
 *     parses with jansson as {"Data": <string>, "PartitionKey": <string>}
 *     and nothing else; Data is strict base64; decoded data + partition key
 *     bytes == kinesis_bytes <= max_record_bytes; the key is 1-256 UTF-16
 *     code units (counted here from the code points, independently of
 *     sg_kinesis_pk_units); on the event stream the data is a JSON object
 *     that has event_type;
 *   - size accounting: no input gets SG_INGEST_NO_MEMORY (the entries'
 *     ceiling must hold whatever a body can produce), and the body's form
 *     does not count: the same body compacted (whitespace dropped) gives
 *     the same status, items, stored bytes and sizes (the record limit is
 *     on the stored bytes, not on the body's);
 *   - the event stream is parsed once more with a catalog (every keyword)
 *     and the created_at window: the same properties hold, and every
 *     invalid item carries a rule id and a path;
 *   - the structural index changes nothing: the same body parsed with the
 *     index off and bounded to 3 containers (partial) gives the same status,
 *     message, items and entries (entries compared unless keys are random).
 *   - the bad row of every refusal (bad_row.h: each invalid item, the
 *     record over the size limit, a body that is not JSON, whatever its
 *     bytes) is valid JSON of at most SG_BAD_ROW_MAX bytes whose payload
 *     decodes to the bytes as sent (or a prefix when cut).
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bad_row.h"
#include "catalog.h"
#include "config.h"
#include "ingest_parse.h"
#include "json_scan.h"
#include "kinesis/kinesis_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
    if (!ok)
        abort();
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict standard base64 (padding required) into a new buffer; NULL if bad. */
static unsigned char *b64_decode(const char *s, size_t len, size_t *out_len)
{
    if (len % 4 != 0)
        return NULL;
    unsigned char *out = malloc(len / 4 * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; out && i < len; i += 4) {
        int v[4];
        size_t pad = 0;
        for (size_t j = 0; j < 4; j++) {
            bool last_quad = i + 4 == len;
            if (s[i + j] == '=' && last_quad && j >= 2 && (j == 3 || s[i + 3] == '=')) {
                v[j] = 0;
                pad++;
            } else if ((v[j] = b64_value(s[i + j])) < 0 || pad) {
                free(out);
                return NULL;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (unsigned char)(w >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(w >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)w;
    }
    *out_len = o;
    return out;
}

/* UTF-16 length of valid UTF-8: 2 units per code point above U+FFFF. */
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

/* The stored data of an event stream: a JSON object, enriched. */
static void check_event_data(const unsigned char *d, size_t len)
{
    struct sg_json_span v, t;
    struct sg_json_error err;
    require(sg_json_validate((const char *)d, len,
                             &(struct sg_json_opts){{SG_JSON_MAX_DEPTH_DEFAULT, 0}, NULL}, &v,
                             &err) == 0);
    require(sg_json_type_of(v) == SG_JSON_OBJECT && sg_json_object_get(v, "event_type", &t));
}

static void check_entry(const struct sg_ingest *in, const struct sg_ingest_item *it,
                        const struct sg_stream_config *s, const struct sg_ingest_limits *lim)
{
    json_error_t jerr;
    json_t *e = json_loadb(in->entries.data + it->entry_off, it->entry_len,
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    require(e != NULL && json_is_object(e) && json_object_size(e) == 2);
    json_t *d = json_object_get(e, "Data"), *pk = json_object_get(e, "PartitionKey");
    require(json_is_string(d) && json_is_string(pk));
    size_t pk_len = json_string_length(pk), n = 0;
    size_t units = utf16_units(json_string_value(pk), pk_len);
    require(units >= 1 && units <= SG_KINESIS_PK_MAX_UNITS &&
            units == sg_kinesis_pk_units(json_string_value(pk), pk_len));
    unsigned char *bytes = b64_decode(json_string_value(d), json_string_length(d), &n);
    require(bytes != NULL);
    require(n + pk_len == it->kinesis_bytes && it->kinesis_bytes <= lim->max_record_bytes);
    if (s->mode == SG_STREAM_EVENT)
        check_event_data(bytes, n);
    free(bytes);
    json_decref(e);
}

/* An aggregating stream's item: no entry, the raw key and data, the hash. */
static void check_raw(const struct sg_ingest *in, const struct sg_ingest_item *it,
                      const struct sg_stream_config *s, const struct sg_ingest_limits *lim)
{
    require(it->entry_len == 0 && it->raw_off <= in->entries.len &&
            it->key_len + it->data_len <= in->entries.len - it->raw_off);
    require(it->key_len + it->data_len == it->kinesis_bytes &&
            it->kinesis_bytes <= lim->max_record_bytes);
    const char *key = in->entries.data + it->raw_off;
    size_t units = utf16_units(key, it->key_len);
    require(units >= 1 && units <= SG_KINESIS_PK_MAX_UNITS);
    require(it->hash == sg_hash_key_of_partition_key(key, it->key_len));
    if (s->mode == SG_STREAM_EVENT)
        check_event_data((const unsigned char *)key + it->key_len, it->data_len);
}

static void check_ok(const struct sg_ingest *in, enum sg_ingest_route route,
                     const struct sg_stream_config *s, const struct sg_ingest_limits *lim)
{
    require(in->n >= 1 && in->n <= lim->max_records && in->n_valid <= in->n);
    require(route == SG_ROUTE_RECORDS || in->n == 1);
    size_t valid = 0, bytes = 0, end = 0;
    for (size_t i = 0; i < in->n; i++) {
        const struct sg_ingest_item *it = &in->items[i];
        if (!it->valid) {
            require(it->message[0] != '\0' && it->rule[0] != '\0' && it->path[0] != '\0');
            continue;
        }
        valid++;
        bytes += it->kinesis_bytes;
        if (s->aggregation == SG_AGG_KPL) {
            check_raw(in, it, s, lim);
            continue;
        }
        require(it->entry_len > 0 && it->entry_off >= end && it->entry_off <= in->entries.len &&
                it->entry_len <= in->entries.len - it->entry_off);
        end = it->entry_off + it->entry_len;
        check_entry(in, it, s, lim);
    }
    require(valid == in->n_valid && bytes == in->kinesis_bytes);
}

static void check_same(const struct sg_ingest *a, enum sg_ingest_status sa,
                       const struct sg_ingest *b, enum sg_ingest_status sb, bool same_entries)
{
    require(sa == sb && strcmp(a->message, b->message) == 0);
    require(a->n == b->n && a->n_valid == b->n_valid && a->kinesis_bytes == b->kinesis_bytes &&
            a->entries.len == b->entries.len);
    for (size_t i = 0; i < a->n; i++) {
        const struct sg_ingest_item *x = &a->items[i], *y = &b->items[i];
        require(x->valid == y->valid && x->entry_off == y->entry_off &&
                x->entry_len == y->entry_len && x->kinesis_bytes == y->kinesis_bytes &&
                strcmp(x->field, y->field) == 0 && strcmp(x->message, y->message) == 0);
    }
    if (same_entries && a->entries.len)
        require(memcmp(a->entries.data, b->entries.data, a->entries.len) == 0);
}

/* The body without its whitespace gives the same result (messages aside:
 * a syntax error's offset moves). */
static void check_compacted(const char *body, size_t len, enum sg_ingest_route route,
                            const struct sg_stream_config *s, const struct sg_ingest_limits *lim,
                            const struct sg_ingest *in, enum sg_ingest_status st)
{
    struct sg_json_span v;
    struct sg_buf c;
    struct sg_json_limits jl = {lim->max_depth, lim->max_members};
    if (sg_json_validate(body, len, &(struct sg_json_opts){jl, NULL}, &v, NULL) != 0)
        return;
    sg_buf_init(&c, 0);
    if (sg_json_compact(v, &c) == 0 && c.len < len) {
        struct sg_ingest again;
        enum sg_ingest_status st2 = sg_ingest_parse(&again, route, s, c.data, c.len, lim);
        require(st2 == st);
        if (st == SG_INGEST_OK) {
            require(again.n == in->n && again.n_valid == in->n_valid &&
                    again.kinesis_bytes == in->kinesis_bytes);
            if (s->partition_key != SG_PK_RANDOM)
                require(again.entries.len == in->entries.len &&
                        (!in->entries.len ||
                         memcmp(again.entries.data, in->entries.data, in->entries.len) == 0));
        }
        sg_ingest_free(&again);
    }
    sg_buf_free(&c);
}

/* One refusal's bad row: valid JSON, bounded, its payload the bytes sent. */
static void check_bad_row(const char *payload, size_t len, bool utf8)
{
    struct sg_bad_row_reason reason = {"$.x", "type", "m"};
    struct sg_bad_row row = {1, 1, &reason, 1, "n", 1, "events", "r", NULL, payload, len};
    struct sg_buf b;
    bool cut;
    sg_buf_init(&b, SG_BAD_ROW_MAX);
    require(sg_bad_row_append(&b, &row, &cut) == SG_BUF_OK);
    json_t *root = json_loadb(b.data, b.len, JSON_ALLOW_NUL, NULL); /* a raw NUL is \u0000 */
    require(root != NULL);
    json_t *p = json_object_get(root, "payload");
    require(json_is_string(p));
    size_t n = json_string_length(p);
    if (utf8)
        require(cut ? n < len && memcmp(json_string_value(p), payload, n) == 0
                    : n == len && memcmp(json_string_value(p), payload, n) == 0);
    json_decref(root);
    sg_buf_free(&b);
}

static void check_bad_rows(const char *body, size_t len, const struct sg_ingest *in,
                           enum sg_ingest_status st)
{
    if (st == SG_INGEST_BAD_REQUEST && in->not_json)
        check_bad_row(body, len, false);
    for (size_t i = 0; i < in->n && (st == SG_INGEST_OK || st == SG_INGEST_TOO_LARGE); i++) {
        const struct sg_ingest_item *it = &in->items[i];
        if (it->valid)
            continue;
        require(it->data_off <= len && it->data_sent_len <= len - it->data_off);
        check_bad_row(body + it->data_off, it->data_sent_len, true);
    }
}

static void run(const char *body, size_t len, enum sg_ingest_route route,
                const struct sg_stream_config *s, const struct sg_ingest_limits *lim)
{
    struct sg_ingest in;
    enum sg_ingest_status st = sg_ingest_parse(&in, route, s, body, len, lim);
    if (st == SG_INGEST_OK)
        check_ok(&in, route, s, lim);
    else
        require(in.message[0] != '\0' &&
                (st == SG_INGEST_BAD_REQUEST || st == SG_INGEST_TOO_LARGE));
    check_compacted(body, len, route, s, lim, &in, st);
    check_bad_rows(body, len, &in, st);
    static const size_t bounds[] = {0, 3};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        struct sg_ingest again;
        struct sg_ingest_limits bounded = *lim;
        bounded.max_index = bounds[b] ? bounds[b] : SG_INGEST_NO_INDEX;
        enum sg_ingest_status st2 = sg_ingest_parse(&again, route, s, body, len, &bounded);
        check_same(&in, st, &again, st2, s->partition_key != SG_PK_RANDOM);
        sg_ingest_free(&again);
    }
    sg_ingest_free(&in);
}

/* A catalog for the event stream with rules: every keyword, a closed and
 * an open type (built once). */
static const char catalog_doc[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"amount\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"maximum\":1e6},"
    "\"currency\":{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\",\"\\u00e9\"]},"
    "\"qty\":{\"type\":[\"integer\",\"null\"],\"minimum\":1,\"exclusiveMaximum\":100},"
    "\"code\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":4},"
    "\"on\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"},"
    "\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
    "\"ok\":{\"type\":\"boolean\",\"const\":true},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":[\"string\",\"null\"],\"maxLength\":3},"
    "\"minItems\":1,\"maxItems\":3}},"
    "\"required\":[\"amount\"],\"additionalProperties\":false}";
static const char open_doc[] =
    "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}";

static const struct sg_event_rules *catalog_rules(void)
{
    static struct sg_event_rules rules;
    static struct sg_catalog *cat;
    if (!cat) {
        struct sg_catalog_source src[] = {{"a.b.json", catalog_doc, sizeof catalog_doc - 1},
                                          {"a.json", open_doc, sizeof open_doc - 1}};
        char err[512];
        cat = sg_catalog_new(src, 2, err, sizeof err);
        require(cat != NULL);
        rules = (struct sg_event_rules){cat, false, 3650 * 86400LL, 86400};
    }
    return &rules;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sg_stream_config streams[] = {
        {.name = "events", .stream_name = "events", .mode = SG_STREAM_EVENT},
        {.name = "raw", .stream_name = "raw", .mode = SG_STREAM_PASSTHROUGH},
        {.name = "kpl", .stream_name = "kpl", .mode = SG_STREAM_EVENT, .aggregation = SG_AGG_KPL},
    };
    static const struct sg_ingest_limits limits[] = {
        {.max_record_bytes = 1024 * 1024,
         .max_depth = SG_JSON_MAX_DEPTH_DEFAULT,
         .max_records = 500},
        {.max_record_bytes = 300, .max_depth = 8, .max_records = 4, .max_members = 5},
    };
    const char *body = (const char *)data;
    for (size_t s = 0; s < sizeof streams / sizeof streams[0]; s++)
        for (size_t l = 0; l < 2; l++) {
            run(body, size, SG_ROUTE_RECORD, &streams[s], &limits[l]);
            run(body, size, SG_ROUTE_RECORDS, &streams[s], &limits[l]);
        }
    /* The event stream with a catalog (and the window around 2024-04-07). */
    struct sg_ingest_limits with = limits[0];
    with.rules = catalog_rules();
    with.now = 1712514065;
    run(body, size, SG_ROUTE_RECORD, &streams[0], &with);
    run(body, size, SG_ROUTE_RECORDS, &streams[0], &with);
    return 0;
}
