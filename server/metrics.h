/*
 * metrics: the one table of the gateway's metrics, and what is built from it.
 *
 * Each row of SG_METRICS names a metric once: its id (SG_M_<ID>), its
 * Prometheus type, name and help text. From the table come the enum that
 * indexes every counter, the counter blocks the modules count into, and the
 * /metrics text (sg_metrics_write): a new metric is one row here and one
 * sg_metrics_add where it happens.
 *
 * Plain counters and gauges hold one value: a module that counts keeps a
 * struct sg_metrics (one atomic slot per row) and writes only the rows it
 * owns; at /metrics each owner adds its block into one snapshot
 * (sg_metrics_read), so every row has exactly one owner. Labelled families
 * and histograms (SG_METRIC_LABELLED, SG_METRIC_HISTOGRAM) take their name,
 * help and type from the table too; their sample lines come from their
 * owner through the writer's callback.
 *
 * Thread-safety: sg_metrics_add/sub/get are atomic (any thread); a
 * snapshot is plain data owned by the reader.
 */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "must_check.h"

/* The Content-Type of sg_metrics_write's text. */
#define SG_METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

enum sg_metric_type {
    SG_METRIC_COUNTER,   /* one value that only grows */
    SG_METRIC_GAUGE,     /* one value that goes up and down */
    SG_METRIC_LABELLED,  /* a counter family with labels: samples from the callback */
    SG_METRIC_HISTOGRAM, /* buckets, sum and count: samples from the callback */
};

/* X(ID, type, name, help), in the order /metrics writes them. */
#define SG_METRICS(X)                                                                              \
    X(HTTP_RESPONSES, SG_METRIC_LABELLED, "streamgate_http_responses_total",                       \
      "Responses by route and status.")                                                            \
    X(EVENTS_ACCEPTED, SG_METRIC_COUNTER, "streamgate_events_accepted_total",                      \
      "Events taken into a stream's queue.")                                                       \
    X(EVENTS_REJECTED, SG_METRIC_COUNTER, "streamgate_events_rejected_total",                      \
      "Events not taken: refused, or their request refused.")                                      \
    X(PUTRECORDS_CALLS, SG_METRIC_COUNTER, "streamgate_putrecords_calls_total",                    \
      "PutRecords calls completed, any outcome.")                                                  \
    X(PUTRECORDS_CALL_FAILURES, SG_METRIC_COUNTER, "streamgate_putrecords_call_failures_total",    \
      "PutRecords calls that failed as a whole.")                                                  \
    X(RECORDS_SENT, SG_METRIC_COUNTER, "streamgate_records_sent_total",                            \
      "Records sent to Kinesis, retries included.")                                                \
    X(KINESIS_RECORDS_SENT, SG_METRIC_COUNTER, "streamgate_kinesis_records_sent_total",            \
      "PutRecords entries sent (an aggregate counts once).")                                       \
    X(AGGREGATES_MISPLACED, SG_METRIC_COUNTER, "streamgate_aggregates_misplaced_total",            \
      "Aggregates stored outside the shard their map named (resharding).")                         \
    X(RECORDS_OK, SG_METRIC_COUNTER, "streamgate_records_ok_total", "Records stored by Kinesis.")  \
    X(RECORDS_RETRIED, SG_METRIC_COUNTER, "streamgate_records_retried_total",                      \
      "Records sent again after a failure.")                                                       \
    X(RECORDS_FAILED, SG_METRIC_COUNTER, "streamgate_records_failed_total",                        \
      "Records answered with an error.")                                                           \
    X(THROTTLED, SG_METRIC_COUNTER, "streamgate_throttled_total",                                  \
      "Throttling answers, per record or per call.")                                               \
    X(PUTRECORDS_CALLS_SPLIT, SG_METRIC_COUNTER, "streamgate_putrecords_calls_split_total",        \
      "Refused calls split to isolate the record Kinesis refused.")                                \
    X(PUTRECORDS_LATENCY_MS_SUM, SG_METRIC_COUNTER, "streamgate_putrecords_latency_ms_sum",        \
      "Milliseconds spent in completed PutRecords calls.")                                         \
    X(INFLIGHT_CALLS, SG_METRIC_GAUGE, "streamgate_inflight_calls", "PutRecords calls in flight.") \
    X(QUEUE_RECORDS, SG_METRIC_GAUGE, "streamgate_queue_records",                                  \
      "Records admitted and not yet resolved, all streams.")                                       \
    X(QUEUE_BYTES, SG_METRIC_GAUGE, "streamgate_queue_bytes",                                      \
      "Kinesis bytes of the records admitted and not yet resolved.")                               \
    X(PUTRECORDS_LATENCY_SECONDS, SG_METRIC_HISTOGRAM, "streamgate_putrecords_latency_seconds",    \
      "PutRecords call latency.")                                                                  \
    X(PUTRECORDS_BATCH_RECORDS, SG_METRIC_HISTOGRAM, "streamgate_putrecords_batch_records",        \
      "Records per PutRecords call.")                                                              \
    X(CONNECTIONS_CLOSED, SG_METRIC_LABELLED, "streamgate_connections_closed_total",               \
      "Connections closed, by reason (README, Slow clients).")                                     \
    X(CONNECTIONS_OPEN, SG_METRIC_GAUGE, "streamgate_connections_open",                            \
      "Connections open on the listeners.")                                                        \
    X(REFUSED_EVENTS, SG_METRIC_LABELLED, "streamgate_refused_events_total",                       \
      "Events refused by validation, by stream, event type and rule.")                             \
    X(REFUSED_EVENTS_UNLABELLED, SG_METRIC_COUNTER, "streamgate_refused_events_unlabelled_total",  \
      "Refused events past the label sets kept.")                                                  \
    X(DEAD_LETTER_ROWS, SG_METRIC_COUNTER, "streamgate_dead_letter_rows_total",                    \
      "Bad rows handed to the dead-letter streams.")                                               \
    X(DEAD_LETTER_WRITTEN, SG_METRIC_COUNTER, "streamgate_dead_letter_written_total",              \
      "Bad rows stored in a dead-letter stream.")                                                  \
    X(DEAD_LETTER_FAILED, SG_METRIC_COUNTER, "streamgate_dead_letter_failed_total",                \
      "Bad rows lost: not built, not admitted, or not stored before the request's deadline.")      \
    X(CREDENTIAL_LOADS, SG_METRIC_COUNTER, "streamgate_credential_loads_total",                    \
      "Credentials loaded (first load and refreshes).")                                            \
    X(CREDENTIAL_LOAD_FAILURES, SG_METRIC_COUNTER, "streamgate_credential_load_failures_total",    \
      "Credential fetches that failed.")                                                           \
    X(READINESS_PROBES, SG_METRIC_COUNTER, "streamgate_readiness_probes_total",                    \
      "DescribeStreamSummary checks started.")                                                     \
    X(READINESS_PROBE_FAILURES, SG_METRIC_COUNTER, "streamgate_readiness_probe_failures_total",    \
      "DescribeStreamSummary checks that did not find the stream ready.")                          \
    X(READY, SG_METRIC_GAUGE, "streamgate_ready", "1 when ready for traffic (as /readyz), else 0.")

