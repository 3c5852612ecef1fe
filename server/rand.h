/*
 * rand: fast non-cryptographic randomness for request ids, random partition
 * keys and backoff jitter. State is per thread (seeded from getrandom on
 * first use), so no lock and no shared state between threads.
 */
#ifndef SG_RAND_H
#define SG_RAND_H

#include <stdint.h>

#define SG_UUID_LEN 36

uint64_t sg_rand_u64(void);

/* Writes a random (version 4) UUID, lower-case, NUL-terminated. */
void sg_rand_uuid(char out[SG_UUID_LEN + 1]);

/* True when s is a UUID in 8-4-4-4-12 hex form (either case). */
int sg_is_uuid(const char *s, unsigned long len);

#endif
