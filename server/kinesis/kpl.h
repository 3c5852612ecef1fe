/*
 * kpl: builds Kinesis Producer Library aggregated records, the format KCL,
 * Firehose and the Lambda de-aggregation modules take apart again
 * (awslabs/amazon-kinesis-producer, aggregation-format.md):
 *
 *   F3 89 9A C2 | AggregatedRecord (protobuf) | MD5 of the protobuf bytes
 *
 *   message AggregatedRecord {
 *     repeated string partition_key_table     = 1;
 *     repeated string explicit_hash_key_table = 2;
 *     repeated Record records                 = 3;
 *   }
 *   message Record {
 *     required uint64 partition_key_index     = 1;
 *     optional uint64 explicit_hash_key_index = 2;
 *     required bytes  data                    = 3;
 *     repeated Tag    tags                    = 4;
 *   }
 *
 * User records carry only a partition key index and data: their shard is
 * the one their partition key hashes to, and the caller groups them so
 * (hash_key.h), so no explicit hash key table is needed. Consecutive records
 * with the same key share one table entry.
 *
 * A builder is owned by one thread; it holds copies of what was added.
 * Callers embed the struct; its fields are private.
 *
 * SG_PRIVATE_HEADER: only server/kinesis/ (and its tests) include it.
 */
#ifndef SG_KPL_H
#define SG_KPL_H

#include <stddef.h>

#include "buf.h"
#include "must_check.h"

#define SG_KPL_MAGIC "\xF3\x89\x9A\xC2"
#define SG_KPL_MAGIC_LEN 4
#define SG_KPL_DIGEST_LEN 16
/* KPL's AggregationMaxSize default. */
#define SG_KPL_DEFAULT_MAX_BYTES 51200

struct sg_kpl_agg {
    struct sg_buf _keys;    /* partition_key_table entries, encoded */
    struct sg_buf _records; /* records entries, encoded */
    size_t _count;
    size_t _n_keys;
    size_t _last_key_off; /* the newest table entry's bytes within _keys */
    size_t _last_key_len;
    size_t _max_bytes;
};

enum sg_kpl_add_result {
    SG_KPL_ADDED = 0,
    SG_KPL_FULL,      /* the aggregate would pass its maximum: nothing added */
    SG_KPL_NO_MEMORY, /* nothing added */
};

/* An empty aggregate whose encoded form (magic, protobuf and digest) may
 * reach max_bytes. */
void sg_kpl_agg_init(struct sg_kpl_agg *a, size_t max_bytes);

/* Releases the memory. NULL-safe. */
void sg_kpl_agg_free(struct sg_kpl_agg *a);

/* Empties the aggregate, keeping its memory. */
void sg_kpl_agg_reset(struct sg_kpl_agg *a);

/* The encoded size of the aggregate as it is now. */
size_t sg_kpl_agg_size(const struct sg_kpl_agg *a);

/* Adds one user record (copied). */
SG_MUST_CHECK enum sg_kpl_add_result sg_kpl_agg_add(struct sg_kpl_agg *a, const char *key,
                                                    size_t key_len, const void *data,
                                                    size_t data_len);

/* Appends the encoded aggregate to out. Returns 0, or -1 (out's limit or no
 * memory; out then holds a partial aggregate the caller must drop). */
SG_MUST_CHECK int sg_kpl_agg_encode(const struct sg_kpl_agg *a, struct sg_buf *out);

#endif
