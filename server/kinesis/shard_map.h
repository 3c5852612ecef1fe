/*
 * shard_map: which open shard of a stream owns which range of hash keys,
 * from ListShards answers, and what DescribeStreamSummary says about a
 * stream that matters for aggregation (kpl.h):
 *
 *   - ListShards (https://docs.aws.amazon.com/kinesis/latest/APIReference/
 *     API_ListShards.html) pages through every shard; a shard whose
 *     SequenceNumberRange has an EndingSequenceNumber is closed (after a
 *     split or merge) and receives no more records, so only open shards are
 *     kept. Open shards cover the hash-key space without overlap.
 *   - DescribeStreamSummary's StreamDescriptionSummary: StreamStatus,
 *     MaxRecordSizeInKiB (1024-10240, since 2025) and RecordDistributionStrategy
 *     ("AUTO": Kinesis places records itself and ignores partition and
 *     explicit hash keys, so KCL drops aggregated records it de-aggregates).
 *
 * Pure parsing over jansson (control-plane answers, a few per minute), no
 * I/O; a map is owned by one thread.
 */
#ifndef SG_SHARD_MAP_H
#define SG_SHARD_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "hash_key.h"
#include "must_check.h"

#define SG_SHARD_ID_MAX 128
#define SG_SHARD_MAP_MAX 10000 /* more open shards than any stream allows by default */

struct sg_shard {
    char id[SG_SHARD_ID_MAX + 1];
    struct sg_hash_range range;
};

/* Callers embed it; zero-initialised it is an empty map. */
struct sg_shard_map {
    struct sg_shard *shards;      /* sorted by range.start after sg_shard_map_finish */
    struct sg_hash_range *ranges; /* the same ranges, for sg_hash_range_find */
    size_t n, cap;
};

/* Adds the open shards of one ListShards answer. Sets next_token to the
 * answer's NextToken ("" on the last page). Returns 0, or -1 with a reason in
 * err (the map may then hold part of the page: free it). */
SG_MUST_CHECK int sg_shard_map_add_page(struct sg_shard_map *m, const char *body, size_t len,
                                        char *next_token, size_t token_cap, char *err,
                                        size_t err_cap);

/* Sorts the shards by range and checks that they neither overlap nor leave a
 * hash key without a shard. Returns 0, or -1 with a reason in err. */
SG_MUST_CHECK int sg_shard_map_finish(struct sg_shard_map *m, char *err, size_t err_cap);

/* The index in m->shards of the open shard that owns key k, or -1. */
long sg_shard_map_find(const struct sg_shard_map *m, sg_hash_key k);

void sg_shard_map_free(struct sg_shard_map *m);

struct sg_stream_summary {
    char status[16];         /* CREATING, ACTIVE, UPDATING, DELETING */
    unsigned max_record_kib; /* MaxRecordSizeInKiB; 0 when absent (emulators) */
    bool auto_distribution;  /* RecordDistributionStrategy is AUTO */
};

/* Parses a DescribeStreamSummary answer. Returns 0, or -1 when it has no
 * StreamDescriptionSummary.StreamStatus. */
SG_MUST_CHECK int sg_stream_summary_parse(const char *body, size_t len,
                                          struct sg_stream_summary *out);

#endif
