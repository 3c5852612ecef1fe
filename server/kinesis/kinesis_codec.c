/*
 * kinesis_codec: PutRecords encoding and response decoding (see header).
 */
#define _GNU_SOURCE /* memmem */
#include "kinesis_codec.h"

#include "json_scan.h"
#include "lit.h"
#include "parse_util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct code_class {
    const char *code;
    enum sg_kinesis_status status;
};

/* Codes not listed here are FATAL when they come with a 4xx. Sources: the
 * Kinesis API reference (PutRecords errors, common errors). */
static const struct code_class code_classes[] = {
    {"ProvisionedThroughputExceededException", SG_KINESIS_THROTTLED},
    {"ThrottlingException", SG_KINESIS_THROTTLED},
    {"KMSThrottlingException", SG_KINESIS_THROTTLED},
    {"LimitExceededException", SG_KINESIS_THROTTLED},
    {"ServiceUnavailable", SG_KINESIS_THROTTLED},
    {"ServiceUnavailableException", SG_KINESIS_THROTTLED},
    {"InternalFailure", SG_KINESIS_RETRYABLE},
    {"InternalFailureException", SG_KINESIS_RETRYABLE},
    {"InternalServerError", SG_KINESIS_RETRYABLE},
    {"RequestExpired", SG_KINESIS_RETRYABLE}, /* clock skew; a re-signed retry may pass */
    {"ExpiredTokenException", SG_KINESIS_EXPIRED_TOKEN},
    {"ExpiredToken", SG_KINESIS_EXPIRED_TOKEN},
};

/* "aws.protocol#Foo:http://..." -> "Foo" */
static void normalize_code(const char *in, char out[64])
{
    const char *hash = strchr(in, '#');
    if (hash)
        in = hash + 1;
    size_t n = strcspn(in, ":");
    if (n > 63)
        n = 63;
    memcpy(out, in, n);
    out[n] = '\0';
}

enum sg_kinesis_status sg_kinesis_classify_code(const char *code)
{
    char c[64];
    normalize_code(code, c);
    for (size_t i = 0; i < sizeof code_classes / sizeof code_classes[0]; i++)
        if (strcmp(c, code_classes[i].code) == 0)
            return code_classes[i].status;
    return SG_KINESIS_FATAL;
}

int sg_kinesis_is_record_error(const char *code)
{
    /* The call itself (stream, signature, size of the batch) is the
     * gateway's and valid; these refusals then point at a record's content. */
    static const char *const record_codes[] = {"ValidationException", "InvalidArgumentException",
                                               "SerializationException", "HTTP 413", NULL};
    char c[64];
    normalize_code(code, c);
    for (int i = 0; record_codes[i]; i++)
        if (strcmp(c, record_codes[i]) == 0)
            return 1;
    return 0;
}

int sg_kinesis_is_auth_error(const char *code)
{
    static const char *const auth_codes[] = {"UnrecognizedClientException",
                                             "InvalidSignatureException",
                                             "SignatureDoesNotMatch",
                                             "InvalidClientTokenId",
                                             "ExpiredTokenException",
                                             "ExpiredToken",
                                             NULL};
    char c[64];
    normalize_code(code, c);
    for (int i = 0; auth_codes[i]; i++)
        if (strcmp(c, auth_codes[i]) == 0)
            return 1;
    return 0;
}

size_t sg_kinesis_pk_units(const char *key, size_t len)
{
    size_t units = 0, i = 0;
    /* ASCII eight bytes a time (a key is usually a UUID): one unit each. */
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        if (w & 0x8080808080808080u)
            break;
        units += 8;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        units += (c & 0xC0) != 0x80; /* one per character ... */
        units += c >= 0xF0;          /* ... and a surrogate pair above U+FFFF */
    }
    return units;
}

/*
 * Copies Kinesis' text for a client and a log line: valid UTF-8 is kept as
 * it is (a message quoting a partition key in Cyrillic stays readable);
 * control characters become spaces, so a hostile body cannot break a log
 * line; bytes that are not UTF-8 become U+FFFD. A text too long for `cap`
 * is cut at a character boundary and ends in "...".
 */
