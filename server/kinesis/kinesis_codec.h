/*
 * kinesis_codec: the PutRecords wire format (JSON 1.1 protocol), both ways.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 *
 * Encoding works on an sg_buf so the request path can pre-encode each record
 * (`{"Data":"<base64>","PartitionKey":"..."}`) on the HTTP thread that
 * received it; the sender then only concatenates entries. Decoding turns a
 * response into one outcome per record, and classifies whole-call errors into
 * the action the sender must take.
 *
 * Pure: no I/O, no globals; thread-safe.
 */
#ifndef SG_KINESIS_CODEC_H
#define SG_KINESIS_CODEC_H

#include <stddef.h>

#include "buf.h"
#include "kinesis_api.h"

#define SG_KINESIS_ERROR_MESSAGE_MAX 1024 /* Kinesis' error text kept for the client */

/* What the sender does with a record or a whole call. */
enum sg_kinesis_status {
    SG_KINESIS_OK = 0,
    SG_KINESIS_THROTTLED,     /* retry with backoff; 503 + Retry-After if it never clears */
    SG_KINESIS_RETRYABLE,     /* 5xx, InternalFailure, network: retry; 504 at the deadline */
    SG_KINESIS_EXPIRED_TOKEN, /* refresh credentials, then retry */
    SG_KINESIS_FATAL,         /* refused (AccessDenied, ResourceNotFound, ...): 502 at once */
};

struct sg_kinesis_error {
    char code[64]; /* e.g. "ResourceNotFoundException", or "HTTP 403" */
    /* Kinesis' message, or a transport error: valid UTF-8 without control
     * characters (safe in a JSON answer and a log line); a longer text is
     * cut at a character boundary and ends in "..." */
    char message[SG_KINESIS_ERROR_MESSAGE_MAX];
};

/* The length of a partition key (valid UTF-8) in UTF-16 code units, the
 * unit of Kinesis' 256 limit. */
size_t sg_kinesis_pk_units(const char *key, size_t len);

/* Classifies an error code (text after any '#', before any ':'). */
enum sg_kinesis_status sg_kinesis_classify_code(const char *code);

/*
 * True for whole-call refusals that a single record can cause (a record's
 * data or key broke one of Kinesis' own checks: ValidationException,
 * InvalidArgumentException, SerializationException, 413). The gateway then
 * splits the call to find that record instead of failing every record in
 * it, which may come from other clients.
 */
int sg_kinesis_is_record_error(const char *code);

/* True for errors that mean the credentials themselves were refused
 * (unknown key, bad signature, expired token): worth fetching new ones. */
int sg_kinesis_is_auth_error(const char *code);

/*
 * Classifies a whole PutRecords call that did not return 200.
 * [in] http_status: 0 for a transport failure (then `body` holds the reason).
 * [in] error_type_header: the x-amzn-ErrorType header value, or NULL.
 * [out] err: code and message.
 */
enum sg_kinesis_status sg_kinesis_classify_call(long http_status, const char *body, size_t len,
                                                const char *error_type_header,
                                                struct sg_kinesis_error *err);

/* Appends the request head for a stream: `{"StreamName":"x","Records":[`
 * (or "StreamARN" when `is_arn`). */
SG_MUST_CHECK int sg_kinesis_append_head(struct sg_buf *out, const char *stream, int is_arn);

/* Appends one entry `{"Data":"<base64 of data>","PartitionKey":"<pk>"}`,
 * with `"ExplicitHashKey":"<ehk>"` when ehk (decimal) is not NULL. */
SG_MUST_CHECK int sg_kinesis_append_entry(struct sg_buf *out, const void *data, size_t len,
                                          const char *pk, size_t pk_len, const char *ehk);

/* Appends the request tail `]}`. */
SG_MUST_CHECK int sg_kinesis_append_tail(struct sg_buf *out);

/* One record's outcome in a PutRecords response. Strings are borrowed and
 * valid only during the callback. */
struct sg_kinesis_result {
    enum sg_kinesis_status status;
    const char *sequence_number; /* when OK */
    const char *shard_id;        /* when OK */
    const char *encryption_type; /* response-level, or NULL */
    const char *error_code;      /* when not OK */
    const char *error_message;   /* when not OK */
};

typedef void (*sg_kinesis_result_fn)(void *ctx, size_t index, const struct sg_kinesis_result *r);

/*
 * Parses a 200 PutRecords response for a call of `n_records` records and calls
 * `fn` once per record, in order. An entry with an ErrorCode is classified
 * with sg_kinesis_classify_code; an entry with neither a SequenceNumber nor an
 * ErrorCode counts as InternalFailure (never reported as success).
 * Returns 0, or -1 when the body is not a PutRecords response or its Records
 * array has the wrong length (then no callback was made and err says why).
 */
int sg_kinesis_parse_put_records(const char *body, size_t len, size_t n_records,
                                 sg_kinesis_result_fn fn, void *ctx, struct sg_kinesis_error *err);

#endif
