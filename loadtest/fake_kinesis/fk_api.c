/*
 * fk_api: see fk_api.h.
 *
 * A PutRecords call is handled in two passes so that a refused call changes
 * nothing: parse and check every record into an array of summaries (shard,
 * UUID, size), then commit (count, add UUIDs, take sequence numbers) and
 * write the reply. Records are decoded in place in the request body.
 *
 * Shards: Kinesis splits the 128-bit hash key space into equal ranges, shard
 * i owning [i * w, (i + 1) * w - 1] with w = floor(2^128 / N), the last shard
 * taking the remainder; a record's hash key is the MD5 of its partition key
 * read as a big-endian number, unless ExplicitHashKey gives it.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html
 */
#define _GNU_SOURCE /* memmem */
#include "fk_api.h"

#include "fk_base64.h"
#include "fk_json.h"
#include "fk_kpl.h"
#include "fk_uuid_set.h"

#include <openssl/md5.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__extension__ typedef unsigned __int128 u128;

#define SEQ_PREFIX_LEN 36 /* sequence number = prefix + 20-digit counter */
#define STREAM_NAME_MAX 128
#define RECORD_REPLY_MAX 112 /* bytes per record entry in a PutRecords reply */
#define SHARD_ENTRY_MAX 160  /* bound of each formatted piece of a ListShards entry */

struct fk_api {
    unsigned shards;
    u128 width; /* hash keys per shard */
    char seq_prefix[SEQ_PREFIX_LEN + 1];
    atomic_uint_fast64_t seq;
    atomic_uint_fast64_t calls, records, unique, duplicates, no_uuid, bytes, rejected, other_calls,
        user_records, aggregates, misplaced, bad_aggregates;
    struct fk_uuid_set *uuids;
};

/* One parsed record (a Kinesis record), before commit. */
struct record {
    unsigned shard;
    size_t bytes;
};

/*
 * What one call's records hold, before commit: the event_uuids of its user
 * records (a plain record is one; an aggregate holds many) and the counts.
 * One per thread, reused from call to call.
 */
struct call_users {
    unsigned char (*uuids)[16];
    size_t n, cap;
    uint64_t users, no_uuid, aggregates, misplaced, bad_aggregates;
};

static _Thread_local struct call_users thread_users;

/* Parse state: body is writable, errors are fixed strings. */
struct parse {
    struct fk_api *api;
    char *base;
    const char *end;
    const char *err_type;
    const char *err_message;
    struct call_users *cu;
    int oom;
};

static const char *fail(struct parse *ps, const char *type, const char *message)
{
    ps->err_type = type;
    ps->err_message = message;
    return NULL;
}

static const char *serialization(struct parse *ps)
{
    return fail(ps, "SerializationException", "Malformed request body");
}

struct fk_api *fk_api_new(unsigned shards)
{
    if (shards == 0 || shards > FK_API_MAX_SHARDS)
        return NULL;
    struct fk_api *api = calloc(1, sizeof(*api));
    if (api == NULL)
        return NULL;
    api->uuids = fk_uuid_set_new();
    if (api->uuids == NULL) {
        free(api);
        return NULL;
    }
    api->shards = shards;
    u128 max = ~(u128)0;
    api->width = max / shards + (max % shards == shards - 1 ? 1 : 0);
    /* "49", then the start time in ms, zero-filled: looks like Kinesis, grows per start. */
    snprintf(api->seq_prefix, sizeof(api->seq_prefix), "49%034llu",
             (unsigned long long)time(NULL) * 1000ULL);
    return api;
}

void fk_api_free(struct fk_api *api)
{
    if (api == NULL)
        return;
    fk_uuid_set_free(api->uuids);
    free(api);
}

/* Writes v in decimal, zero-padded to width digits (0: no padding); returns length. */
static size_t put_u128(char *out, u128 v, int width)
{
    char tmp[48];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    while (n < width)
        tmp[n++] = '0';
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return (size_t)n;
}

