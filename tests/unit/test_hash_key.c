/*
 * test_hash_key: server/kinesis/hash_key.h: the MD5 hash keys of partition keys
 * (expected values computed independently, with Python's hashlib), decimal
 * parse/format at the bounds of the 128-bit space, and shard range lookup
 * over ranges laid out as ListShards returns them.
 */
#include "kinesis/hash_key.h"

#include "check.h"

static void test_partition_keys(void)
{
    static const struct {
        const char *key;
        const char *want;
    } rows[] = {
        {"a", "16955237001963240173058271559858726497"},
        {"customer-42", "273230869323448032740578469245923174832"},
        {"0b7c9a52-3f0e-4c55-8a4b-5c8a7f3e2d10", "207087901194714990013544961523589634619"},
        {"\xD0\x96\xD0\x96\xD0\x96", "254476907732921708118477539311832522068"}, /* UTF-8 bytes */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char got[SG_HASH_KEY_DEC_MAX];
        sg_hash_key_format(sg_hash_key_of_partition_key(rows[i].key, strlen(rows[i].key)), got);
        CHECK_STREQ(got, rows[i].want, rows[i].key);
    }
}

static void test_parse_format(void)
{
    static const struct {
        const char *text;
        int ok;
    } rows[] = {
        {"0", 1},
        {"1", 1},
        {"170141183460469231731687303715884105728", 1}, /* 2^127 */
        {"340282366920938463463374607431768211455", 1}, /* 2^128 - 1 */
        {"340282366920938463463374607431768211456", 0}, /* 2^128 */
        {"999999999999999999999999999999999999999", 0},
        {"1000000000000000000000000000000000000000", 0}, /* 40 digits */
        {"", 0},
        {"01", 0},
        {"-1", 0},
        {"1a", 0},
        {" 1", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sg_hash_key k = 0;
        int rc = sg_hash_key_parse(rows[i].text, strlen(rows[i].text), &k);
        CHECK((rc == 0) == rows[i].ok, "parse [%s] rc %d", rows[i].text, rc);
        if (rc == 0) {
            char back[SG_HASH_KEY_DEC_MAX];
            size_t n = sg_hash_key_format(k, back);
            CHECK(n == strlen(rows[i].text), "format length of %s", rows[i].text);
            CHECK_STREQ(back, rows[i].text, "format(parse(x)) == x");
        }
    }
}

static void test_ranges(void)
{
    /* Four equal shards, as CreateStream lays them out, then a hole left by a
     * closed parent (shard 1's range missing) to find nothing in. */
    const sg_hash_key q = ((sg_hash_key)1) << 126, max = ~(sg_hash_key)0;
    const struct sg_hash_range four[] = {
        {0, q - 1}, {q, 2 * q - 1}, {2 * q, 3 * q - 1}, {3 * q, max}};
    const struct sg_hash_range holed[] = {{0, q - 1}, {2 * q, max}};
    static const struct {
        int holed;
        int quarter; /* k = quarter * q + delta */
        int delta;
        long want;
    } rows[] = {
        {0, 0, 0, 0},  {0, 1, -1, 0},  {0, 1, 0, 1}, {0, 2, 5, 2},
        {0, 3, 0, 3},  {0, 4, -1, 3}, /* the largest key */
        {1, 1, 0, -1}, {1, 2, -1, -1}, {1, 2, 0, 1}, {1, 0, 7, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sg_hash_key k = (sg_hash_key)rows[i].quarter * q + (sg_hash_key)(__int128)rows[i].delta;
        long got = rows[i].holed ? sg_hash_range_find(holed, 2, k) : sg_hash_range_find(four, 4, k);
        CHECK(got == rows[i].want, "row %zu: shard %ld, want %ld", i, got, rows[i].want);
    }
    CHECK(sg_hash_range_find(four, 0, 0) == -1, "no shards: no shard");
}

int main(void)
{
    test_partition_keys();
    test_parse_format();
    test_ranges();
    return sg_check_result("test_hash_key");
}
