/*
 * fk_kpl: takes KPL aggregated records apart, so that fake_kinesis counts
 * the user records inside them. Written from the format's description
 * (awslabs/amazon-kinesis-producer, aggregation-format.md):
 *
 *   F3 89 9A C2 | AggregatedRecord (protobuf) | MD5 of the protobuf bytes
 *
 *   AggregatedRecord: repeated string partition_key_table = 1,
 *                     repeated string explicit_hash_key_table = 2,
 *                     repeated Record records = 3
 *   Record: required uint64 partition_key_index = 1,
 *           optional uint64 explicit_hash_key_index = 2,
 *           required bytes data = 3, (repeated Tag tags = 4, skipped)
 *
 * Unknown fields are skipped by wire type, as protobuf readers do. Pure and
 * thread-safe; allocates the two table indexes per call.
 */
#ifndef FK_KPL_H
#define FK_KPL_H

#include <stddef.h>

#define FK_KPL_MAGIC "\xF3\x89\x9A\xC2"
#define FK_KPL_MAGIC_LEN 4
#define FK_KPL_DIGEST_LEN 16

/* One user record of an aggregate; every span points into the aggregate. */
struct fk_kpl_user {
    const unsigned char *key; /* its partition key (table entry) */
    size_t key_len;
    const unsigned char *hash; /* its explicit hash key (decimal text), or NULL */
    size_t hash_len;
    const unsigned char *data;
    size_t data_len;
};

typedef void (*fk_kpl_user_fn)(void *ctx, const struct fk_kpl_user *u);

enum fk_kpl_result {
    FK_KPL_PLAIN = 0,  /* no magic: a plain record */
    FK_KPL_AGGREGATE,  /* a valid aggregate; every user record was passed to fn */
    FK_KPL_BAD_DIGEST, /* magic, but too short or the MD5 differs (KCL: plain) */
    FK_KPL_MALFORMED,  /* magic and digest right, protobuf unreadable or an index
                          out of its table (fn may have been called for some) */
    FK_KPL_NO_MEMORY,
};

/*
 * Reads the n bytes at d. When they are an aggregate, calls fn(ctx, user) for
 * each user record in order and stores their number in *users.
 */
enum fk_kpl_result fk_kpl_read(const unsigned char *d, size_t n, fk_kpl_user_fn fn, void *ctx,
                               size_t *users);

#endif
