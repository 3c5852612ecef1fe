/*
 * kinesis_codec: PutRecords encoding and response decoding (see header).
 */
#define _GNU_SOURCE /* memmem */
#include "kinesis_codec.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
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

int sg_kinesis_is_auth_error(const char *code)
{
    static const char *const auth_codes[] = {
        "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
        "InvalidClientTokenId", "ExpiredTokenException", "ExpiredToken", NULL};
    char c[64];
    normalize_code(code, c);
    for (int i = 0; auth_codes[i]; i++)
        if (strcmp(c, auth_codes[i]) == 0)
            return 1;
    return 0;
}

/* Copies printable ASCII only, so a hostile body cannot inject into logs. */
static void copy_printable(char *dst, size_t cap, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
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
        copy_printable(err->message, sizeof err->message, msg, strlen(msg));
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
    copy_printable(out, cap, s, (size_t)(e - s));
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
        copy_printable(err->message, sizeof err->message, body ? body : "", body ? len : 0);
        return SG_KINESIS_RETRYABLE;
    }
    if (body && len)
        error_from_json(body, len, err);
    if (!err->code[0] && body && len)
        error_from_xml(body, len, err);
    if (!err->code[0] && error_type_header && *error_type_header)
        normalize_code(error_type_header, err->code);
    if (!err->message[0] && body)
        copy_printable(err->message, sizeof err->message, body, len < 200 ? len : 200);
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
    int rc = sg_buf_append_str(out, is_arn ? "{\"StreamARN\":" : "{\"StreamName\":");
    rc |= sg_buf_append_json_string(out, stream, strlen(stream));
    rc |= sg_buf_append_str(out, ",\"Records\":[");
    return rc ? -1 : 0;
}

int sg_kinesis_append_entry(struct sg_buf *out, const void *data, size_t len, const char *pk,
                            size_t pk_len)
{
    size_t before = out->len;
    int rc = sg_buf_append(out, "{\"Data\":\"", 9);
    rc |= sg_buf_append_base64(out, data, len);
    rc |= sg_buf_append(out, "\",\"PartitionKey\":", 17);
    rc |= sg_buf_append_json_string(out, pk, pk_len);
    rc |= sg_buf_append_char(out, '}');
    if (rc) {
        out->len = before; /* never leave half an entry */
        return -1;
    }
    return 0;
}

int sg_kinesis_append_tail(struct sg_buf *out)
{
    return sg_buf_append(out, "]}", SG_KINESIS_BODY_TAIL_LEN);
}

static void result_of_entry(json_t *entry, struct sg_kinesis_result *r)
{
    const char *seq = json_string_value(json_object_get(entry, "SequenceNumber"));
    const char *shard = json_string_value(json_object_get(entry, "ShardId"));
    const char *code = json_string_value(json_object_get(entry, "ErrorCode"));
    r->sequence_number = r->shard_id = r->error_code = r->error_message = NULL;
    if (!code && seq && *seq && shard && *shard) {
        r->status = SG_KINESIS_OK;
        r->sequence_number = seq;
        r->shard_id = shard;
        return;
    }
    r->error_code = code ? code : "InternalFailure";
    r->error_message = json_string_value(json_object_get(entry, "ErrorMessage"));
    if (!r->error_message)
        r->error_message = code ? "" : "Kinesis returned a record without a SequenceNumber";
    r->status = code ? sg_kinesis_classify_code(code) : SG_KINESIS_RETRYABLE;
    if (r->status == SG_KINESIS_FATAL)
        r->status = SG_KINESIS_RETRYABLE; /* per-record codes are documented as retryable */
}

int sg_kinesis_parse_put_records(const char *body, size_t len, size_t n_records,
                                 sg_kinesis_result_fn fn, void *ctx, struct sg_kinesis_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    json_t *records = json_object_get(root, "Records");
    if (!json_is_array(records) || json_array_size(records) != n_records) {
        snprintf(err->code, sizeof err->code, "InvalidResponse");
        snprintf(err->message, sizeof err->message,
                 "PutRecords response has %zu records for %zu sent",
                 json_is_array(records) ? json_array_size(records) : 0, n_records);
        json_decref(root);
        return -1;
    }
    const char *enc = json_string_value(json_object_get(root, "EncryptionType"));
    for (size_t i = 0; i < n_records; i++) {
        struct sg_kinesis_result r;
        json_t *entry = json_array_get(records, i);
        if (json_is_object(entry)) {
            result_of_entry(entry, &r);
        } else {
            r = (struct sg_kinesis_result){.status = SG_KINESIS_RETRYABLE,
                                           .error_code = "InternalFailure",
                                           .error_message = "malformed response entry"};
        }
        r.encryption_type = enc;
        fn(ctx, i, &r);
    }
    json_decref(root);
    return 0;
}
