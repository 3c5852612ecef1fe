/*
 * test_shard_map: server/kinesis/shard_map.h over ListShards and
 * DescribeStreamSummary answers shaped as Kinesis (and kinesalite) send
 * them: four even shards, the same stream after a split (closed parent,
 * two open children, listed out of order over two pages), gaps, overlaps and
 * broken answers refused with a reason, and the summary's status, maximum
 * record size and record distribution strategy.
 */
#include "kinesis/shard_map.h"

#include "check.h"

#define Q1 "85070591730234615865843651857942052863"
#define Q1N "85070591730234615865843651857942052864"
#define Q2 "170141183460469231731687303715884105727"
#define Q2N "170141183460469231731687303715884105728"
#define Q3 "255211775190703847597530955573826158591"
#define Q3N "255211775190703847597530955573826158592"
#define MAX "340282366920938463463374607431768211455"
#define MID "127605887595351923798765477786913079295"
#define MIDN "127605887595351923798765477786913079296"

#define SHARD(id, a, b, closed)                                                                    \
    "{\"ShardId\":\"" id "\",\"HashKeyRange\":{\"StartingHashKey\":\"" a                           \
    "\",\"EndingHashKey\":\"" b                                                                    \
    "\"},\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"1\"" closed "}}"
#define OPEN ""
#define CLOSED ",\"EndingSequenceNumber\":\"9\""

static const char *const four =
    "{\"Shards\":[" SHARD("shardId-000000000000", "0", Q1, OPEN) "," SHARD(
        "shardId-000000000001", Q1N, Q2, OPEN) "," SHARD("shardId-000000000002", Q2N, Q3,
                                                         OPEN) "," SHARD("shardId-000000000003",
                                                                         Q3N, MAX, OPEN) "]}";

/* After SplitShard of shard 1 at MID: page 1 then page 2. */
static const char *const split_page1 =
    "{\"Shards\":[" SHARD("shardId-000000000003", Q3N, MAX, OPEN) "," SHARD(
        "shardId-000000000001", Q1N, Q2, CLOSED) "," SHARD("shardId-000000000005", MIDN, Q2,
                                                           OPEN) "],\"NextToken\":\"page-2\"}";
static const char *const split_page2 =
    "{\"Shards\":[" SHARD("shardId-000000000000", "0", Q1, OPEN) "," SHARD(
        "shardId-000000000002", Q2N, Q3, OPEN) "," SHARD("shardId-000000000004", Q1N, MID,
                                                         OPEN) "]}";

static sg_hash_key key(const char *dec)
{
    sg_hash_key k = 0;
    CHECK(sg_hash_key_parse(dec, strlen(dec), &k) == 0, "test key %s", dec);
    return k;
}

static void expect_owner(const struct sg_shard_map *m, const char *k, const char *want)
{
    long i = sg_shard_map_find(m, key(k));
    const struct sg_shard *s = i < 0 ? NULL : &m->shards[i];
    CHECK(s && strcmp(s->id, want) == 0, "key %s: %s, want %s", k, s ? s->id : "none", want);
}

static void test_four_shards(void)
{
    struct sg_shard_map m = {0};
    char token[64], err[160];
    CHECK(sg_shard_map_add_page(&m, four, strlen(four), token, sizeof token, err, sizeof err) == 0,
          "parsed: %s", err);
    CHECK(token[0] == '\0', "last page");
    CHECK(sg_shard_map_finish(&m, err, sizeof err) == 0, "complete: %s", err);
    CHECK(m.n == 4, "4 shards");
    expect_owner(&m, "0", "shardId-000000000000");
    expect_owner(&m, Q1, "shardId-000000000000");
    expect_owner(&m, Q1N, "shardId-000000000001");
    expect_owner(&m, MAX, "shardId-000000000003");
    /* "customer-42" hashes to 273230869323448032740578469245923174832 (test_hash_key) */
    CHECK(sg_shard_map_find(&m, sg_hash_key_of_partition_key("customer-42", 11)) == 3,
          "customer-42 -> shard 3");
    sg_shard_map_free(&m);
    CHECK(sg_shard_map_find(&m, 0) == -1, "an empty map owns nothing");
}

static void test_after_split(void)
{
    struct sg_shard_map m = {0};
    char token[64], err[160];
    CHECK(sg_shard_map_add_page(&m, split_page1, strlen(split_page1), token, sizeof token, err,
                                sizeof err) == 0,
          "page 1: %s", err);
    CHECK_STREQ(token, "page-2", "NextToken");
    CHECK(sg_shard_map_add_page(&m, split_page2, strlen(split_page2), token, sizeof token, err,
                                sizeof err) == 0,
          "page 2: %s", err);
    CHECK(sg_shard_map_finish(&m, err, sizeof err) == 0, "complete: %s", err);
    CHECK(m.n == 5, "5 open shards, the closed parent left out (%zu)", m.n);
    expect_owner(&m, Q1N, "shardId-000000000004");
    expect_owner(&m, MID, "shardId-000000000004");
    expect_owner(&m, MIDN, "shardId-000000000005");
    expect_owner(&m, Q2, "shardId-000000000005");
    expect_owner(&m, Q2N, "shardId-000000000002");
    sg_shard_map_free(&m);
}

