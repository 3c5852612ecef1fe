/*
 * test_rand: server/rand.h: UUID format (8-4-4-4-12 lower-case hex, version 4,
 * RFC 4122 variant), no repeats, sg_is_uuid table, and that the 64-bit
 * generator is not stuck.
 */
#include "rand.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void test_uuid_format(void)
{
    enum { N = 2000 };
    static char seen[N][SG_UUID_LEN + 1];
    int bad_format = 0, bad_version = 0, bad_variant = 0, dups = 0, not_accepted = 0;
    for (int i = 0; i < N; i++) {
        char u[SG_UUID_LEN + 2];
        memset(u, 'X', sizeof u);
        sg_rand_uuid(u);
        if (u[SG_UUID_LEN] != '\0' || strlen(u) != SG_UUID_LEN)
            bad_format++;
        for (int j = 0; j < SG_UUID_LEN; j++) {
            bool dash = j == 8 || j == 13 || j == 18 || j == 23;
            if (dash ? u[j] != '-' : !is_lower_hex(u[j]))
                bad_format++;
        }
        if (u[14] != '4')
            bad_version++;
        if (!strchr("89ab", u[19]))
            bad_variant++;
        if (!sg_is_uuid(u, strlen(u)))
            not_accepted++;
        memcpy(seen[i], u, SG_UUID_LEN + 1);
        for (int k = 0; k < i; k++)
            if (memcmp(seen[k], u, SG_UUID_LEN) == 0)
                dups++;
    }
    CHECK(bad_format == 0, "%d format errors (e.g. %s)", bad_format, seen[0]);
    CHECK(bad_version == 0, "%d UUIDs without version 4", bad_version);
    CHECK(bad_variant == 0, "%d UUIDs without the RFC 4122 variant", bad_variant);
    CHECK(not_accepted == 0, "%d UUIDs refused by sg_is_uuid", not_accepted);
    CHECK(dups == 0, "%d repeated UUIDs", dups);

    /* each variable hex digit takes more than one value over N draws */
    int stuck = 0;
    for (int j = 0; j < SG_UUID_LEN; j++) {
        if (j == 8 || j == 13 || j == 18 || j == 23 || j == 14)
            continue;
        int distinct = 0;
        unsigned char v[256] = {0};
        for (int i = 0; i < N; i++)
            if (!v[(unsigned char)seen[i][j]]++)
                distinct++;
        if (distinct < (j == 19 ? 4 : 16))
            stuck++;
    }
    CHECK(stuck == 0, "%d UUID positions do not take all their values", stuck);
}

static void test_u64(void)
{
    uint64_t first = sg_rand_u64(), or_all = 0, and_all = UINT64_MAX;
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sg_rand_u64();
        same += x == first;
        or_all |= x;
        and_all &= x;
    }
    CHECK(same == 0, "value repeated %d times", same);
    CHECK(or_all == UINT64_MAX, "some bit never set: %llx", (unsigned long long)or_all);
    CHECK(and_all == 0, "some bit always set: %llx", (unsigned long long)and_all);
}

static void *thread_uuid(void *arg)
{
    sg_rand_uuid(arg);
    return NULL;
}

/* Per-thread state: two threads must not produce the same sequence. */
static void test_threads(void)
{
    char a[SG_UUID_LEN + 1], b[SG_UUID_LEN + 1];
    pthread_t t1, t2;
    CHECK(pthread_create(&t1, NULL, thread_uuid, a) == 0, "thread 1");
    CHECK(pthread_create(&t2, NULL, thread_uuid, b) == 0, "thread 2");
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK(sg_is_uuid(a, strlen(a)) && sg_is_uuid(b, strlen(b)), "[%s] [%s]", a, b);
    CHECK(strcmp(a, b) != 0, "threads produced the same UUID %s", a);
}

static void test_is_uuid(void)
{
    static const struct {
        const char *s;
        int want;
    } rows[] = {
        {"123e4567-e89b-12d3-a456-426614174000", 1},
        {"123E4567-E89B-12D3-A456-426614174000", 1}, /* either case */
        {"00000000-0000-0000-0000-000000000000", 1}, /* form only, any version */
        {"ffffffff-ffff-ffff-ffff-ffffffffffff", 1},
        {"aBcDeF01-2345-6789-AbCd-ef0123456789", 1},
        {"", 0},
        {"123e4567-e89b-12d3-a456-42661417400", 0},   /* 35 */
        {"123e4567-e89b-12d3-a456-4266141740000", 0}, /* 37 */
        {"123e4567e89b12d3a456426614174000", 0},      /* no dashes */
        {"123e4567-e89b-12d3-a456_426614174000", 0},
        {"123e4567-e89b-12d3a-456-426614174000", 0}, /* dash misplaced */
        {"123e4567-e89b-12d3-a456-42661417400g", 0},
        {"g23e4567-e89b-12d3-a456-426614174000", 0},
        {"123e4567-e89b-12d3-a456-4266141740 0", 0},
        {"{23e4567-e89b-12d3-a456-426614174000", 0},
        {"123e4567--89b-12d3-a456-426614174000", 0},
        {"------------------------------------", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK(sg_is_uuid(rows[i].s, strlen(rows[i].s)) == rows[i].want, "sg_is_uuid(\"%s\") != %d",
              rows[i].s, rows[i].want);
    /* the length is what counts, not a NUL */
    const char *longer = "123e4567-e89b-12d3-a456-426614174000trailing";
    CHECK(sg_is_uuid(longer, 36) == 1, "prefix of 36");
    CHECK(sg_is_uuid(longer, 37) == 0, "37 bytes");
}

int main(void)
{
    test_uuid_format();
    test_u64();
    test_threads();
    test_is_uuid();
    return sg_check_result("test_rand");
}
