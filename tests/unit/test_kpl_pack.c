/*
 * test_kpl_pack: server/kinesis/kpl_pack.h over a four-shard map: every record goes
 * out exactly once, in a group whose records all belong to one shard (their
 * hash in that shard's range), in arrival order within the shard; groups of
 * one are the record's own entry, aggregates carry the first record's key and
 * hash; a record too large to aggregate goes alone; the call's entry and byte
 * limits leave the rest for the next call. The aggregates' bytes are checked
 * against awslabs' decoder in tests/kpl.
 */
#include "kinesis/kpl_pack.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "kinesis/kinesis_codec.h"

#define N_MAX 600

struct fixture {
    struct sg_record recs[N_MAX];
    char keys[N_MAX][32];
    char data[N_MAX][2100];
    struct sg_buf entries[N_MAX];
    struct sg_shard_map map;
};

static struct fixture fx;

static void make_map(void)
{
    const sg_hash_key q = ((sg_hash_key)1) << 126;
    char body[2048], a[SG_HASH_KEY_DEC_MAX], b[SG_HASH_KEY_DEC_MAX];
    size_t o = (size_t)snprintf(body, sizeof body, "{\"Shards\":[");
    for (int i = 0; i < 4; i++) {
        sg_hash_key_format(q * (sg_hash_key)i, a);
        sg_hash_key_format(i == 3 ? ~(sg_hash_key)0 : q * (sg_hash_key)(i + 1) - 1, b);
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "%s{\"ShardId\":\"shardId-00000000000%d\",\"HashKeyRange\":{"
                              "\"StartingHashKey\":\"%s\",\"EndingHashKey\":\"%s\"}}",
                              i ? "," : "", i, a, b);
    }
    snprintf(body + o, sizeof body - o, "]}");
    char token[8], err[128];
    memset(&fx.map, 0, sizeof fx.map);
    CHECK(sg_shard_map_add_page(&fx.map, body, strlen(body), token, sizeof token, err,
                                sizeof err) == 0 &&
              sg_shard_map_finish(&fx.map, err, sizeof err) == 0,
          "map: %s", err);
}

/* n records; record i has `size(i)` bytes of data and key "k<i % keys>". */
static struct sg_record *make_records(size_t n, size_t (*size)(size_t), size_t keys)
{
    for (size_t i = 0; i < n; i++) {
        struct sg_record *r = &fx.recs[i];
        memset(r, 0, sizeof *r);
        snprintf(fx.keys[i], sizeof fx.keys[i], "k%zu", i % keys);
        size_t len = size(i);
        memset(fx.data[i], 'a' + (int)(i % 26), len);
        r->key = fx.keys[i];
        r->key_len = strlen(fx.keys[i]);
        r->data = fx.data[i];
        r->data_len = len;
        r->hash = sg_hash_key_of_partition_key(r->key, r->key_len);
        r->kinesis_bytes = len + r->key_len;
        sg_buf_free(&fx.entries[i]);
        sg_buf_init(&fx.entries[i], 0);
        CHECK(sg_kinesis_append_entry(&fx.entries[i], r->data, len, r->key, r->key_len, NULL) == 0,
              "entry");
        r->entry = fx.entries[i].data;
        r->entry_len = fx.entries[i].len;
        r->next = i + 1 < n ? &fx.recs[i + 1] : NULL;
    }
    return &fx.recs[0];
}

static size_t small(size_t i)
{
    return 200 + i % 200;
}

static size_t huge_every_7(size_t i)
{
    return i % 7 == 3 ? 2000 : 100;
}

struct result {
    size_t n_groups, sent, left, aggregates;
    int seen[N_MAX];
};