static void copy_text(char *dst, size_t cap, const char *src, size_t len)
{
    static const char cut[] = "...", bad[] = "\xEF\xBF\xBD";
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, room = cap - sizeof cut; /* keeps space for "..." and the NUL */
    for (size_t i = 0; i < len;) {
        size_t n = sg_parse_utf8_seq(s + i, len - i);
        const char *out = n ? src + i : bad;
        size_t out_len = n ? n : sizeof bad - 1;
        if (n == 1 && (s[i] < 0x20 || s[i] == 0x7F))
            out = " ";
        if (o + out_len > room) {
            memcpy(dst + o, cut, sizeof cut - 1);
            o += sizeof cut - 1;
            break;
        }
        memcpy(dst + o, out, out_len);
        o += out_len;
        i += n ? n : 1;
    }
    dst[o] = '\0';
}

static void error_from_json(const char *body, size_t len, struct sg_kinesis_error *err)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    const char *type = json_string_value(json_object_get(root, "__type"));
    const char *msg = json_string_value(json_object_get(root, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(root, "Message"));
    if (type)
        normalize_code(type, err->code);
    if (msg)
        copy_text(err->message, sizeof err->message, msg, strlen(msg));
    json_decref(root);
}

/* Text between <tag> and </tag>, if any. */
static bool xml_text(const char *body, size_t len, const char *tag, char *out, size_t cap)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = memmem(body, len, open, strlen(open));
    if (!s)
        return false;
    s += strlen(open);
    const char *e = memmem(s, len - (size_t)(s - body), close, strlen(close));
    if (!e)
        return false;
    copy_text(out, cap, s, (size_t)(e - s));
    return true;
}

/* Some front ends (IAM signature checks in emulators, proxies) answer in the
 * AWS query protocol's XML even for JSON services. */
static void error_from_xml(const char *body, size_t len, struct sg_kinesis_error *err)
{
    if (xml_text(body, len, "Code", err->code, sizeof err->code))
        xml_text(body, len, "Message", err->message, sizeof err->message);
}

enum sg_kinesis_status sg_kinesis_classify_call(long http_status, const char *body, size_t len,
                                                const char *error_type_header,
                                                struct sg_kinesis_error *err)
{
    err->code[0] = '\0';
    err->message[0] = '\0';
    if (http_status == 0) {
        snprintf(err->code, sizeof err->code, "NetworkError");
        copy_text(err->message, sizeof err->message, body ? body : "", body ? len : 0);
        return SG_KINESIS_RETRYABLE;
    }
    if (body && len)
        error_from_json(body, len, err);
    if (!err->code[0] && body && len)
        error_from_xml(body, len, err);
    if (!err->code[0] && error_type_header && *error_type_header)
        normalize_code(error_type_header, err->code);
    if (!err->message[0] && body)
        copy_text(err->message, sizeof err->message, body, len < 200 ? len : 200);
    if (!err->code[0])
        snprintf(err->code, sizeof err->code, "HTTP %ld", http_status);

    enum sg_kinesis_status st = sg_kinesis_classify_code(err->code);
    if (st != SG_KINESIS_FATAL)
        return st;
    if (http_status == 429)
        return SG_KINESIS_THROTTLED;
    if (http_status >= 500)
        return http_status == 503 ? SG_KINESIS_THROTTLED : SG_KINESIS_RETRYABLE;
    return SG_KINESIS_FATAL;
}

int sg_kinesis_append_head(struct sg_buf *out, const char *stream, int is_arn)
{
    int rc = sg_kinesis_append_open(out, stream, is_arn);
    rc |= sg_buf_append_str(out, ",\"Records\":[");
    return rc ? -1 : 0;
}

int sg_kinesis_append_entry(struct sg_buf *out, const void *data, size_t len, const char *pk,
                            size_t pk_len, const char *ehk)
{
    size_t before = out->len;
    int rc = sg_buf_append(out, SG_LIT("{\"Data\":\""));
    rc |= sg_buf_append_base64(out, data, len);
    rc |= sg_buf_append(out, SG_LIT("\",\"PartitionKey\":"));
    rc |= sg_buf_append_json_string(out, pk, pk_len);
    if (ehk) {
        rc |= sg_buf_append_str(out, ",\"ExplicitHashKey\":\"");
        rc |= sg_buf_append_str(out, ehk);
        rc |= sg_buf_append_char(out, '"');
    }
    rc |= sg_buf_append_char(out, '}');
    if (rc) {
        out->len = before; /* never leave half an entry */
        return -1;
    }
    return 0;
}

int sg_kinesis_append_tail(struct sg_buf *out)
{
    return sg_buf_append(out, SG_LIT("]}"));
}

/* The members of one response entry, decoded into fixed buffers. */
struct entry_text {
    char seq[SG_KINESIS_SEQ_MAX + 1], shard[SG_KINESIS_SHARD_MAX + 1];
    char code[64], message[SG_KINESIS_ERROR_MESSAGE_MAX];
    bool has_seq, has_shard, has_code;
};

