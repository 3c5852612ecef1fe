/*
 * pipeline: from submitted records to Kinesis answers.
 *
 * DESIGN. One sender thread owns the Kinesis transport (kinesis_transport.h:
 * libcurl's multi handle, signing, reused connections) and every PutRecords
 * call in flight (up to kinesis.max_in_flight per stream). HTTP threads only
 * submit (batcher.c, under the stream's lock) and wake the sender when
 * needed (the transport's wakeup). The sender cuts batches, hands them to the
 * transport, and resolves each record from the answer: success, retry later
 * (only the failed records, with backoff and jitter, while the request's
 * deadline allows), or a final error. Resolving the last record of a request
 * completes its ticket, which resumes the waiting client connection.
 *
 * Isolation: a batch mixes records of many clients, so one record must not
 * decide the others' answers. When Kinesis refuses a whole call for what can
 * only be a record's content (ValidationException and the like, see
 * sg_kinesis_is_record_error), the call is split in two halves, each sent
 * again as a call of its own, until the record at fault is alone; only it is
 * answered with the refusal (502). The others are stored as usual.
 *
 * Aggregation: on a stream with aggregation "kpl" a call's records are packed
 * by shard into KPL aggregates (kpl_pack.c), with the shard map that
 * pipeline_shards.c keeps from ListShards; an aggregate's answer resolves
 * each of its records, and one stored outside its records' shard (a reshard)
 * has them sent again.
 *
 * Records are borrowed from their request (record.h); the sender never reads
 * a record after resolving it.
 *
 * Dead letter: each distinct dead_letter_stream of the configuration is a
 * stream of its own here, after the configured ones: its bad rows (bad_row.h,
 * submitted by dead_letter.c) have their own queue, batches, retries,
 * probes and readiness, so they never share a call, nor a failure, with
 * valid records, and the drain waits for them too.
 *
 * Readiness: every kinesis.probe_interval_ms (1 s while failing) the sender
 * calls DescribeStreamSummary for each stream; PutRecords answers update the
 * same state. While a stream's endpoint cannot be reached at all, submits are
 * refused at once (503) instead of waiting for the deadline.
 */
#ifndef SG_PIPELINE_H
#define SG_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "creds.h"
#include "record.h"

struct sg_pipeline;

/* Histogram bucket upper bounds (inclusive), shared with /metrics. */
#define SG_LATENCY_BUCKETS 11
#define SG_BATCH_BUCKETS 8
extern const unsigned sg_latency_bucket_ms[SG_LATENCY_BUCKETS];
extern const unsigned sg_batch_bucket_records[SG_BATCH_BUCKETS];

struct sg_pipeline_stats {
    uint64_t calls;                /* PutRecords calls completed (any outcome) */
    uint64_t call_failures;        /* calls that failed as a whole */
    uint64_t records_sent;         /* record sends, retries included */
    uint64_t kinesis_records_sent; /* PutRecords entries sent (aggregates count once) */
    uint64_t aggregates_misplaced; /* aggregates stored outside their shard (resharding) */
    uint64_t records_ok;
    uint64_t records_retried;
    uint64_t records_failed; /* resolved with an error */
    uint64_t throttled;      /* throttling answers (per record or per call) */
    uint64_t calls_split;    /* refused calls split to isolate a record (isolation) */
    uint64_t latency_ms_sum; /* of completed calls */
    unsigned in_flight;
    size_t queued_records; /* admitted, not yet resolved, all streams */
    size_t queued_bytes;
    bool kinesis_reachable; /* the last call got an HTTP answer */
    bool ready;             /* every stream's last check passed */
    char not_ready_reason[192];
    uint64_t probes, probe_failures;
    /* cumulative counts per bucket; the last slot is +Inf */
    uint64_t latency_buckets[SG_LATENCY_BUCKETS + 1];
    uint64_t batch_buckets[SG_BATCH_BUCKETS + 1];
    uint64_t batch_records_sum;
};

/* Creates the pipeline for cfg->streams (borrowed; must outlive it) and the
 * credentials provider (borrowed). Returns NULL on error (logged). */
struct sg_pipeline *sg_pipeline_new(const struct sg_config *cfg, struct sg_creds_provider *creds);

/* Starts the sender thread. Returns 0 or -1. */
int sg_pipeline_start(struct sg_pipeline *p);

/* Whether submitted records were taken (nothing is taken otherwise: 503). */
enum sg_submit_result {
    SG_SUBMIT_OK = 0,
    SG_SUBMIT_QUEUE_FULL,  /* the stream's queue has no room for them */
    SG_SUBMIT_UNREACHABLE, /* the stream's endpoint is known to be unreachable */
    SG_SUBMIT_DRAINING,    /* the gateway is shutting down */
};

/*
 * Submits the records of one request for stream number `stream_idx` (index
 * into cfg->streams, or a dead-letter stream's index): a list linked by ->next, `n` records,
 * `bytes` Kinesis bytes. All or nothing. Thread-safe.
 */
enum sg_submit_result sg_pipeline_submit(struct sg_pipeline *p, size_t stream_idx,
                                         struct sg_record *first, size_t n, size_t bytes);

/*
 * Stops accepting records, sends everything queued at once (no linger), and
 * waits until every record is resolved or `timeout_ms` passes; records still
 * unresolved then are answered 503. Then stops the sender thread.
 */
void sg_pipeline_drain(struct sg_pipeline *p, unsigned timeout_ms);

/* Frees the pipeline (drains first with no wait if still running). NULL-safe. */
void sg_pipeline_free(struct sg_pipeline *p);

/* The index to submit stream `stream_idx`'s refused events to (its
 * dead-letter stream), or SIZE_MAX when it has none. Thread-safe. */
size_t sg_pipeline_dead_letter_index(struct sg_pipeline *p, size_t stream_idx);

/* The stream's own maximum record size (data + partition key) as
 * DescribeStreamSummary reports it (MaxRecordSizeInKiB), or 0 while unknown.
 * Thread-safe. */
size_t sg_pipeline_stream_max_record_bytes(struct sg_pipeline *p, size_t stream_idx);

void sg_pipeline_get_stats(struct sg_pipeline *p, struct sg_pipeline_stats *out);

#endif