static void check_pack(const char *what, size_t n, size_t (*size)(size_t), size_t keys,
                       struct sg_kpl_pack_limits lim, struct result *res)
{
    memset(res, 0, sizeof *res);
    struct sg_record *list = make_records(n, size, keys), *left = NULL;
    struct sg_buf body;
    sg_buf_init(&body, 0);
    struct sg_kpl_group *groups = calloc(lim.max_entries, sizeof *groups);
    CHECK(sg_kpl_pack(&list, n, &fx.map, &lim, &body, groups, &res->n_groups, &left) == 0,
          "%s: packed", what);
    /* the body is a JSON array's inside, one entry per group */
    char *wrapped = malloc(body.len + 3);
    wrapped[0] = '[';
    memcpy(wrapped + 1, body.data ? body.data : "", body.len);
    memcpy(wrapped + 1 + body.len, "]", 2);
    json_t *arr = json_loads(wrapped, 0, NULL);
    CHECK(json_is_array(arr) && json_array_size(arr) == res->n_groups, "%s: %zu entries", what,
          res->n_groups);
    struct sg_record *r = list;
    size_t prev_pos_in_shard[4] = {0};
    for (size_t g = 0; g < res->n_groups; g++) {
        CHECK(groups[g].first == r, "%s: group %zu starts where the list goes on", what, g);
        const struct sg_shard *owner = &fx.map.shards[groups[g].shard];
        json_t *e = json_array_get(arr, g);
        const char *ehk = json_string_value(json_object_get(e, "ExplicitHashKey"));
        const char *pk = json_string_value(json_object_get(e, "PartitionKey"));
        CHECK(pk && strcmp(pk, groups[g].first->key) == 0, "%s: the first record's key", what);
        if (groups[g].count == 1) {
            CHECK(!ehk, "%s: a group of one is sent plain", what);
        } else {
            char want[SG_HASH_KEY_DEC_MAX];
            sg_hash_key_format(groups[g].first->hash, want);
            CHECK(ehk && strcmp(ehk, want) == 0, "%s: aggregate's ExplicitHashKey", what);
            res->aggregates++;
        }
        for (uint32_t i = 0; i < groups[g].count; i++, r = r->next) {
            size_t idx = (size_t)(r - fx.recs);
            res->seen[idx]++;
            res->sent++;
            CHECK(r->hash >= owner->range.start && r->hash <= owner->range.end,
                  "%s: record %zu in its group's shard", what, idx);
            size_t s = groups[g].shard;
            CHECK(idx + 1 > prev_pos_in_shard[s], "%s: arrival order kept in shard %zu", what, s);
            prev_pos_in_shard[s] = idx + 1;
        }
    }
    CHECK(r == NULL, "%s: the list ends with the last group", what);
    for (struct sg_record *l = left; l; l = l->next) {
        res->seen[l - fx.recs]++;
        res->left++;
    }
    for (size_t i = 0; i < n; i++)
        CHECK(res->seen[i] == 1, "%s: record %zu placed once (%d)", what, i, res->seen[i]);
    json_decref(arr);
    free(wrapped);
    free(groups);
    sg_buf_free(&body);
}

static void test_groups_by_shard(void)
{
    struct result res;
    struct sg_kpl_pack_limits lim = {51200, 500, 5u << 20};
    check_pack("500 records of 200-400 bytes", 500, small, 500, lim, &res);
    CHECK(res.left == 0 && res.sent == 500, "all sent");
    /* ~150 KB over 4 shards: a few aggregates per shard, far fewer entries */
    CHECK(res.n_groups >= 4 && res.n_groups <= 12, "%zu entries for 500 records", res.n_groups);
    check_pack("one key", 100, small, 1, lim, &res);
    CHECK(res.n_groups == 1 && res.aggregates == 1, "one shard, one aggregate");
    check_pack("one record", 1, small, 1, lim, &res);
    CHECK(res.n_groups == 1 && res.aggregates == 0, "an aggregate of one is sent plain");
}

static void test_too_large_goes_alone(void)
{
    struct result res;
    struct sg_kpl_pack_limits lim = {1500, 500, 5u << 20};
    check_pack("2000-byte records among 100-byte ones", 70, huge_every_7, 70, lim, &res);
    CHECK(res.left == 0, "all sent");
    CHECK(res.n_groups >= 10 + 4, "each large record alone: %zu entries", res.n_groups);
}

static void test_call_limits(void)
{
    struct result res;
    struct sg_kpl_pack_limits few = {51200, 3, 5u << 20};
    check_pack("3 entries at most", 500, small, 500, few, &res);
    CHECK(res.n_groups == 3 && res.left > 0 && res.sent + res.left == 500,
          "3 entries, %zu records left for the next call", res.left);
    struct sg_kpl_pack_limits bytes = {51200, 500, 60000};
    check_pack("60,000 bytes a call", 500, small, 500, bytes, &res);
    CHECK(res.left > 0 && res.sent > 0, "%zu sent, %zu left", res.sent, res.left);
    CHECK(res.sent * 200 <= 60000, "no more than the byte limit sent");
}

int main(void)
{
    make_map();
    test_groups_by_shard();
    test_too_large_goes_alone();
    test_call_limits();
    for (size_t i = 0; i < N_MAX; i++)
        sg_buf_free(&fx.entries[i]);
    sg_shard_map_free(&fx.map);
    return sg_check_result("test_kpl_pack");
}