static bool decode_member(struct sg_json_span v, char *dst, size_t cap)
{
    size_t n;
    if (sg_json_type_of(v) != SG_JSON_STRING || sg_json_string_decode_to(v, dst, cap - 1, &n) != 0)
        return false;
    dst[n] = '\0';
    return true;
}

static void read_entry(struct sg_json_span entry, const struct sg_json_iter *at,
                       struct entry_text *t)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    /* Not a memset of the whole struct (~1 KiB of texts, 500 times an
     * answer): the flags, and each text empty until decoded. */
    t->has_seq = t->has_shard = t->has_code = false;
    t->seq[0] = t->shard[0] = t->code[0] = t->message[0] = '\0';
    sg_json_iter_init_child(&it, at, entry); /* its members read from the index */
    while (sg_json_object_next(&it, &k, &v)) {
        if (sg_json_string_equals(k, "SequenceNumber"))
            t->has_seq = decode_member(v, t->seq, sizeof t->seq) && t->seq[0];
        else if (sg_json_string_equals(k, "ShardId"))
            t->has_shard = decode_member(v, t->shard, sizeof t->shard) && t->shard[0];
        else if (sg_json_string_equals(k, "ErrorCode"))
            t->has_code = decode_member(v, t->code, sizeof t->code) && t->code[0];
        else if (sg_json_string_equals(k, "ErrorMessage") &&
                 !decode_member(v, t->message, sizeof t->message))
            snprintf(t->message, sizeof t->message, "(message not readable)");
    }
}

/* An entry's result from its members' texts. */
static void result_of_text(const struct entry_text *t, struct sg_kinesis_result *r)
{
    if (!t->has_code && t->has_seq && t->has_shard) {
        r->status = SG_KINESIS_OK;
        r->sequence_number = t->seq;
        r->shard_id = t->shard;
        return;
    }
    r->error_code = t->has_code ? t->code : "InternalFailure";
    r->error_message =
        t->has_code ? t->message : "Kinesis returned a record without a SequenceNumber";
    r->status = t->has_code ? sg_kinesis_classify_code(t->code) : SG_KINESIS_RETRYABLE;
    if (r->status == SG_KINESIS_FATAL)
        r->status = SG_KINESIS_RETRYABLE; /* per-record codes are documented as retryable */
}

static void result_of_entry(struct sg_json_span entry, const struct sg_json_iter *at,
                            struct entry_text *t, struct sg_kinesis_result *r)
{
    r->sequence_number = r->shard_id = r->error_code = r->error_message = NULL;
    if (sg_json_type_of(entry) != SG_JSON_OBJECT) {
        r->status = SG_KINESIS_RETRYABLE;
        r->error_code = "InternalFailure";
        r->error_message = "malformed response entry";
        return;
    }
    read_entry(entry, at, t);
    result_of_text(t, r);
}

/* ---- the answer in its usual shape, read in one pass ----
 * Kinesis (and kinesalite, and the bench's fake) answer
 *   {"FailedRecordCount":N,"Records":[{"SequenceNumber":"..","ShardId":".."} |
 *   {"ErrorCode":"..","ErrorMessage":".."},...],"EncryptionType":".."}
 * with no whitespace and plain ASCII strings. Validating that with the
 * generic validator, its index and a walk was ~2k instructions per record
 * (issue 21); this scanner reads it once and keeps each member's span.
 * It accepts only documents that are valid JSON without duplicate keys,
 * whose members are the known ones, in any order, with string or integer
 * values as above, and exactly n_records entries; anything else
 * (whitespace, escapes, UTF-8, other members, another count, a malformed
 * answer) goes to the generic path, which decides as before. So the
 * results are the generic path's for every document. */

enum { M_SEQ, M_SHARD, M_CODE, M_MSG, M_COUNT };

struct plain_entry {
    struct sg_json_span v[M_COUNT]; /* string tokens, by member */
    unsigned seen;                  /* bit per member */
};

/* A member's key of the usual shape, ':' included, at p: compared whole
 * (constant lengths: the compiler compares words), no scan. */
#define KEY_AT(p, end, lit)                                                                        \
    ((size_t)((end) - (p)) >= SG_LIT_LEN(lit) && memcmp((p), lit, SG_LIT_LEN(lit)) == 0            \
         ? SG_LIT_LEN(lit)                                                                         \
         : 0)

