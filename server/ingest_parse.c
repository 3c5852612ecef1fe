/*
 * ingest_parse: request bodies -> PutRecords entries (see ingest_parse.h).
 *
 * One pass per record: find Data and the partition key by span, produce the
 * stored bytes (enriched event, compact JSON or raw string) in a scratch
 * buffer, then base64 them straight into the entry. No jansson tree is built:
 * the client's bytes are kept exactly (see json_scan.h for why).
 *
 * The body is validated with a structural index (json_scan.h), which every
 * later walk is given: the records array jumps over each record, each
 * record's and event's members are read from the spans the validator
 * recorded (no second scan of their bytes), each walk starts from the
 * entry its parent's walk met (no search), and an event without whitespace
 * is copied whole (event.c). Without it each event's bytes were walked
 * about six times; now only the validator reads them. The index lives for
 * one parse, on this thread; so do the records' two scratch buffers.
 */
#include "ingest_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json_scan.h"
#include "kinesis/kinesis_codec.h"
#include "rand.h"

/* Per record, beyond what the body's bytes account for: the JSON around an
 * entry, base64's padding, the derived members' fixed text and a generated
 * (36-byte) key. */
#define ENTRY_OVERHEAD 512
/* A raw partition key: 256 UTF-16 units of up to 4 UTF-8 bytes each. */
#define RAW_KEY_MAX 1024
/* Decoded key bytes kept while measuring a key: 256 units are at most 768
 * bytes of UTF-8 (3 per BMP character, 4 per surrogate pair), so a key that
 * does not fit is over the limit; the extra room lets the message count the
 * units of keys somewhat over it. */
#define KEY_BUF_MAX (4 * SG_KINESIS_PK_MAX_UNITS)

/* Names of the members of one record, by body shape. */
struct shape {
    const char *data;
    const char *key;
    int raw_strings; /* tutorial shape: a string data is stored as its bytes */
};

static const struct shape shape_single = {"Data", "PartitionKey", 0};
static const struct shape shape_tutorial = {"data", "partition-key", 1};
static const struct shape shape_kinesis = {"Data", "PartitionKey", 0};

/* [in] rule: the rule id; the path is "$" for a record's shape, the
 * member's name for a partition key. */