enum sg_metric {
#define SG_METRIC_ENUM(id, type, name, help) SG_M_##id,
    SG_METRICS(SG_METRIC_ENUM)
#undef SG_METRIC_ENUM
        SG_METRIC_COUNT
};

struct sg_metric_info {
    enum sg_metric_type type;
    const char *name;
    const char *help;
};

/* The table's row for `id` (static storage). */
const struct sg_metric_info *sg_metric_info(enum sg_metric id);

/* A module's live counters: one slot per row; the module writes its rows only. */
struct sg_metrics {
    atomic_uint_fast64_t v[SG_METRIC_COUNT];
};

/* Values read at one time, indexed by enum sg_metric. Start from {0}. */
struct sg_metrics_snapshot {
    uint64_t v[SG_METRIC_COUNT];
};

/* Relaxed: a counter orders nothing; /metrics reads each value on its own. */
static inline void sg_metrics_add(struct sg_metrics *m, enum sg_metric id, uint64_t n)
{
    atomic_fetch_add_explicit(&m->v[id], n, memory_order_relaxed);
}

/* For gauges. */
static inline void sg_metrics_sub(struct sg_metrics *m, enum sg_metric id, uint64_t n)
{
    atomic_fetch_sub_explicit(&m->v[id], n, memory_order_relaxed);
}

static inline uint64_t sg_metrics_get(struct sg_metrics *m, enum sg_metric id)
{
    return atomic_load_explicit(&m->v[id], memory_order_relaxed);
}

/* Adds every slot of `m` into `into` (a row's other owners leave it at 0). */
void sg_metrics_read(struct sg_metrics *m, struct sg_metrics_snapshot *into);

/*
 * Writes the sample lines of a labelled family or a histogram (the
 * "# HELP"/"# TYPE" head is already written): each line starts with
 * sg_metric_info(id)->name. Returns 0, or the buffer's failure.
 */
typedef int (*sg_metrics_samples_fn)(void *ctx, enum sg_metric id, struct sg_buf *out);

/*
 * Appends the Prometheus text format (version 0.0.4) of every row, in table
 * order: its head, then its value from `s` (counters, gauges) or the lines
 * `samples` writes (labelled families, histograms). Returns 0, or non-zero
 * when the buffer failed (its content is then unusable).
 */
SG_MUST_CHECK int sg_metrics_write(struct sg_buf *out, const struct sg_metrics_snapshot *s,
                                   sg_metrics_samples_fn samples, void *ctx);

#endif
