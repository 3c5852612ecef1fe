/*
 * pipeline_internal: what the sender's modules share (pipeline.c: batching,
 * retries and answers; pipeline_probe.c: readiness probes) and what the unit
 * tests reach to drive the sender without its thread.
 *
 * Everything here is touched by the sender thread only, except where a field
 * says otherwise.
 *
 * Locks and their order: sg_pipeline.mu, then a stream's batcher mutex
 * (batcher.c). The drain wait holds mu while it reads every batcher's counts
 * (outstanding()); nothing takes mu while holding a batcher's mutex, and no
 * lock is held while calling the transport or resolving a record.
 */
#ifndef SG_PIPELINE_INTERNAL_H
#define SG_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "batcher.h"
#include "buf.h"
#include "kinesis_transport.h"
#include "kpl_pack.h"
#include "pipeline.h"
#include "shard_map.h"

enum health { HEALTH_UNKNOWN = 0, HEALTH_OK, HEALTH_FAILING, HEALTH_UNREACHABLE };

struct stream {
    const struct sg_stream_config *cfg;
    struct sg_batcher *batcher;
    /* Groups of records split off a call Kinesis refused as a whole for a
     * record's sake (sg_kinesis_is_record_error), each to be sent as a call
     * of its own before any new batch: a stack of group heads linked by
     * ->next_group, each group linked by ->next. */
    struct sg_record *isolated;
    unsigned in_flight;
    bool probing;
    int64_t next_probe_ms;
    atomic_int health; /* enum health; read by HTTP threads on submit */
    int64_t last_warn_ms;
    unsigned suppressed_warns;
    char reason[400]; /* why not OK; guarded by sg_pipeline.mu */
    /* The stream's own maximum record size (DescribeStreamSummary), 0 until
     * known; read by HTTP threads. */
    atomic_size_t max_record_bytes;
    /* Aggregation (cfg->aggregation kpl): the open shards from ListShards
     * (pipeline_shards.c), refreshed on a timer and when an aggregate lands
     * in another shard than the map said. Aggregates are packed only while
     * `shards` is filled and the stream does not distribute records itself. */
    struct sg_shard_map shards;  /* the finished map, or empty */
    struct sg_shard_map loading; /* pages of the refresh in progress */
    uint64_t map_gen;            /* bumped whenever `shards` is replaced */
    bool map_stale;              /* an aggregate landed elsewhere: wait for a new map */
    bool listing;                /* a ListShards call in flight */
    int64_t next_list_ms;
    bool auto_distribution; /* RecordDistributionStrategy AUTO: never aggregate */
    /* The index in sg_pipeline.streams of the stream keeping this one's
     * refused events (config dead_letter_stream), SIZE_MAX when none. */
    size_t dead_letter;
};

enum call_kind { CALL_PUT_RECORDS = 0, CALL_PROBE, CALL_LIST_SHARDS };

/* A call handed to the transport: what it is for and the body it sends
 * (which the transport borrows until it reports the call). */
struct call {
    struct call *prev, *next; /* the sender's list of calls in flight */
    enum call_kind kind;
    struct stream *s;
    struct sg_record *records; /* linked by ->next, in send order */
    size_t n;                  /* records */
    /* The body's entries in order: each one record, or (aggregating
     * streams) an aggregate of `count` consecutive records of `records`. */
    struct sg_kpl_group *groups;
    size_t n_groups;
    uint64_t map_gen; /* the shard map the groups were packed with */
    int64_t started_ms;
    struct sg_buf body;
};

/* Monotonic milliseconds: sg_clock_ms, or a test's own clock. */
typedef int64_t (*sg_pipeline_clock_fn)(void);

struct sg_pipeline {
    const struct sg_config *cfg;
    struct sg_kinesis_transport *transport; /* owned */
    sg_pipeline_clock_fn now_ms;
    /* The configured streams, then one per distinct dead_letter_stream
     * (configured by dead_cfgs, owned), sent, probed and drained alike. */
    struct stream *streams;
    size_t n_streams;
    struct sg_stream_config *dead_cfgs;
    struct call *active; /* calls in flight, sender-owned */
    pthread_t thread;
    bool started;
    atomic_bool draining;   /* no new submits; flush without linger */
    atomic_bool stop;       /* sender exits once nothing is outstanding */
    pthread_mutex_t mu;     /* guards stream reasons; pairs with idle_cv for drain */
    pthread_cond_t idle_cv; /* on CLOCK_MONOTONIC, like every other wait */
    /* statistics, written by the sender (atomics: read by /metrics) */
    atomic_uint_fast64_t calls, call_failures, records_sent, records_ok, records_retried,
        records_failed, throttled, latency_ms_sum, calls_split, kinesis_records_sent,
        aggregates_misplaced;
    atomic_uint in_flight;
    atomic_bool reachable;
    atomic_uint_fast64_t probes, probe_failures, batch_records_sum;
    atomic_uint_fast64_t latency_buckets[SG_LATENCY_BUCKETS + 1];
    atomic_uint_fast64_t batch_buckets[SG_BATCH_BUCKETS + 1];
};

/* The pipeline over `transport` (owned from here on, freed with the
 * pipeline, also on failure) reading time from `now_ms`. NULL on error. */
struct sg_pipeline *sg_pipeline_new_with(const struct sg_config *cfg,
                                         struct sg_kinesis_transport *transport,
                                         sg_pipeline_clock_fn now_ms);

/* One turn of the sender loop: starts the calls that are due, then lets the
 * transport report answers, waiting at most max_wait_ms for one. Returns
 * true when the sender should exit (stop requested and nothing outstanding).
 * The sender thread calls it in a loop; tests call it without the thread. */
bool sg_pipeline_turn(struct sg_pipeline *p, int max_wait_ms);

/* Abandons every call in flight and answers their records and everything
 * still queued 503 (drain past its time-out). Sender thread stopped. */
void sg_pipeline_abandon(struct sg_pipeline *p);

/* Records a stream's readiness; logs transitions only. Any thread may read
 * the health; the reason is guarded by p->mu. */
void sg_pipeline_set_health(struct sg_pipeline *p, struct stream *s, enum health h,
                            const char *why);

/* Links a started call into p->active / unlinks and frees one. */
void sg_pipeline_track_call(struct sg_pipeline *p, struct call *c);
void sg_pipeline_free_call(struct sg_pipeline *p, struct call *c);

/* True when the stream's calls are packed into aggregates now. */
bool sg_pipeline_aggregating(const struct stream *s);

/* Shard maps of aggregating streams (pipeline_shards.c): ListShards pages. */
void sg_shards_start(struct sg_pipeline *p, struct stream *s, int64_t now, const char *token);
void sg_shards_complete(struct sg_pipeline *p, struct call *c, const struct sg_kinesis_reply *r);
/* Asks for a new map soon (an aggregate landed in another shard). */
void sg_shards_stale(struct sg_pipeline *p, struct stream *s, int64_t now);

/* Readiness probes (pipeline_probe.c): DescribeStreamSummary per stream. */
void sg_probe_start(struct sg_pipeline *p, struct stream *s, int64_t now);
void sg_probe_complete(struct sg_pipeline *p, struct call *c, const struct sg_kinesis_reply *r);

#endif
