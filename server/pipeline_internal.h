/*
 * pipeline_internal: what the sender's modules share (pipeline.c: batching,
 * PutRecords calls and their outcomes; pipeline_probe.c: readiness probes).
 * Everything here is touched by the sender thread only, except where a field
 * says otherwise.
 */
#ifndef SG_PIPELINE_INTERNAL_H
#define SG_PIPELINE_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "batcher.h"
#include "buf.h"
#include "kinesis_http.h"
#include "pipeline.h"
#include "sigv4.h"

#define SG_PIPELINE_SPARE_EASY 16

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
    atomic_int health;  /* enum health; read by HTTP threads on submit */
    int64_t last_warn_ms;
    unsigned suppressed_warns;
    char reason[400];   /* why not OK; guarded by sg_pipeline.mu */
};

enum call_kind { CALL_PUT_RECORDS = 0, CALL_PROBE };

struct call {
    struct call *prev, *next; /* the sender's list of calls in flight */
    enum call_kind kind;
    struct sg_pipeline *p;
    struct stream *s;
    CURL *easy;
    struct curl_slist *headers;
    struct sg_record *records; /* linked by ->next, in send order */
    struct sg_record **index;  /* records by position in the request body */
    size_t n;
    int64_t started_ms;
    struct sg_buf body, resp;
    char error_type[64];
    char curl_error[CURL_ERROR_SIZE];
};

struct sg_pipeline {
    const struct sg_config *cfg;
    struct sg_creds_provider *creds;
    struct stream *streams;
    size_t n_streams;
    CURLM *multi;
    struct sg_sigv4_key_cache *keys;
    struct call *active; /* calls in flight, sender-owned */
    /* Idle CURL handles kept for the next call, sender-owned: a fresh handle
     * per call cost its allocation and every option's setup each time. */
    CURL *spare_easy[SG_PIPELINE_SPARE_EASY];
    size_t n_spare_easy;
    struct sg_kinesis_endpoint ep;
    pthread_t thread;
    bool started;
    atomic_bool draining; /* no new submits; flush without linger */
    atomic_bool stop;     /* sender exits once nothing is outstanding */
    pthread_mutex_t mu;   /* guards stream reasons; pairs with idle_cv for drain */
    pthread_cond_t idle_cv;
    /* statistics, written by the sender (atomics: read by /metrics) */
    atomic_uint_fast64_t calls, call_failures, records_sent, records_ok, records_retried,
        records_failed, throttled, latency_ms_sum, calls_split;
    atomic_uint in_flight;
    atomic_bool reachable;
    atomic_uint_fast64_t probes, probe_failures, batch_records_sum;
    atomic_uint_fast64_t latency_buckets[SG_LATENCY_BUCKETS + 1];
    atomic_uint_fast64_t batch_buckets[SG_BATCH_BUCKETS + 1];
};

/* Records a stream's readiness; logs transitions only. Any thread may read
 * the health; the reason is guarded by p->mu. */
void sg_pipeline_set_health(struct sg_pipeline *p, struct stream *s, enum health h,
                            const char *why);

/* Signs c->body for `target` with the current credentials into c->headers. */
int sg_pipeline_sign_call(struct sg_pipeline *p, struct call *c, const struct sg_credentials *cr,
                          const char *target);

/* A CURL handle with the options every call shares: a spare one or a new
 * one; NULL when out of memory. sg_pipeline_free_call gives it back. */
CURL *sg_pipeline_take_easy(struct sg_pipeline *p);

/* Sets the options of this call (body, headers, time-out) on c->easy. */
int sg_pipeline_setup_easy(struct sg_pipeline *p, struct call *c, int64_t now);

/* Links a started call into p->active / frees a call (unlinks it). */
void sg_pipeline_track_call(struct sg_pipeline *p, struct call *c);
void sg_pipeline_free_call(struct call *c);

/* True for transport errors that mean no connection could be made. */
bool sg_pipeline_is_unreachable(CURLcode code);

/* Readiness probes (pipeline_probe.c): DescribeStreamSummary per stream. */
void sg_probe_start(struct sg_pipeline *p, struct stream *s, int64_t now);
void sg_probe_complete(struct sg_pipeline *p, struct call *c, CURLcode result);

#endif