static void item_error(struct sg_ingest_item *it, const char *field, const char *rule,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void item_error(struct sg_ingest_item *it, const char *field, const char *rule,
                       const char *fmt, ...)
{
    it->valid = 0;
    snprintf(it->field, sizeof it->field, "%s", field);
    snprintf(it->rule, sizeof it->rule, "%s", rule);
    snprintf(it->path, sizeof it->path, "%s", strcmp(rule, "partition_key") == 0 ? field : "$");
    it->event_type[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
}

static enum sg_ingest_status request_error(struct sg_ingest *out, enum sg_ingest_status st,
                                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum sg_ingest_status request_error(struct sg_ingest *out, enum sg_ingest_status st,
                                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return st;
}

/* What parse_record's steps found. */
enum record_rc {
    REC_OK = 0,
    REC_INVALID,   /* the record breaks a rule: its own error */
    REC_TOO_LARGE, /* over max_record_bytes: the whole request (413) */
    REC_NO_MEMORY, /* the whole request (503) */
};

/* The stored bytes of one record into `out` (bounded to max_record_bytes). */
static enum record_rc record_data(struct sg_ingest_item *it, const struct sg_stream_config *s,
                                  const struct shape *sh, struct sg_json_span data,
                                  const struct sg_json_iter *data_at,
                                  const struct sg_json_index *idx,
                                  const struct sg_ingest_limits *lim, struct sg_buf *out,
                                  char uuid[SG_EVENT_UUID_LEN + 1])
{
    uuid[0] = '\0';
    if (s->mode == SG_STREAM_EVENT) {
        struct sg_event_error err;
        struct sg_json_limits jl = {lim->max_depth, lim->max_members};
        struct sg_event_opts o = {idx, &jl, lim->rules, lim->now, data_at};
        if (sg_event_enrich(data, &o, out, uuid, &err) == 0)
            return REC_OK;
        if (err.no_memory)
            return REC_NO_MEMORY;
        item_error(it, err.field, err.rule, "%s", err.message);
        snprintf(it->path, sizeof it->path, "%s", err.path);
        snprintf(it->event_type, sizeof it->event_type, "%s", err.event_type);
        return err.too_large ? REC_TOO_LARGE : REC_INVALID;
    }
    enum sg_buf_result rc = (sh->raw_strings && sg_json_type_of(data) == SG_JSON_STRING)
                                ? sg_json_string_decode(data, out)
                                : sg_json_compact_indexed(data, idx, out);
    /* out's limit is max_record_bytes, applied to the decoded/compacted
     * bytes (a raw token over the limit may still fit). */
    return rc == SG_BUF_OK ? REC_OK : rc == SG_BUF_TOO_LARGE ? REC_TOO_LARGE : REC_NO_MEMORY;
}

/* The partition key for one record into `key`; 0 or -1 with it set.
 * Measured decoded ("\u0416" is one unit) and in UTF-16 code units, as
 * Kinesis measures it. */
static int record_key(struct sg_ingest_item *it, const struct sg_stream_config *s,
                      const struct shape *sh, const struct sg_json_span *key_value,
                      const char *uuid, struct sg_buf *key)
{
    struct sg_json_span k = key_value ? *key_value : (struct sg_json_span){NULL, 0};
    bool has = key_value && sg_json_type_of(k) != SG_JSON_NULL;
    if (s->partition_key == SG_PK_RANDOM) {
        char r[SG_UUID_LEN + 1];
        sg_rand_uuid(r);
        return sg_buf_append(key, r, SG_UUID_LEN);
    }
    if (s->partition_key == SG_PK_EVENT_UUID || (!has && uuid[0]))
        return sg_buf_append_str(key, uuid);
    if (!has) {
        item_error(it, sh->key, "partition_key", "%s is required on this stream", sh->key);
        return -1;
    }
    if (sg_json_type_of(k) != SG_JSON_STRING) {
        item_error(it, sh->key, "partition_key", "%s must be a string", sh->key);
        return -1;
    }
    /* A key that does not even fit the buffer is over the limit. */
    int fits = sg_json_string_decode(k, key) == 0;
    size_t units = fits ? sg_kinesis_pk_units(key->data, key->len) : 0;
    if (fits && units >= 1 && units <= SG_KINESIS_PK_MAX_UNITS)
        return 0;
    char got[48] = "";
    if (fits)
        snprintf(got, sizeof got, "; this one has %zu", units);
    else
        snprintf(got, sizeof got, "; this one has more than %d", SG_KINESIS_PK_MAX_UNITS);
    item_error(it, sh->key, "partition_key",
               "%s must be 1-%d characters, counted as Kinesis counts them: in UTF-16 code "
               "units, where a character outside the Basic Multilingual Plane (e.g. an emoji) "
               "counts as 2%s",
               sh->key, SG_KINESIS_PK_MAX_UNITS, got);
    return -1;
}

/* A record and where the walk met it (its parent iterator knows the
 * record's index entry: no search for it). */
struct record_ref {
    struct sg_json_span v;
    struct sg_json_iter at; /* the array walk as it returned v; unset without has_at */
    bool has_at;
};

/* Data and partition key of a record in one walk over its members (a lookup
 * per name would skip over the whole event once per name); [out] data_at:
 * the iterator as it returned Data. */
static void find_members(const struct record_ref *rec, const struct sg_json_index *idx,
                         const struct shape *sh, struct sg_json_span *data,
                         struct sg_json_iter *data_at, struct sg_json_span *key)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    if (rec->has_at)
        sg_json_iter_init_child(&it, &rec->at, rec->v);
    else
        sg_json_iter_init_indexed(&it, rec->v, idx);
    while (sg_json_object_next(&it, &k, &v)) {
        if (sg_json_string_equals(k, sh->data)) {
            *data = v;
            *data_at = it;
        } else if (sg_json_string_equals(k, sh->key)) {
            *key = v;
        }
    }
}

/* For aggregation: the raw key and data after the entry, and the key's hash
 * (computed here, on the request's thread, not on the sender's). */
static enum record_rc keep_raw(struct sg_ingest *out, struct sg_ingest_item *it,
                               const struct sg_buf *key, const struct sg_buf *bytes)
{
    it->raw_off = out->entries.len;
    it->key_len = key->len;
    it->data_len = bytes->len;
    it->hash = sg_hash_key_of_partition_key(key->data, key->len);
    if (sg_buf_append(&out->entries, key->data, key->len) != SG_BUF_OK ||
        sg_buf_append(&out->entries, bytes->data ? bytes->data : "", bytes->len) != SG_BUF_OK)
        return REC_NO_MEMORY; /* the ceiling holds them too: see parse_body */
    return REC_OK;
}

/* The scratch buffers of one request's records: allocated once, emptied
 * per record (was a malloc and free of each per record). */
struct scratch {
    struct sg_buf bytes, key;
};

/* One record object -> one item (valid or with its error), or the reason
 * the whole request fails (REC_TOO_LARGE, REC_NO_MEMORY). */
static enum record_rc parse_record(struct sg_ingest *out, struct sg_ingest_item *it,
                                   const struct sg_stream_config *s, const struct shape *sh,
                                   const struct record_ref *rec, const struct sg_json_index *idx,
                                   const struct sg_ingest_limits *lim, struct scratch *sc)
{
    char uuid[SG_EVENT_UUID_LEN + 1];
    struct sg_json_span obj = rec->v, data = {NULL, 0}, key_value = {NULL, 0};
    struct sg_json_iter data_at;
    struct sg_buf *bytes = &sc->bytes, *key = &sc->key;
    sg_buf_truncate(bytes, 0);
    sg_buf_truncate(key, 0);
    enum record_rc rc = REC_OK;
    it->valid = 1;
    bool is_object = sg_json_type_of(obj) == SG_JSON_OBJECT;
    if (is_object)
        find_members(rec, idx, sh, &data, &data_at, &key_value);
    struct sg_json_span sent = data.ptr ? data : obj;
    it->data_off = (size_t)(sent.ptr - out->_body);
    it->data_sent_len = sent.len;
    if (!is_object) {
        item_error(it, "", "json", "each record must be a JSON object");
    } else if (!data.ptr) {
        item_error(it, sh->data, "json", "%s is required", sh->data);
    } else if ((rc = record_data(it, s, sh, data, &data_at, idx, lim, bytes, uuid)) == REC_OK &&
               record_key(it, s, sh, key_value.ptr ? &key_value : NULL, uuid, key) == 0) {
        /* The rule Kinesis applies: data as stored + partition key. */
        it->kinesis_bytes = bytes->len + key->len;
        it->entry_off = out->entries.len;
        if (it->kinesis_bytes > lim->max_record_bytes)
            rc = REC_TOO_LARGE;
        else if (s->aggregation == SG_AGG_KPL)
            rc = keep_raw(out, it, key, bytes); /* entries are built by the sender */
        else if (sg_kinesis_append_entry(&out->entries, bytes->data ? bytes->data : "", bytes->len,
                                         key->data, key->len, NULL) != 0)
            rc = REC_NO_MEMORY; /* the entries' ceiling holds any valid body: see parse_body */
        else
            it->entry_len = out->entries.len - it->entry_off;
    }
    if (rc == REC_INVALID)
        rc = REC_OK; /* the item carries its error */
    return rc;
}

/* An item as calloc would leave it, without writing its text arrays whole. */
static void item_init(struct sg_ingest_item *it)
{
    it->valid = 0;
    it->entry_off = it->entry_len = it->kinesis_bytes = 0;
    it->raw_off = it->key_len = it->data_len = 0;
    memset(&it->hash, 0, sizeof it->hash);
    it->field[0] = it->message[0] = it->path[0] = it->rule[0] = it->event_type[0] = '\0';
    it->data_off = it->data_sent_len = 0;
}

static enum sg_ingest_status add_each(struct sg_ingest *out, const struct sg_stream_config *s,
                                      const struct shape *sh, const struct record_ref *objs,
                                      size_t n, const struct sg_json_index *idx,
                                      const struct sg_ingest_limits *lim, const char *list_name,
                                      struct scratch *sc);

static enum sg_ingest_status add_items(struct sg_ingest *out, const struct sg_stream_config *s,
                                       const struct shape *sh, const struct record_ref *objs,
                                       size_t n, const struct sg_json_index *idx,
                                       const struct sg_ingest_limits *lim, const char *list_name)
{
    /* Not calloc: an item is ~550 bytes, mostly error texts a valid record
     * never writes; zeroing 500 of them was ~800 instructions per event
     * (issue 21). item_init gives each what calloc gave it as a C struct
     * read by field: zero numbers, empty strings. */
    out->items = malloc(n * sizeof *out->items);
    if (!out->items)
        return request_error(out, SG_INGEST_NO_MEMORY, "out of memory");
    out->n = n;
    struct scratch sc;
    sg_buf_init(&sc.bytes, lim->max_record_bytes);
    sg_buf_init(&sc.key, KEY_BUF_MAX);
    enum sg_ingest_status st = add_each(out, s, sh, objs, n, idx, lim, list_name, &sc);
    sg_buf_free(&sc.bytes);
    sg_buf_free(&sc.key);
    return st;
}

static enum sg_ingest_status add_each(struct sg_ingest *out, const struct sg_stream_config *s,
                                      const struct shape *sh, const struct record_ref *objs,
                                      size_t n, const struct sg_json_index *idx,
                                      const struct sg_ingest_limits *lim, const char *list_name,
                                      struct scratch *sc)
{
    for (size_t i = 0; i < n; i++) {
        struct sg_ingest_item *it = &out->items[i];
        item_init(it);
        enum record_rc rc = parse_record(out, it, s, sh, &objs[i], idx, lim, sc);
        if (rc == REC_TOO_LARGE) {
            char where[48] = "the record";
            if (list_name[0])
                snprintf(where, sizeof where, "%s[%zu]", list_name, i);
            out->n = i + 1; /* the record at fault is the last item */
            request_error(out, SG_INGEST_TOO_LARGE,
                          "%s is over the %zu-byte limit (data + partition key)", where,
                          lim->max_record_bytes);
            item_error(it, "", "record_size", "%s", out->message);
            return SG_INGEST_TOO_LARGE;
        }
        if (rc == REC_NO_MEMORY) {
            for (size_t j = i + 1; j < n; j++) /* every item readable, as calloc left them */
                item_init(&out->items[j]);
            return request_error(out, SG_INGEST_NO_MEMORY, "out of memory");
        }
        if (it->valid) {
            out->n_valid++;
            out->kinesis_bytes += it->kinesis_bytes;
        }
    }
    return SG_INGEST_OK;
}

static enum sg_ingest_status parse_batch(struct sg_ingest *out, const struct sg_stream_config *s,
                                         struct sg_json_span root, const struct sg_json_index *idx,
                                         const struct sg_ingest_limits *lim)
{
    struct sg_json_span list = {NULL, 0}, upper_list = {NULL, 0}, k, v;
    const struct shape *sh = &shape_tutorial;
    const char *name = "records";
    struct sg_json_iter top;
    sg_json_iter_init_indexed(&top, root, idx); /* one walk; the records array is jumped over */
    while (sg_json_object_next(&top, &k, &v)) {
        if (sg_json_string_equals(k, "records"))
            list = v;
        else if (sg_json_string_equals(k, "Records"))
            upper_list = v;
    }
    bool lower = list.ptr != NULL, upper = upper_list.ptr != NULL;
    if (lower && upper)
        return request_error(out, SG_INGEST_BAD_REQUEST,
                             "Invalid request body: send either records or Records, not both");
    if (upper)
        list = upper_list, sh = &shape_kinesis, name = "Records";
    if (!lower && !upper)
        return request_error(out, SG_INGEST_BAD_REQUEST,
                             "Invalid request body: records is required (an array of records)");
    if (sg_json_type_of(list) != SG_JSON_ARRAY)
        return request_error(out, SG_INGEST_BAD_REQUEST,
                             "Invalid request body: %s must be an array", name);
    /* One walk collects the elements; one slot more than allowed tells
     * "too many" without walking the rest. */
    struct record_ref *objs = malloc(((size_t)lim->max_records + 1) * sizeof *objs);
    if (!objs)
        return request_error(out, SG_INGEST_NO_MEMORY, "out of memory");
    size_t n = 0;
    struct sg_json_iter it;
    sg_json_iter_init_indexed(&it, list, idx);
    while (n <= lim->max_records && sg_json_array_next(&it, &objs[n].v)) {
        objs[n].at = it;
        objs[n].has_at = true;
        n++;
    }
    if (n == 0 || n > lim->max_records) {
        struct sg_json_span rest;
        while (n && sg_json_array_next(&it, &rest)) /* count them for the message */
            n++;
        free(objs);
        if (n == 0)
            return request_error(out, SG_INGEST_BAD_REQUEST,
                                 "Invalid request body: %s must hold at least one record", name);
        return request_error(out, SG_INGEST_BAD_REQUEST,
                             "Invalid request body: %s has %zu records, more than %u", name, n,
                             lim->max_records);
    }
    enum sg_ingest_status st = add_items(out, s, sh, objs, n, idx, lim, name);
    free(objs);
    return st;
}

/* A body json_scan refused: 400 naming the limit when one was hit. */
static enum sg_ingest_status json_error(struct sg_ingest *out, const struct sg_json_error *jerr)
{
    static const char *const limit_key[] = {
        [SG_JSON_ERR_SYNTAX] = "",
        [SG_JSON_ERR_DEPTH] = " (limits.max_json_depth)",
        [SG_JSON_ERR_MEMBERS] = " (limits.max_object_members)",
        [SG_JSON_ERR_NO_MEMORY] = "",
    };
    if (jerr->kind == SG_JSON_ERR_NO_MEMORY)
        return request_error(out, SG_INGEST_NO_MEMORY, "out of memory");
    out->not_json = jerr->kind == SG_JSON_ERR_SYNTAX;
    return request_error(out, SG_INGEST_BAD_REQUEST, "Invalid request body: %s%s", jerr->text,
                         limit_key[jerr->kind]);
}

static enum sg_ingest_status parse_body(struct sg_ingest *out, enum sg_ingest_route route,
                                        const struct sg_stream_config *s, const char *body,
                                        size_t len, const struct sg_ingest_limits *lim,
                                        struct sg_json_index *idx)
{
    memset(out, 0, sizeof *out);
    out->_body = body;
    /* The entries' ceiling, from the body's size. A record stores at most 4x
     * its data's bytes: an enriched event is its members (never longer
     * once compacted) plus event_type and event_subtype, which repeat
     * disjoint parts of event_name, and re-escaping a part can triple it
     * ("\b" is written "\u0008"). Base64 adds a third: 16/3 of the data.
     * An escaped key is at most 3x its token, which is other bytes of the
     * body. Plus a fixed allowance per record. Aggregating streams keep the
     * raw data and key instead (at most 4x the data, 12/3, and the key). */
    bool kpl = s->aggregation == SG_AGG_KPL;
    size_t per_third = 16, per_record = ENTRY_OVERHEAD + (kpl ? RAW_KEY_MAX : 0);
    sg_buf_init(&out->entries,
                len / 3 * per_third + per_third + (size_t)lim->max_records * per_record + 4096);
    /* Typical entries are the body plus base64's third: reserve that once. */
    if (sg_buf_reserve(&out->entries, len + len / 2 + 1024) != 0)
        return request_error(out, SG_INGEST_NO_MEMORY, "out of memory");
    struct sg_json_span root;
    struct sg_json_error jerr;
    out->not_json = len == 0;
    if (len == 0)
        return request_error(out, SG_INGEST_BAD_REQUEST, "Invalid request body: empty body");
    struct sg_json_opts jo = {{lim->max_depth, lim->max_members}, idx};
    if (sg_json_validate(body, len, &jo, &root, &jerr) != 0)
        return json_error(out, &jerr);
    if (sg_json_type_of(root) != SG_JSON_OBJECT)
        return request_error(out, SG_INGEST_BAD_REQUEST,
                             "Invalid request body: the body must be a JSON object");
    if (route == SG_ROUTE_RECORDS)
        return parse_batch(out, s, root, idx, lim);
    struct record_ref rec = {.v = root, .has_at = false};
    return add_items(out, s, &shape_single, &rec, 1, idx, lim, "");
}

/* One entry point; the options are in `lim` (max_index among them). */
enum sg_ingest_status sg_ingest_parse(struct sg_ingest *out, enum sg_ingest_route route,
                                      const struct sg_stream_config *s, const char *body,
                                      size_t len, const struct sg_ingest_limits *lim)
{
    size_t max_index = lim->max_index == 0                    ? SG_JSON_INDEX_MAX
                       : lim->max_index == SG_INGEST_NO_INDEX ? 0
                                                              : lim->max_index;
    struct sg_json_index idx;
    sg_json_index_init(&idx, max_index);
    enum sg_ingest_status st = parse_body(out, route, s, body, len, lim, &idx);
    out->_body = NULL; /* items keep offsets, not pointers */
    sg_json_index_free(&idx);
    return st;
}

void sg_ingest_free(struct sg_ingest *in)
{
    free(in->items);
    in->items = NULL;
    sg_buf_free(&in->entries);
}
