/*
 * kinesis_api: what the gateway knows of Kinesis' JSON 1.1 API, in one
 * place: the service to sign for, the X-Amz-Target of each call it makes,
 * the content type, the API's own limits, and the opening every request
 * body of a stream shares (`{"StreamName":"x"` or `{"StreamARN":"arn"`).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/
 *
 * Public to the rest of server/ (the sender builds its probe and ListShards
 * bodies with it); kinesis_codec.h includes it for PutRecords.
 *
 * Pure: no I/O, no globals; thread-safe.
 */
#ifndef SG_KINESIS_API_H
#define SG_KINESIS_API_H

#include "buf.h"
#include "must_check.h"

/* The SigV4 service name and the endpoint of a region. */
#define SG_KINESIS_SERVICE "kinesis"
#define SG_KINESIS_ENDPOINT_FORMAT "https://kinesis.%s.amazonaws.com/"

/* X-Amz-Target: the API version, a dot, the operation. */
#define SG_KINESIS_API_VERSION "Kinesis_20131202"
#define SG_KINESIS_TARGET_PUT_RECORDS SG_KINESIS_API_VERSION ".PutRecords"
#define SG_KINESIS_TARGET_DESCRIBE_SUMMARY SG_KINESIS_API_VERSION ".DescribeStreamSummary"
#define SG_KINESIS_TARGET_LIST_SHARDS SG_KINESIS_API_VERSION ".ListShards"
#define SG_KINESIS_CONTENT_TYPE "application/x-amz-json-1.1"

/* Limits of the API (PutRecords, its answer). */
#define SG_KINESIS_MAX_RECORDS 500
/* PartitionKey: 1-256 "characters" as Kinesis counts them: UTF-16 code
 * units (a Java String's length), so a character outside the Basic
 * Multilingual Plane (4 bytes of UTF-8, e.g. an emoji) counts as 2. */
#define SG_KINESIS_PK_MAX_UNITS 256
#define SG_KINESIS_SEQ_MAX 129   /* SequenceNumber: 0|([1-9]\d{0,128}) */
#define SG_KINESIS_SHARD_MAX 128 /* ShardId */

/*
 * Appends the opening of a request body that names a stream:
 * `{"StreamARN":"<stream>"` when `is_arn`, else `{"StreamName":"<stream>"`
 * (JSON-escaped); the caller adds the other members and the closing brace.
 * [in,out] out: grown; on failure its length may have grown (the caller
 * drops the body). Returns 0, or -1 when the buffer cannot grow.
 */
SG_MUST_CHECK int sg_kinesis_append_open(struct sg_buf *out, const char *stream, int is_arn);

/* Appends a whole body that names only the stream (DescribeStreamSummary,
 * the first page of ListShards): the opening above and `}`. Returns 0 or -1. */
SG_MUST_CHECK int sg_kinesis_append_stream_body(struct sg_buf *out, const char *stream, int is_arn);

#endif