static void test_refused(void)
{
    static const struct {
        const char *body;
        int page_ok; /* the page parses; finish then fails */
        const char *why;
    } rows[] = {
        {"{\"Shards\":[" SHARD("a", "0", Q1, OPEN) "]}", 1, "end before the last hash key"},
        {"{\"Shards\":[" SHARD("a", "0", Q1, OPEN) "," SHARD("b", Q2N, MAX, OPEN) "]}", 1, "gap"},
        {"{\"Shards\":[" SHARD("a", "0", Q2, OPEN) "," SHARD("b", Q1N, MAX, OPEN) "]}", 1,
         "overlap"},
        {"{\"Shards\":[" SHARD("a", Q1N, MAX, OPEN) "]}", 1, "gap"},
        {"{\"Shards\":[" SHARD("a", "0", MAX, CLOSED) "]}", 1, "no open shard"},
        {"{\"Shards\":[]}", 1, "no open shard"},
        {"{\"Shards\":[" SHARD("a", "5", "4", OPEN) "]}", 0, "HashKeyRange"},
        {"{\"Shards\":[" SHARD("a", "0", "340282366920938463463374607431768211456", OPEN) "]}", 0,
         "HashKeyRange"},
        {"{\"Shards\":[{\"ShardId\":\"a\"}]}", 0, "HashKeyRange"},
        {"{\"Shard\":[]}", 0, "no Shards list"},
        {"not json", 0, "no Shards list"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_shard_map m = {0};
        char token[64], err[160] = "";
        int rc = sg_shard_map_add_page(&m, rows[i].body, strlen(rows[i].body), token, sizeof token,
                                       err, sizeof err);
        CHECK((rc == 0) == rows[i].page_ok, "row %zu: page rc %d (%s)", i, rc, err);
        if (rc == 0)
            CHECK(sg_shard_map_finish(&m, err, sizeof err) != 0, "row %zu refused", i);
        CHECK(strstr(err, rows[i].why) != NULL, "row %zu: reason [%s] names [%s]", i, err,
              rows[i].why);
        sg_shard_map_free(&m);
    }
}

static void test_summary(void)
{
    static const struct {
        const char *body;
        int ok;
        const char *status;
        unsigned max_kib;
        bool auto_dist;
    } rows[] = {
        {"{\"StreamDescriptionSummary\":{\"StreamName\":\"events\",\"StreamStatus\":\"ACTIVE\","
         "\"OpenShardCount\":4}}",
         1, "ACTIVE", 0, false},
        {"{\"StreamDescriptionSummary\":{\"StreamStatus\":\"UPDATING\",\"MaxRecordSizeInKiB\":"
         "10240,"
         "\"RecordDistributionStrategy\":\"USER_PARTITION_KEY\"}}",
         1, "UPDATING", 10240, false},
        {"{\"StreamDescriptionSummary\":{\"StreamStatus\":\"ACTIVE\",\"MaxRecordSizeInKiB\":2048,"
         "\"StreamModeDetails\":{\"StreamMode\":\"ON_DEMAND\"},"
         "\"RecordDistributionStrategy\":\"AUTO\"}}",
         1, "ACTIVE", 2048, true},
        /* out-of-range sizes are not believed */
        {"{\"StreamDescriptionSummary\":{\"StreamStatus\":\"ACTIVE\",\"MaxRecordSizeInKiB\":99999}"
         "}",
         1, "ACTIVE", 0, false},
        {"{\"StreamDescriptionSummary\":{}}", 0, "", 0, false},
        {"[]", 0, "", 0, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_stream_summary s;
        int rc = sg_stream_summary_parse(rows[i].body, strlen(rows[i].body), &s);
        CHECK((rc == 0) == rows[i].ok, "row %zu rc %d", i, rc);
        CHECK_STREQ(s.status, rows[i].status, "status");
        CHECK(s.max_record_kib == rows[i].max_kib, "row %zu max %u", i, s.max_record_kib);
        CHECK(s.auto_distribution == rows[i].auto_dist, "row %zu distribution", i);
    }
}

int main(void)
{
    test_four_shards();
    test_after_split();
    test_refused();
    test_summary();
    return sg_check_result("test_shard_map");
}