/* Parses a decimal hash key 0..2^128-1. */
static int parse_u128(struct fk_str s, u128 *out)
{
    u128 v = 0, max = ~(u128)0;
    if (s.n == 0 || s.n > 39 || s.escaped)
        return -1;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');
        if (d > 9 || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static unsigned shard_of(const struct fk_api *api, u128 key)
{
    u128 s = key / api->width;
    return s >= api->shards ? api->shards - 1 : (unsigned)s;
}

static unsigned shard_of_key(const struct fk_api *api, const char *key, size_t n)
{
    unsigned char md[MD5_DIGEST_LENGTH];
    u128 v = 0;
    MD5((const unsigned char *)key, n, md);
    for (int i = 0; i < MD5_DIGEST_LENGTH; i++)
        v = v << 8 | md[i];
    return shard_of(api, v);
}

static int hex_nibble(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Reads a 8-4-4-4-12 UUID at s (36 bytes available) into 16 bytes. */
static int parse_uuid(const char *s, unsigned char out[16])
{
    int j = 0;
    for (int i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return -1;
            continue;
        }
        int hi = hex_nibble((unsigned char)s[i]), lo = hex_nibble((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[j++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

/* Finds "event_uuid":"<uuid>" in a decoded record. */
static int find_uuid(const char *data, size_t n, unsigned char out[16])
{
    static const char key[] = "\"event_uuid\"";
    const char *end = data + n;
    const char *p = memmem(data, n, key, sizeof(key) - 1);
    if (p == NULL)
        return -1;
    p = fk_json_ws(p + sizeof(key) - 1, end);
    if (p >= end || *p != ':')
        return -1;
    p = fk_json_ws(p + 1, end);
    if (end - p < 38 || *p != '"' || p[37] != '"')
        return -1;
    return parse_uuid(p + 1, out);
}

/* Notes the event_uuid of one user record's data (or that it has none). */
static void add_user(struct parse *ps, const char *data, size_t n)
{
    struct call_users *cu = ps->cu;
    cu->users++;
    if (cu->n == cu->cap) {
        size_t cap = cu->cap ? cu->cap * 2 : 4096;
        unsigned char(*v)[16] = realloc(cu->uuids, cap * sizeof(*v));
        if (v == NULL) {
            ps->oom = 1;
            return;
        }
        cu->uuids = v;
        cu->cap = cap;
    }
    if (find_uuid(data, n, cu->uuids[cu->n]) == 0)
        cu->n++;
    else
        cu->no_uuid++;
}

/* Context of the user records of one aggregate. */
struct agg_ctx {
    struct parse *ps;
    unsigned shard; /* the aggregate's, from its ExplicitHashKey or key */
};

/* A user record of an aggregate: its uuid, and whether its own hash key
 * (KCL checks it at de-aggregation) lies in the aggregate's shard. */
static void on_user(void *ctx, const struct fk_kpl_user *u)
{
    struct agg_ctx *a = ctx;
    unsigned shard;
    u128 h;
    if (u->hash != NULL) {
        struct fk_str s = {(const char *)u->hash, u->hash_len, 0};
        shard = parse_u128(s, &h) == 0 ? shard_of(a->ps->api, h) : a->shard + 1;
    } else {
        shard = shard_of_key(a->ps->api, (const char *)u->key, u->key_len);
    }
    a->ps->cu->misplaced += shard != a->shard;
    add_user(a->ps, (const char *)u->data, u->data_len);
}

/* Counts code points in UTF-8 text (continuation bytes do not start one). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    return c;
}

/* Fields of one record object while it is being read. */
struct fields {
    const char *data; /* decoded in place */
    size_t data_len;
    int has_data, has_key, has_hash;
    char key[FK_API_MAX_PARTITION_KEY * 4];
    size_t key_len;
    u128 hash;
};

/* Reads the value of one member of a record object; p is at the value. */
static const char *read_member(struct parse *ps, struct fk_str name, const char *p,
                               struct fields *f, struct fk_str *stream)
{
    struct fk_str v;
    if (fk_json_str_is(name, "Data")) {
        /* memchr, not fk_json_string: a backslash or control character
         * before the quote is not base64, so the decoder refuses it. */
        const char *q =
            p < ps->end && *p == '"' ? memchr(p + 1, '"', (size_t)(ps->end - p - 1)) : NULL;
        if (q == NULL)
            return serialization(ps);
        v.p = p + 1;
        v.n = (size_t)(q - v.p);
        p = q + 1;
        char *w = ps->base + (v.p - ps->base);
        f->data_len = fk_base64_decode(w, v.n, (unsigned char *)w);
        if (f->data_len == (size_t)-1)
            return fail(ps, "SerializationException", "Data is not valid base64");
        if (f->data_len > FK_API_MAX_DATA)
            return fail(ps, "ValidationException", "Data is larger than 1 MiB");
        f->data = w;
        f->has_data = 1;
    } else if (fk_json_str_is(name, "PartitionKey")) {
        if ((p = fk_json_string(p, ps->end, &v)) == NULL)
            return serialization(ps);
        f->key_len = fk_json_unescape(v, f->key, sizeof(f->key));
        if (f->key_len == (size_t)-1 || f->key_len == 0 ||
            utf8_chars(f->key, f->key_len) > FK_API_MAX_PARTITION_KEY)
            return fail(ps, "ValidationException",
                        "PartitionKey must be 1 to 256 Unicode characters");
        f->has_key = 1;
    } else if (fk_json_str_is(name, "ExplicitHashKey")) {
        if ((p = fk_json_string(p, ps->end, &v)) == NULL)
            return serialization(ps);
        if (parse_u128(v, &f->hash) != 0)
            return fail(ps, "ValidationException", "ExplicitHashKey is not a 128-bit decimal");
        f->has_hash = 1;
    } else if (stream != NULL &&
               (fk_json_str_is(name, "StreamName") || fk_json_str_is(name, "StreamARN"))) {
        if ((p = fk_json_string(p, ps->end, stream)) == NULL)
            return serialization(ps);
    } else if ((p = fk_json_skip(p, ps->end, 1)) == NULL) {
        return serialization(ps);
    }
    return p;
}

/* Reads a "name": separator; returns the position of the value. */
static const char *read_name(struct parse *ps, const char *p, struct fk_str *name)
{
    p = fk_json_string(fk_json_ws(p, ps->end), ps->end, name);
    if (p == NULL)
        return serialization(ps);
    p = fk_json_ws(p, ps->end);
    if (p >= ps->end || *p != ':')
        return serialization(ps);
    return fk_json_ws(p + 1, ps->end);
}

/*
 * Reads one record object at p into rec. stream, when not NULL, also takes
 * StreamName/StreamARN (PutRecord has them beside the record's members).
 */
static const char *parse_record(struct parse *ps, const char *p, struct record *rec,
                                struct fk_str *stream)
{
    struct fields f;
    f.has_data = f.has_key = f.has_hash = 0;
    p = fk_json_ws(p, ps->end);
    if (p >= ps->end || *p != '{')
        return serialization(ps);
    p++;
    for (int more = 1; more == 1;) {
        struct fk_str name;
        if ((p = read_name(ps, p, &name)) == NULL)
            return NULL;
        if ((p = read_member(ps, name, p, &f, stream)) == NULL)
            return NULL;
        if ((more = fk_json_next(&p, ps->end, '}')) < 0)
            return serialization(ps);
    }
    if (!f.has_data || !f.has_key)
        return fail(ps, "ValidationException", "A record needs Data and PartitionKey");
    rec->shard = f.has_hash ? shard_of(ps->api, f.hash) : shard_of_key(ps->api, f.key, f.key_len);
    rec->bytes = f.data_len + f.key_len;
    /* A KPL aggregate counts its user records; anything else is one. */
    struct call_users *cu = ps->cu;
    size_t n_before = cu->n;
    uint64_t users_before = cu->users, none_before = cu->no_uuid, out_before = cu->misplaced;
    struct agg_ctx actx = {ps, rec->shard};
    size_t users;
    switch (fk_kpl_read((const unsigned char *)f.data, f.data_len, on_user, &actx, &users)) {
    case FK_KPL_AGGREGATE:
        cu->aggregates++;
        break;
    case FK_KPL_NO_MEMORY:
        ps->oom = 1;
        break;
    case FK_KPL_BAD_DIGEST:
    case FK_KPL_MALFORMED: /* taken as a plain record, as KCL does with a bad digest */
        cu->n = n_before;
        cu->users = users_before;
        cu->no_uuid = none_before;
        cu->misplaced = out_before;
        cu->bad_aggregates++;
        add_user(ps, f.data, f.data_len);
        break;
    case FK_KPL_PLAIN:
        add_user(ps, f.data, f.data_len);
        break;
    }
    return p;
}

/* Kinesis stream names: 1..128 of [a-zA-Z0-9_.-]; an ARN is taken whole. */
static int stream_ok(struct fk_str s)
{
    if (s.p == NULL || s.n == 0 || s.escaped)
        return 0;
    if (s.n > 4 && memcmp(s.p, "arn:", 4) == 0)
        return s.n < 2048;
    if (s.n > STREAM_NAME_MAX)
        return 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* Reads {"StreamName":..., "Records":[...]}; returns the record count or -1. */
static int parse_put_records(struct parse *ps, struct record *recs)
{
    struct fk_str stream = {0};
    int n = 0, seen_records = 0;
    const char *p = fk_json_ws(ps->base, ps->end);
    if (p >= ps->end || *p++ != '{')
        return serialization(ps), -1;
    for (int more = 1; more == 1;) {
        struct fk_str name;
        if ((p = read_name(ps, p, &name)) == NULL)
            return -1;
        if (fk_json_str_is(name, "Records")) {
            if (p >= ps->end || *p++ != '[')
                return serialization(ps), -1;
            seen_records = 1;
            p = fk_json_ws(p, ps->end);
            int more_recs = 1;
            if (p < ps->end && *p == ']') {
                p++;
                more_recs = 0;
            }
            while (more_recs == 1) {
                if (n == FK_API_MAX_RECORDS)
                    return fail(ps, "ValidationException", "More than 500 records"), -1;
                if ((p = parse_record(ps, p, &recs[n++], NULL)) == NULL)
                    return -1;
                if ((more_recs = fk_json_next(&p, ps->end, ']')) < 0)
                    return serialization(ps), -1;
            }
        } else if (fk_json_str_is(name, "StreamName") || fk_json_str_is(name, "StreamARN")) {
            if ((p = fk_json_string(p, ps->end, &stream)) == NULL)
                return serialization(ps), -1;
        } else if ((p = fk_json_skip(p, ps->end, 1)) == NULL) {
            return serialization(ps), -1;
        }
        if ((more = fk_json_next(&p, ps->end, '}')) < 0)
            return serialization(ps), -1;
    }
    if (!stream_ok(stream))
        return fail(ps, "ValidationException", "StreamName or StreamARN is missing or invalid"), -1;
    if (!seen_records || n == 0)
        return fail(ps, "ValidationException", "Records must hold 1 to 500 records"), -1;
    return n;
}

/* Counts the records of an accepted call; returns the first sequence number. */
static uint64_t commit(struct fk_api *api, const struct record *recs, int n,
                       const struct call_users *cu)
{
    uint64_t unique = 0, dups = 0, none = cu->no_uuid, bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += recs[i].bytes;
    for (size_t i = 0; i < cu->n; i++) {
        int added = fk_uuid_set_add(api->uuids, cu->uuids[i]);
        unique += added == 1;
        dups += added == 0;
        none += added < 0;
    }
    atomic_fetch_add_explicit(&api->user_records, cu->users, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->aggregates, cu->aggregates, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->misplaced, cu->misplaced, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->bad_aggregates, cu->bad_aggregates, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->records, (uint64_t)n, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->unique, unique, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->duplicates, dups, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->no_uuid, none, memory_order_relaxed);
    atomic_fetch_add_explicit(&api->bytes, bytes, memory_order_relaxed);
    return atomic_fetch_add_explicit(&api->seq, (uint64_t)n, memory_order_relaxed);
}

/* Appends "SequenceNumber":"...","ShardId":"shardId-..." (no braces). */
static size_t put_entry(const struct fk_api *api, char *out, uint64_t seq, unsigned shard)
{
    static const char a[] = "\"SequenceNumber\":\"", b[] = "\",\"ShardId\":\"shardId-";
    char *w = out;
    memcpy(w, a, sizeof(a) - 1);
    w += sizeof(a) - 1;
    memcpy(w, api->seq_prefix, SEQ_PREFIX_LEN);
    w += SEQ_PREFIX_LEN;
    w += put_u128(w, seq, 20);
    memcpy(w, b, sizeof(b) - 1);
    w += sizeof(b) - 1;
    w += put_u128(w, shard, 12);
    *w++ = '"';
    return (size_t)(w - out);
}

static int reply_json(struct fk_reply *out, char *body, size_t len)
{
    out->status = 200;
    out->body = body;
    out->len = len;
    return 0;
}

static int put_records(struct fk_api *api, struct parse *ps, struct fk_reply *out)
{
    struct record recs[FK_API_MAX_RECORDS];
    int n = parse_put_records(ps, recs);
    if (ps->oom)
        return -1;
    if (n < 0)
        return fk_api_error(api, 400, ps->err_type, ps->err_message, out);
    uint64_t seq = commit(api, recs, n, ps->cu);
    char *body = malloc(64 + (size_t)n * RECORD_REPLY_MAX);
    if (body == NULL)
        return -1;
    static const char head[] = "{\"FailedRecordCount\":0,\"Records\":[";
    char *w = body;
    memcpy(w, head, sizeof(head) - 1);
    w += sizeof(head) - 1;
    for (int i = 0; i < n; i++) {
        *w++ = i ? ',' : '{';
        if (i)
            *w++ = '{';
        w += put_entry(api, w, seq + (uint64_t)i, recs[i].shard);
        *w++ = '}';
    }
    memcpy(w, "]}", 2);
    return reply_json(out, body, (size_t)(w + 2 - body));
}

static int put_record(struct fk_api *api, struct parse *ps, struct fk_reply *out)
{
    struct record rec;
    struct fk_str stream = {0};
    const char *p = parse_record(ps, ps->base, &rec, &stream);
    if (p != NULL && fk_json_ws(p, ps->end) != ps->end)
        p = serialization(ps);
    if (p != NULL && !stream_ok(stream))
        p = fail(ps, "ValidationException", "StreamName or StreamARN is missing or invalid");
    if (ps->oom)
        return -1;
    if (p == NULL)
        return fk_api_error(api, 400, ps->err_type, ps->err_message, out);
    uint64_t seq = commit(api, &rec, 1, ps->cu);
    char *body = malloc(RECORD_REPLY_MAX + 2);
    if (body == NULL)
        return -1;
    body[0] = '{';
    size_t len = 1 + put_entry(api, body + 1, seq, rec.shard);
    body[len++] = '}';
    return reply_json(out, body, len);
}

/* Finds the top-level StreamName (or the name part of StreamARN). */
static int stream_name(struct parse *ps, char name[STREAM_NAME_MAX + 1])
{
    struct fk_str s = {0};
    const char *p = fk_json_ws(ps->base, ps->end);
    if (p >= ps->end || *p++ != '{')
        return -1;
    p = fk_json_ws(p, ps->end);
    for (int more = p < ps->end && *p != '}'; more == 1;) {
        struct fk_str key;
        if ((p = read_name(ps, p, &key)) == NULL)
            return -1;
        if (fk_json_str_is(key, "StreamName") || fk_json_str_is(key, "StreamARN"))
            p = fk_json_string(p, ps->end, &s);
        else
            p = fk_json_skip(p, ps->end, 1);
        if (p == NULL || (more = fk_json_next(&p, ps->end, '}')) < 0)
            return -1;
    }
    if (!stream_ok(s))
        return -1;
    const char *slash = memchr(s.p, '/', s.n);
    if (slash != NULL) {
        s.n -= (size_t)(slash + 1 - s.p);
        s.p = slash + 1;
    }
    if (s.n == 0 || s.n > STREAM_NAME_MAX)
        return -1;
    memcpy(name, s.p, s.n);
    name[s.n] = '\0';
    return 0;
}

static int describe_summary(struct fk_api *api, struct parse *ps, const char *region,
                            struct fk_reply *out)
{
    char name[STREAM_NAME_MAX + 1];
    if (stream_name(ps, name) != 0)
        return fk_api_error(api, 400, "ValidationException",
                            "StreamName or StreamARN is missing or invalid", out);
    size_t cap = 1024;
    char *body = malloc(cap);
    if (body == NULL)
        return -1;
    int n = snprintf(body, cap,
                     "{\"StreamDescriptionSummary\":{\"StreamName\":\"%s\","
                     "\"StreamARN\":\"arn:aws:kinesis:%s:000000000000:stream/%s\","
                     "\"StreamStatus\":\"ACTIVE\",\"StreamModeDetails\":{\"StreamMode\":"
                     "\"PROVISIONED\"},\"RetentionPeriodHours\":24,"
                     "\"StreamCreationTimestamp\":1700000000.0,"
                     "\"EnhancedMonitoring\":[{\"ShardLevelMetrics\":[]}],"
                     "\"EncryptionType\":\"NONE\",\"OpenShardCount\":%u,\"ConsumerCount\":0}}",
                     name, region, name, api->shards);
    atomic_fetch_add_explicit(&api->other_calls, 1, memory_order_relaxed);
    return reply_json(out, body, (size_t)n);
}

static int list_shards(struct fk_api *api, struct fk_reply *out)
{
    static const char head[] = "{\"Shards\":[";
    size_t cap = sizeof(head) + (size_t)api->shards * SHARD_ENTRY_MAX * 3 + 8;
    char *body = malloc(cap), *w = body;
    if (body == NULL)
        return -1;
    memcpy(w, head, sizeof(head) - 1);
    w += sizeof(head) - 1;
    for (unsigned i = 0; i < api->shards; i++) {
        u128 start = (u128)i * api->width;
        u128 end = i + 1 == api->shards ? ~(u128)0 : start + api->width - 1;
        w += snprintf(w, SHARD_ENTRY_MAX,
                      "%s{\"ShardId\":\"shardId-%012u\",\"HashKeyRange\":"
                      "{\"StartingHashKey\":\"",
                      i ? "," : "", i);
        w += put_u128(w, start, 0);
        memcpy(w, "\",\"EndingHashKey\":\"", 19);
        w += 19;
        w += put_u128(w, end, 0);
        w += snprintf(w, SHARD_ENTRY_MAX,
                      "\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"%s%020u\"}}",
                      api->seq_prefix, 0u);
    }
    memcpy(w, "]}", 2);
    atomic_fetch_add_explicit(&api->other_calls, 1, memory_order_relaxed);
    return reply_json(out, body, (size_t)(w + 2 - body));
}

int fk_api_handle(struct fk_api *api, const char *op, char *body, size_t len, const char *region,
                  struct fk_reply *out)
{
    struct call_users *cu = &thread_users;
    cu->n = 0;
    cu->users = cu->no_uuid = cu->aggregates = cu->misplaced = cu->bad_aggregates = 0;
    struct parse ps = {api, body, body + len, NULL, NULL, cu, 0};
    if (strcmp(op, "PutRecords") == 0)
        return put_records(api, &ps, out);
    if (strcmp(op, "PutRecord") == 0)
        return put_record(api, &ps, out);
    if (strcmp(op, "DescribeStreamSummary") == 0)
        return describe_summary(api, &ps, region, out);
    if (strcmp(op, "ListShards") == 0)
        return list_shards(api, out);
    if (strcmp(op, "CreateStream") == 0) {
        atomic_fetch_add_explicit(&api->other_calls, 1, memory_order_relaxed);
        return reply_json(out, NULL, 0);
    }
    return fk_api_error(api, 400, "UnknownOperationException", "Unknown operation", out);
}

int fk_api_error(struct fk_api *api, unsigned status, const char *type, const char *message,
                 struct fk_reply *out)
{
    size_t cap = strlen(type) + strlen(message) + 32;
    char *body = malloc(cap);
    if (body == NULL)
        return -1;
    out->len = (size_t)snprintf(body, cap, "{\"__type\":\"%s\",\"message\":\"%s\"}", type, message);
    out->status = status;
    out->body = body;
    atomic_fetch_add_explicit(&api->rejected, 1, memory_order_relaxed);
    return 0;
}

void fk_api_stats(struct fk_api *api, struct fk_api_stats *out)
{
    out->calls = atomic_load(&api->calls);
    out->records = atomic_load(&api->records);
    out->unique = atomic_load(&api->unique);
    out->duplicates = atomic_load(&api->duplicates);
    out->no_uuid = atomic_load(&api->no_uuid);
    out->bytes = atomic_load(&api->bytes);
    out->rejected = atomic_load(&api->rejected);
    out->other_calls = atomic_load(&api->other_calls);
    out->user_records = atomic_load(&api->user_records);
    out->aggregates = atomic_load(&api->aggregates);
    out->misplaced = atomic_load(&api->misplaced);
    out->bad_aggregates = atomic_load(&api->bad_aggregates);
}

void fk_api_reset(struct fk_api *api)
{
    fk_uuid_set_clear(api->uuids);
    atomic_store(&api->calls, 0);
    atomic_store(&api->records, 0);
    atomic_store(&api->unique, 0);
    atomic_store(&api->duplicates, 0);
    atomic_store(&api->no_uuid, 0);
    atomic_store(&api->bytes, 0);
    atomic_store(&api->rejected, 0);
    atomic_store(&api->other_calls, 0);
    atomic_store(&api->user_records, 0);
    atomic_store(&api->aggregates, 0);
    atomic_store(&api->misplaced, 0);
    atomic_store(&api->bad_aggregates, 0);
}
