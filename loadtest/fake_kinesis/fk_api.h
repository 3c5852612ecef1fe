/*
 * fk_api: the Kinesis JSON-1.1 operations fake_kinesis answers, and its
 * counters. Transport-free: the HTTP layer passes the operation name (from
 * X-Amz-Target) and the body, and sends back the reply.
 *
 * Operations: PutRecords and PutRecord (records counted, one sequence number
 * each, shard chosen from the ExplicitHashKey or else the MD5 of the
 * partition key over equal hash ranges, as Kinesis does; KPL aggregates are
 * taken apart (fk_kpl.h) so that the user records inside are counted),
 * DescribeStreamSummary and ListShards (an ACTIVE stream of the configured
 * shard count, for readiness checks), CreateStream (accepted, nothing kept).
 * Anything else gets UnknownOperationException.
 *
 * Thread-safe: counters are atomics, the UUID set is striped (fk_uuid_set.h).
 */
#ifndef FK_API_H
#define FK_API_H

#include <stddef.h>
#include <stdint.h>

#define FK_API_MAX_RECORDS 500             /* per PutRecords call, as Kinesis */
#define FK_API_MAX_DATA (1024 * 1024)      /* decoded bytes per record */
#define FK_API_MAX_PARTITION_KEY 256       /* Unicode characters */
#define FK_API_MAX_BODY (10 * 1024 * 1024) /* bytes per request body */
#define FK_API_MAX_SHARDS 100000

struct fk_api;

/* Counters since start or the last fk_api_reset. */
struct fk_api_stats {
    uint64_t calls;          /* PutRecords/PutRecord calls answered 200 */
    uint64_t records;        /* Kinesis records in those calls */
    uint64_t unique;         /* user records whose event_uuid was new */
    uint64_t duplicates;     /* user records whose event_uuid was seen before */
    uint64_t no_uuid;        /* user records without a readable event_uuid */
    uint64_t bytes;          /* Data (decoded) plus partition key bytes of the Kinesis records */
    uint64_t rejected;       /* requests answered 400 */
    uint64_t other_calls;    /* other operations answered 200 */
    uint64_t user_records;   /* user records: 1 per plain record, n per aggregate */
    uint64_t aggregates;     /* Kinesis records that were valid KPL aggregates */
    uint64_t misplaced;      /* user records whose hash key is outside their aggregate's shard
                                (KCL would drop them) */
    uint64_t bad_aggregates; /* records with the KPL magic but a wrong digest or protobuf
                                (counted as one plain record) */
};

/* A reply; body is malloc'd and owned by the receiver (may be NULL, len 0). */
struct fk_reply {
    unsigned status;
    char *body;
    size_t len;
};

/* Returns a new API with the given shard count (1..FK_API_MAX_SHARDS), or NULL. */
struct fk_api *fk_api_new(unsigned shards);

/* Frees the API; accepts NULL. */
void fk_api_free(struct fk_api *api);

/*
 * Runs one operation.
 * [in]  op: the part of X-Amz-Target after "Kinesis_20131202.".
 * [in,out] body: the request body; clobbered (Data is decoded in place).
 * [in]  region: the region of the credential scope, for ARNs.
 * [out] out: the reply (status 200 or 400 with a JSON-1.1 error body).
 * Returns 0, or -1 when out of memory (out then undefined, answer 500).
 */
int fk_api_handle(struct fk_api *api, const char *op, char *body, size_t len, const char *region,
                  struct fk_reply *out);

/*
 * Builds a JSON-1.1 error reply {"__type":type,"message":message} and counts
 * it as rejected. type and message must not need JSON escaping.
 * Returns 0, or -1 when out of memory.
 */
int fk_api_error(struct fk_api *api, unsigned status, const char *type, const char *message,
                 struct fk_reply *out);

/* Reads the counters (each read atomically; the set is not a snapshot). */
void fk_api_stats(struct fk_api *api, struct fk_api_stats *out);

/* Zeroes the counters and empties the UUID set. */
void fk_api_reset(struct fk_api *api);

#endif
