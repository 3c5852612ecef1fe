/*
 * fk_uuid_set: a concurrent set of 16-byte keys (event UUIDs), used to count
 * how many records fake_kinesis received once and how many again.
 *
 * DESIGN: FK_UUID_SET_STRIPES independent open-addressing tables with linear
 * probing, each behind its own mutex; a key's hash picks the stripe, so
 * request threads rarely meet on a lock. Tables double at half load. The
 * all-zero key (the nil UUID) is kept as a flag per stripe, since a zero slot
 * marks "empty". Memory grows with the number of distinct keys, without
 * ceiling: the benchmark clears the set between runs.
 */
#ifndef FK_UUID_SET_H
#define FK_UUID_SET_H

#include <stddef.h>

#define FK_UUID_SET_STRIPES 64
#define FK_UUID_SET_INITIAL 4096 /* slots per stripe at start, a power of two */

struct fk_uuid_set;

/* Returns a new empty set, or NULL when out of memory. */
struct fk_uuid_set *fk_uuid_set_new(void);

/* Frees the set; accepts NULL. */
void fk_uuid_set_free(struct fk_uuid_set *set);

/*
 * Adds key. Thread-safe.
 * Returns 1 when the key was new, 0 when already present, -1 when out of
 * memory (the key is then not counted).
 */
int fk_uuid_set_add(struct fk_uuid_set *set, const unsigned char key[16]);

/* Empties the set and returns it to its initial size. Thread-safe. */
void fk_uuid_set_clear(struct fk_uuid_set *set);

/* Returns the number of keys. Thread-safe. */
size_t fk_uuid_set_size(struct fk_uuid_set *set);

#endif
