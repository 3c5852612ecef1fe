/*
 * rand: per-thread xoshiro256** generator (see rand.h).
 * Not for secrets: request ids and jitter only need to be unpredictable
 * enough not to collide, and this costs a few nanoseconds instead of a
 * getrandom() system call per request.
 */
#include "rand.h"

#include <stdbool.h>
#include <sys/random.h>
#include <time.h>

static _Thread_local uint64_t state[4];
static _Thread_local bool seeded;

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void seed(void)
{
    if (getrandom(state, sizeof state, 0) != (ssize_t)sizeof state) {
        struct timespec ts; /* fallback: still distinct per thread and start */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state[0] = (uint64_t)ts.tv_nsec ^ 0x9E3779B97F4A7C15ULL;
        state[1] = (uint64_t)(uintptr_t)&state ^ (uint64_t)ts.tv_sec;
        state[2] = 0xBF58476D1CE4E5B9ULL;
        state[3] = 0x94D049BB133111EBULL;
    }
    seeded = true;
}

uint64_t sg_rand_u64(void)
{
    if (!seeded)
        seed();
    uint64_t result = rotl(state[1] * 5, 7) * 9;
    uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

void sg_rand_uuid(char out[SG_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = sg_rand_u64(), b = sg_rand_u64();
    unsigned char bytes[16];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (unsigned char)(a >> (i * 8));
        bytes[8 + i] = (unsigned char)(b >> (i * 8));
    }
    bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40); /* version 4 */
    bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[bytes[i] >> 4];
        out[o++] = hex[bytes[i] & 15];
    }
    out[o] = '\0';
}

int sg_is_uuid(const char *s, unsigned long len)
{
    if (len != SG_UUID_LEN)
        return 0;
    for (unsigned long i = 0; i < len; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}
