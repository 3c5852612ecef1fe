/*
 * config: the gateway's immutable configuration.
 *
 * Loaded once from a JSON file (jansson), then overridden by environment
 * variables for the common settings, then validated; every error names the
 * key at fault ("kinesis.linger_ms must be an integer between 0 and 1000").
 * After loading nothing writes to it, so any thread may read it freely.
 * Environment is read through a lookup function so tests pass their own.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "proxies.h"

#define SG_CONFIG_MAX_STREAMS 64
#define SG_STREAM_NAME_MAX 128
#define SG_STREAM_ARN_MAX 2048
#define SG_CONFIG_MAX_PROXIES 64
#define SG_CONFIG_PATH_MAX 1024

enum sg_stream_mode { SG_STREAM_EVENT = 0, SG_STREAM_PASSTHROUGH };

/* How a record's partition key is chosen. */
enum sg_partition_rule {
    SG_PK_CLIENT = 0, /* the client's key; on event streams event_uuid when absent */
    SG_PK_EVENT_UUID, /* always the event's event_uuid (event streams only) */
    SG_PK_RANDOM,     /* a random UUID per record, ignoring the client's */
};

/* Whether many user records share one Kinesis record (kpl.h). */
enum sg_aggregation { SG_AGG_NONE = 0, SG_AGG_KPL };

#define SG_AGG_DEFAULT_MAX_BYTES 51200 /* KPL's AggregationMaxSize default */
#define SG_AGG_DEFAULT_LINGER_MS 20

struct sg_stream_config {
    char name[SG_STREAM_NAME_MAX + 1];        /* public name in the URL */
    char stream_name[SG_STREAM_NAME_MAX + 1]; /* Kinesis StreamName, "" when ARN given */
    char stream_arn[SG_STREAM_ARN_MAX + 1];   /* Kinesis StreamARN, "" when name given */
    enum sg_stream_mode mode;
    enum sg_partition_rule partition_key;
    enum sg_aggregation aggregation;
    size_t aggregation_max_bytes;   /* one aggregated Kinesis record, framing included */
    unsigned aggregation_linger_ms; /* longest wait to fill aggregates */
    /* Event streams (event.h, catalog.h; loaded by policy.c, reloadable): */
    char catalog[SG_CONFIG_PATH_MAX + 1]; /* the catalog directory, "" = none; a relative
                                             "catalog" is resolved against the config
                                             file's directory */
    bool accept_unknown_types;            /* unknown_event_types "accept" */
    unsigned max_age_days;                /* created_at_window.max_age_days */
    unsigned max_ahead_s;                 /* created_at_window.max_ahead_s */
    /* Kinesis stream that keeps this stream's refused events as bad rows
     * (bad_row.h, dead_letter.h); "" = none. */
    char dead_letter_stream[SG_STREAM_NAME_MAX + 1];
};

struct sg_config {
    char listen_host[64];
    unsigned listen_port;
    char ops_host[64]; /* "" = no separate operations listener */
    unsigned ops_port;
    unsigned threads;
    char log_level[8];
    bool access_log;
    /* Peers whose X-Forwarded-For and X-Amzn-Trace-Id the access log
     * believes (proxies.h); none by default. */
    struct sg_cidr trusted_proxies[SG_CONFIG_MAX_PROXIES];
    size_t n_trusted_proxies;

    /* limits */
    size_t max_body_record;  /* PUT .../record body */
    size_t max_body_records; /* PUT .../records body */
    size_t max_record_bytes; /* data + partition key, as Kinesis counts */
    unsigned max_json_depth;
    unsigned max_object_members; /* members of one JSON object in a body */
    unsigned max_connections;
    size_t max_header_bytes; /* request line + headers, per connection */
    unsigned idle_timeout_s;
    unsigned header_timeout_s; /* a request head, whole (http_conns.c) */
    unsigned body_grace_s;     /* then a body must keep body_min_rate */
    size_t body_min_rate;      /* bytes per second, on average; 0: no rule */
    size_t queue_max_records;  /* per stream, queued + in flight */
    size_t queue_max_bytes;

    /* kinesis */
    char region[64];
    char endpoint[512]; /* "" = https://kinesis.<region>.amazonaws.com */
    unsigned linger_ms;
    unsigned batch_max_records;
    size_t batch_max_bytes;
    unsigned max_in_flight; /* PutRecords calls per stream */
    unsigned deadline_ms;
    unsigned connect_timeout_ms;
    unsigned call_timeout_ms;
    unsigned backoff_base_ms;
    unsigned backoff_max_ms;
    unsigned probe_interval_ms; /* readiness: DescribeStreamSummary per stream */

    /* shutdown (SIGTERM) */
    unsigned shutdown_delay_ms; /* /readyz 503 before the listener closes */
    unsigned drain_timeout_ms;  /* then the longest wait for Kinesis answers */

    size_t n_streams;
    struct sg_stream_config streams[SG_CONFIG_MAX_STREAMS];
};

/* Fills *cfg with the built-in defaults and no streams. */
void sg_config_defaults(struct sg_config *cfg);

/*
 * Loads `path` over the defaults, applies environment overrides
 * (STREAMGATE_LISTEN, STREAMGATE_LOG_LEVEL, STREAMGATE_THREADS, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL,
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) and validates.
 * [out] err: a message naming the key at fault.
 * Returns 0, or -1.
 */
int sg_config_load(const char *path, sg_env_lookup_fn env, void *env_ctx, struct sg_config *cfg,
                   char *err, size_t err_cap);

/* Returns the configured stream with public name (name, len), or NULL. */
const struct sg_stream_config *sg_config_find_stream(const struct sg_config *cfg, const char *name,
                                                     size_t len);

/* True when s[0..len) follows Kinesis' stream-name rule: 1-128 of [a-zA-Z0-9_.-]. */
bool sg_config_valid_stream_name(const char *s, size_t len);

#endif
