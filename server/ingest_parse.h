/*
 * ingest_parse: an API Gateway Kinesis-proxy request body -> PutRecords entries.
 *
 * Accepted bodies (see README "HTTP API"):
 *   PUT .../record   {"Data": <JSON value>, "PartitionKey": "..."}
 *   PUT .../records  {"records": [{"data": <value>, "partition-key": "..."}]}
 *                 or {"Records": [{"Data": <value>, "PartitionKey": "..."}]}
 * On event streams each event is checked by event.h's rules, with the
 * stream's catalog, unknown-type rule and created_at window given in
 * sg_ingest_limits.rules; an invalid record's error names its rule and
 * JSON path (sg_ingest_item.rule, .path).
 * Stored bytes: on event streams the enriched event (event.h); on
 * pass-through streams the compact JSON of Data, except that a string `data`
 * in the tutorial shape is stored as the string's own bytes, as API
 * Gateway's template does.
 * Each valid record becomes a ready-to-send entry
 * {"Data":"<base64>","PartitionKey":"..."} in `entries`. An invalid record
 * gets its own error (field + message); request-level problems (not JSON,
 * wrong shape, over 500 records, a record over the size limit) fail the
 * whole request and nothing is kept.
 * Every record is checked as Kinesis will check it, so that a record
 * Kinesis would refuse never reaches a batch shared with other clients:
 * the partition key is 1-256 UTF-16 code units once decoded, and the
 * stored bytes (the data as stored, after decoding and enrichment, plus the
 * key) are at most max_record_bytes. The body's own size (whitespace,
 * escapes) is the HTTP layer's limit, not a record's.
 *
 * Pure except for SG_PK_RANDOM keys (rand.h). Thread-safe.
 */
#ifndef SG_INGEST_PARSE_H
#define SG_INGEST_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "kinesis/hash_key.h"

enum sg_ingest_route { SG_ROUTE_RECORD = 0, SG_ROUTE_RECORDS };

enum sg_ingest_status {
    SG_INGEST_OK = 0,
    SG_INGEST_BAD_REQUEST, /* 400 */
    SG_INGEST_TOO_LARGE,   /* 413 */
    SG_INGEST_NO_MEMORY,   /* 503 */
};

struct sg_ingest_item {
    int valid;
    size_t entry_off, entry_len; /* the entry in sg_ingest.entries */
    size_t kinesis_bytes;        /* data + partition key */
    /* Streams that aggregate (aggregation "kpl") keep the raw partition key
     * and data instead of an entry (entry_len 0; raw_off: key_len bytes of
     * key, then data_len of data, in sg_ingest.entries) and the key's hash,
     * for the sender to pack into aggregates by shard. */
    size_t raw_off, key_len, data_len;
    sg_hash_key hash;
    char field[32];      /* when invalid: the field at fault */
    char message[224];   /* when invalid: the rule broken */
    char path[96];       /* when invalid: JSON path of the value at fault in the event ("$.amount",
                            "$.tags[2]", "$"), or the record's member ("PartitionKey") */
    char rule[32];       /* when invalid: the rule id (event.h sg_event_error, or
                            partition_key, json) */
    char event_type[65]; /* when invalid: the event_type when the event's name is a catalog
                            type, "" otherwise (a bounded metric label) */
    /* The record's Data value exactly as sent (the whole record when it has
     * none or is not an object): offset and length in the body, for the
     * bad row of a refused event (dead_letter.h). */
    size_t data_off, data_sent_len;
};

struct sg_ingest {
    struct sg_ingest_item *items;
    size_t n, n_valid;
    size_t kinesis_bytes;  /* of the valid items */
    struct sg_buf entries; /* owned */
    char message[256];     /* when the whole request failed */
    /* The whole request failed: not_json when the body is not JSON at all;
     * SG_INGEST_TOO_LARGE for a record: items[n - 1] is that record. */
    bool not_json;
    const char *_body; /* the body, borrowed during the parse only */
};

struct sg_ingest_limits {
    size_t max_record_bytes; /* stored bytes: data as stored + partition key */
    unsigned max_depth;
    unsigned max_records; /* 500 */
    unsigned max_members; /* per object; 0: SG_JSON_MAX_MEMBERS_DEFAULT */
    /* Event streams: the stream's rules (catalog, unknown types, created_at
     * window: event.h) and the clock they are checked against (Unix
     * seconds). NULL rules: the event contract only. */
    const struct sg_event_rules *rules;
    long long now;
    /* Containers the body's structural index (json_scan.h) may record: 0,
     * the default, SG_JSON_INDEX_MAX; SG_INGEST_NO_INDEX, none (every value
     * is scanned). The results are the same for every bound, only the cost
     * differs: the tests and the fuzzer compare bounds. */
    size_t max_index;
};

#define SG_INGEST_NO_INDEX SIZE_MAX

/*
 * Parses `body` for `route` on stream `s` into `out` (initialised here;
 * release with sg_ingest_free in every case).
 * Returns SG_INGEST_OK (some items may still be invalid) or the status of
 * the whole-request failure, with out->message set.
 */
enum sg_ingest_status sg_ingest_parse(struct sg_ingest *out, enum sg_ingest_route route,
                                      const struct sg_stream_config *s, const char *body,
                                      size_t len, const struct sg_ingest_limits *lim);

void sg_ingest_free(struct sg_ingest *in);

#endif
