/* shard_map: see shard_map.h. */
#include "shard_map.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_key(json_t *v, sg_hash_key *out)
{
    const char *s = json_string_value(v);
    return s ? sg_hash_key_parse(s, strlen(s), out) : -1;
}

static int grow(struct sg_shard_map *m)
{
    if (m->n < m->cap)
        return 0;
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct sg_shard *s = realloc(m->shards, cap * sizeof *s);
    if (!s)
        return -1;
    m->shards = s;
    m->cap = cap;
    return 0;
}

/* One element of Shards: added when open, skipped when closed. */
static int add_shard(struct sg_shard_map *m, json_t *sh, char *err, size_t err_cap)
{
    json_t *range = json_object_get(sh, "HashKeyRange");
    const char *id = json_string_value(json_object_get(sh, "ShardId"));
    struct sg_hash_range r;
    if (!id || strlen(id) > SG_SHARD_ID_MAX ||
        parse_key(json_object_get(range, "StartingHashKey"), &r.start) != 0 ||
        parse_key(json_object_get(range, "EndingHashKey"), &r.end) != 0 || r.end < r.start) {
        snprintf(err, err_cap, "ListShards: a shard without a valid ShardId and HashKeyRange");
        return -1;
    }
    json_t *seq = json_object_get(sh, "SequenceNumberRange");
    if (json_string_value(json_object_get(seq, "EndingSequenceNumber")))
        return 0; /* closed */
    if (m->n >= SG_SHARD_MAP_MAX || grow(m) != 0) {
        snprintf(err, err_cap, "ListShards: too many open shards");
        return -1;
    }
    struct sg_shard *s = &m->shards[m->n++];
    snprintf(s->id, sizeof s->id, "%s", id);
    s->range = r;
    return 0;
}

int sg_shard_map_add_page(struct sg_shard_map *m, const char *body, size_t len, char *next_token,
                          size_t token_cap, char *err, size_t err_cap)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *shards = json_object_get(root, "Shards");
    int rc = -1;
    if (!json_is_array(shards)) {
        snprintf(err, err_cap, "ListShards: the answer has no Shards list");
        goto done;
    }
    size_t i;
    json_t *sh;
    json_array_foreach(shards, i, sh)
    {
        if (add_shard(m, sh, err, err_cap) != 0)
            goto done;
    }
    const char *token = json_string_value(json_object_get(root, "NextToken"));
    if (token && strlen(token) >= token_cap) {
        snprintf(err, err_cap, "ListShards: NextToken too long");
        goto done;
    }
    snprintf(next_token, token_cap, "%s", token ? token : "");
    rc = 0;
done:
    json_decref(root);
    return rc;
}

static int by_start(const void *a, const void *b)
{
    const struct sg_shard *x = a, *y = b;
    return x->range.start < y->range.start ? -1 : x->range.start > y->range.start;
}

int sg_shard_map_finish(struct sg_shard_map *m, char *err, size_t err_cap)
{
    if (m->n == 0) {
        snprintf(err, err_cap, "ListShards: the stream has no open shard");
        return -1;
    }
    qsort(m->shards, m->n, sizeof *m->shards, by_start);
    sg_hash_key expect = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct sg_hash_range *r = &m->shards[i].range;
        if (r->start != expect) {
            snprintf(err, err_cap, "ListShards: open shards %s the hash-key space at %s",
                     r->start < expect ? "overlap in" : "leave a gap in", m->shards[i].id);
            return -1;
        }
        expect = r->end + 1; /* wraps to 0 after the last key */
    }
    if (expect != 0) {
        snprintf(err, err_cap, "ListShards: open shards end before the last hash key");
        return -1;
    }
    free(m->ranges);
    m->ranges = malloc(m->n * sizeof *m->ranges);
    if (!m->ranges) {
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < m->n; i++)
        m->ranges[i] = m->shards[i].range;
    return 0;
}

long sg_shard_map_find(const struct sg_shard_map *m, sg_hash_key k)
{
    return m->ranges ? sg_hash_range_find(m->ranges, m->n, k) : -1;
}

void sg_shard_map_free(struct sg_shard_map *m)
{
    free(m->shards);
    free(m->ranges);
    memset(m, 0, sizeof *m);
}

int sg_stream_summary_parse(const char *body, size_t len, struct sg_stream_summary *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *sum = json_object_get(root, "StreamDescriptionSummary");
    const char *status = json_string_value(json_object_get(sum, "StreamStatus"));
    int rc = -1;
    if (status) {
        snprintf(out->status, sizeof out->status, "%s", status);
        json_t *max = json_object_get(sum, "MaxRecordSizeInKiB");
        if (json_is_integer(max) && json_integer_value(max) >= 1024 &&
            json_integer_value(max) <= 10240)
            out->max_record_kib = (unsigned)json_integer_value(max);
        const char *dist = json_string_value(json_object_get(sum, "RecordDistributionStrategy"));
        out->auto_distribution = dist && strcmp(dist, "AUTO") == 0;
        rc = 0;
    }
    json_decref(root);
    return rc;
}
