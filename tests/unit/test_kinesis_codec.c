/*
 * test_kinesis_codec: server/kinesis/kinesis_codec.h.
 *   - sg_kinesis_classify_code: every listed code, "ns#Code:url" forms,
 *     unknown codes;
 *   - sg_kinesis_classify_call: transport failures, JSON error bodies,
 *     x-amzn-ErrorType, status fallbacks, message sanitising;
 *   - the request encoder: exact bytes, and the whole body parses (jansson);
 *   - sg_kinesis_parse_put_records: per-record outcomes, malformed answers.
 */
#include "kinesis/kinesis_codec.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_classify_code(void)
{
    static const struct {
        const char *code;
        enum sg_kinesis_status want;
    } rows[] = {
        {"ProvisionedThroughputExceededException", SG_KINESIS_THROTTLED},
        {"ThrottlingException", SG_KINESIS_THROTTLED},
        {"KMSThrottlingException", SG_KINESIS_THROTTLED},
        {"LimitExceededException", SG_KINESIS_THROTTLED},
        {"ServiceUnavailable", SG_KINESIS_THROTTLED},
        {"ServiceUnavailableException", SG_KINESIS_THROTTLED},
        {"InternalFailure", SG_KINESIS_RETRYABLE},
        {"InternalFailureException", SG_KINESIS_RETRYABLE},
        {"InternalServerError", SG_KINESIS_RETRYABLE},
        {"RequestExpired", SG_KINESIS_RETRYABLE},
        {"ExpiredTokenException", SG_KINESIS_EXPIRED_TOKEN},
        {"ExpiredToken", SG_KINESIS_EXPIRED_TOKEN},
        /* namespaced and with a URL suffix */
        {"com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException",
         SG_KINESIS_THROTTLED},
        {"ProvisionedThroughputExceededException:http://internal.amazon.com/coral/"
         "com.amazonaws.kinesis/",
         SG_KINESIS_THROTTLED},
        {"aws.protocol#InternalFailure:http://x/", SG_KINESIS_RETRYABLE},
        {"#ExpiredTokenException", SG_KINESIS_EXPIRED_TOKEN},
        {"ExpiredTokenException:", SG_KINESIS_EXPIRED_TOKEN},
        /* fatal: documented refusals and anything unknown */
        {"ResourceNotFoundException", SG_KINESIS_FATAL},
        {"AccessDeniedException", SG_KINESIS_FATAL},
        {"ValidationException", SG_KINESIS_FATAL},
        {"InvalidArgumentException", SG_KINESIS_FATAL},
        {"KMSAccessDeniedException", SG_KINESIS_FATAL},
        {"KMSNotFoundException", SG_KINESIS_FATAL},
        {"UnrecognizedClientException", SG_KINESIS_FATAL},
        {"InvalidSignatureException", SG_KINESIS_FATAL},
        {"ns#ResourceNotFoundException:http://x", SG_KINESIS_FATAL},
        {"", SG_KINESIS_FATAL},
        {"Throttling", SG_KINESIS_FATAL},
        {"throttlingexception", SG_KINESIS_FATAL},  /* case-sensitive */
        {"ThrottlingExceptionX", SG_KINESIS_FATAL}, /* whole code only */
        {"XInternalFailure", SG_KINESIS_FATAL},
        {"HTTP 500", SG_KINESIS_FATAL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        enum sg_kinesis_status got = sg_kinesis_classify_code(rows[i].code);
        CHECK(got == rows[i].want, "classify_code(\"%s\") = %d want %d", rows[i].code, (int)got,
              (int)rows[i].want);
    }
    /* a code longer than the 63-character buffer: truncated, never overflows */
    char longcode[300];
    memset(longcode, 'A', sizeof longcode - 1);
    longcode[sizeof longcode - 1] = '\0';
    CHECK(sg_kinesis_classify_code(longcode) == SG_KINESIS_FATAL, "long code");
}

static void test_classify_call(void)
{
    static const struct {
        long status;
        const char *body; /* NULL = no body */
        const char *header;
        enum sg_kinesis_status want;
        const char *code;
        const char *message;
    } rows[] = {
        /* transport failure: body holds the reason */
        {0, "Couldn't connect to server", NULL, SG_KINESIS_RETRYABLE, "NetworkError",
         "Couldn't connect to server"},
        {0, NULL, NULL, SG_KINESIS_RETRYABLE, "NetworkError", ""},
        {0, "Timeout\r\nwas reached", "ResourceNotFoundException", SG_KINESIS_RETRYABLE,
         "NetworkError", "Timeout  was reached"},
        /* JSON errors */
        {400,
         "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream events under account "
         "123456789012 not found.\"}",
         NULL, SG_KINESIS_FATAL, "ResourceNotFoundException",
         "Stream events under account 123456789012 not found."},
        {400,
         "{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"Rate exceeded for "
         "shard shardId-000000000001\"}",
         NULL, SG_KINESIS_THROTTLED, "ProvisionedThroughputExceededException",
         "Rate exceeded for shard shardId-000000000001"},
        {400,
         "{\"__type\":\"ExpiredTokenException\",\"message\":\"The security token included in "
         "the request is expired\"}",
         NULL, SG_KINESIS_EXPIRED_TOKEN, "ExpiredTokenException",
         "The security token included in the request is expired"},
        {403,
         "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\",\"Message\":\"User: x "
         "is not authorized\"}",
         NULL, SG_KINESIS_FATAL, "AccessDeniedException", "User: x is not authorized"},
        {400, "{\"__type\":\"LimitExceededException\"}", NULL, SG_KINESIS_THROTTLED,
         "LimitExceededException", "{\"__type\":\"LimitExceededException\"}"},
        {400, "{\"__type\":\"KMSThrottlingException\",\"message\":\"kms\"}", NULL,
         SG_KINESIS_THROTTLED, "KMSThrottlingException", "kms"},
        /* the body's code wins over the header's */
        {400, "{\"__type\":\"ValidationException\",\"message\":\"bad\"}", "ThrottlingException",
         SG_KINESIS_FATAL, "ValidationException", "bad"},
        /* status fallbacks when the code says nothing */
        {500, "<html>Internal Server Error</html>", NULL, SG_KINESIS_RETRYABLE, "HTTP 500",
         "<html>Internal Server Error</html>"},
        {502, "", NULL, SG_KINESIS_RETRYABLE, "HTTP 502", ""},
        {503, "Service Unavailable", NULL, SG_KINESIS_THROTTLED, "HTTP 503", "Service Unavailable"},
        {503, NULL, NULL, SG_KINESIS_THROTTLED, "HTTP 503", ""},
        {504, "gateway timeout", NULL, SG_KINESIS_RETRYABLE, "HTTP 504", "gateway timeout"},
        {429, "Too Many Requests", NULL, SG_KINESIS_THROTTLED, "HTTP 429", "Too Many Requests"},
        {403, "", NULL, SG_KINESIS_FATAL, "HTTP 403", ""},
        {413, "too big", NULL, SG_KINESIS_FATAL, "HTTP 413", "too big"},
        /* an unknown code on a 5xx is still retried, on a 4xx refused */
        {500, "{\"__type\":\"SomethingNew\",\"message\":\"m\"}", NULL, SG_KINESIS_RETRYABLE,
         "SomethingNew", "m"},
        {503, "{\"__type\":\"SomethingNew\",\"message\":\"m\"}", NULL, SG_KINESIS_THROTTLED,
         "SomethingNew", "m"},
        {400, "{\"__type\":\"SomethingNew\",\"message\":\"m\"}", NULL, SG_KINESIS_FATAL,
         "SomethingNew", "m"},
        /* x-amzn-ErrorType only */
        {400, "",
         "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.kinesis/",
         SG_KINESIS_FATAL, "ResourceNotFoundException", ""},
        {400, NULL, "ProvisionedThroughputExceededException:http://internal.amazon.com/",
         SG_KINESIS_THROTTLED, "ProvisionedThroughputExceededException", ""},
        {403, "not json", "ExpiredTokenException", SG_KINESIS_EXPIRED_TOKEN,
         "ExpiredTokenException", "not json"},
        {400, "{\"message\":\"no type\"}", "aws#InternalFailure:http://x", SG_KINESIS_RETRYABLE,
         "InternalFailure", "no type"},
        {400, "", "", SG_KINESIS_FATAL, "HTTP 400", ""},
        /* JSON that is not an object, or __type of the wrong type */
        {400, "[\"x\"]", NULL, SG_KINESIS_FATAL, "HTTP 400", "[\"x\"]"},
        {500, "{\"__type\":5,\"message\":7}", NULL, SG_KINESIS_RETRYABLE, "HTTP 500",
         "{\"__type\":5,\"message\":7}"},
        /* control characters are replaced, so logs stay one line; UTF-8 is
         * kept (Kinesis quotes the client's key: it must stay readable), a
         * byte that is not UTF-8 becomes U+FFFD */
        {400, "{\"__type\":\"ValidationException\",\"message\":\"line1\\nline2\\t\\u001b[31mred\"}",
         NULL, SG_KINESIS_FATAL, "ValidationException", "line1 line2  [31mred"},
        {400, "{\"__type\":\"ValidationException\",\"message\":\"caf\\u00e9\"}", NULL,
         SG_KINESIS_FATAL, "ValidationException", "caf\xc3\xa9"},
        {400,
         "{\"__type\":\"ValidationException\",\"message\":\"Value '\xd0\x96\xf0\x9f\x98\x80' at\"}",
         NULL, SG_KINESIS_FATAL, "ValidationException", "Value '\xd0\x96\xf0\x9f\x98\x80' at"},
        {500,
         "a\x01"
         "b\x7f"
         "c\xff",
         NULL, SG_KINESIS_RETRYABLE, "HTTP 500", "a b c\xef\xbf\xbd"},
        /* overlong, surrogate, truncated sequences are not UTF-8 */
        {500, "\xc0\xaf|\xed\xa0\x80|\xe2\x82", NULL, SG_KINESIS_RETRYABLE, "HTTP 500",
         "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_kinesis_error err;
        memset(&err, 'x', sizeof err);
        size_t len = rows[i].body ? strlen(rows[i].body) : 0;
        enum sg_kinesis_status got =
            sg_kinesis_classify_call(rows[i].status, rows[i].body, len, rows[i].header, &err);
        char ctx[48];
        snprintf(ctx, sizeof ctx, "classify_call row %zu", i);
        CHECK(got == rows[i].want, "%s: status %d want %d", ctx, (int)got, (int)rows[i].want);
        CHECK_STREQ(err.code, rows[i].code, ctx);
        CHECK_STREQ(err.message, rows[i].message, ctx);
    }

    /* body not NUL-terminated: only len bytes are read */
    struct sg_kinesis_error err;
    const char *two = "{\"__type\":\"ThrottlingException\"}GARBAGE";
    CHECK(sg_kinesis_classify_call(400, two, 32, NULL, &err) == SG_KINESIS_THROTTLED &&
              strcmp(err.code, "ThrottlingException") == 0,
          "len bounds the body: %s", err.code);

    /* A message of 1000 bytes is kept whole (kinesalite's ValidationException
     * quotes a 256-character key); a longer one is cut at a character
     * boundary and ends in "...". */
    char body[4096];
    int n = snprintf(body, sizeof body, "{\"__type\":\"ValidationException\",\"message\":\"");
    memset(body + n, 'm', 1000);
    snprintf(body + n + 1000, sizeof body - (size_t)n - 1000, "\"}");
    CHECK(sg_kinesis_classify_call(400, body, strlen(body), NULL, &err) == SG_KINESIS_FATAL &&
              strlen(err.message) == 1000,
          "1000-byte message kept: %zu", strlen(err.message));
    for (size_t i = 0; i < 700; i++) /* 700 x "Ж": 1400 bytes */
        memcpy(body + n + 2 * i, "\xd0\x96", 2);
    snprintf(body + n + 1400, sizeof body - (size_t)n - 1400, "\"}");
    CHECK(sg_kinesis_classify_call(400, body, strlen(body), NULL, &err) == SG_KINESIS_FATAL,
          "long message");
    size_t ml = strlen(err.message);
    CHECK(ml < sizeof err.message && ml > sizeof err.message - 8 &&
              strcmp(err.message + ml - 3, "...") == 0 && (ml - 3) % 2 == 0,
          "long message cut on a character: %zu", ml);
    /* a non-JSON body is quoted up to 200 bytes */
    memset(body, 'b', 1000);
    CHECK(sg_kinesis_classify_call(500, body, 1000, NULL, &err) == SG_KINESIS_RETRYABLE &&
              strlen(err.message) == 200,
          "raw body quoted up to 200 bytes: %zu", strlen(err.message));
    /* a long __type: truncated to 63 characters */
    n = snprintf(body, sizeof body, "{\"__type\":\"");
    memset(body + n, 'T', 100);
    snprintf(body + n + 100, sizeof body - (size_t)n - 100, "\"}");
    CHECK(sg_kinesis_classify_call(400, body, strlen(body), NULL, &err) == SG_KINESIS_FATAL &&
              strlen(err.code) == 63,
          "long __type: %zu", strlen(err.code));
}

static void test_pk_units(void)
{
    static const struct {
        const char *key;
        size_t units;
    } rows[] = {
        {"", 0},
        {"a", 1},
        {"\xc3\xa9", 1},         /* é: 2 bytes, 1 unit */
        {"\xe2\x82\xac", 1},     /* €: 3 bytes, 1 unit */
        {"\xf0\x9f\x98\x80", 2}, /* 😀: 4 bytes, a surrogate pair */
        {"a\xd0\x96\xf0\x9f\x98\x80z", 5},
        {"\xef\xbf\xbd", 1}, /* U+FFFD, what a lone surrogate escape decodes to */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK(sg_kinesis_pk_units(rows[i].key, strlen(rows[i].key)) == rows[i].units,
              "pk_units row %zu", i);
}

static void test_record_error(void)
{
    static const struct {
        const char *code;
        int want;
    } rows[] = {
        {"ValidationException", 1},
        {"com.amazonaws.kinesis.v20131202#ValidationException", 1},
        {"InvalidArgumentException", 1},
        {"SerializationException", 1},
        {"HTTP 413", 1},
        /* stream-wide: splitting would not help */
        {"ResourceNotFoundException", 0},
        {"AccessDeniedException", 0},
        {"KMSDisabledException", 0},
        {"UnrecognizedClientException", 0},
        {"ProvisionedThroughputExceededException", 0},
        {"HTTP 400", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK(sg_kinesis_is_record_error(rows[i].code) == rows[i].want, "record_error [%s]",
              rows[i].code);
}

/* ---- encoder ---- */

static void test_encode_exact(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 1 << 16);
    CHECK(sg_kinesis_append_head(&b, "events", 0) == 0, "head");
    CHECK_STREQ(b.data, "{\"StreamName\":\"events\",\"Records\":[", "head bytes");

    size_t mark = b.len;
    CHECK(sg_kinesis_append_entry(&b, "hello", 5, "pk-1", 4, NULL) == 0, "entry");
    CHECK_STREQ(b.data + mark, "{\"Data\":\"aGVsbG8=\",\"PartitionKey\":\"pk-1\"}", "entry bytes");
    CHECK(sg_buf_append_char(&b, ',') == 0, "comma");
    mark = b.len;
    static const char bin[] = {'\0', '\x01', '\xff', '{', '"'};
    CHECK(sg_kinesis_append_entry(&b, bin, sizeof bin, "q\"b\\s/\n\x01\x1f\xc3\xa9", 11, NULL) == 0,
          "entry with an escaped key");
    CHECK_STREQ(
        b.data + mark,
        "{\"Data\":\"AAH/eyI=\",\"PartitionKey\":\"q\\\"b\\\\s/\\n\\u0001\\u001f\xc3\xa9\"}",
        "escaped entry bytes");
    CHECK(sg_buf_append_char(&b, ',') == 0, "comma");
    mark = b.len;
    CHECK(sg_kinesis_append_entry(&b, "", 0, "k", 1, NULL) == 0, "empty data");
    CHECK_STREQ(b.data + mark, "{\"Data\":\"\",\"PartitionKey\":\"k\"}", "empty data bytes");
    CHECK(sg_buf_append_char(&b, ',') == 0, "comma");
    mark = b.len;
    CHECK(sg_kinesis_append_entry(&b, "hi", 2, "k", 1, "170141183460469231731687303715884105728") ==
              0,
          "entry with an explicit hash key");
    CHECK_STREQ(b.data + mark,
                "{\"Data\":\"aGk=\",\"PartitionKey\":\"k\","
                "\"ExplicitHashKey\":\"170141183460469231731687303715884105728\"}",
                "ExplicitHashKey bytes");
    CHECK(sg_kinesis_append_tail(&b) == 0, "tail");
    CHECK(b.len >= 2 && memcmp(b.data + b.len - 2, "]}", 2) == 0, "tail bytes");

    /* the whole body is valid JSON with the values we put in */
    json_error_t jerr;
    json_t *root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(root != NULL, "body does not parse: %s in %s", jerr.text, b.data);
    if (root) {
        json_t *recs = json_object_get(root, "Records");
        CHECK(json_object_size(root) == 2 && json_is_array(recs) && json_array_size(recs) == 4,
              "shape");
        CHECK_STREQ(json_string_value(json_object_get(root, "StreamName")), "events", "StreamName");
        const char *pk =
            json_string_value(json_object_get(json_array_get(recs, 1), "PartitionKey"));
        CHECK(pk && strcmp(pk, "q\"b\\s/\n\x01\x1f\xc3\xa9") == 0, "decoded key");
        const char *d = json_string_value(json_object_get(json_array_get(recs, 1), "Data"));
        unsigned char dec[16];
        int n = d ? EVP_DecodeBlock(dec, (const unsigned char *)d, (int)strlen(d)) : -1;
        /* EVP_DecodeBlock keeps the padding's zero bytes: 8 chars -> 6 bytes, 1 of padding */
        CHECK(n == 6 && memcmp(dec, bin, sizeof bin) == 0, "decoded data (%d)", n);
        json_decref(root);
    }
    sg_buf_free(&b);

    /* StreamARN variant, with a name that needs escaping */
    sg_buf_init(&b, 1024);
    CHECK(sg_kinesis_append_head(&b, "arn:aws:kinesis:us-east-1:123456789012:stream/x", 1) == 0,
          "arn head");
    CHECK(sg_kinesis_append_tail(&b) == 0, "arn tail");
    CHECK_STREQ(
        b.data,
        "{\"StreamARN\":\"arn:aws:kinesis:us-east-1:123456789012:stream/x\",\"Records\":[]}",
        "arn body");
    root = json_loadb(b.data, b.len, 0, &jerr);
    CHECK(root && json_is_array(json_object_get(root, "Records")), "arn body parses");
    json_decref(root);
    sg_buf_reset(&b);
    CHECK(sg_kinesis_append_head(&b, "a\"b", 0) == 0, "quoted name");
    CHECK_STREQ(b.data, "{\"StreamName\":\"a\\\"b\",\"Records\":[", "quoted name bytes");
    sg_buf_free(&b);
}

/* A full 500-record body with binary data and multi-byte keys parses and
 * round-trips every record. */
static void test_encode_roundtrip(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 0);
    CHECK(sg_kinesis_append_head(&b, "s", 0) == 0, "head");
    unsigned char data[300];
    char key[64];
    for (int i = 0; i < SG_KINESIS_MAX_RECORDS; i++) {
        size_t len = (size_t)(i % 7) + (size_t)i % 300;
        for (size_t j = 0; j < len && j < sizeof data; j++)
            data[j] = (unsigned char)(i * 31 + (int)j);
        if (len > sizeof data)
            len = sizeof data;
        int kl = snprintf(key, sizeof key, "k\xe2\x82\xac%d\"\\", i);
        if (i)
            CHECK(sg_buf_append_char(&b, ',') == 0, "comma");
        CHECK(sg_kinesis_append_entry(&b, data, len, key, (size_t)kl, NULL) == 0, "entry %d", i);
    }
    CHECK(sg_kinesis_append_tail(&b) == 0, "tail");
    json_error_t jerr;
    json_t *root = json_loadb(b.data, b.len, 0, &jerr);
    CHECK(root != NULL, "500-record body: %s", jerr.text);
    json_t *recs = json_object_get(root, "Records");
    CHECK(json_array_size(recs) == SG_KINESIS_MAX_RECORDS, "500 records");
    int bad = 0;
    for (int i = 0; root && i < SG_KINESIS_MAX_RECORDS; i++) {
        size_t len = (size_t)(i % 7) + (size_t)i % 300;
        if (len > sizeof data)
            len = sizeof data;
        for (size_t j = 0; j < len; j++)
            data[j] = (unsigned char)(i * 31 + (int)j);
        int kl = snprintf(key, sizeof key, "k\xe2\x82\xac%d\"\\", i);
        json_t *e = json_array_get(recs, (size_t)i);
        const char *d = json_string_value(json_object_get(e, "Data"));
        const char *pk = json_string_value(json_object_get(e, "PartitionKey"));
        unsigned char dec[400];
        size_t dl = d ? strlen(d) : 0;
        int n = d ? EVP_DecodeBlock(dec, (const unsigned char *)d, (int)dl) : -1;
        /* remove the bytes EVP_DecodeBlock reports for '=' padding */
        if (n >= 0 && dl >= 1 && d[dl - 1] == '=')
            n--;
        if (n >= 0 && dl >= 2 && d[dl - 2] == '=')
            n--;
        if (n != (int)len || memcmp(dec, data, len) != 0 || !pk || strlen(pk) != (size_t)kl ||
            strcmp(pk, key) != 0)
            bad++;
    }
    CHECK(bad == 0, "%d records do not round-trip", bad);
    json_decref(root);
    sg_buf_free(&b);
}

static void test_encode_limit(void)
{
    /* an entry that does not fit leaves no half entry behind */
    struct sg_buf b;
    sg_buf_init(&b, 96);
    CHECK(sg_kinesis_append_head(&b, "s", 0) == 0, "head");
    size_t before = b.len;
    char data[100];
    memset(data, 'd', sizeof data);
    CHECK(sg_kinesis_append_entry(&b, data, sizeof data, "k", 1, NULL) == -1,
          "entry past the limit");
    CHECK(b.len == before, "length restored: %zu vs %zu", b.len, before);
    CHECK(sg_kinesis_append_entry(&b, "ab", 2, "k", 1, NULL) == 0, "a small entry still fits");
    CHECK(b.len == before + strlen("{\"Data\":\"YWI=\",\"PartitionKey\":\"k\"}") &&
              strcmp(b.data + before, "{\"Data\":\"YWI=\",\"PartitionKey\":\"k\"}") == 0,
          "entry after a refusal: %s", b.data + before);
    sg_buf_free(&b);
}

/* ---- response parser ---- */

#define MAXR 8
struct collected {
    size_t n;
    size_t index[MAXR];
    enum sg_kinesis_status status[MAXR];
    char seq[MAXR][64], shard[MAXR][64], enc[MAXR][16], code[MAXR][64], msg[MAXR][96];
    int has_enc[MAXR];
};

static void collect(void *ctx, size_t index, const struct sg_kinesis_result *r)
{
    struct collected *c = ctx;
    if (c->n >= MAXR)
        return;
    size_t k = c->n++;
    c->index[k] = index;
    c->status[k] = r->status;
    snprintf(c->seq[k], sizeof c->seq[k], "%s", r->sequence_number ? r->sequence_number : "-");
    snprintf(c->shard[k], sizeof c->shard[k], "%s", r->shard_id ? r->shard_id : "-");
    snprintf(c->code[k], sizeof c->code[k], "%s", r->error_code ? r->error_code : "-");
    snprintf(c->msg[k], sizeof c->msg[k], "%s", r->error_message ? r->error_message : "-");
    c->has_enc[k] = r->encryption_type != NULL;
    snprintf(c->enc[k], sizeof c->enc[k], "%s", r->encryption_type ? r->encryption_type : "-");
}

static int parse(const char *body, size_t n, struct collected *c, struct sg_kinesis_error *err)
{
    memset(c, 0, sizeof *c);
    memset(err, 0, sizeof *err);
    return sg_kinesis_parse_put_records(body, strlen(body), n, collect, c, err);
}

static void test_parse_ok(void)
{
    struct collected c;
    struct sg_kinesis_error err;
    const char *body =
        "{\"FailedRecordCount\":0,\"Records\":["
        "{\"SequenceNumber\":\"49590338271490256608559692538361571095921575989136588898\","
        "\"ShardId\":\"shardId-000000000000\"},"
        "{\"SequenceNumber\":\"2\",\"ShardId\":\"shardId-000000000001\"},"
        "{\"SequenceNumber\":\"3\",\"ShardId\":\"shardId-000000000002\"}],"
        "\"EncryptionType\":\"KMS\"}";
    CHECK(parse(body, 3, &c, &err) == 0, "all ok: %s", err.message);
    CHECK(c.n == 3, "3 callbacks, got %zu", c.n);
    for (size_t i = 0; i < c.n; i++) {
        CHECK(c.index[i] == i, "in order");
        CHECK(c.status[i] == SG_KINESIS_OK, "record %zu ok", i);
        CHECK(c.has_enc[i] && strcmp(c.enc[i], "KMS") == 0, "EncryptionType passed: %s", c.enc[i]);
        CHECK_STREQ(c.code[i], "-", "no error code when ok");
    }
    CHECK_STREQ(c.seq[0], "49590338271490256608559692538361571095921575989136588898", "seq 0");
    CHECK_STREQ(c.shard[0], "shardId-000000000000", "shard 0");
    CHECK_STREQ(c.seq[2], "3", "seq 2");
    CHECK_STREQ(c.shard[2], "shardId-000000000002", "shard 2");

    /* no EncryptionType: NULL; EncryptionType NONE passed as is */
    CHECK(parse("{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}", 1, &c, &err) == 0 &&
              c.n == 1 && !c.has_enc[0] && c.status[0] == SG_KINESIS_OK,
          "no EncryptionType");
    CHECK(parse("{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}],"
                "\"EncryptionType\":\"NONE\"}",
                1, &c, &err) == 0 &&
              c.n == 1 && strcmp(c.enc[0], "NONE") == 0,
          "EncryptionType NONE");

    /* zero records */
    CHECK(parse("{\"FailedRecordCount\":0,\"Records\":[]}", 0, &c, &err) == 0 && c.n == 0,
          "empty Records for 0 sent");
}

static void test_parse_partial(void)
{
    struct collected c;
    struct sg_kinesis_error err;
    const char *body =
        "{\"FailedRecordCount\":4,\"Records\":["
        "{\"SequenceNumber\":\"100\",\"ShardId\":\"shardId-000000000000\"},"
        "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate "
        "exceeded for shard shardId-000000000001 in stream s under account 1.\"},"
        "{\"SequenceNumber\":\"102\",\"ShardId\":\"shardId-000000000002\"},"
        "{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"Internal service failure.\"},"
        "{\"ErrorCode\":\"KMSAccessDeniedException\"},"
        "{},"
        "{\"SequenceNumber\":\"106\"},"
        "{\"SequenceNumber\":\"107\",\"ShardId\":\"s\",\"ErrorCode\":\"InternalFailure\"}"
        "],\"EncryptionType\":\"KMS\"}";
    CHECK(parse(body, 8, &c, &err) == 0, "partial failure: %s", err.message);
    CHECK(c.n == 8, "8 callbacks, got %zu", c.n);
    if (c.n != 8)
        return;
    static const struct {
        enum sg_kinesis_status st;
        const char *code;
        const char *msg;
    } want[] = {
        {SG_KINESIS_OK, "-", "-"},
        {SG_KINESIS_THROTTLED, "ProvisionedThroughputExceededException",
         "Rate exceeded for shard shardId-000000000001 in stream s under account 1."},
        {SG_KINESIS_OK, "-", "-"},
        {SG_KINESIS_RETRYABLE, "InternalFailure", "Internal service failure."},
        /* per-record codes are retryable even when unknown */
        {SG_KINESIS_RETRYABLE, "KMSAccessDeniedException", ""},
        /* neither SequenceNumber nor ErrorCode: never OK */
        {SG_KINESIS_RETRYABLE, "InternalFailure", NULL},
        {SG_KINESIS_RETRYABLE, "InternalFailure", NULL}, /* no ShardId */
        {SG_KINESIS_RETRYABLE, "InternalFailure", NULL}, /* ErrorCode wins */
    };
    for (size_t i = 0; i < 8; i++) {
        char ctx[32];
        snprintf(ctx, sizeof ctx, "partial record %zu", i);
        CHECK(c.index[i] == i, "%s: index %zu", ctx, c.index[i]);
        CHECK(c.status[i] == want[i].st, "%s: status %d want %d", ctx, (int)c.status[i],
              (int)want[i].st);
        CHECK_STREQ(c.code[i], want[i].code, ctx);
        if (want[i].msg)
            CHECK_STREQ(c.msg[i], want[i].msg, ctx);
        else
            CHECK(strcmp(c.msg[i], "-") != 0, "%s: a message", ctx);
        CHECK(strcmp(c.enc[i], "KMS") == 0, "%s: EncryptionType", ctx);
        if (want[i].st != SG_KINESIS_OK)
            CHECK(strcmp(c.seq[i], "-") == 0 && strcmp(c.shard[i], "-") == 0,
                  "%s: no sequence number on failure", ctx);
    }
    CHECK_STREQ(c.seq[0], "100", "seq 0");
    CHECK_STREQ(c.seq[2], "102", "seq 2");

    /* entries that are not objects */
    CHECK(parse("{\"Records\":[null,\"x\",{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}", 3, &c,
                &err) == 0 &&
              c.n == 3,
          "non-object entries");
    CHECK(c.status[0] == SG_KINESIS_RETRYABLE && c.status[1] == SG_KINESIS_RETRYABLE &&
              c.status[2] == SG_KINESIS_OK,
          "non-object entries: %d %d %d", (int)c.status[0], (int)c.status[1], (int)c.status[2]);
    CHECK_STREQ(c.code[0], "InternalFailure", "non-object entry code");

    /* empty or non-string SequenceNumber is not success */
    CHECK(parse("{\"Records\":[{\"SequenceNumber\":\"\",\"ShardId\":\"s\"},"
                "{\"SequenceNumber\":5,\"ShardId\":\"s\"},{\"SequenceNumber\":\"1\",\"ShardId\":"
                "\"\"}]}",
                3, &c, &err) == 0 &&
              c.n == 3,
          "odd sequence numbers");
    CHECK(c.status[0] != SG_KINESIS_OK && c.status[1] != SG_KINESIS_OK &&
              c.status[2] != SG_KINESIS_OK,
          "empty / non-string SequenceNumber / empty ShardId never OK");
}

static void test_parse_malformed(void)
{
    static const struct {
        const char *body;
        size_t n;
        const char *msg;
    } rows[] = {
        {"{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}", 2,
         "PutRecords response has 1 records for 2 sent"},
        {"{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"},"
         "{\"SequenceNumber\":\"2\",\"ShardId\":\"s\"}]}",
         1, "PutRecords response has 2 records for 1 sent"},
        {"{\"Records\":[]}", 1, "has 0 records for 1 sent"},
        {"{\"FailedRecordCount\":0}", 1, "for 1 sent"},
        {"{\"Records\":{}}", 1, "for 1 sent"},
        {"[]", 1, "for 1 sent"},
        {"<html>502 Bad Gateway</html>", 1, "for 1 sent"},
        {"", 1, "for 1 sent"},
        {"{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}", 1, "for 1 sent"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct collected c;
        struct sg_kinesis_error err;
        int rc = parse(rows[i].body, rows[i].n, &c, &err);
        CHECK(rc == -1, "malformed row %zu accepted", i);
        CHECK(c.n == 0, "malformed row %zu: %zu callbacks", i, c.n);
        CHECK_STREQ(err.code, "InvalidResponse", rows[i].body);
        CHECK(strstr(err.message, rows[i].msg) != NULL, "row %zu: message [%s] lacks [%s]", i,
              err.message, rows[i].msg);
    }
    /* len bounds the body */
    struct collected c;
    struct sg_kinesis_error err;
    const char *body = "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}trailing";
    memset(&c, 0, sizeof c);
    CHECK(sg_kinesis_parse_put_records(body, strlen(body) - 8, 1, collect, &c, &err) == 0 &&
              c.n == 1,
          "len bounds the body");
}

/* Two parses gave the same outcome: status, error and every callback. */
static bool same_outcome(int rc1, const struct collected *a, const struct sg_kinesis_error *e1,
                         int rc2, const struct collected *b, const struct sg_kinesis_error *e2)
{
    if (rc1 != rc2 || a->n != b->n)
        return false;
    if (rc1 != 0)
        return strcmp(e1->code, e2->code) == 0 && strcmp(e1->message, e2->message) == 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->index[i] != b->index[i] || a->status[i] != b->status[i] ||
            strcmp(a->seq[i], b->seq[i]) != 0 || strcmp(a->shard[i], b->shard[i]) != 0 ||
            strcmp(a->code[i], b->code[i]) != 0 || strcmp(a->msg[i], b->msg[i]) != 0 ||
            a->has_enc[i] != b->has_enc[i] || strcmp(a->enc[i], b->enc[i]) != 0)
            return false;
    return true;
}

/* The answer in its usual shape is read by a dedicated scanner, anything
 * else by the generic validator: the same answer written either way gives
 * the same callbacks, and what the generic path refuses stays refused. */
static void test_parse_shapes(void)
{
    static const struct {
        const char *plain; /* the usual shape */
        const char *other; /* the same answer, for the generic path */
        size_t n;
    } same[] = {
        {"{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}",
         " { \"FailedRecordCount\" : 0 , \"Records\" : [ { \"SequenceNumber\" : \"1\" , "
         "\"ShardId\" : \"s\" } ] } ",
         1},
        {"{\"Records\":[{\"ShardId\":\"s\",\"SequenceNumber\":\"1\"}],\"EncryptionType\":\"KMS\"}",
         "{\"Records\":[{\"\\u0053hardId\":\"s\",\"SequenceNumber\":\"\\u0031\"}],"
         "\"EncryptionType\":\"K\\u004dS\",\"Extra\":{\"a\":[1]}}",
         1},
        {"{\"EncryptionType\":\"NONE\",\"Records\":[{\"ErrorCode\":\"InternalFailure\","
         "\"ErrorMessage\":\"x/y\"},{}],\"FailedRecordCount\":2}",
         "{\"EncryptionType\":\"NONE\",\"Records\":[{\"ErrorCode\":\"InternalFailure\","
         "\"ErrorMessage\":\"x\\/y\",\"Unknown\":null},{}],\"FailedRecordCount\":2.0}",
         2},
        {"{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\",\"ErrorCode\":\"E\"}],"
         "\"FailedRecordCount\":10}",
         "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\",\"ErrorCode\":\"E\"}],"
         "\"FailedRecordCount\":-1}",
         1},
        /* too long for its field: the same verdict both ways */
        {"{\"Records\":[{\"ErrorCode\":\"E\",\"ErrorMessage\":\"m\"}],\"EncryptionType\":"
         "\"ABCDEFGHIJKLMNOPQ\"}",
         "{\"Records\":[{\"ErrorCode\":\"E\",\"ErrorMessage\":\"m\"}],\"EncryptionType\":"
         "\"ABCDEFGHIJKLMNOP\\u0051\"}",
         1},
        {"{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"},{\"SequenceNumber\":\"2\","
         "\"ShardId\":\"t\"}]}",
         "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"},\n{\"SequenceNumber\":\"2\","
         "\"ShardId\":\"t\"}]}",
         2},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        struct collected a, b;
        struct sg_kinesis_error e1, e2;
        int r1 = parse(same[i].plain, same[i].n, &a, &e1);
        int r2 = parse(same[i].other, same[i].n, &b, &e2);
        CHECK(r1 == 0 && same_outcome(r1, &a, &e1, r2, &b, &e2), "same answer %zu: %d/%d %s", i, r1,
              r2, e2.message);
        /* Every cut of the usual shape is refused, as the generic path refuses it. */
        size_t len = strlen(same[i].plain);
        for (size_t cut = 0; cut < len; cut++) {
            memset(&a, 0, sizeof a);
            int rc = sg_kinesis_parse_put_records(same[i].plain, cut, same[i].n, collect, &a, &e1);
            CHECK(rc == -1 && a.n == 0, "answer %zu cut at %zu accepted", i, cut);
        }
    }
    /* The usual shape's look-alikes the generic path refuses. */
    static const char *const refused[] = {
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}],\"Records\":[{}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"SequenceNumber\":\"2\",\"ShardId\":\"s\"}]}",
        "{\"FailedRecordCount\":01,\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}],}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"},]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\",}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\"\"ShardId\":\"s\"}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\x01\",\"ShardId\":\"s\"}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\xff\"}]}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}}",
        "{\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}x",
        "{\"EncryptionType\":\"\\x\",\"Records\":[{\"SequenceNumber\":\"1\",\"ShardId\":\"s\"}]}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct collected c;
        struct sg_kinesis_error err;
        CHECK(parse(refused[i], 1, &c, &err) == -1 && c.n == 0 &&
                  strcmp(err.code, "InvalidResponse") == 0,
              "refused %zu accepted: %s", i, refused[i]);
    }
    /* Random answers, written plainly and with whitespace, escapes and an
     * unknown member: the same callbacks. */
    srand(21);
    for (int round = 0; round < 300; round++) {
        char plain[2048], other[4096];
        size_t pl = 0, ol = 0, n = 1 + (size_t)(rand() % MAXR);
        bool enc_first = rand() % 2, has_count = rand() % 2;
        pl += (size_t)snprintf(plain + pl, sizeof plain - pl, "{%s\"Records\":[",
                               has_count ? "\"FailedRecordCount\":3," : "");
        ol += (size_t)snprintf(other + ol, sizeof other - ol, "{ \"X\":[1,{}], %s\"Records\" :\n[",
                               has_count ? "\"FailedRecordCount\":3e0," : "");
        for (size_t i = 0; i < n; i++) {
            int kind = rand() % 4;
            const char *sep = i ? "," : "";
            if (kind == 0) {
                unsigned seq = (unsigned)rand();
                pl += (size_t)snprintf(plain + pl, sizeof plain - pl,
                                       "%s{\"SequenceNumber\":\"%u\",\"ShardId\":\"shardId-%zu\"}",
                                       sep, seq, i);
                ol += (size_t)snprintf(other + ol, sizeof other - ol,
                                       "%s {\"ShardId\":\"shardId-%zu\", \"Sequence\\u004eumber\" "
                                       ":\"%u\"}",
                                       sep, i, seq);
            } else if (kind == 1) {
                pl +=
                    (size_t)snprintf(plain + pl, sizeof plain - pl,
                                     "%s{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
                                     "\"ErrorMessage\":\"Rate / exceeded %zu\"}",
                                     sep, i);
                ol +=
                    (size_t)snprintf(other + ol, sizeof other - ol,
                                     "%s{\"ErrorMessage\":\"Rate \\/ exceeded %zu\",\"ErrorCode\":"
                                     "\"ProvisionedThroughputExceededException\"}",
                                     sep, i);
            } else if (kind == 2) {
                pl += (size_t)snprintf(plain + pl, sizeof plain - pl, "%s{}", sep);
                ol += (size_t)snprintf(other + ol, sizeof other - ol, "%s{ }", sep);
            } else {
                pl += (size_t)snprintf(plain + pl, sizeof plain - pl,
                                       "%s{\"SequenceNumber\":\"9\"}", sep);
                ol += (size_t)snprintf(other + ol, sizeof other - ol,
                                       "%s{\"SequenceNumber\":\"9\",\"z\":true}", sep);
            }
        }
        pl += (size_t)snprintf(plain + pl, sizeof plain - pl, "]%s}",
                               enc_first ? ",\"EncryptionType\":\"KMS\"" : "");
        ol += (size_t)snprintf(other + ol, sizeof other - ol, "\t]%s }",
                               enc_first ? ",\"EncryptionType\":\"KM\\u0053\"" : "");
        struct collected a, b;
        struct sg_kinesis_error e1, e2;
        int r1 = parse(plain, n, &a, &e1);
        int r2 = parse(other, n, &b, &e2);
        CHECK(r1 == 0 && a.n == n && same_outcome(r1, &a, &e1, r2, &b, &e2), "random answer %d: %s",
              round, plain);
        /* One record more or less than sent: refused both ways. */
        r1 = parse(plain, n + 1, &a, &e1);
        r2 = parse(other, n + 1, &b, &e2);
        CHECK(r1 == -1 && same_outcome(r1, &a, &e1, r2, &b, &e2), "random %d: count", round);
    }
}

int main(void)
{
    test_pk_units();
    test_record_error();
    test_classify_code();
    test_classify_call();
    test_encode_exact();
    test_encode_roundtrip();
    test_encode_limit();
    test_parse_ok();
    test_parse_partial();
    test_parse_malformed();
    test_parse_shapes();
    return sg_check_result("test_kinesis_codec");
}