/* The entry member's key at *pp: its index, with *pp past the ':', or -1. */
static int entry_key(const char **pp, const char *end)
{
    const char *p = *pp;
    size_t n;
    int m;
    if ((n = KEY_AT(p, end, "\"SequenceNumber\":")))
        m = M_SEQ;
    else if ((n = KEY_AT(p, end, "\"ShardId\":")))
        m = M_SHARD;
    else if ((n = KEY_AT(p, end, "\"ErrorCode\":")))
        m = M_CODE;
    else if ((n = KEY_AT(p, end, "\"ErrorMessage\":")))
        m = M_MSG;
    else
        return -1;
    *pp = p + n;
    return m;
}

enum { T_FAILED, T_RECORDS, T_ENC };

/* The answer's member key at *pp: its index, with *pp past the ':', or -1. */
static int top_key(const char **pp, const char *end)
{
    const char *p = *pp;
    size_t n;
    int m;
    if ((n = KEY_AT(p, end, "\"FailedRecordCount\":")))
        m = T_FAILED;
    else if ((n = KEY_AT(p, end, "\"Records\":")))
        m = T_RECORDS;
    else if ((n = KEY_AT(p, end, "\"EncryptionType\":")))
        m = T_ENC;
    else
        return -1;
    *pp = p + n;
    return m;
}

static bool plain_entry_at(const char **pp, const char *end, struct plain_entry *e)
{
    const char *p = *pp;
    e->seen = 0;
    if (p >= end || *p != '{')
        return false;
    if (++p < end && *p == '}') {
        *pp = p + 1;
        return true;
    }
    for (;;) {
        int m = entry_key(&p, end);
        if (m < 0 || (e->seen & (1u << m)))
            return false;
        const char *q = sg_json_plain_string_end(p, end);
        if (!q)
            return false;
        e->v[m] = (struct sg_json_span){p, (size_t)(q - p)};
        e->seen |= 1u << m;
        p = q;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}') {
            *pp = p + 1;
            return true;
        }
        return false;
    }
}

/* A JSON integer without sign, fraction or exponent (FailedRecordCount). */
static const char *plain_count(const char *p, const char *end)
{
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        return p + 1; /* a digit after it then fails the caller's ',' or '}' */
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* The Records array at *pp: entries into e[0..n); [out] got: how many. */
static bool plain_records(const char **pp, const char *end, struct plain_entry *e, size_t n,
                          size_t *got)
{
    const char *p = *pp;
    if (p >= end || *p != '[')
        return false;
    if (++p < end && *p == ']') {
        *pp = p + 1;
        return true;
    }
    for (;;) {
        if (*got >= n || !plain_entry_at(&p, end, &e[*got]))
            return false;
        ++*got;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ']') {
            *pp = p + 1;
            return true;
        }
        return false;
    }
}

/* True when body[0..len) is an answer of the usual shape with exactly n
 * entries, read into e; [out] enc: EncryptionType's token or {NULL, 0}. */
static bool plain_answer(const char *body, size_t len, struct plain_entry *e, size_t n,
                         struct sg_json_span *enc)
{
    const char *p = body, *end = body + len;
    unsigned seen = 0;
    size_t got = 0;
    *enc = (struct sg_json_span){NULL, 0};
    if (p >= end || *p != '{')
        return false;
    p++;
    for (;;) {
        int m = top_key(&p, end);
        if (m < 0 || (seen & (1u << m)))
            return false;
        seen |= 1u << m;
        if (m == T_FAILED) {
            p = plain_count(p, end);
        } else if (m == T_ENC) {
            const char *q = sg_json_plain_string_end(p, end);
            if (q)
                *enc = (struct sg_json_span){p, (size_t)(q - p)};
            p = q;
        } else if (!plain_records(&p, end, e, n, &got)) {
            return false;
        }
        if (!p)
            return false;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}')
            break;
        return false;
    }
    return p + 1 == end && (seen & (1u << T_RECORDS)) && got == n;
}

/* decode_member for a token without escapes: the same verdict and text. */
static bool copy_plain(struct sg_json_span v, char *dst, size_t cap)
{
    size_t n = v.len - 2;
    if (n > cap - 1)
        return false;
    memcpy(dst, v.ptr + 1, n);
    dst[n] = '\0';
    return true;
}

