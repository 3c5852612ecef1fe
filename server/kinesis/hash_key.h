/*
 * hash_key: Kinesis' 128-bit hash keys. Kinesis maps a record to a shard by
 * the MD5 of its partition key read as an unsigned big-endian 128-bit integer
 * (or by an ExplicitHashKey, the same integer written in decimal); each shard
 * owns an inclusive range [starting, ending] of that space (ListShards'
 * HashKeyRange). Pure functions; thread-safe.
 */
#ifndef SG_HASH_KEY_H
#define SG_HASH_KEY_H

#include <stddef.h>

#include "must_check.h"

typedef unsigned __int128 sg_hash_key;

/* Decimal digits of the largest hash key, 2^128 - 1, plus the NUL. */
#define SG_HASH_KEY_DEC_MAX 40

/* The hash key Kinesis computes for partition key key[0..len). */
sg_hash_key sg_hash_key_of_partition_key(const char *key, size_t len);

/* Parses an ExplicitHashKey / HashKeyRange bound: decimal `0|[1-9][0-9]*`
 * no larger than 2^128 - 1. Returns 0 and sets *out, or -1. */
SG_MUST_CHECK int sg_hash_key_parse(const char *s, size_t len, sg_hash_key *out);

/* Writes k in decimal, NUL-terminated, into out. Returns the length. */
size_t sg_hash_key_format(sg_hash_key k, char out[SG_HASH_KEY_DEC_MAX]);

/* One shard's inclusive range of hash keys. */
struct sg_hash_range {
    sg_hash_key start;
    sg_hash_key end;
};

/* The index of the range that holds k among n ranges sorted by start and not
 * overlapping (the open shards of a stream), or -1 when none does. */
long sg_hash_range_find(const struct sg_hash_range *ranges, size_t n, sg_hash_key k);

#endif