static void text_of_plain(const struct plain_entry *e, struct entry_text *t)
{
    t->has_seq = t->has_shard = t->has_code = false;
    t->seq[0] = t->shard[0] = t->code[0] = t->message[0] = '\0';
    if (e->seen & (1u << M_SEQ))
        t->has_seq = copy_plain(e->v[M_SEQ], t->seq, sizeof t->seq) && t->seq[0];
    if (e->seen & (1u << M_SHARD))
        t->has_shard = copy_plain(e->v[M_SHARD], t->shard, sizeof t->shard) && t->shard[0];
    if (e->seen & (1u << M_CODE))
        t->has_code = copy_plain(e->v[M_CODE], t->code, sizeof t->code) && t->code[0];
    if ((e->seen & (1u << M_MSG)) && !copy_plain(e->v[M_MSG], t->message, sizeof t->message))
        snprintf(t->message, sizeof t->message, "(message not readable)");
}

/* The answer read by plain_answer: 0 with every entry resolved, or -1
 * when it is not of the usual shape (nothing resolved). */
static int parse_plain(const char *body, size_t len, size_t n_records, sg_kinesis_result_fn fn,
                       void *ctx)
{
    struct sg_json_span enc_tok;
    struct entry_text text;
    char enc[16];
    struct plain_entry *e = n_records ? malloc(n_records * sizeof *e) : NULL;
    if (!e || !plain_answer(body, len, e, n_records, &enc_tok)) {
        free(e);
        return -1;
    }
    bool has_enc = enc_tok.ptr && copy_plain(enc_tok, enc, sizeof enc);
    for (size_t i = 0; i < n_records; i++) {
        struct sg_kinesis_result r;
        r.sequence_number = r.shard_id = r.error_code = r.error_message = NULL;
        text_of_plain(&e[i], &text);
        result_of_text(&text, &r);
        r.encryption_type = has_enc ? enc : NULL;
        fn(ctx, i, &r);
    }
    free(e);
    return 0;
}

static size_t count_elements(struct sg_json_span array, const struct sg_json_index *idx)
{
    struct sg_json_iter it;
    struct sg_json_span v;
    size_t n = 0;
    sg_json_iter_init_indexed(&it, array, idx);
    while (sg_json_array_next(&it, &v))
        n++;
    return n;
}

/* Parsed with json_scan, not jansson: a 500-entry answer arrives hundreds of
 * times a second, and building a tree of it only to read a few strings per
 * entry was a fifth of the gateway's CPU per event (loadtest/RESULTS.md).
 * The validator's index lets the count and the walk jump over each entry
 * instead of scanning its strings again (issue 21: the answer was walked
 * four times). */
int sg_kinesis_parse_put_records(const char *body, size_t len, size_t n_records,
                                 sg_kinesis_result_fn fn, void *ctx, struct sg_kinesis_error *err)
{
    struct sg_json_span root, k, v, records = {NULL, 0};
    struct sg_json_error jerr;
    struct sg_json_index idx;
    char enc[16] = "";
    bool has_enc = false;
    if (body && parse_plain(body, len, n_records, fn, ctx) == 0)
        return 0;
    sg_json_index_init(&idx, n_records + 8);
    struct sg_json_opts jo = {{16, 0}, &idx};
    if (body && sg_json_validate(body, len, &jo, &root, &jerr) == 0 &&
        sg_json_type_of(root) == SG_JSON_OBJECT) {
        struct sg_json_iter it;
        sg_json_iter_init_indexed(&it, root, &idx);
        while (sg_json_object_next(&it, &k, &v)) {
            if (sg_json_string_equals(k, "Records") && sg_json_type_of(v) == SG_JSON_ARRAY)
                records = v;
            else if (sg_json_string_equals(k, "EncryptionType"))
                has_enc = decode_member(v, enc, sizeof enc);
        }
    }
    size_t got = records.ptr ? count_elements(records, &idx) : 0;
    if (!records.ptr || got != n_records) {
        sg_json_index_free(&idx);
        snprintf(err->code, sizeof err->code, "InvalidResponse");
        snprintf(err->message, sizeof err->message,
                 "PutRecords response has %zu records for %zu sent", got, n_records);
        return -1;
    }
    struct sg_json_iter it;
    struct sg_json_span entry;
    struct entry_text text;
    sg_json_iter_init_indexed(&it, records, &idx);
    for (size_t i = 0; sg_json_array_next(&it, &entry); i++) {
        struct sg_kinesis_result r;
        result_of_entry(entry, &it, &text, &r);
        r.encryption_type = has_enc ? enc : NULL;
        fn(ctx, i, &r);
    }
    sg_json_index_free(&idx);
    return 0;
}
